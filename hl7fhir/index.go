package hl7fhir

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// Every resource type the mapping writes also gives its lifeboat.Index, the
// search and view fields the store keeps, read from the struct rather than
// from its JSON. The rules are fhir.Parse's (fhir/index.go, DATA-MODEL.md)
// for the elements these types have: the date from the type's date
// elements in its order, status (clinicalStatus for Condition and
// AllergyIntolerance), the first code of the first category, the type's
// code element, the patient, encounter and current location references,
// identifiers, birth date and folded names. fhir cannot be imported here
// (adapters do not import each other), so TestIndex checks on every test
// and corpus message that the two give the same Index.

// resource is a FHIR resource the mapping writes.
type resource interface {
	jsonValue
	// index returns the resource's index fields as fhir.Parse reads them
	// from its JSON, and false if a date element it reads (which fhir.Parse
	// validates) is not a valid FHIR date.
	index() (lifeboat.Index, bool)
}

// dates reads the date elements of a resource that fhir.Parse reads, in
// the type's order, and returns the first present; ok is false when one of
// them is not a valid FHIR date or dateTime.
func dates(vals ...string) (first time.Time, ok bool) {
	ok = true
	for _, s := range vals {
		if s == "" {
			continue
		}
		t, p := parseTime(s)
		if p == 0 {
			ok = false
		} else if first.IsZero() {
			first = t
		}
	}
	return first, ok
}

// Precision of a FHIR date, dateTime or instant, as in fhir/date.go.
const (
	precYear = iota + 1
	precMonth
	precDay
	precTime
)

// parseTime parses a FHIR R4 date, dateTime or instant and returns it in
// UTC (a partial date as the start of its period) with its precision, or
// precision 0 when s is not valid. It accepts what fhir's parser accepts.
func parseTime(s string) (time.Time, int) {
	n := len(s)
	if n < 4 {
		return time.Time{}, 0
	}
	y, ok := digits(s[0:4])
	if !ok || y == 0 {
		return time.Time{}, 0
	}
	if n == 4 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), precYear
	}
	if n < 7 || s[4] != '-' {
		return time.Time{}, 0
	}
	m, ok := digits(s[5:7])
	if !ok || m < 1 || m > 12 {
		return time.Time{}, 0
	}
	if n == 7 {
		return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), precMonth
	}
	if n < 10 || s[7] != '-' {
		return time.Time{}, 0
	}
	d, ok := digits(s[8:10])
	if !ok || d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, 0
	}
	if n == 10 {
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), precDay
	}
	if n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, 0
	}
	hh, ok1 := digits(s[11:13])
	mm, ok2 := digits(s[14:16])
	ss, ok3 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, 0
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		j := i
		for i < n && '0' <= s[i] && s[i] <= '9' {
			if i-j < 9 {
				nsec = nsec*10 + int(s[i]-'0')
			}
			i++
		}
		if i == j {
			return time.Time{}, 0
		}
		for k := i - j; k < 9; k++ {
			nsec *= 10
		}
	}
	offset := 0
	switch {
	case i == n-1 && s[i] == 'Z':
	case i == n-6 && (s[i] == '+' || s[i] == '-') && s[i+3] == ':':
		oh, ok1 := digits(s[i+1 : i+3])
		om, ok2 := digits(s[i+4 : i+6])
		if !ok1 || !ok2 || om > 59 || oh > 14 || oh == 14 && om != 0 {
			return time.Time{}, 0
		}
		offset = (oh*60 + om) * 60
		if s[i] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, 0
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), precTime
}

// digits parses a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// validInstant reports whether s is a FHIR instant (meta.lastUpdated).
func validInstant(s string) bool {
	_, p := parseTime(s)
	return p == precTime
}

// validDate reports whether s is a FHIR date (birthDate).
func validDate(s string) bool {
	_, p := parseTime(s)
	return p >= precYear && p <= precDay
}

// clean returns s as it reads back from the JSON the mapping writes: each
// byte of invalid UTF-8 becomes U+FFFD.
func clean(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

// refID returns the id of a reference "typ/id" to a resource of type typ,
// or "" (the references the mapping writes are all relative).
func refID(r *reference, typ string) string {
	if r == nil {
		return ""
	}
	ref := r.Reference
	if len(ref) <= len(typ) || ref[len(typ)] != '/' || ref[:len(typ)] != typ || !validRef(ref[len(typ)+1:]) {
		return ""
	}
	return ref[len(typ)+1:]
}

// validRef reports whether id matches the FHIR id pattern.
func validRef(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// token returns the "system|code" of the first coding with a code in c, or "".
func (c *codeableConcept) token() string {
	if c == nil {
		return ""
	}
	for i := range c.Coding {
		if c.Coding[i].Code != "" {
			return c.Coding[i].token()
		}
	}
	return ""
}

// firstCode returns the code of the first coding with a code in c, or "".
func (c *codeableConcept) firstCode() string {
	if c == nil {
		return ""
	}
	for i := range c.Coding {
		if c.Coding[i].Code != "" {
			return clean(c.Coding[i].Code)
		}
	}
	return ""
}

// token returns "system|code", or "" without a code.
func (c *coding) token() string {
	if c.Code == "" {
		return ""
	}
	return clean(c.System) + "|" + clean(c.Code)
}

// firstCategory returns the code that gives Index.Category: the first
// coding with a code of the first category only.
func firstCategory(cs []codeableConcept) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[0].firstCode()
}

// indexIdentifiers returns the system|value pairs of identifiers with a
// value, nil if none.
func indexIdentifiers(ids []identifier) []lifeboat.Identifier {
	var out []lifeboat.Identifier
	for i := range ids {
		if ids[i].Value != "" {
			out = append(out, lifeboat.Identifier{System: clean(ids[i].System), Value: clean(ids[i].Value)})
		}
	}
	return out
}

// indexNames returns the folded search forms of names: each family and
// given name, "given family" (with the first given name, and with all of
// them when there are several) and the text, without repeats.
func indexNames(names []humanName) []string {
	var out []string
	add := func(s string) {
		if s = lifeboat.FoldName(clean(s)); s == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for i := range names {
		n := &names[i]
		add(n.Family)
		for _, g := range n.Given {
			add(g)
		}
		if len(n.Given) > 0 && n.Family != "" {
			add(n.Given[0] + " " + n.Family)
			if len(n.Given) > 1 {
				all := ""
				for _, g := range n.Given {
					all += g + " "
				}
				add(all + n.Family)
			}
		}
		add(n.Text)
	}
	return out
}
