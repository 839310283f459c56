package hl7fhir

import "encoding/json"

// The types below are the small subset of FHIR R4 data types and resources
// that the mapping writes. Every field is omitted when empty, so a resource
// carries only what its message said.
//
// Each type writes itself with an appendJSON method (jsonw.go) in field
// order, exactly as encoding/json would from the struct tags (without HTML
// escaping); the tags stay as the specification, and TestEncoding checks
// the two agree on every test and corpus message.

type meta struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
}

type coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type codeableConcept struct {
	Coding []coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`

	memo *jsonMemo[codeableConcept] // see memoize
}

type reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`

	memo *jsonMemo[reference] // see memoize
}

type identifier struct {
	Use      string           `json:"use,omitempty"`
	Type     *codeableConcept `json:"type,omitempty"`
	System   string           `json:"system,omitempty"`
	Value    string           `json:"value,omitempty"`
	Assigner *reference       `json:"assigner,omitempty"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type quantity struct {
	Value      json.Number `json:"value,omitempty"`
	Comparator string      `json:"comparator,omitempty"`
	Unit       string      `json:"unit,omitempty"`
	System     string      `json:"system,omitempty"`
	Code       string      `json:"code,omitempty"`
}

type ratio struct {
	Numerator   *quantity `json:"numerator,omitempty"`
	Denominator *quantity `json:"denominator,omitempty"`
}

type valueRange struct {
	Low  *quantity `json:"low,omitempty"`
	High *quantity `json:"high,omitempty"`
}

type humanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

type address struct {
	Use        string   `json:"use,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
}

type contactPoint struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
	Use    string `json:"use,omitempty"`
}

type annotation struct {
	AuthorString string `json:"authorString,omitempty"`
	Time         string `json:"time,omitempty"`
	Text         string `json:"text"`
}

type attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Data        string `json:"data,omitempty"`
	URL         string `json:"url,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// jsonMemo is the JSON of a value that many resources hold (a concept
// shared by all, the subject of a group's observations), written once. It
// is used only to write the value it was made for, compared by address, so
// a copy of the value, which may be changed, is written afresh; the value
// itself must not change once it has a memo.
type jsonMemo[T any] struct {
	of    *T
	json  []byte
	token string // of a concept, its token
}

// memoize gives v a memo of its JSON (which must not change afterwards)
// and returns it. Package variables are memoized by init functions, once
// all the variables the JSON writer uses are initialized.
func memoize[T any, P interface {
	*T
	jsonValue
	setMemo(*jsonMemo[T])
}](v P) P {
	m := &jsonMemo[T]{of: v, json: v.appendJSON(nil)}
	if c, ok := any(v).(*codeableConcept); ok {
		m.token = c.token()
	}
	v.setMemo(m)
	return v
}

// memoized memoizes each concept of cs and returns it.
func memoized(cs []codeableConcept) []codeableConcept {
	for i := range cs {
		memoize(&cs[i])
	}
	return cs
}

func (v *codeableConcept) setMemo(m *jsonMemo[codeableConcept]) { v.memo = m }
func (v *reference) setMemo(m *jsonMemo[reference])             { v.memo = m }

// boolPtr returns a pointer to b, shared (never written through).
func boolPtr(b bool) *bool {
	if b {
		return &trueValue
	}
	return &falseValue
}

var trueValue, falseValue = true, false

// cc returns a CodeableConcept with one coding, or nil when all are empty.
func cc(system, code, display string) *codeableConcept {
	if code == "" && display == "" {
		return nil
	}
	c := &codeableConcept{}
	if code != "" {
		c.Coding = []coding{{System: system, Code: code, Display: display}}
	} else {
		c.Text = display
	}
	return c
}

func jsonNumber(s string) json.Number { return json.Number(s) }
