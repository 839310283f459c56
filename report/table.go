package report

// column is one column of a table.
type column struct {
	title string
	w     float64 // fraction of the body width
	align string  // "L" (default), "C", "R"
}

// cell is one table cell: lines of text, the first one optionally bold and
// bigger; inverse prints white on black.
type cell struct {
	text    string
	sub     string // a second line in the body font, e.g. the MRN under a name
	bold    bool
	size    float64 // 0 for sizeTable
	inverse bool
}

// table draws rows under a header row, repeating the header on every page.
// Rows never split across pages; minH is the least height of a row.
func (d *doc) table(cols []column, rows [][]cell, minH float64) {
	ws := make([]float64, len(cols))
	for i, c := range cols {
		ws[i] = c.w * d.width()
	}
	header := func() {
		d.font("B", sizeSmall+0.5)
		lh := lineHeight(sizeSmall + 0.5)
		hh := lh + 2*pad
		for i, c := range cols {
			if n := float64(len(d.lines(c.title, ws[i]))); n*lh+2*pad > hh {
				hh = n*lh + 2*pad
			}
		}
		y := d.y()
		d.pdf.SetFillColor(225, 225, 225)
		d.pdf.SetLineWidth(0.5)
		x := float64(marginX)
		for i, c := range cols {
			d.pdf.Rect(x, y, ws[i], hh, "FD")
			for j, l := range d.lines(c.title, ws[i]) {
				d.pdf.SetXY(x, y+pad+float64(j)*lh)
				d.pdf.CellFormat(ws[i], lh, l, "", 0, align(c.align), false, 0, "")
			}
			x += ws[i]
		}
		d.setY(y + hh)
	}
	d.ensure(40)
	header()
	for _, row := range rows {
		h, layout := d.rowLayout(cols, ws, row)
		h = max(h, minH)
		if d.ensure(h) {
			header()
		}
		d.drawRow(cols, ws, row, layout, h)
	}
	d.setY(d.y() + 4)
}

// rowLine is one line of a cell, laid out.
type rowLine struct {
	text  string
	style string
	size  float64
}

func (d *doc) rowLayout(cols []column, ws []float64, row []cell) (float64, [][]rowLine) {
	layout := make([][]rowLine, len(cols))
	h := 0.0
	for i := range cols {
		if i >= len(row) {
			continue
		}
		c := row[i]
		size := c.size
		if size == 0 {
			size = sizeTable
		}
		style := ""
		if c.bold || c.inverse {
			style = "B"
		}
		d.font(style, size)
		var ls []rowLine
		for _, l := range d.lines(c.text, ws[i]) {
			ls = append(ls, rowLine{l, style, size})
		}
		if c.sub != "" {
			d.font("", sizeTable)
			for _, l := range d.lines(c.sub, ws[i]) {
				ls = append(ls, rowLine{l, "", sizeTable})
			}
		}
		ch := 2.0 * pad
		for _, l := range ls {
			ch += lineHeight(l.size)
		}
		h = max(h, ch)
		layout[i] = ls
	}
	return h, layout
}

func (d *doc) drawRow(cols []column, ws []float64, row []cell, layout [][]rowLine, h float64) {
	y := d.y()
	x := float64(marginX)
	d.pdf.SetLineWidth(0.5)
	for i, c := range cols {
		inverse := i < len(row) && row[i].inverse && row[i].text != ""
		if inverse {
			d.pdf.SetFillColor(0, 0, 0)
			d.pdf.Rect(x, y, ws[i], h, "FD")
			d.pdf.SetTextColor(255, 255, 255)
		} else {
			d.pdf.Rect(x, y, ws[i], h, "D")
		}
		ly := y + pad
		for _, l := range layout[i] {
			d.font(l.style, l.size)
			lh := lineHeight(l.size)
			d.pdf.SetXY(x, ly)
			d.pdf.CellFormat(ws[i], lh, l.text, "", 0, align(c.align), false, 0, "")
			ly += lh
		}
		if inverse {
			d.pdf.SetTextColor(0, 0, 0)
		}
		x += ws[i]
	}
	d.setY(y + h)
}

func align(a string) string {
	if a == "" {
		return "L"
	}
	return a
}
