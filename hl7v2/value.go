package hl7v2

import (
	"iter"
	"math/bits"
	"strings"
	"time"
)

// level says which kind of value a Value is, and so which delimiter splits it.
type level uint8

const (
	levelLiteral level = iota // not split: MSH-1, MSH-2, or the zero Value
	levelField
	levelRep
	levelComp
	levelSub
)

// Value is a field, a repetition of a field, a component or a subcomponent of a parsed
// message. It is a small view over the message text; reading it allocates nothing.
// Raw returns the value as written (escape sequences and all); Text resolves escapes
// and the character set. A missing value is the empty Value, so chains such as
// seg.Field(5).Rep(2).Comp(1) never fail.
type Value struct {
	s     string
	c     *codec // nil in the zero Value
	level level
}

// codec returns the delimiters and character set of v's message.
func (v Value) codec() *codec {
	if v.c == nil {
		return &zeroCodec
	}
	return v.c
}

// Raw returns the value as written in the message, escape sequences included.
func (v Value) Raw() string { return v.s }

// Text returns the value with escape sequences resolved and decoded to UTF-8 (see
// Unescape). It allocates only when the value holds an escape sequence or non-ASCII
// text that needs transcoding.
func (v Value) Text() string {
	if v.level == levelLiteral {
		if isASCII(v.s) {
			return v.s
		}
		return string(v.codec().cs.appendDecode(nil, v.s))
	}
	c := v.codec()
	return Unescape(v.s, c.d, c.cs)
}

// AppendText appends v.Text() to dst.
func (v Value) AppendText(dst []byte) []byte {
	if v.level == levelLiteral {
		return v.codec().cs.appendDecode(dst, v.s)
	}
	c := v.codec()
	return AppendUnescape(dst, v.s, c.d, c.cs)
}

// IsEmpty reports whether the value is absent or empty.
func (v Value) IsEmpty() bool { return v.s == "" }

// IsNull reports whether the value is HL7's explicit null, `""`, which asks the
// receiver to delete what it holds.
func (v Value) IsNull() bool { return v.s == `""` }

// Delimiters returns the delimiters of the message the value belongs to.
func (v Value) Delimiters() Delimiters { return v.codec().d }

// Time parses the value (its first component, for the TS type of older versions)
// as an HL7 date/time; see ParseTime.
func (v Value) Time(loc *time.Location) (Time, error) {
	return ParseTime(v.Comp(1).s, loc)
}

// child returns the n-th (1-based) element of v split at sep, as a value of level l.
func (v Value) child(sep byte, n int, l level) Value {
	c := Value{c: v.c, level: l}
	if n < 1 {
		return c
	}
	if sep == 0 {
		if n == 1 {
			c.s = v.s
		}
		return c
	}
	c.s = nth(v.s, sep, n-1)
	return c
}

// Rep returns the n-th repetition of a field. On a repetition, component or
// subcomponent, Rep(1) is the value itself.
func (v Value) Rep(n int) Value {
	if v.level == levelField {
		return v.child(v.codec().d.Repetition, n, levelRep)
	}
	if n == 1 {
		return v
	}
	return Value{c: v.c, level: v.level}
}

// Comp returns the n-th component; on a field, of its first repetition. On a
// component or subcomponent, Comp(1) is the value itself.
func (v Value) Comp(n int) Value {
	switch v.level {
	case levelField:
		c, d := Value{c: v.c, level: levelComp}, &v.codec().d
		switch {
		case n < 1:
		case d.Component == 0:
			if n == 1 {
				c.s = v.Rep(1).s
			}
		case d.Repetition == 0:
			c.s = nth(v.s, d.Component, n-1)
		default:
			c.s = nthBefore(v.s, d.Component, d.Repetition, n-1)
		}
		return c
	case levelRep:
		return v.child(v.codec().d.Component, n, levelComp)
	}
	if n == 1 {
		return v
	}
	return Value{c: v.c, level: v.level}
}

// Sub returns the n-th subcomponent; on a field or repetition, of its first
// component. On a subcomponent, Sub(1) is the value itself.
func (v Value) Sub(n int) Value {
	switch v.level {
	case levelField, levelRep:
		return v.Comp(1).Sub(n)
	case levelComp:
		return v.child(v.codec().d.Subcomponent, n, levelSub)
	}
	if n == 1 {
		return v
	}
	return Value{c: v.c, level: v.level}
}

// RepCount returns the number of repetitions of a field (0 when it is empty).
func (v Value) RepCount() int { return v.count(levelField, v.codec().d.Repetition) }

// CompCount returns the number of components of a repetition, or of the first
// repetition of a field (0 when it is empty).
func (v Value) CompCount() int {
	if v.level == levelField {
		return v.Rep(1).CompCount()
	}
	return v.count(levelRep, v.codec().d.Component)
}

// SubCount returns the number of subcomponents of a component, or of the first
// component of a field or repetition (0 when it is empty).
func (v Value) SubCount() int {
	if v.level == levelField || v.level == levelRep {
		return v.Comp(1).SubCount()
	}
	return v.count(levelComp, v.codec().d.Subcomponent)
}

// count counts the elements of v split at sep when v has level l; a value of any
// other level counts as one element.
func (v Value) count(l level, sep byte) int {
	if v.s == "" {
		return 0
	}
	if v.level != l || sep == 0 {
		return 1
	}
	return countByte(v.s, sep) + 1
}

// Reps iterates over the repetitions of a field.
func (v Value) Reps() iter.Seq[Value] {
	return v.each(levelField, v.codec().d.Repetition, levelRep)
}

// Comps iterates over the components of a repetition (of the first repetition of a
// field).
func (v Value) Comps() iter.Seq[Value] {
	// The work is in the iterator, so that Comps is inlined and so is the
	// iterator where it is ranged over (which then allocates nothing).
	return func(yield func(Value) bool) {
		r := v
		if r.level == levelField {
			r = r.Rep(1)
		}
		for c := range r.each(levelRep, r.codec().d.Component, levelComp) {
			if !yield(c) {
				return
			}
		}
	}
}

// Subs iterates over the subcomponents of a component (of the first component of a
// field or repetition).
func (v Value) Subs() iter.Seq[Value] {
	if v.level == levelField || v.level == levelRep {
		return v.Comp(1).Subs()
	}
	return v.each(levelComp, v.codec().d.Subcomponent, levelSub)
}

// each iterates over the elements of v split at sep when v has level l; a non-empty
// value of another level yields itself.
func (v Value) each(l level, sep byte, child level) iter.Seq[Value] {
	return func(yield func(Value) bool) {
		if v.s == "" {
			return
		}
		if v.level != l || sep == 0 {
			yield(v)
			return
		}
		s := v.s
		for {
			i := strings.IndexByte(s, sep)
			if i < 0 {
				yield(Value{s: s, c: v.c, level: child})
				return
			}
			if !yield(Value{s: s[:i], c: v.c, level: child}) {
				return
			}
			s = s[i+1:]
		}
	}
}

// nth returns the k-th (0-based) element of s split at sep, or "" if there is none.
func nth(s string, sep byte, k int) string {
	if k > 0 {
		i := afterNth(s, sep, k)
		if i < 0 {
			return ""
		}
		s = s[i:]
	}
	if i := indexByte(s, sep); i >= 0 {
		return s[:i]
	}
	return s
}

// afterNth returns the index just after the k-th (k >= 1) c in s, or -1 if s has
// fewer. Values are short and their delimiters close together, so it looks at 8
// bytes at a time, counting the delimiters among them; a long element is skipped
// with strings.IndexByte.
func afterNth(s string, c byte, k int) int {
	const lo, hi7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	pat := lo * uint64(c)
	i := 0
	for i+8 <= len(s) {
		x := load64(s[i:]) ^ pat
		m := ^((x&hi7 + hi7) | x | hi7) // the high bit of each byte that is c
		if m == 0 {
			j := strings.IndexByte(s[i+8:], c)
			if j < 0 {
				return -1
			}
			i += 8 + j + 1
			if k--; k == 0 {
				return i
			}
			continue
		}
		if n := bits.OnesCount64(m); n < k {
			k -= n
			i += 8
			continue
		}
		for ; k > 1; k-- {
			m &= m - 1
		}
		return i + bits.TrailingZeros64(m)>>3 + 1
	}
	for ; i < len(s); i++ {
		if s[i] == c {
			if k--; k == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// load64 returns the first 8 bytes of s (at least 8) as a little-endian word, in
// one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// nthBefore is nth over the part of s before the first stop byte (the first
// repetition of a field, the first component of a repetition).
func nthBefore(s string, sep, stop byte, k int) string {
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case sep:
			if k == 0 {
				return s[start:i]
			}
			k--
			start = i + 1
		case stop:
			if k == 0 {
				return s[start:i]
			}
			return ""
		}
	}
	if k == 0 {
		return s[start:]
	}
	return ""
}

// indexByte is strings.IndexByte looking at the first 16 bytes, where most
// delimiters are found, 8 at a time without a call.
func indexByte(s string, c byte) int {
	const lo, hi7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	pat := lo * uint64(c)
	i := 0
	for ; i < 16 && i+8 <= len(s); i += 8 {
		x := load64(s[i:]) ^ pat
		if m := ^((x&hi7 + hi7) | x | hi7); m != 0 { // the high bit of each byte that is c
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i < 16 { // fewer than 8 bytes left
		for ; i < len(s); i++ {
			if s[i] == c {
				return i
			}
		}
		return -1
	}
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

// countByte counts the occurrences of c in s.
func countByte(s string, c byte) int {
	n := 0
	for {
		i := strings.IndexByte(s, c)
		if i < 0 {
			return n
		}
		n++
		s = s[i+1:]
	}
}
