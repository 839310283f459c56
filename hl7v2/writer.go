package hl7v2

// segWriter appends segments field by field, in increasing field order, with the
// delimiters and character set of the message being written.
type segWriter struct {
	buf []byte
	d   Delimiters
	cs  Charset
	f   int // number of the field last written
}

// begin starts a segment; for a header segment it writes MSH-1 and MSH-2 (enc, or
// the encoding characters of w.d when enc is "").
func (w *segWriter) begin(name, enc string) {
	w.buf = append(w.buf, name...)
	w.f = 0
	if isHeaderID(name) {
		w.buf = append(w.buf, w.d.Field)
		if enc != "" {
			w.buf = append(w.buf, enc...)
		} else {
			w.buf = append(w.buf, w.d.Component, w.d.Repetition, w.d.Escape, w.d.Subcomponent)
			if w.d.Truncation != 0 {
				w.buf = append(w.buf, w.d.Truncation)
			}
		}
		w.f = 2
	}
}

// field moves to field n, writing field separators as needed.
func (w *segWriter) field(n int) {
	for ; w.f < n; w.f++ {
		w.buf = append(w.buf, w.d.Field)
	}
}

// text writes text s, escaped and encoded.
func (w *segWriter) text(s string) { w.buf = AppendEscape(w.buf, s, w.d, w.cs) }

// raw writes s as it is.
func (w *segWriter) raw(s string) { w.buf = append(w.buf, s...) }

// sep writes a delimiter.
func (w *segWriter) sep(c byte) { w.buf = append(w.buf, c) }

// textField writes text s as field n.
func (w *segWriter) textField(n int, s string) {
	w.field(n)
	w.text(s)
}

// rawField writes s, already encoded, as field n; nothing if s is empty.
func (w *segWriter) rawField(n int, s string) {
	if s != "" {
		w.field(n)
		w.raw(s)
	}
}

// end terminates the segment.
func (w *segWriter) end(term string) { w.buf = append(w.buf, term...) }
