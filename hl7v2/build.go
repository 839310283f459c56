package hl7v2

import (
	"slices"

	"github.com/lifeboat-health/lifeboat"
)

// BuilderOptions configure a Builder. The zero value writes DefaultDelimiters, CR
// segment terminators and UTF-8 text.
type BuilderOptions struct {
	Delimiters Delimiters // DefaultDelimiters if zero
	Terminator string     // segment terminator: "\r" (the default), "\n" or "\r\n"
	Charset    Charset    // encoding of text values; set MSH-18 to match
}

// Builder constructs a message segment by segment. Within the current segment,
// values may be set in any order; text is escaped and encoded in the builder's
// character set. The first segment must be MSH, whose MSH-1 and MSH-2 the builder
// writes from its delimiters. Errors are sticky: the first one is returned by Err,
// Bytes and Message, and later calls do nothing.
//
//	b := hl7v2.NewBuilder(hl7v2.BuilderOptions{})
//	b.Segment("MSH").Set(3, "LIFEBOAT").SetComponents(9, "ADT", "A01", "ADT_A01").Set(10, "1").Set(11, "P").Set(12, "2.5.1")
//	b.Segment("PID").SetPath("3-1", "12345").SetComponents(5, "DOE", "JANE")
//	data, err := b.Bytes()
type Builder struct {
	d     Delimiters
	term  string
	cs    Charset
	w     segWriter
	name  string // ID of the open segment, "" if none
	ents  []entry
	arena []byte // encoded values of the open segment
	nsegs int
	err   error
}

// entry is one value of the open segment at field f, repetition r, component c,
// subcomponent s (all 1-based), encoded in arena[off:end]. A raw entry is a whole
// field written as given.
type entry struct {
	f, r, c, s int
	off, end   int
	raw        bool
}

// NewBuilder returns a Builder with options o.
func NewBuilder(o BuilderOptions) *Builder {
	b := &Builder{d: o.Delimiters, term: o.Terminator, cs: o.Charset}
	if b.d == (Delimiters{}) {
		b.d = DefaultDelimiters
	}
	if b.term == "" {
		b.term = "\r"
	}
	if err := b.d.Validate(); err != nil {
		b.err = err
	}
	switch b.term {
	case "\r", "\n", "\r\n":
	default:
		b.fail("invalid segment terminator")
	}
	b.w = segWriter{d: b.d, cs: b.cs}
	return b
}

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: build: "+format, args...)
	}
}

// Reset discards everything written and any error, keeping the options, so the
// builder can be reused.
func (b *Builder) Reset() {
	b.w.buf = b.w.buf[:0]
	b.name, b.ents, b.arena, b.nsegs = "", b.ents[:0], b.arena[:0], 0
	b.err = nil
	if err := b.d.Validate(); err != nil {
		b.err = err
	}
}

// Err returns the first error met so far.
func (b *Builder) Err() error { return b.err }

// Segment ends the open segment and starts one with ID name.
func (b *Builder) Segment(name string) *Builder {
	if b.err != nil {
		return b
	}
	b.flush()
	if !validSegmentID(name) {
		b.fail("invalid segment ID")
		return b
	}
	if b.nsegs == 0 && name != "MSH" {
		b.fail("the first segment must be MSH")
		return b
	}
	b.name = name
	return b
}

// check reports whether a value can be set at field f of the open segment.
func (b *Builder) check(f int) bool {
	switch {
	case b.err != nil:
		return false
	case b.name == "":
		b.fail("no open segment")
	case f < 1 || f > maxIndex:
		b.fail("field number %d out of range", f)
	case f <= 2 && isHeaderID(b.name):
		b.fail("%s-%d is written from the delimiters", b.name, f)
	default:
		return true
	}
	return false
}

// drop removes the entries of field f for which match returns true.
func (b *Builder) drop(f int, match func(e entry) bool) {
	b.ents = slices.DeleteFunc(b.ents, func(e entry) bool { return e.f == f && match(e) })
}

func (b *Builder) add(f, r, c, s int, text string, raw bool) {
	off := len(b.arena)
	if raw {
		b.arena = append(b.arena, text...)
	} else {
		b.arena = AppendEscape(b.arena, text, b.d, b.cs)
	}
	b.ents = append(b.ents, entry{f: f, r: r, c: c, s: s, off: off, end: len(b.arena), raw: raw})
}

// Set sets field f of the open segment to text, replacing whatever it held.
func (b *Builder) Set(f int, text string) *Builder { return b.SetComponents(f, text) }

// SetComponents sets field f of the open segment to one repetition with the given
// components (text), replacing whatever it held.
func (b *Builder) SetComponents(f int, comps ...string) *Builder {
	if !b.check(f) {
		return b
	}
	b.drop(f, func(entry) bool { return true })
	for i, c := range comps {
		if c != "" {
			b.add(f, 1, i+1, 1, c, false)
		}
	}
	return b
}

// AddRepetition adds a repetition with the given components (text) after those
// field f of the open segment already has.
func (b *Builder) AddRepetition(f int, comps ...string) *Builder {
	if !b.check(f) {
		return b
	}
	r := 0
	for _, e := range b.ents {
		if e.f == f {
			if e.raw {
				b.fail("field %d was set raw", f)
				return b
			}
			r = max(r, e.r)
		}
	}
	r++
	empty := true
	for i, c := range comps {
		if c != "" {
			b.add(f, r, i+1, 1, c, false)
			empty = false
		}
	}
	if empty { // keep the (empty) repetition so later ones are numbered right
		b.add(f, r, 1, 1, "", false)
	}
	return b
}

// SetPath sets one value of the open segment, addressed by the field part of a
// path such as "5", "5-2", "3(2)-4-1" (see ParseLocation), to text.
func (b *Builder) SetPath(path string, text string) *Builder {
	var l Location
	if err := parseFieldPath(path, &l); err != nil {
		if b.err == nil {
			b.err = err
		}
		return b
	}
	if !b.check(l.Field) {
		return b
	}
	r, c, s := max(l.FieldRep, 1), max(l.Component, 1), max(l.Subcomponent, 1)
	b.drop(l.Field, func(e entry) bool { return e.raw || e.r == r && e.c == c && e.s == s })
	b.add(l.Field, r, c, s, text, false)
	return b
}

// SetRaw sets field f of the open segment to raw, which is written as it is: it
// must already be encoded with the builder's delimiters and must not contain CR or
// LF.
func (b *Builder) SetRaw(f int, raw string) *Builder {
	if !b.check(f) {
		return b
	}
	for i := 0; i < len(raw); i++ {
		if isEOL(raw[i]) {
			b.fail("raw value of field %d contains a segment terminator", f)
			return b
		}
	}
	b.drop(f, func(entry) bool { return true })
	b.add(f, 1, 1, 1, raw, true)
	return b
}

// AppendSegment ends the open segment and appends seg as it is written. seg must come
// from a message with the builder's delimiters.
func (b *Builder) AppendSegment(seg Segment) *Builder {
	if b.err != nil {
		return b
	}
	b.flush()
	switch {
	case len(seg.s) < 3:
		b.fail("empty segment")
	case seg.c.d != b.d:
		b.fail("segment has other delimiters")
	case b.nsegs == 0 && seg.Name() != "MSH":
		b.fail("the first segment must be MSH")
	default:
		b.w.raw(seg.s)
		b.w.end(b.term)
		b.nsegs++
	}
	return b
}

// flush writes the open segment, if any.
func (b *Builder) flush() {
	if b.name == "" {
		return
	}
	slices.SortStableFunc(b.ents, func(x, y entry) int {
		switch {
		case x.f != y.f:
			return x.f - y.f
		case x.r != y.r:
			return x.r - y.r
		case x.c != y.c:
			return x.c - y.c
		}
		return x.s - y.s
	})
	w := &b.w
	w.begin(b.name, "")
	r, c, s := 1, 1, 1
	for _, e := range b.ents {
		if e.f > w.f {
			w.field(e.f)
			r, c, s = 1, 1, 1
		}
		for ; r < e.r; r++ {
			w.sep(b.d.Repetition)
			c, s = 1, 1
		}
		for ; c < e.c; c++ {
			w.sep(b.d.Component)
			s = 1
		}
		for ; s < e.s; s++ {
			w.sep(b.d.Subcomponent)
		}
		w.buf = append(w.buf, b.arena[e.off:e.end]...)
	}
	w.end(b.term)
	b.nsegs++
	b.name, b.ents, b.arena = "", b.ents[:0], b.arena[:0]
}

// Bytes ends the open segment and returns a copy of the message built so far.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err == nil {
		b.flush()
	}
	if b.err != nil {
		return nil, b.err
	}
	if b.nsegs == 0 {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: build: no segments")
	}
	return slices.Clone(b.w.buf), nil
}

// Message ends the open segment and parses the message built so far.
func (b *Builder) Message() (*Message, error) {
	data, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return Parse(data)
}
