package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// censusColumns are the columns of a unit census (landscape pages).
var censusColumns = []column{
	{title: "Bed", w: 0.07},
	{title: "Patient / MRN / DOB", w: 0.24},
	{title: "Age / sex", w: 0.07},
	{title: "Attending", w: 0.14},
	{title: "Admitted", w: 0.10},
	{title: "Allergies", w: 0.16},
	{title: "Code status", w: 0.10},
	{title: "Isolation", w: 0.12},
}

// censusRows lays out a unit's patients as census table rows.
func censusRows(o *options, rows []lifeboat.CensusRow) [][]cell {
	out := make([][]cell, 0, len(rows))
	for _, r := range rows {
		allergy := cell{text: allergyCell(r.Allergies, r.AllergyList), bold: r.Allergies != lifeboat.AllergiesNoneKnown,
			inverse: r.Allergies == lifeboat.AllergiesNotRecorded}
		code := cell{text: r.CodeStatus}
		if r.CodeStatus == "" {
			code = cell{text: "NOT RECORDED", bold: true}
		}
		iso := cell{text: "None recorded"}
		if r.Isolation != "" {
			iso = cell{text: r.Isolation, bold: true}
		}
		out = append(out, []cell{
			{text: firstNonEmpty(r.Bed, "(no bed)"), bold: true, size: sizeID},
			{text: firstNonEmpty(r.Name, "NAME NOT RECORDED"), bold: true, size: 11.5,
				sub: "MRN " + firstNonEmpty(r.MRN, "not recorded") + "\nDOB " + firstNonEmpty(birthDate(r.BirthDate), "not recorded")},
			{text: strings.TrimSpace(r.Age + " " + r.Sex)},
			{text: r.Attending},
			{text: short(r.Admitted, o.loc)},
			allergy, code, iso,
		})
	}
	return out
}

// allergyCell is the allergy status in a table: "NKA", the substances, or
// "NOT RECORDED".
func allergyCell(st lifeboat.AllergyStatus, list []string) string {
	switch st {
	case lifeboat.AllergiesNoneKnown:
		return "NKA"
	case lifeboat.AllergiesPresent:
		return firstNonEmpty(strings.Join(list, ", "), "Recorded")
	}
	return "NOT RECORDED"
}

// unitLabel names a unit with its kind, e.g. "4 West (Medical-surgical)".
func unitLabel(u lifeboat.UnitSummary) string {
	if u.Kind == "" {
		return u.Name
	}
	return u.Name + " (" + u.Kind + ")"
}

// occupancy says how full a unit is, e.g. "24 patients, 28 beds".
func occupancy(u lifeboat.UnitSummary) string {
	p := "patients"
	if u.Occupied == 1 {
		p = "patient"
	}
	return fmt.Sprintf("%d %s, %d beds", u.Occupied, p, u.Beds)
}

// censusTable writes a unit's census table.
func (d *doc) censusTable(o *options, uc *lifeboat.UnitCensus) {
	d.paragraph("B", sizeBody, occupancy(uc.Unit)+". Sorted by bed.")
	if len(uc.Rows) == 0 {
		d.none("No patients on this unit.")
		return
	}
	d.table(censusColumns, censusRows(o, uc.Rows), 0)
}

// hospitalCensus renders every unit's census, after a summary of the units.
func hospitalCensus(o *options, census *lifeboat.Census, units []*unitData) ([]byte, error) {
	d := newDoc(o, "L")
	d.newPage(pageInfo{title: "Hospital census", sub: "all units", fresh: census.Freshness})
	var rows [][]cell
	total, beds := 0, 0
	for i, u := range units {
		s := u.census.Unit
		rows = append(rows, []cell{{text: s.Name, bold: true}, {text: s.Kind}, {text: fmt.Sprint(s.Occupied)}, {text: fmt.Sprint(s.Beds)},
			{text: fmt.Sprintf("{unit%d}", i)}})
		total += s.Occupied
		beds += s.Beds
	}
	rows = append(rows, []cell{{text: "All units", bold: true}, {}, {text: fmt.Sprint(total), bold: true}, {text: fmt.Sprint(beds), bold: true}, {}})
	d.heading("Units", 60)
	d.table([]column{{title: "Unit", w: 0.36}, {title: "Kind", w: 0.28}, {title: "Patients", w: 0.12, align: "R"}, {title: "Beds", w: 0.12, align: "R"},
		{title: "From page", w: 0.12}}, rows, 0)
	for i, u := range units {
		d.newPage(pageInfo{title: "Hospital census", sub: unitLabel(u.census.Unit), fresh: u.census.Freshness})
		d.pdf.RegisterAlias(fmt.Sprintf("{unit%d}", i), fmt.Sprint(d.pdf.PageNo()))
		d.pdf.Bookmark(d.tr(u.census.Unit.Name), 0, -1)
		d.censusTable(o, u.census)
	}
	return d.bytes()
}

// unitCensus renders a unit's census, then its critical and pending results.
func unitCensus(o *options, u *unitData) ([]byte, error) {
	d := newDoc(o, "L")
	info := pageInfo{title: "Unit census", sub: unitLabel(u.census.Unit), fresh: u.census.Freshness}
	d.newPage(info)
	d.censusTable(o, u.census)

	info.title = "Critical and pending results"
	d.newPage(info)
	d.heading(fmt.Sprintf("Critical results, last %d hours (newest first)", int(criticalWindow/time.Hour)), 60)
	crit := criticalRows(o, u.patients)
	if len(crit) == 0 {
		d.none("No critical results on this unit's charts.")
	} else {
		d.table([]column{
			{title: "Bed", w: 0.07}, {title: "Patient / MRN", w: 0.25}, {title: "Result", w: 0.24},
			{title: "Value", w: 0.14}, {title: "Reference range", w: 0.12}, {title: "Time", w: 0.18},
		}, crit, 0)
	}
	d.heading("Pending results (ordered, collected or preliminary), by bed", 60)
	pend := pendingRows(o, u.patients)
	if len(pend) == 0 {
		d.none("No pending results on this unit's charts.")
	} else {
		d.table([]column{
			{title: "Bed", w: 0.07}, {title: "Patient / MRN", w: 0.25}, {title: "Test", w: 0.30},
			{title: "Category", w: 0.12}, {title: "Status", w: 0.10}, {title: "Since", w: 0.16},
		}, pend, 0)
	}
	if missing := unread(u.patients); missing > 0 {
		d.banner(fmt.Sprintf("The charts of %d patients could not be read for this report: their results are not listed. Check the Lifeboat web UI.", missing), sizeBody)
	}
	return d.bytes()
}

// unread counts the patients whose chart could not be read.
func unread(ps []*patientData) int {
	n := 0
	for _, p := range ps {
		if p.chart == nil {
			n++
		}
	}
	return n
}

// patientCell names a patient in a results table.
func patientCell(p *patientData) cell {
	return cell{text: firstNonEmpty(p.banner.Name, "NAME NOT RECORDED"), bold: true, sub: "MRN " + firstNonEmpty(p.banner.MRN, "not recorded")}
}

// critical is a patient's newest critical value of one test, with how
// many critical values the test had in the window.
type critical struct {
	p *patientData
	s lifeboat.ResultSeries
	v lifeboat.ResultValue
	n int
}

// criticalRows lists, per patient and test, the newest critical lab value
// of the last criticalWindow, newest first, with the latest value of the
// test when it is newer.
func criticalRows(o *options, ps []*patientData) [][]cell {
	var cs []critical
	since := o.now.Add(-criticalWindow)
	for _, p := range ps {
		if p.chart == nil {
			continue
		}
		for _, s := range p.chart.Labs {
			c := critical{p: p, s: s}
			for _, v := range append([]lifeboat.ResultValue{s.Latest}, s.Trend...) {
				if v.Critical && !v.Time.Before(since) {
					if c.n == 0 || v.Time.After(c.v.Time) {
						c.v = v
					}
					c.n++
				}
			}
			if c.n > 0 {
				cs = append(cs, c)
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].v.Time.After(cs[j].v.Time) })
	out := make([][]cell, 0, len(cs))
	for _, c := range cs {
		count := ""
		if c.n > 1 {
			count = fmt.Sprintf("%d critical values", c.n)
		}
		latest := "latest result"
		if l := c.s.Latest; !l.Time.Equal(c.v.Time) {
			latest = "latest: " + strings.TrimSpace(l.Value+" "+flagText(l)) + " at " + short(l.Time, o.loc)
		}
		out = append(out, []cell{
			{text: c.p.row.Bed, bold: true},
			patientCell(c.p),
			{text: c.s.Name, bold: true, sub: count},
			{text: "CRITICAL " + valueText(c.s, c.v), inverse: true},
			{text: c.s.Range},
			{text: short(c.v.Time, o.loc), sub: latest},
		})
	}
	return out
}

// valueText is "6.8 mmol/L (HH)".
func valueText(s lifeboat.ResultSeries, v lifeboat.ResultValue) string {
	t := strings.TrimSpace(v.Value + " " + s.Unit)
	if v.Flag != "" {
		t += " (" + v.Flag + ")"
	}
	return t
}

// pendingRows lists the results not yet final.
func pendingRows(o *options, ps []*patientData) [][]cell {
	var out [][]cell
	for _, p := range ps {
		if p.chart == nil {
			continue
		}
		for _, r := range p.chart.Pending {
			out = append(out, []cell{
				{text: p.row.Bed, bold: true},
				patientCell(p),
				{text: r.Name, bold: true},
				{text: r.Category},
				{text: r.Status},
				{text: short(r.Time, o.loc)},
			})
		}
	}
	return out
}
