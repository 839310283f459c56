package report

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
)

// labelLayout is a sheet of self-adhesive labels, in points.
type labelLayout struct {
	cols, rows     int
	w, h           float64 // a label
	left, top      float64 // the first label's corner
	pitchX, pitchY float64 // from one label to the next
}

// Label sheets: Avery 5160 on Letter (3 x 10, 2.625 x 1 in), and the usual
// A4 sheet of 3 x 7 (63.5 x 38.1 mm).
var (
	labelsLetter = labelLayout{cols: 3, rows: 10, w: 189, h: 72, left: 13.5, top: 36, pitchX: 198, pitchY: 72}
	labelsA4     = labelLayout{cols: 3, rows: 7, w: 180, h: 108, left: 20.4, top: 42.8, pitchX: 187.1, pitchY: 108}
)

// labelSheets renders a sheet of labels per patient: name, MRN, birth
// date, sex and a Code 128 barcode of the MRN on each. The header and
// footer print in the sheet's margins, in small type.
func labelSheets(o *options, unit string, ps []*patientData) ([]byte, error) {
	d := newDoc(o, "P")
	d.compact = true
	lay := labelsLetter
	if o.a4 {
		lay = labelsA4
	}
	for _, p := range ps {
		info := patientInfo("Patient labels", unit, p)
		d.newPage(info)
		bars, err := code128.Encode(p.banner.MRN)
		if err != nil && p.banner.MRN != "" {
			return nil, fmt.Errorf("report: barcode: %w", err)
		}
		for r := range lay.rows {
			for c := range lay.cols {
				d.label(lay, lay.left+float64(c)*lay.pitchX, lay.top+float64(r)*lay.pitchY, p, bars)
			}
		}
	}
	if len(ps) == 0 {
		d.newPage(pageInfo{title: "Patient labels", sub: unit})
	}
	return d.bytes()
}

// label draws one label with its top-left corner at (x, y).
func (d *doc) label(lay labelLayout, x, y float64, p *patientData, bars barcode.Barcode) {
	b := p.banner
	in := 6.0 // inset from the label's edge
	w := lay.w - 2*in
	name, _ := d.fit(firstNonEmpty(b.Name, "NAME NOT RECORDED"), "B", w, 11, 7.5)
	d.pdf.Text(x+in, y+in+8, name)
	d.font("B", 9.5)
	d.pdf.Text(x+in, y+in+19, d.lines("MRN "+firstNonEmpty(b.MRN, "not recorded"), w+2*pad)[0])
	d.font("", 9.5)
	line := "DOB " + firstNonEmpty(birthDate(b.BirthDate), "not recorded")
	if s := strings.TrimSpace(b.Age + " " + b.Sex); s != "" {
		line += "  " + s
	}
	d.pdf.Text(x+in, y+in+29, d.lines(line, w+2*pad)[0])
	barTop := y + in + 32
	barH := lay.h - 2*in - 32
	if lay.h > 90 { // taller labels: the unit and bed too, and a taller barcode
		d.pdf.Text(x+in, y+in+40, d.lines(b.Location, w+2*pad)[0])
		barTop = y + in + 46
		barH = min(lay.h-2*in-46, 44)
	}
	if bars != nil {
		drawBars(d, bars, x+in, barTop, w, barH)
	}
}

// drawBars draws a 1-D barcode as black rectangles, with whole-point-ish
// modules and the quiet zones of ten modules Code 128 needs on each side.
func drawBars(d *doc, bars barcode.Barcode, x, y, w, h float64) {
	n := bars.Bounds().Dx()
	module := w / float64(n+20)
	if module > 1.5 {
		module = 1.5
	}
	x += 10 * module
	d.pdf.SetFillColor(0, 0, 0)
	run := 0
	for i := 0; i <= n; i++ {
		if i < n && isDark(bars.At(i, 0)) {
			run++
			continue
		}
		if run > 0 {
			d.pdf.Rect(x+float64(i-run)*module, y, float64(run)*module, h, "F")
			run = 0
		}
	}
}

// isDark reports whether a barcode module is a bar.
func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}
