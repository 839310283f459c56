package report

import (
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// header draws the top of every page: the hospital and report, a warning
// when the data is stale, and the patient band on patient pages.
func (d *doc) header() {
	p := d.page
	d.shown = p
	if d.compact {
		d.compactHeader()
		return
	}
	right := d.w - marginX
	d.font("B", sizeBody)
	y := float64(marginTop) + sizeBody
	d.text(marginX, y, d.hosp)
	d.textRight(right, y, "DOWNTIME REPORT")
	d.font("B", sizeHeading)
	y += sizeHeading + 4
	title := p.title
	if p.sub != "" {
		title += ": " + p.sub
	}
	d.text(marginX, y, title)
	y += 6
	d.setY(y)
	if p.fresh.Stale {
		msg := "DATA MAY BE OUT OF DATE: no data received"
		if !p.fresh.AsOf.IsZero() {
			msg = "DATA MAY BE OUT OF DATE: last received " + dateTime(p.fresh.AsOf, d.loc) + ", " + age(d.now.Sub(p.fresh.AsOf)) + " before this report."
		}
		d.banner(msg+" Check the chart before acting on it.", sizeBody)
		y = d.y()
	}
	if p.patient != nil {
		y = d.patientBand(y + 2)
	} else {
		d.pdf.SetLineWidth(1.5)
		d.pdf.Line(marginX, y, right, y)
		y += 6
	}
	d.top = y
	d.setY(y)
}

// patientBand draws the patient's identification at y and returns the y
// below it: name, MRN, birth date, age and sex, location; then allergies,
// code status and isolation.
func (d *doc) patientBand(y float64) float64 {
	b := d.shown.patient
	right := d.w - marginX
	h := 66.0
	d.pdf.SetLineWidth(1.5)
	d.pdf.Rect(marginX, y, d.width(), h, "D")
	x := marginX + 6.0
	inner := d.width() - 12
	base := y + sizeName + 3
	locW := 0.0
	if b.Location != "" {
		loc, _ := d.fit(b.Location, "B", inner*0.4, sizeID, sizeSmall)
		d.pdf.Text(right-6-d.pdf.GetStringWidth(loc), base, loc)
		locW = d.pdf.GetStringWidth(loc) + 12
	}
	name, _ := d.fit(firstNonEmpty(b.Name, "NAME NOT RECORDED"), "B", inner-locW, sizeName, sizeBody)
	d.pdf.Text(x, base, name)
	base += sizeID + 5
	d.font("B", sizeID)
	id := "MRN " + firstNonEmpty(b.MRN, "NOT RECORDED")
	d.text(x, base, id)
	x2 := x + d.strWidth(id) + 18
	d.font("", sizeID)
	dob := "DOB " + firstNonEmpty(birthDate(b.BirthDate), "not recorded")
	if b.Age != "" || b.Sex != "" {
		dob += "  (" + strings.TrimSpace(b.Age+" "+b.Sex) + ")"
	}
	d.text(x2, base, dob)
	base += sizeBody + 7
	tail := "Code status: " + firstNonEmpty(b.CodeStatus, "NOT RECORDED")
	if b.Isolation != "" {
		tail += "   Isolation: " + b.Isolation
	}
	tail, _ = d.fit(tail, "B", inner*0.55, sizeBody, 8)
	tw := d.pdf.GetStringWidth(tail)
	d.pdf.Text(right-6-tw, base, tail)
	al := d.allergyLine(b, inner-tw-18)
	if b.Allergies == lifeboat.AllergiesNotRecorded {
		w := d.pdf.GetStringWidth(al) + 6
		d.pdf.SetFillColor(0, 0, 0)
		d.pdf.Rect(x-3, base-sizeBody, w, sizeBody+4, "F")
		d.pdf.SetTextColor(255, 255, 255)
		d.pdf.Text(x, base, al)
		d.pdf.SetTextColor(0, 0, 0)
	} else {
		d.pdf.Text(x, base, al)
	}
	return y + h + 8
}

// allergyLine fits the allergies into w: every substance if they fit,
// else as many as fit and how many more there are. It never drops an
// allergy without saying so.
func (d *doc) allergyLine(b *lifeboat.Banner, w float64) string {
	line := "Allergies: " + allergySummary(b.Allergies, b.AllergyList)
	if s, ok := d.fits(line, "B", w, sizeBody, 8); ok {
		return s
	}
	for n := len(b.AllergyList) - 1; n >= 0; n-- {
		line = "Allergies: " + strings.Join(b.AllergyList[:n], ", ")
		if n > 0 {
			line += ", "
		}
		line += fmt.Sprintf("+%d MORE: SEE FACE SHEET", len(b.AllergyList)-n)
		if s, ok := d.fits(line, "B", w, sizeBody, 8); ok {
			return s
		}
	}
	s, _ := d.fit("Allergies: SEE FACE SHEET", "B", w, sizeBody, 6)
	return s
}

// allergySummary is the one-line allergy status: "NKA", the substances, or
// "NOT RECORDED - ASK".
func allergySummary(st lifeboat.AllergyStatus, list []string) string {
	switch st {
	case lifeboat.AllergiesNoneKnown:
		return "NKA (no known allergies)"
	case lifeboat.AllergiesPresent:
		if len(list) == 0 {
			return "RECORDED - see the face sheet"
		}
		return strings.Join(list, ", ")
	}
	return "NOT RECORDED - ASK THE PATIENT"
}

// generatedLine says when the page was made and how fresh its data is.
func (d *doc) generatedLine() string {
	p := d.shown
	asOf := "no data received"
	if !p.fresh.AsOf.IsZero() {
		asOf = dateTime(p.fresh.AsOf, d.loc)
		if p.fresh.Stale {
			asOf += " (OUT OF DATE)"
		}
	}
	return "Generated " + dateTime(d.now, d.loc) + "   Data as of " + asOf
}

// patientLine identifies the patient of a page in one line.
func patientLine(b *lifeboat.Banner) string {
	return firstNonEmpty(b.Name, "NAME NOT RECORDED") + "   MRN " + firstNonEmpty(b.MRN, "NOT RECORDED") + "   DOB " + firstNonEmpty(birthDate(b.BirthDate), "not recorded")
}

// compactHeader is the header of a label sheet, above the labels.
func (d *doc) compactHeader() {
	p := d.shown
	right := d.w - marginX
	y := 17.0
	d.font("B", 8)
	title := d.hosp + "   " + p.title
	if p.sub != "" {
		title += ": " + p.sub
	}
	d.text(marginX, y, title)
	if p.fresh.Stale {
		d.textRight(right, y, "DATA MAY BE OUT OF DATE")
	}
	if p.patient != nil {
		d.text(marginX, y+9, patientLine(p.patient))
	}
	d.top = 36
	d.setY(d.top)
}

// compactFooter is the footer of a label sheet, below the labels.
func (d *doc) compactFooter() {
	right := d.w - marginX
	y := d.h - 24
	d.font("B", 7.5)
	d.text(marginX, y, confidential)
	d.font("", 7.5)
	d.text(marginX, y+9, d.generatedLine())
	d.font("B", 8)
	d.textRight(right, y+9, fmt.Sprintf("Page %d of {nb}", d.pdf.PageNo()))
}

// footer draws the bottom of every page: the confidentiality line, the
// patient on patient pages, when the report was made and how fresh its
// data was, and the page number.
func (d *doc) footer() {
	p := d.shown
	if d.compact {
		d.compactFooter()
		return
	}
	right := d.w - marginX
	y := d.h - footerHeight + 8
	d.pdf.SetLineWidth(0.75)
	d.pdf.Line(marginX, y, right, y)
	y += sizeSmall + 2
	d.font("B", sizeSmall)
	d.text(marginX, y, confidential)
	if b := p.patient; b != nil {
		y += sizeSmall + 3
		d.text(marginX, y, patientLine(b))
	}
	y += sizeSmall + 3
	d.font("", sizeSmall)
	d.text(marginX, y, d.generatedLine())
	d.font("B", sizeBody)
	d.textRight(right, y, fmt.Sprintf("Page %d of {nb}", d.pdf.PageNo()))
}
