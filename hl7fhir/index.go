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
		t, p := lifeboat.ParseFHIRTime(s)
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
