package report

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// patientInfo is the header of a patient's pages.
func patientInfo(title, unit string, p *patientData) pageInfo {
	return pageInfo{title: title, sub: unit, patient: &p.banner, fresh: p.fresh}
}

// unreadNotice is printed where a patient's chart could not be read.
const unreadNotice = "This patient's chart could not be read when this pack was made: only the census details above are shown. Check the Lifeboat web UI or the latest pack."

// faceSheet writes a patient's face sheet: key facts, allergies, problems,
// active medications, latest vital signs and labs, pending results and
// contacts.
func (d *doc) faceSheet(o *options, unit string, p *patientData) {
	d.newPage(patientInfo("Face sheet", unit, p))
	b := p.banner
	label := firstNonEmpty(b.Name, "NAME NOT RECORDED")
	if p.row.Bed != "" {
		label = p.row.Bed + "  " + label
	}
	d.pdf.Bookmark(d.tr(label), 0, 0)
	weight := b.Weight
	if weight != "" && !b.WeightDate.IsZero() {
		weight += " (" + short(b.WeightDate, o.loc) + ")"
	}
	d.facts([][2]string{
		{"Location", firstNonEmpty(b.Location, "Not on a unit")},
		{"Attending", firstNonEmpty(b.Attending, "Not recorded")},
		{"Admitted", firstNonEmpty(dateTime(b.Admitted, o.loc), "Not recorded")},
		{"Reason", firstNonEmpty(b.Reason, "Not recorded")},
		{"Code status", firstNonEmpty(b.CodeStatus, "NOT RECORDED")},
		{"Weight", firstNonEmpty(weight, "Not recorded")},
		{"Isolation", firstNonEmpty(b.Isolation, "None recorded")},
	})
	c := p.chart
	if c == nil {
		d.setY(d.y() + 6)
		d.banner(unreadNotice, sizeBody)
		return
	}

	d.heading("Allergies", 40)
	switch b.Allergies {
	case lifeboat.AllergiesNotRecorded:
		d.banner("ALLERGIES NOT RECORDED. Ask the patient or family, and check, before giving any medication.", sizeHeading)
	case lifeboat.AllergiesNoneKnown:
		d.paragraph("B", sizeHeading, "NKA: no known allergies (recorded).")
	default:
		var rows [][]cell
		for _, a := range c.Allergies {
			crit := cell{text: a.Criticality}
			if a.Criticality == "high" {
				crit = cell{text: "HIGH", bold: true}
			}
			rows = append(rows, []cell{{text: a.Substance, bold: true, size: 11.5}, {text: strings.Join(a.Reactions, ", ")},
				{text: a.Severity}, crit, {text: a.Category}})
		}
		d.table([]column{{title: "Substance", w: 0.3}, {title: "Reactions", w: 0.32}, {title: "Severity", w: 0.13},
			{title: "Criticality", w: 0.12}, {title: "Category", w: 0.13}}, rows, 0)
	}

	d.heading("Active problems", 40)
	if len(c.Problems) == 0 {
		d.none("No active problems recorded.")
	} else {
		var rows [][]cell
		for _, pr := range c.Problems {
			rows = append(rows, []cell{{text: pr.Name, bold: true}, {text: pr.Onset}, {text: pr.Category}})
		}
		d.table([]column{{title: "Problem", w: 0.6}, {title: "Onset", w: 0.17}, {title: "Category", w: 0.23}}, rows, 0)
	}

	d.heading("Active medications", 40)
	if len(c.Medications) == 0 {
		d.none("No active medication orders.")
	} else {
		var rows [][]cell
		for _, m := range c.Medications {
			how, note := m.Frequency, ""
			switch {
			case m.Continuous:
				how = "Continuous at " + firstNonEmpty(m.Rate, "rate not recorded")
			case m.PRN:
				how = strings.TrimSpace("PRN " + m.Frequency)
				note = m.PRNReason
			}
			if !m.Start.IsZero() {
				note = strings.TrimSpace(note + "\nSince " + dateOnly(m.Start, o.loc))
			}
			rows = append(rows, []cell{{text: m.Name, bold: true}, {text: m.Dose}, {text: m.Route}, {text: how}, {text: strings.TrimSpace(note)}})
		}
		d.table([]column{{title: "Medication", w: 0.34}, {title: "Dose", w: 0.13}, {title: "Route", w: 0.1},
			{title: "Frequency / rate", w: 0.2}, {title: "Notes", w: 0.23}}, rows, 0)
	}

	d.heading("Latest vital signs", 40)
	if len(c.Vitals) == 0 {
		d.none("No vital signs recorded.")
	} else {
		d.table([]column{{title: "Vital sign", w: 0.2}, {title: "Latest", w: 0.18}, {title: "Flag", w: 0.13},
			{title: "Time", w: 0.13}, {title: "Previous (newest first)", w: 0.36}}, resultRows(o, c.Vitals, false), 0)
	}

	d.heading("Latest labs", 40)
	if len(c.Labs) == 0 {
		d.none("No lab results recorded.")
	} else {
		d.table([]column{{title: "Test", w: 0.23}, {title: "Latest", w: 0.15}, {title: "Flag", w: 0.13}, {title: "Range", w: 0.1},
			{title: "Time", w: 0.13}, {title: "Previous (newest first)", w: 0.26}}, resultRows(o, c.Labs, true), 0)
	}

	d.heading("Pending results", 40)
	if len(c.Pending) == 0 {
		d.none("No pending results.")
	} else {
		var rows [][]cell
		for _, r := range c.Pending {
			rows = append(rows, []cell{{text: r.Name, bold: true}, {text: r.Category}, {text: r.Status}, {text: short(r.Time, o.loc)}})
		}
		d.table([]column{{title: "Test", w: 0.46}, {title: "Category", w: 0.18}, {title: "Status", w: 0.16}, {title: "Since", w: 0.2}}, rows, 0)
	}

	d.heading("Contacts", 40)
	if len(c.Contacts) == 0 {
		d.none("No contacts recorded.")
	} else {
		var rows [][]cell
		for _, ct := range c.Contacts {
			rows = append(rows, []cell{{text: ct.Name, bold: true}, {text: ct.Relationship}, {text: ct.Phone}})
		}
		d.table([]column{{title: "Name", w: 0.34}, {title: "Relationship", w: 0.3}, {title: "Phone", w: 0.36}}, rows, 0)
	}
}

// maxPrevious is how many earlier values a face sheet shows per result.
const maxPrevious = 3

// resultRows lays out vital signs or labs: the latest value (bold when
// flagged, white on black when critical) and the previous ones.
func resultRows(o *options, ss []lifeboat.ResultSeries, withRange bool) [][]cell {
	var rows [][]cell
	for _, s := range ss {
		v := s.Latest
		latest := cell{text: strings.TrimSpace(v.Value + " " + s.Unit), bold: v.Flag != "", inverse: v.Critical}
		flag := cell{text: flagText(v), bold: v.Flag != ""}
		var prev []string
		for _, t := range s.Trend[:min(len(s.Trend), maxPrevious)] {
			x := t.Value
			if f := flagText(t); f != "" {
				x += " " + f
			}
			prev = append(prev, x+" ("+short(t.Time, o.loc)+")")
		}
		row := []cell{{text: s.Name, bold: true}, latest, flag}
		if withRange {
			row = append(row, cell{text: s.Range})
		}
		rows = append(rows, append(row, cell{text: short(v.Time, o.loc)}, cell{text: strings.Join(prev, ", ")}))
	}
	return rows
}

// flagText labels an abnormal flag: "H", "L", "A", or "CRITICAL HH".
func flagText(v lifeboat.ResultValue) string {
	if v.Critical {
		return strings.TrimSpace("CRITICAL " + v.Flag)
	}
	return v.Flag
}

// facts writes label-value pairs in two columns.
func (d *doc) facts(pairs [][2]string) {
	colW := d.width() / 2
	labelW := 78.0
	lh := lineHeight(11)
	for i := 0; i < len(pairs); i += 2 {
		h := 0.0
		var layouts [2][]string
		for j := 0; j < 2 && i+j < len(pairs); j++ {
			style := ""
			if pairs[i+j][0] == "Code status" || pairs[i+j][0] == "Isolation" && pairs[i+j][1] != "None recorded" {
				style = "B"
			}
			d.font(style, 11)
			layouts[j] = d.lines(pairs[i+j][1], colW-labelW-8)
			h = max(h, float64(len(layouts[j]))*lh)
		}
		d.ensure(h + 4)
		y := d.y()
		for j := 0; j < 2 && i+j < len(pairs); j++ {
			x := marginX + float64(j)*colW
			d.font("B", sizeBody)
			d.text(x, y+sizeBody, pairs[i+j][0]+":")
			style := ""
			if pairs[i+j][0] == "Code status" || pairs[i+j][0] == "Isolation" && pairs[i+j][1] != "None recorded" {
				style = "B"
			}
			d.font(style, 11)
			for k, l := range layouts[j] {
				d.pdf.Text(x+labelW, y+11+float64(k)*lh, l)
			}
		}
		d.setY(y + h + 4)
	}
}
