package chart

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// This file holds the small FHIR R4 data types the views decode. Each view
// decodes only the elements it reads (see docs/DATA-MODEL.md) into structs
// like these; encoding/json skips everything else.

// Code systems the views recognise.
const (
	sysLOINC        = "http://loinc.org"
	sysSNOMED       = "http://snomed.info/sct"
	sysActCode      = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	sysParticipant  = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	sysIdentifier   = "http://terminology.hl7.org/CodeSystem/v2-0203"
	sysPhysicalType = "http://terminology.hl7.org/CodeSystem/location-physical-type"
)

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type concept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
}

// display returns the concept's text, else its first coding display, else
// its first code.
func (c *concept) display() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return cd.Display
		}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// code returns the first code of the concept.
func (c *concept) code() string {
	if c == nil {
		return ""
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// has reports whether the concept has a coding with code (and system, unless
// system is empty; a coding without a system also matches).
func (c *concept) has(system, code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.Code == code && (system == "" || cd.System == "" || cd.System == system) {
			return true
		}
	}
	return false
}

// key returns "system|code" of the first coding, as Index.Code holds it.
func (c *concept) key() string {
	if c == nil || len(c.Coding) == 0 {
		return ""
	}
	return c.Coding[0].System + "|" + c.Coding[0].Code
}

func anyHas(cs []concept, system, code string) bool {
	for i := range cs {
		if cs[i].has(system, code) {
			return true
		}
	}
	return false
}

type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

// id returns the logical id the reference points at, if it is of type typ
// (or a urn:uuid: reference, whose type is unknown).
func (r *reference) id(typ string) string {
	t, id := splitRef(r.Reference)
	if t != typ && t != "" {
		return ""
	}
	return id
}

// splitRef splits a literal reference ("Patient/1", an absolute URL, a
// versioned reference or "urn:uuid:...") into its type and id. Conditional
// references ("Patient?identifier=...") and fragments give "", "".
func splitRef(ref string) (typ, id string) {
	if rest, ok := strings.CutPrefix(ref, "urn:uuid:"); ok {
		return "", rest
	}
	if ref == "" || strings.ContainsAny(ref, "?#") {
		return "", ""
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	j := strings.LastIndexByte(ref, '/')
	if j <= 0 {
		return "", ""
	}
	id = ref[j+1:]
	typ = ref[:j]
	if k := strings.LastIndexByte(typ, '/'); k >= 0 {
		typ = typ[k+1:]
	}
	return typ, id
}

type quantity struct {
	Value      json.Number `json:"value"`
	Comparator string      `json:"comparator"`
	Unit       string      `json:"unit"`
	Code       string      `json:"code"`
}

// unit returns the human unit, else the coded one.
func (q *quantity) unit() string {
	if q == nil {
		return ""
	}
	if q.Unit != "" {
		return q.Unit
	}
	return q.Code
}

// String returns "value unit", e.g. "500 mg".
func (q *quantity) String() string {
	if q == nil || q.Value == "" {
		return ""
	}
	s := q.Comparator + string(q.Value)
	if u := q.unit(); u != "" {
		s += " " + u
	}
	return s
}

type ratio struct {
	Numerator   *quantity `json:"numerator"`
	Denominator *quantity `json:"denominator"`
}

// String returns a rate such as "100 mL/h" or "2 mg/5 min".
func (r *ratio) String() string {
	if r == nil || r.Numerator == nil || r.Numerator.Value == "" {
		return ""
	}
	s := r.Numerator.String()
	if d := r.Denominator; d != nil {
		if d.Value == "" || d.Value == "1" {
			s += "/" + d.unit()
		} else {
			s += "/" + d.String()
		}
	}
	return s
}

type valueRange struct {
	Low  *quantity `json:"low"`
	High *quantity `json:"high"`
}

// String returns "low-high unit".
func (r *valueRange) String() string {
	if r == nil {
		return ""
	}
	switch {
	case r.Low != nil && r.Low.Value != "" && r.High != nil && r.High.Value != "":
		return string(r.Low.Value) + "-" + r.High.String()
	case r.Low != nil && r.Low.Value != "":
		return r.Low.String()
	default:
		return r.High.String()
	}
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type identifier struct {
	System string   `json:"system"`
	Value  string   `json:"value"`
	Type   *concept `json:"type"`
}

// parseTime parses a FHIR date, dateTime or instant. Dates and times
// without a zone are read in loc. It returns the zero time if s is invalid.
func parseTime(s string, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	var layout string
	switch len(s) {
	case 0:
		return time.Time{}
	case 4:
		layout = "2006"
	case 7:
		layout = "2006-01"
	case 10:
		layout = "2006-01-02"
	default:
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
		layout = "2006-01-02T15:04:05"
		if i := strings.IndexByte(s, '.'); i > 0 {
			s = s[:i]
		}
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// firstTime returns the first of ss that parses.
func firstTime(loc *time.Location, ss ...string) time.Time {
	for _, s := range ss {
		if t := parseTime(s, loc); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// decode unmarshals a resource's JSON into v, reporting success. Resources
// that do not decode are skipped by the views rather than failing a page.
func decode(r *lifeboat.Resource, v any) bool {
	if r == nil || r.Deleted || len(r.JSON) == 0 {
		return false
	}
	return json.Unmarshal(r.JSON, v) == nil
}

// patientOf returns the id of the patient a resource is about.
func patientOf(r *lifeboat.Resource) string {
	if r.Type == "Patient" {
		return r.ID
	}
	return r.Index.Patient
}

// appendUnique appends s to list unless it is empty or already present.
func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
