package hl7v2

import (
	"iter"
	"strings"
)

// Segment is one segment of a parsed message: a small view over the message text.
// The zero Segment has no fields.
type Segment struct {
	s   string
	c   *codec // nil in the zero Segment
	num int
}

// Name returns the segment ID, such as "PID".
func (s Segment) Name() string {
	if len(s.s) < 3 {
		return ""
	}
	return s.s[:3]
}

// Number returns the 1-based position of the segment in its message.
func (s Segment) Number() int { return s.num }

// Raw returns the segment as written, without its terminator.
func (s Segment) Raw() string { return s.s }

// isHeader reports whether the segment numbers its fields like MSH, where field 1 is
// the field separator itself (MSH, and the batch and file headers BHS and FHS).
func (s Segment) isHeader() bool { return isHeaderID(s.s) }

func isHeaderID(s string) bool {
	if len(s) < 3 {
		return false
	}
	switch s[:3] {
	case "MSH", "BHS", "FHS":
		return true
	}
	return false
}

// Field returns field n (1-based) of the segment. For MSH, BHS and FHS, field 1 is
// the field separator and field 2 the encoding characters; both are returned as
// written and are not split further.
func (s Segment) Field(n int) Value {
	v := Value{c: s.c, level: levelField}
	if n < 1 || len(s.s) < 3 {
		return v
	}
	k := n
	if s.isHeader() {
		switch n {
		case 1:
			if len(s.s) > 3 {
				v.s = s.s[3:4]
			}
			v.level = levelLiteral
			return v
		case 2:
			v.level = levelLiteral
		}
		k = n - 1
	}
	v.s = nth(s.s, s.c.d.Field, k)
	return v
}

// FieldCount returns the number of fields in the segment, counting empty ones
// before the last separator (MSH-1 counts for MSH).
func (s Segment) FieldCount() int {
	if len(s.s) <= 3 {
		return 0
	}
	n := countByte(s.s[3:], s.c.d.Field)
	if s.isHeader() {
		n++
	}
	return n
}

// Fields iterates over the fields of the segment with their numbers.
func (s Segment) Fields() iter.Seq2[int, Value] {
	return func(yield func(int, Value) bool) {
		if len(s.s) <= 3 {
			return
		}
		n := 1
		rest := s.s[4:]
		if s.isHeader() {
			if !yield(1, Value{s: s.s[3:4], c: s.c, level: levelLiteral}) {
				return
			}
			n = 2
		}
		for {
			v := Value{c: s.c, level: levelField}
			if n == 2 && s.isHeader() {
				v.level = levelLiteral
			}
			i := strings.IndexByte(rest, s.c.d.Field)
			if i < 0 {
				v.s = rest
				yield(n, v)
				return
			}
			v.s = rest[:i]
			if !yield(n, v) {
				return
			}
			rest = rest[i+1:]
			n++
		}
	}
}

// rawFields stores in out[n] the raw text of field n, for the fields that fit (out[0]
// is left empty), in one pass over the segment.
func (s Segment) rawFields(out []string) {
	for n, v := range s.Fields() {
		if n >= len(out) {
			return
		}
		out[n] = v.s
	}
}

// Get returns the value at a path relative to the segment, such as "5", "5-1",
// "3(2)-4-1" (the field part of a path, see ParseLocation); the empty Value when the
// path is invalid or the value absent.
func (s Segment) Get(path string) Value {
	var l Location
	if parseFieldPath(path, &l) != nil {
		return Value{}
	}
	return s.at(l)
}

// at returns the value at l's field, repetition, component and subcomponent.
func (s Segment) at(l Location) Value {
	if l.Field < 1 {
		return Value{}
	}
	v := s.Field(l.Field)
	if l.FieldRep > 0 {
		v = v.Rep(l.FieldRep)
	}
	if l.Component > 0 {
		v = v.Comp(l.Component)
		if l.Subcomponent > 0 {
			v = v.Sub(l.Subcomponent)
		}
	}
	return v
}
