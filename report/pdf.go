package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/lifeboat-health/lifeboat"
)

// Page geometry, in points (1/72 inch).
const (
	marginX      = 36 // left and right: half an inch, inside any printer's unprintable edge
	marginTop    = 28
	footerHeight = 52 // reserved at the bottom of every page
	pad          = 3  // inside table cells
)

// Font sizes. Body text is at least 10 pt so that a page is read at arm's
// length; names and due times are bigger.
const (
	sizeSmall   = 9
	sizeBody    = 10.5
	sizeTable   = 10.5
	sizeHeading = 13
	sizeName    = 17
	sizeID      = 12.5
	sizeTime    = 14
)

// confidential is the line every page carries.
const confidential = "CONFIDENTIAL: contains protected health information. Keep it secure and shred it when no longer needed."

// pageInfo is what the header and footer of the current page show.
type pageInfo struct {
	title   string           // the report, e.g. "Face sheet"
	sub     string           // a second header line, e.g. the unit
	patient *lifeboat.Banner // the patient of a patient page, else nil
	fresh   lifeboat.Freshness
}

// doc is one PDF being written: an fpdf document with Lifeboat's header,
// footer and text helpers. Text passes through fold and fpdf's cp1252
// translator. Page breaks are made by ensure, never by fpdf.
type doc struct {
	pdf   *fpdf.Fpdf
	tr    func(string) string
	w, h  float64
	now   time.Time
	loc   *time.Location
	hosp  string
	page  pageInfo // what the next page shows
	shown pageInfo // what the current page shows (its footer is drawn later)
	top   float64  // where the body starts on the current page
	// compact puts the header and footer in a label sheet's margins, in
	// small type, without the patient band.
	compact bool
}

// newDoc starts a document; size is "Letter" or "A4", orient "P" or "L".
func newDoc(o *options, orient string) *doc {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: orient, UnitStr: "pt", SizeStr: o.size})
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, footerHeight)
	pdf.SetCellMargin(pad)
	pdf.AliasNbPages("{nb}")
	pdf.SetCreationDate(o.now)
	pdf.SetModificationDate(o.now)
	pdf.SetCreator("Lifeboat "+lifeboat.Version, false)
	pdf.SetProducer("Lifeboat", false)
	pdf.SetCatalogSort(true)
	d := &doc{pdf: pdf, now: o.now, loc: o.loc, hosp: o.hospital}
	cp := pdf.UnicodeTranslatorFromDescriptor("") // cp1252; one per document (it is not safe for concurrent use)
	d.tr = func(s string) string { return cp(fold(s)) }
	d.w, d.h = pdf.GetPageSize()
	pdf.SetHeaderFuncMode(d.header, false)
	pdf.SetFooterFunc(d.footer)
	pdf.SetTitle(d.tr(o.hospital+" downtime report"), false)
	return d
}

// bytes finishes the document.
func (d *doc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: write pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// newPage starts a page showing p in its header and footer.
func (d *doc) newPage(p pageInfo) {
	d.page = p
	d.pdf.AddPage()
}

// continuePage starts another page like the current one.
func (d *doc) continuePage() { d.newPage(d.page) }

// bottom is the lowest y the body may use.
func (d *doc) bottom() float64 { return d.h - footerHeight }

// width is the body's width.
func (d *doc) width() float64 { return d.w - 2*marginX }

// y returns the current position.
func (d *doc) y() float64 { return d.pdf.GetY() }

// setY moves to y at the left margin.
func (d *doc) setY(y float64) { d.pdf.SetXY(marginX, y) }

// ensure starts a new page unless h points fit below the current position,
// and reports whether it did.
func (d *doc) ensure(h float64) bool {
	if d.y()+h <= d.bottom() || d.y() <= d.top+1 {
		return false
	}
	d.continuePage()
	return true
}

// font selects Helvetica in style ("", "B", "I", "BI") at size points.
func (d *doc) font(style string, size float64) { d.pdf.SetFont("Helvetica", style, size) }

// text draws s with its baseline at (x, y).
func (d *doc) text(x, y float64, s string) { d.pdf.Text(x, y, d.tr(s)) }

// textRight draws s ending at x.
func (d *doc) textRight(x, y float64, s string) {
	t := d.tr(s)
	d.pdf.Text(x-d.pdf.GetStringWidth(t), y, t)
}

// strWidth returns the width of s in the current font.
func (d *doc) strWidth(s string) float64 { return d.pdf.GetStringWidth(d.tr(s)) }

// lines wraps s (already translated) to width w in the current font, keeping
// explicit line breaks.
func (d *doc) lines(s string, w float64) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for _, l := range d.pdf.SplitLines([]byte(d.tr(s)), w) {
		out = append(out, string(l))
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// fits reports whether s fits width w in style at a size from maxSize down
// to minSize (in half points), and returns s translated with the font set
// to the largest size that fits.
func (d *doc) fits(s, style string, w, maxSize, minSize float64) (string, bool) {
	t := d.tr(s)
	for size := maxSize; size >= minSize; size -= 0.5 {
		d.font(style, size)
		if d.pdf.GetStringWidth(t) <= w {
			return t, true
		}
	}
	return t, false
}

// fit returns s translated and the size it fits w at (see fits); if it does
// not fit even at minSize, it is cut and ends with "...".
func (d *doc) fit(s, style string, w, maxSize, minSize float64) (string, float64) {
	t, ok := d.fits(s, style, w, maxSize, minSize)
	if ok {
		size, _ := d.pdf.GetFontSize()
		return t, size
	}
	d.font(style, minSize)
	for len(t) > 0 && d.pdf.GetStringWidth(t+"...") > w {
		t = t[:len(t)-1]
	}
	return t + "...", minSize
}

// lineHeight is the leading of size-point text.
func lineHeight(size float64) float64 { return size * 1.22 }

// paragraph writes s wrapped to the body width and moves below it.
func (d *doc) paragraph(style string, size float64, s string) {
	d.font(style, size)
	lh := lineHeight(size)
	for _, l := range d.lines(s, d.width()) {
		d.ensure(lh)
		d.pdf.SetXY(marginX, d.y())
		d.pdf.CellFormat(d.width(), lh, l, "", 1, "L", false, 0, "")
	}
}

// heading writes a section heading with a rule below it, on a new page if
// less than keep points would follow it on this one.
func (d *doc) heading(s string, keep float64) {
	d.setY(d.y() + 6)
	d.ensure(sizeHeading*1.6 + keep)
	d.font("B", sizeHeading)
	y := d.y() + sizeHeading
	d.text(marginX, y, strings.ToUpper(s))
	d.pdf.SetLineWidth(1)
	d.pdf.Line(marginX, y+4, d.w-marginX, y+4)
	d.setY(y + 8)
}

// banner draws s in white on a black bar across the body: for what must not
// be missed (allergies not recorded, data out of date).
func (d *doc) banner(s string, size float64) {
	d.font("B", size)
	lh := lineHeight(size)
	ls := d.lines(s, d.width()-2*pad)
	h := float64(len(ls))*lh + 2*pad
	d.ensure(h)
	y := d.y()
	d.pdf.SetFillColor(0, 0, 0)
	d.pdf.Rect(marginX, y, d.width(), h, "F")
	d.pdf.SetTextColor(255, 255, 255)
	for i, l := range ls {
		d.pdf.SetXY(marginX, y+pad+float64(i)*lh)
		d.pdf.CellFormat(d.width(), lh, l, "", 0, "L", false, 0, "")
	}
	d.pdf.SetTextColor(0, 0, 0)
	d.setY(y + h + 4)
}

// none writes a "None ..." line in italics.
func (d *doc) none(s string) {
	d.paragraph("I", sizeBody, s)
	d.setY(d.y() + 2)
}
