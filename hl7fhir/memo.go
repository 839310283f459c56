package hl7fhir

import (
	"bytes"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// timeCache remembers the times a message's fields gave, parsed and
// formatted, for the next field that gives the same: the times of a message
// repeat (each OBX of a panel has the same observation time, and the event
// time is read for every encounter).
type timeCache struct {
	next    int
	entries [4]timeEntry
}

// timeEntry is a parsed time and its FHIR forms.
type timeEntry struct {
	used   bool
	raw    string     // the value it was parsed from, "" if it was only formatted
	t      hl7v2.Time // the time (equal times format the same)
	format [3]string  // t as a FHIR dateTime, instant and date, made when first asked for
}

// The FHIR forms of a time, in timeEntry.format.
const (
	asDateTime = iota
	asInstant
	asDate
)

// parsed returns the time parsed from raw, if it is in the cache.
func (c *timeCache) parsed(raw string) (hl7v2.Time, bool) {
	for i := range c.entries {
		if e := &c.entries[i]; e.used && e.raw == raw && raw != "" {
			return e.t, true
		}
	}
	return hl7v2.Time{}, false
}

// add puts a time in the cache, in place of the oldest.
func (c *timeCache) add(raw string, t hl7v2.Time) *timeEntry {
	e := &c.entries[c.next]
	c.next = (c.next + 1) % len(c.entries)
	*e = timeEntry{used: true, raw: raw, t: t}
	return e
}

// formatted returns t in the FHIR form as (asDateTime, asInstant or asDate).
func (c *timeCache) formatted(t hl7v2.Time, as int) string {
	var e *timeEntry
	for i := range c.entries {
		if c.entries[i].used && c.entries[i].t == t {
			e = &c.entries[i]
			break
		}
	}
	if e == nil {
		e = c.add("", t)
	}
	if e.format[as] == "" {
		switch as {
		case asDateTime:
			e.format[as] = fhirDateTime(t)
		case asInstant:
			e.format[as] = fhirInstant(t)
		default:
			e.format[as] = fhirDate(t)
		}
	}
	return e.format[as]
}

// fhirDateTime, fhirInstant and fhirDate format t as the functions of the
// same name do, formatting each time once.
func (m *mapper) fhirDateTime(t hl7v2.Time) string { return m.times.formatted(t, asDateTime) }
func (m *mapper) fhirInstant(t hl7v2.Time) string  { return m.times.formatted(t, asInstant) }
func (m *mapper) fhirDate(t hl7v2.Time) string     { return m.times.formatted(t, asDate) }

// repeats counts keys: the observations of a group are numbered among those
// with the same key. Keys are kept in one buffer and compared in turn; a
// group with many keys moves them to a map.
type repeats struct {
	keys   []byte
	ends   []int // where each key ends in keys
	counts []int
	many   map[string]int
}

// maxListed is the number of keys repeats compares in turn before it moves
// them to a map.
const maxListed = 32

func (r *repeats) reset() {
	r.keys, r.ends, r.counts, r.many = r.keys[:0], r.ends[:0], r.counts[:0], nil
}

// add counts key and returns how many times it has been added since reset.
func (r *repeats) add(key []byte) int {
	if r.many != nil {
		n := r.many[string(key)] + 1
		r.many[string(key)] = n
		return n
	}
	start := 0
	for i, end := range r.ends {
		if bytes.Equal(r.keys[start:end], key) {
			r.counts[i]++
			return r.counts[i]
		}
		start = end
	}
	if len(r.ends) == maxListed {
		r.many = make(map[string]int, 2*maxListed)
		start := 0
		for i, end := range r.ends {
			r.many[string(r.keys[start:end])] = r.counts[i]
			start = end
		}
		r.many[string(key)] = 1
		return 1
	}
	r.keys = append(r.keys, key...)
	r.ends = append(r.ends, len(r.keys))
	r.counts = append(r.counts, 1)
	return 1
}

// segFields is a segment split into its fields once, for a mapping that
// reads many of them (where Segment.Field scans the segment from its start
// each time). It is meant to live on the stack of the function that maps
// the segment.
type segFields struct {
	seg    hl7v2.Segment
	n      int                   // fields split, plus one
	fields [maxSplit]hl7v2.Value // fields[i] is field i (fields[0] is not used)
	absent hl7v2.Value           // what Field gives for a field the segment does not have
}

// maxSplit bounds the fields split; later ones are looked up.
const maxSplit = 48

// split splits s into f.
func (f *segFields) split(s hl7v2.Segment) {
	f.seg, f.n, f.absent = s, 1, s.Field(0)
	for i, v := range s.Fields() {
		if i >= maxSplit {
			f.n = 0 // too many: look each up
			return
		}
		f.fields[i] = v
		f.n = i + 1
	}
}

// field returns s.Field(n).
func (f *segFields) field(n int) hl7v2.Value {
	switch {
	case f.n == 0 || n >= maxSplit:
		return f.seg.Field(n)
	case n >= 1 && n < f.n:
		return f.fields[n]
	}
	return f.absent
}

// comps is a value split into its components once, like segFields for
// the fields of a segment.
type comps struct {
	v      hl7v2.Value
	n      int // components split, -1 if too many
	comps  [maxComps]hl7v2.Value
	absent hl7v2.Value // what Comp gives for a component the value does not have
}

// maxComps bounds the components split; later ones are looked up.
const maxComps = 16

// split splits v into c.
func (c *comps) split(v hl7v2.Value) {
	c.v, c.n, c.absent = v, 0, v.Comp(0)
	for x := range v.Comps() {
		if c.n == maxComps {
			c.n = -1 // too many: look each up
			return
		}
		c.comps[c.n] = x
		c.n++
	}
}

// comp returns v.Comp(i) (as far as reading its text and subcomponents
// goes: a value without component separators is its own first component).
func (c *comps) comp(i int) hl7v2.Value {
	switch {
	case c.n < 0 || i > maxComps:
		return c.v.Comp(i)
	case i >= 1 && i <= c.n:
		return c.comps[i-1]
	}
	return c.absent
}
