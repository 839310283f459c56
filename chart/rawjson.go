package chart

import (
	"bytes"
	"encoding/json"
)

// raw is a JSON value as bytes, read lazily in place. It is the fast path
// for the resources a chart has hundreds of (Observations,
// MedicationAdministrations): it walks only the members asked for and skips
// the rest without validating them, several times faster than
// encoding/json, which validates and reflects over the whole document.
// Stored resources are valid JSON (the importer checks), and malformed input
// only yields missing values: every walk stops at the end of its input.
type raw []byte

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"',
// or -1.
func skipString(b []byte, i int) int {
	// Most strings are short: scan them directly.
	end := min(len(b), i+48)
	for j := i + 1; j < end; j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		n := 0 // backslashes before the quote
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return -1
}

// skipValue returns the index just past the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j := skipString(b, i)
				if j < 0 {
					return -1
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
		i++
	}
	return i
}

// members calls fn with each member of the object r, in order, until fn
// returns false. Keys are passed without quotes (FHIR keys never need
// escapes).
func (r raw) members(fn func(key, v raw) bool) {
	i := skipSpace(r, 0)
	if i >= len(r) || r[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(r, i)
		if i >= len(r) || r[i] != '"' {
			return
		}
		j := skipString(r, i)
		if j < 0 {
			return
		}
		key := r[i+1 : j-1]
		i = skipSpace(r, j)
		if i >= len(r) || r[i] != ':' {
			return
		}
		i = skipSpace(r, i+1)
		e := skipValue(r, i)
		if e < 0 {
			return
		}
		if !fn(key, r[i:e]) {
			return
		}
		i = skipSpace(r, e)
		if i >= len(r) || r[i] != ',' {
			return
		}
		i++
	}
}

// elements calls fn with each element of the array r.
func (r raw) elements(fn func(v raw)) {
	i := skipSpace(r, 0)
	if i >= len(r) || r[i] != '[' {
		return
	}
	i++
	for {
		i = skipSpace(r, i)
		if i >= len(r) || r[i] == ']' {
			return
		}
		e := skipValue(r, i)
		if e < 0 || e == i {
			return
		}
		fn(r[i:e])
		i = skipSpace(r, e)
		if i >= len(r) || r[i] != ',' {
			return
		}
		i++
	}
}

// str returns a string value, or "" for anything else.
func (r raw) str() string {
	if len(r) < 2 || r[0] != '"' || r[len(r)-1] != '"' {
		return ""
	}
	s := r[1 : len(r)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s)
	}
	var out string
	if json.Unmarshal(r, &out) != nil {
		return ""
	}
	return out
}

// number returns the text of a number value, or "".
func (r raw) number() json.Number {
	if len(r) == 0 || !(r[0] == '-' || (r[0] >= '0' && r[0] <= '9')) {
		return ""
	}
	return json.Number(r)
}

// boolean returns a boolean value, or nil.
func (r raw) boolean() *bool {
	var b bool
	switch string(r) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}

// strings returns an array of strings.
func (r raw) strings() []string {
	var out []string
	r.elements(func(v raw) { out = append(out, v.str()) })
	return out
}

// concept reads a CodeableConcept.
func (r raw) concept() concept {
	var c concept
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "text":
			c.Text = v.str()
		case "coding":
			v.elements(func(e raw) { c.Coding = append(c.Coding, e.coding()) })
		}
		return true
	})
	return c
}

// concepts reads an array of CodeableConcepts.
func (r raw) concepts() []concept {
	var out []concept
	r.elements(func(v raw) { out = append(out, v.concept()) })
	return out
}

// coding reads a Coding.
func (r raw) coding() coding {
	var c coding
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "system":
			c.System = v.str()
		case "code":
			c.Code = v.str()
		case "display":
			c.Display = v.str()
		}
		return true
	})
	return c
}

// quantity reads a Quantity, or nil if r is not an object.
func (r raw) quantity() *quantity {
	if len(r) == 0 || r[0] != '{' {
		return nil
	}
	q := new(quantity)
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "value":
			q.Value = v.number()
		case "comparator":
			q.Comparator = v.str()
		case "unit":
			q.Unit = v.str()
		case "code":
			q.Code = v.str()
		}
		return true
	})
	return q
}

// ratio reads a Ratio, or nil.
func (r raw) ratio() *ratio {
	if len(r) == 0 || r[0] != '{' {
		return nil
	}
	x := new(ratio)
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "numerator":
			x.Numerator = v.quantity()
		case "denominator":
			x.Denominator = v.quantity()
		}
		return true
	})
	return x
}

// period reads a Period.
func (r raw) period() period {
	var p period
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "start":
			p.Start = v.str()
		case "end":
			p.End = v.str()
		}
		return true
	})
	return p
}

// reference reads a Reference.
func (r raw) reference() reference {
	var x reference
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "reference":
			x.Reference = v.str()
		case "display":
			x.Display = v.str()
		}
		return true
	})
	return x
}

// references reads an array of References.
func (r raw) references() []reference {
	var out []reference
	r.elements(func(v raw) { out = append(out, v.reference()) })
	return out
}
