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
	// validates) is not a valid FHIR date; c holds the dates parsed so far.
	index(c *indexCache) (lifeboat.Index, bool)
}

// indexCache remembers the last dates that resources were indexed by: the
// resources of a message share theirs (each observation of a panel has the
// same effective and issued times).
type indexCache struct {
	nextRef int
	refs    [2]struct {
		r       *reference
		typ, id string
	}
	ids    []lifeboat.Identifier // Index.Identifiers, carved out of it
	names  []string              // Index.Names, carved out of it
	next   int
	parsed [4]struct {
		s string
		t time.Time
		p lifeboat.TimePrecision
	}
}

// refID is refID(r, typ), for the references that many resources share
// (the subject and encounter of a group's observations).
func (c *indexCache) refID(r *reference, typ string) string {
	for i := range c.refs {
		if e := &c.refs[i]; e.r == r && e.typ == typ && r != nil {
			return e.id
		}
	}
	id := refID(r, typ)
	c.refs[c.nextRef] = struct {
		r       *reference
		typ, id string
	}{r, typ, id}
	c.nextRef = (c.nextRef + 1) % len(c.refs)
	return id
}

// parse is lifeboat.ParseFHIRTime(s), for s not empty.
func (c *indexCache) parse(s string) (time.Time, lifeboat.TimePrecision) {
	for i := range c.parsed {
		if e := &c.parsed[i]; e.s == s {
			return e.t, e.p
		}
	}
	t, p := lifeboat.ParseFHIRTime(s)
	e := &c.parsed[c.next]
	c.next = (c.next + 1) % len(c.parsed)
	e.s, e.t, e.p = s, t, p
	return t, p
}

// dates reads the date elements of a resource that fhir.Parse reads, in
// the type's order, and returns the first present; ok is false when one of
// them is not a valid FHIR date or dateTime.
func (c *indexCache) dates(vals ...string) (first time.Time, ok bool) {
	ok = true
	for _, s := range vals {
		if s == "" {
			continue
		}
		t, p := c.parse(s)
		if p == 0 {
			ok = false
		} else if first.IsZero() {
			first = t
		}
	}
	return first, ok
}

// validInstant reports whether s is a FHIR instant (meta.lastUpdated).
func validInstant(s string) bool {
	_, p := lifeboat.ParseFHIRTime(s)
	return p == lifeboat.PrecisionTime
}

// validDate reports whether s is a FHIR date (birthDate).
func validDate(s string) bool {
	_, p := lifeboat.ParseFHIRTime(s)
	return p >= lifeboat.PrecisionYear && p <= lifeboat.PrecisionDay
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
	if len(ref) <= len(typ) || ref[len(typ)] != '/' || ref[:len(typ)] != typ || !lifeboat.ValidID(ref[len(typ)+1:]) {
		return ""
	}
	return ref[len(typ)+1:]
}

// token returns the "system|code" of the first coding with a code in c, or "".
func (c *codeableConcept) token() string {
	if c == nil {
		return ""
	}
	if c.memo != nil && c.memo.of == c {
		return c.memo.token
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
// value, nil if none. The lists of a message's resources are carved out of
// one array (each with no room to grow into the next).
func (c *indexCache) indexIdentifiers(ids []identifier) []lifeboat.Identifier {
	n := 0
	for i := range ids {
		if ids[i].Value != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if cap(c.ids)-len(c.ids) < n {
		c.ids = make([]lifeboat.Identifier, 0, max(n, 8))
	}
	start := len(c.ids)
	for i := range ids {
		if ids[i].Value != "" {
			c.ids = append(c.ids, lifeboat.Identifier{System: clean(ids[i].System), Value: clean(ids[i].Value)})
		}
	}
	return c.ids[start:len(c.ids):len(c.ids)]
}

// indexNames returns the folded search forms of names: each family and
// given name, "given family" (with the first given name, and with all of
// them when there are several) and the text, without repeats. Like
// identifiers, the lists are carved out of one array.
func (c *indexCache) indexNames(names []humanName) []string {
	most := 0 // forms at most
	for i := range names {
		most += len(names[i].Given) + 4
	}
	if cap(c.names)-len(c.names) < most {
		c.names = make([]string, 0, max(most, 8))
	}
	start := len(c.names)
	add := func(s string) {
		f := lifeboat.FoldName(clean(s))
		if f == "" {
			return
		}
		for _, o := range c.names[start:] {
			if o == f {
				return
			}
		}
		c.names = append(c.names, f)
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
				var buf [64]byte
				all := buf[:0]
				for _, g := range n.Given {
					all = append(append(all, g...), ' ')
				}
				add(string(append(all, n.Family...)))
			}
		}
		add(n.Text)
	}
	if len(c.names) == start {
		return nil
	}
	return c.names[start:len(c.names):len(c.names)]
}
