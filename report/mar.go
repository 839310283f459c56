package report

import (
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// MAR grid geometry, in points.
const (
	marLeft   = 0.33 // fraction of the width for the medication
	marBoxes  = 6    // dose boxes per row
	marBoxH   = 54   // a dose box: date, due time, room to initial
	marBlankH = 40   // a blank row to write in
)

// marPages writes a patient's MAR for the next 24 hours: each scheduled
// medication with a box per dose (date and due time, room to initial and
// write the time given), the PRN medications with when they were last
// given, the continuous infusions with their rate, and a table of initials.
func (d *doc) marPages(o *options, unit string, p *patientData) {
	d.newPage(patientInfo("Medication administration record (MAR)", unit, p))
	from, to := o.now.Add(-marLookBack), o.now.Add(marAhead)
	zone, _ := o.now.Zone()
	d.paragraph("B", sizeBody, "Next 24 hours: "+dateTime(o.now, o.loc)+" to "+dateTime(to, o.loc)+". Times are hospital time ("+zone+").")
	d.paragraph("", sizeBody, "Doses due since "+short(from, o.loc)+" with nothing recorded are marked OVERDUE. Initial each box when the dose is given and write the time; if not given, write the reason. Check the patient's identity and allergies before every dose.")
	m := p.mar
	if m == nil {
		d.setY(d.y() + 6)
		d.banner("This patient's MAR could not be read when this pack was made. Check the Lifeboat web UI or the latest pack before giving medications.", sizeBody)
		return
	}

	d.heading("Scheduled medications", marBoxH+20)
	if len(m.Scheduled) == 0 {
		d.none("No scheduled medications.")
	}
	for _, l := range m.Scheduled {
		d.marLine(o, l)
	}

	d.heading("PRN (as needed) medications", 70)
	if len(m.PRN) == 0 {
		d.none("No PRN medications.")
	} else {
		var rows [][]cell
		for _, l := range m.PRN {
			med := l.Medication
			rows = append(rows, []cell{
				{text: med.Name, bold: true, sub: doseRoute(med)},
				{text: firstNonEmpty(med.PRNReason, "As needed"), sub: med.Frequency},
				{text: lastGiven(o, l.LastGiven), bold: l.LastGiven != nil},
				{}, {}, {},
			})
		}
		d.table([]column{{title: "Medication / dose / route", w: 0.28}, {title: "Reason / how often", w: 0.2},
			{title: "Last given", w: 0.14}, {title: "Time / dose / initials", w: 0.127}, {title: "Time / dose / initials", w: 0.127},
			{title: "Time / dose / initials", w: 0.126}}, rows, marBlankH)
	}

	d.heading("Continuous infusions", 70)
	if len(m.Continuous) == 0 {
		d.none("No continuous infusions.")
	} else {
		var rows [][]cell
		for _, l := range m.Continuous {
			med := l.Medication
			rows = append(rows, []cell{
				{text: med.Name, bold: true, sub: doseRoute(med)},
				{text: firstNonEmpty(med.Rate, "Rate not recorded"), bold: true, size: sizeID},
				{text: lastGiven(o, l.LastGiven)},
				{}, {}, {}, {},
			})
		}
		d.table([]column{{title: "Infusion / dose / route", w: 0.28}, {title: "Rate", w: 0.14}, {title: "Last given / changed", w: 0.14},
			{title: "Time / rate / initials", w: 0.11}, {title: "Time / rate / initials", w: 0.11}, {title: "Time / rate / initials", w: 0.11},
			{title: "Time / rate / initials", w: 0.11}}, rows, marBlankH)
	}
	d.initialsTable()
}

// initialsTable is where each nurse who initials a page signs.
func (d *doc) initialsTable() {
	d.heading("Initials and signatures", 4*26+30)
	d.table([]column{{title: "Initials", w: 0.15}, {title: "Printed name and role", w: 0.45}, {title: "Signature", w: 0.4}},
		[][]cell{{}, {}, {}, {}}, 26)
}

// doseRoute is "500 mg IV".
func doseRoute(m lifeboat.Medication) string {
	return strings.TrimSpace(m.Dose + " " + m.Route)
}

// lastGiven is when a PRN or infusion was last given.
func lastGiven(o *options, t *time.Time) string {
	if t == nil {
		return "Not given on record"
	}
	return short(*t, o.loc)
}

// marLine draws one scheduled medication: its order on the left, a box per
// dose on the right, marBoxes to a row.
func (d *doc) marLine(o *options, l lifeboat.MARLine) {
	med := l.Medication
	leftW := d.width() * marLeft
	boxW := (d.width() - leftW) / marBoxes
	rows := max(1, (len(l.Doses)+marBoxes-1)/marBoxes)
	d.font("B", 11.5)
	name := d.lines(med.Name, leftW-2*pad)
	d.font("", sizeBody)
	detail := []string{doseRoute(med), med.Frequency}
	if med.Prescriber != "" {
		detail = append(detail, "By "+med.Prescriber)
	}
	var det []string
	for _, s := range detail {
		if s != "" {
			det = append(det, d.lines(s, leftW-2*pad)...)
		}
	}
	textH := float64(len(name))*lineHeight(11.5) + float64(len(det))*lineHeight(sizeBody) + 2*pad
	h := max(textH, float64(rows)*marBoxH)
	d.ensure(h)
	y := d.y()
	d.pdf.SetLineWidth(0.75)
	d.pdf.Rect(marginX, y, leftW, h, "D")
	ty := y + pad
	d.font("B", 11.5)
	for _, s := range name {
		d.pdf.SetXY(marginX, ty)
		d.pdf.CellFormat(leftW, lineHeight(11.5), s, "", 0, "L", false, 0, "")
		ty += lineHeight(11.5)
	}
	d.font("", sizeBody)
	for _, s := range det {
		d.pdf.SetXY(marginX, ty)
		d.pdf.CellFormat(leftW, lineHeight(sizeBody), s, "", 0, "L", false, 0, "")
		ty += lineHeight(sizeBody)
	}
	d.pdf.SetLineWidth(0.4)
	d.pdf.Rect(marginX+leftW, y, d.width()-leftW, h, "D")
	if len(l.Doses) == 0 {
		d.font("I", sizeBody)
		d.text(marginX+leftW+6, y+marBoxH/2+4, "No doses due in these 24 hours.")
	}
	boxH := h / float64(rows)
	for i, dose := range l.Doses {
		x := marginX + leftW + float64(i%marBoxes)*boxW
		by := y + float64(i/marBoxes)*boxH
		d.doseBox(o, x, by, boxW, boxH, dose)
	}
	d.setY(y + h)
}

// doseBox draws one dose: its date, its due time in large type, and its
// status when one is recorded (given, not given) or it is overdue.
func (d *doc) doseBox(o *options, x, y, w, h float64, dose lifeboat.Dose) {
	status := ""
	switch dose.Status {
	case lifeboat.DoseGiven:
		status = "GIVEN"
		if dose.GivenAt != nil {
			status += " " + dose.GivenAt.In(o.loc).Format(layoutClock)
		}
	case lifeboat.DoseNotGiven:
		status = "NOT GIVEN"
		if dose.Reason != "" {
			status += ": " + dose.Reason
		}
	case lifeboat.DoseMissed:
		status = "MISSED"
	case lifeboat.DoseDue:
		if dose.Due.Before(o.now) {
			status = "OVERDUE"
		}
	}
	d.pdf.SetLineWidth(0.75)
	if dose.Status == lifeboat.DoseGiven || dose.Status == lifeboat.DoseNotGiven {
		d.pdf.SetFillColor(230, 230, 230)
		d.pdf.Rect(x, y, w, h, "FD")
	} else {
		d.pdf.Rect(x, y, w, h, "D")
	}
	due := dose.Due.In(o.loc)
	d.font("", sizeSmall)
	d.text(x+4, y+sizeSmall+2, due.Format(layoutDay))
	d.font("B", sizeTime)
	d.text(x+4, y+sizeSmall+4+sizeTime, due.Format(layoutClock))
	if status != "" {
		d.font("B", sizeSmall-1)
		s := d.lines(status, w-2)[0]
		if status == "OVERDUE" || status == "MISSED" {
			sw := d.pdf.GetStringWidth(s) + 4
			d.pdf.SetFillColor(0, 0, 0)
			d.pdf.Rect(x+2, y+h-sizeSmall-4, sw, sizeSmall+1, "F")
			d.pdf.SetTextColor(255, 255, 255)
			d.pdf.Text(x+4, y+h-5, s)
			d.pdf.SetTextColor(0, 0, 0)
		} else {
			d.pdf.Text(x+4, y+h-5, s)
		}
	}
}
