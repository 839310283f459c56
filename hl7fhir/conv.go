package hl7fhir

import (
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// text returns a value's text with escapes resolved and spaces trimmed; the
// HL7 explicit null `""` reads as empty.
func text(v hl7v2.Value) string {
	if v.IsEmpty() || v.IsNull() {
		return ""
	}
	return strings.TrimSpace(v.Text())
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
func cwe(v hl7v2.Value) *codeableConcept { return cweParts(v.Comp, 9) }

func cweParts(part func(int) hl7v2.Value, origText int) *codeableConcept {
	c := &codeableConcept{}
	for _, base := range []int{1, 4} {
		code, disp, sys := text(part(base)), text(part(base+1)), text(part(base+2))
		if code == "" && disp == "" {
			continue
		}
		if code == "" {
			if c.Text == "" {
				c.Text = disp
			}
			continue
		}
		c.Coding = append(c.Coding, coding{System: systemURI(sys), Code: code, Display: disp})
	}
	if t := text(part(origText)); t != "" {
		c.Text = t
	}
	if len(c.Coding) == 0 && c.Text == "" {
		return nil
	}
	return c
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

// hd is a hierarchic designator read from subcomponents (CX-4, XCN-9).
type hd struct{ ns, uid, typ string }

func hdSub(v hl7v2.Value) hd { return hd{text(v.Sub(1)), text(v.Sub(2)), text(v.Sub(3))} }

// system returns an identifier system URI for an assigning authority, "" if none.
func (h hd) system() string {
	if h.uid != "" {
		switch {
		case strings.EqualFold(h.typ, "ISO") || isOID(h.uid):
			return "urn:oid:" + h.uid
		case strings.HasPrefix(h.uid, "urn:") || strings.HasPrefix(h.uid, "http://") || strings.HasPrefix(h.uid, "https://"):
			return h.uid
		case strings.EqualFold(h.typ, "UUID"):
			return "urn:uuid:" + h.uid
		}
	}
	ns := h.ns
	if ns == "" {
		ns = h.uid
	}
	if ns == "" {
		return ""
	}
	if strings.HasPrefix(ns, "urn:") || strings.HasPrefix(ns, "http://") || strings.HasPrefix(ns, "https://") {
		return ns
	}
	return "urn:id:" + sanitizeID(ns)
}

// sanitizeID keeps letters, digits, '-' and '.', replacing other runs by '-'.
func sanitizeID(s string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteByte(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return b.String()
}

// cx maps a CX identifier repetition; defaultSystem applies without CX-4.
func cx(v hl7v2.Value, defaultSystem string) *identifier {
	val := text(v.Comp(1))
	if val == "" {
		return nil
	}
	id := &identifier{Value: val}
	auth := hdSub(v.Comp(4))
	id.System = auth.system()
	if id.System == "" {
		id.System = defaultSystem
	}
	if t := text(v.Comp(5)); t != "" {
		id.Type = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: t}}}
	}
	if auth.ns != "" {
		id.Assigner = &reference{Display: auth.ns}
	}
	return id
}

// ei maps an entity identifier (EI: id, namespace, universal id, type).
func ei(v hl7v2.Value) *identifier {
	val := text(v.Comp(1))
	if val == "" {
		return nil
	}
	h := hd{text(v.Comp(2)), text(v.Comp(3)), text(v.Comp(4))}
	return &identifier{System: h.system(), Value: val}
}

// xpn maps an XPN name repetition.
func xpn(v hl7v2.Value) *humanName {
	n := &humanName{Family: text(v.Comp(1).Sub(1))}
	for _, c := range []int{2, 3} {
		if g := text(v.Comp(c)); g != "" {
			n.Given = append(n.Given, g)
		}
	}
	if s := text(v.Comp(4)); s != "" {
		n.Suffix = append(n.Suffix, s)
	}
	if s := text(v.Comp(6)); s != "" {
		n.Suffix = append(n.Suffix, s)
	}
	if p := text(v.Comp(5)); p != "" {
		n.Prefix = []string{p}
	}
	switch text(v.Comp(7)) {
	case "L":
		n.Use = "official"
	case "D":
		n.Use = "usual"
	case "M":
		n.Use = "maiden"
	case "N":
		n.Use = "nickname"
	case "A", "S":
		n.Use = "anonymous"
	case "T":
		n.Use = "temp"
	}
	if n.Family == "" && len(n.Given) == 0 {
		return nil
	}
	return n
}

// display formats a name for a reference display: "Given Family".
func (n *humanName) display() string {
	if n == nil {
		return ""
	}
	parts := append([]string{}, n.Prefix...)
	parts = append(parts, n.Given...)
	if n.Family != "" {
		parts = append(parts, n.Family)
	}
	return strings.Join(parts, " ")
}

// xad maps an XAD address repetition.
func xad(v hl7v2.Value) *address {
	a := &address{City: text(v.Comp(3)), State: text(v.Comp(4)), PostalCode: text(v.Comp(5)), Country: text(v.Comp(6)), District: text(v.Comp(9))}
	if l := text(v.Comp(1).Sub(1)); l != "" {
		a.Line = append(a.Line, l)
	}
	if l := text(v.Comp(2)); l != "" {
		a.Line = append(a.Line, l)
	}
	switch text(v.Comp(7)) {
	case "H":
		a.Use = "home"
	case "B", "O":
		a.Use = "work"
	case "C":
		a.Use = "temp"
	case "BA", "OLD":
		a.Use = "old"
	}
	if len(a.Line) == 0 && a.City == "" && a.State == "" && a.PostalCode == "" && a.Country == "" {
		return nil
	}
	return a
}

// xtn maps an XTN telecom repetition.
func xtn(v hl7v2.Value, defaultUse string) *contactPoint {
	p := &contactPoint{Use: defaultUse, System: "phone"}
	useCode, equip := text(v.Comp(2)), strings.ToUpper(text(v.Comp(3)))
	switch useCode {
	case "PRN", "ORN", "VHN":
		p.Use = "home"
	case "WPN":
		p.Use = "work"
	case "NET":
		p.System = "email"
	}
	switch equip {
	case "FX":
		p.System = "fax"
	case "CP":
		p.Use = "mobile"
	case "BP":
		p.System = "pager"
	case "INTERNET", "X.400":
		p.System = "email"
	}
	if p.System == "email" {
		p.Value = text(v.Comp(4))
		if p.Value == "" {
			p.Value = text(v.Comp(1))
		}
	} else {
		p.Value = text(v.Comp(1))
		if p.Value == "" {
			local := text(v.Comp(7))
			if area := text(v.Comp(6)); area != "" && local != "" {
				local = "(" + area + ") " + local
			}
			p.Value = local
		}
	}
	if p.Value == "" {
		return nil
	}
	return p
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
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !isDigits(intPart) && intPart != "" || hasDot && !isDigits(frac) || intPart == "" && frac == "" {
		return ""
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasDot {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}
