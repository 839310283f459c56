package hl7fhir

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// text returns a value's text with escapes resolved and spaces trimmed; the
// HL7 explicit null `""` reads as empty.
func text(v hl7v2.Value) string {
	s := v.Raw()
	if s == "" || s == `""` {
		return ""
	}
	if !plainText(s, v.Delimiters().Escape) {
		return strings.TrimSpace(v.Text())
	}
	// Its text is itself (as v.Text() would find, at more cost).
	if c, d := s[0], s[len(s)-1]; c > ' ' && d > ' ' {
		return s
	}
	return strings.TrimSpace(s)
}

// plainText reports whether s is ASCII and holds no escape character:
// then the text of a value written s is s itself.
func plainText(s string, escape byte) bool {
	const lo, hi, hi7 = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	pat := lo * uint64(escape)
	for ; len(s) >= 8; s = s[8:] {
		w := load64(s)
		x := w ^ pat
		if w&hi != 0 || ^((x&hi7+hi7)|x|hi7) != 0 { // not ASCII, or an escape character
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == escape {
			return false
		}
	}
	return true
}

// systemURIs maps HL7 v2 coding system names (table 0396) to FHIR system URIs.
var systemURIs = map[string]string{
	"LN":       "http://loinc.org",
	"LOINC":    "http://loinc.org",
	"SCT":      "http://snomed.info/sct",
	"SNM":      "http://snomed.info/sct",
	"SNM3":     "http://snomed.info/sct",
	"SNOMED":   "http://snomed.info/sct",
	"SNOMEDCT": "http://snomed.info/sct",
	"I9":       "http://hl7.org/fhir/sid/icd-9-cm",
	"I9C":      "http://hl7.org/fhir/sid/icd-9-cm",
	"I9CDX":    "http://hl7.org/fhir/sid/icd-9-cm",
	"ICD9":     "http://hl7.org/fhir/sid/icd-9-cm",
	"I10":      "http://hl7.org/fhir/sid/icd-10",
	"ICD10":    "http://hl7.org/fhir/sid/icd-10",
	"I10C":     "http://hl7.org/fhir/sid/icd-10-cm",
	"ICD10CM":  "http://hl7.org/fhir/sid/icd-10-cm",
	"NDC":      "http://hl7.org/fhir/sid/ndc",
	"RXNORM":   "http://www.nlm.nih.gov/research/umls/rxnorm",
	"RXN":      "http://www.nlm.nih.gov/research/umls/rxnorm",
	"CVX":      "http://hl7.org/fhir/sid/cvx",
	"MVX":      "http://terminology.hl7.org/CodeSystem/MVX",
	"UCUM":     "http://unitsofmeasure.org",
	"C4":       "http://www.ama-assn.org/go/cpt",
	"CPT":      "http://www.ama-assn.org/go/cpt",
	"CDCREC":   "urn:oid:2.16.840.1.113883.6.238",
}

// systemURI returns the FHIR system of an HL7 coding system name, "" if unknown.
func systemURI(name string) string {
	if name == "" {
		return ""
	}
	if u, ok := systemURIs[strings.ToUpper(name)]; ok {
		return u
	}
	up := strings.ToUpper(name)
	if strings.HasPrefix(up, "HL7") && len(up) == 7 && isDigits(up[3:]) {
		return "http://terminology.hl7.org/CodeSystem/v2-" + up[3:]
	}
	if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") || strings.HasPrefix(name, "urn:") {
		return name
	}
	if isOID(name) {
		return "urn:oid:" + name
	}
	return ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isOID(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !isDigits(p) {
			return false
		}
	}
	return true
}

// cwe maps a CE/CWE/CNE value (a field repetition) to a CodeableConcept;
// nil when empty.
func cwe(v hl7v2.Value) *codeableConcept {
	codings, n, txt := cweParts(v)
	switch n {
	case 0:
		if txt == "" {
			return nil
		}
		return &codeableConcept{Text: txt}
	case 1:
		c := &struct {
			cc      codeableConcept
			codings [1]coding
		}{codings: [1]coding{codings[0]}}
		c.cc = codeableConcept{Coding: c.codings[:], Text: txt}
		return &c.cc
	}
	c := &conceptAlloc{codings: codings}
	c.cc = codeableConcept{Coding: c.codings[:], Text: txt}
	return &c.cc
}

// cwe is cwe(v), taken from m's arena.
func (m *mapper) cwe(v hl7v2.Value) *codeableConcept {
	codings, n, txt := cweParts(v)
	if n == 0 && txt == "" {
		return nil
	}
	c := m.arena.concepts.new()
	copy(c.codings[:n], codings[:n])
	c.cc.Text = txt
	if n > 0 {
		c.cc.Coding = c.codings[:n:n]
	}
	return &c.cc
}

// cweParts reads a CE/CWE/CNE value: its codings (n of them) and its text.
func cweParts(v hl7v2.Value) (codings [2]coding, n int, txt string) {
	var c comps
	c.split(v)
	part := c.comp
	for _, base := range [2]int{1, 4} {
		code, disp, sys := text(part(base)), text(part(base+1)), text(part(base+2))
		if code == "" && disp == "" {
			continue
		}
		if code == "" {
			if txt == "" {
				txt = disp
			}
			continue
		}
		codings[n] = coding{System: systemURI(sys), Code: code, Display: disp}
		n++
	}
	if t := text(part(9)); t != "" {
		txt = t
	}
	return codings, n, txt
}

// ccText returns the display text of a concept: its text, else the first
// coding's display, else its code.
func ccText(c *codeableConcept) string {
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
	if len(c.Coding) > 0 {
		return c.Coding[0].Code
	}
	return ""
}

// withText returns c with Text filled from its first display when empty, so
// views that read .text show something.
func withText(c *codeableConcept) *codeableConcept {
	if c != nil && c.Text == "" {
		c.Text = ccText(c)
	}
	return c
}

// hl7Time formats parsed HL7 times as FHIR date, dateTime and instant values.
func fhirDateTime(t hl7v2.Time) string {
	switch t.Precision {
	case hl7v2.PrecisionYear:
		return t.Format("2006")
	case hl7v2.PrecisionMonth:
		return t.Format("2006-01")
	case hl7v2.PrecisionDay:
		return t.Format("2006-01-02")
	}
	return fhirInstant(t)
}

func fhirInstant(t hl7v2.Time) string {
	switch {
	case t.Precision > hl7v2.PrecisionSecond:
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format("2006-01-02T15:04:05Z07:00")
}

func fhirDate(t hl7v2.Time) string {
	switch t.Precision {
	case hl7v2.PrecisionYear:
		return t.Format("2006")
	case hl7v2.PrecisionMonth:
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// instantString formats a Go time as a FHIR instant.
func instantString(t time.Time) string {
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(time.RFC3339)
}

// decimal normalises an HL7 numeric string into a JSON/FHIR decimal, or "".
func decimal(s string) string {
	s = strings.TrimSpace(s)
	signed := s
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !isDigits(intPart) && intPart != "" || hasDot && !isDigits(frac) || intPart == "" && frac == "" {
		return ""
	}
	// Leading zeros go, leaving one digit before the point. The result is
	// a part of the value when it can be.
	var out string
	if intPart == "" {
		out = "0" + s
	} else {
		lead := 0
		for lead < len(intPart)-1 && intPart[lead] == '0' {
			lead++
		}
		out = s[lead:]
	}
	if neg && strings.Trim(out, "0.") != "" {
		if len(out) == len(s) && intPart != "" {
			return signed
		}
		out = "-" + out
	}
	return out
}

// load64 returns the first 8 bytes of s (at least 8) as a little-endian
// word, in one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
