package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type observationResource struct {
	ResourceType         string            `json:"resourceType"`
	ID                   string            `json:"id"`
	Meta                 meta              `json:"meta"`
	Status               string            `json:"status"`
	Category             []codeableConcept `json:"category,omitempty"`
	Code                 codeableConcept   `json:"code"`
	Subject              *reference        `json:"subject,omitempty"`
	Encounter            *reference        `json:"encounter,omitempty"`
	EffectiveDateTime    string            `json:"effectiveDateTime,omitempty"`
	Issued               string            `json:"issued,omitempty"`
	Performer            []reference       `json:"performer,omitempty"`
	ValueQuantity        *quantity         `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *codeableConcept  `json:"valueCodeableConcept,omitempty"`
	ValueString          string            `json:"valueString,omitempty"`
	ValueDateTime        string            `json:"valueDateTime,omitempty"`
	ValueTime            string            `json:"valueTime,omitempty"`
	ValueRange           *valueRange       `json:"valueRange,omitempty"`
	ValueRatio           *ratio            `json:"valueRatio,omitempty"`
	Interpretation       []codeableConcept `json:"interpretation,omitempty"`
	Note                 []annotation      `json:"note,omitempty"`
	ReferenceRange       []obsRange        `json:"referenceRange,omitempty"`
}

type obsRange struct {
	Low  *quantity `json:"low,omitempty"`
	High *quantity `json:"high,omitempty"`
	Text string    `json:"text,omitempty"`
}

// vitalSigns are the LOINC codes of the FHIR vital signs profiles (and a
// few close relatives) whose observations get category vital-signs.
var vitalSigns = map[string]bool{
	"85353-1": true, "9279-1": true, "8867-4": true, "2708-6": true, "59408-5": true,
	"8310-5": true, "8302-2": true, "9843-4": true, "29463-7": true, "3141-9": true,
	"39156-5": true, "85354-9": true, "8480-6": true, "8462-4": true, "8478-0": true,
	"8287-5": true, "8306-3": true, "8308-9": true, "3137-7": true, "8331-1": true, "8332-9": true,
}

// interpretations are the OBX-8 codes (table 0078) that are also v3
// ObservationInterpretation codes.
var interpretations = map[string]string{
	"L": "Low", "H": "High", "LL": "Critical low", "HH": "Critical high", "N": "Normal",
	"A": "Abnormal", "AA": "Critical abnormal", "<": "Off scale low", ">": "Off scale high",
	"U": "Significant change up", "D": "Significant change down", "B": "Better", "W": "Worse",
	"S": "Susceptible", "R": "Resistant", "I": "Intermediate", "MS": "Moderately susceptible",
	"VS": "Very susceptible", "POS": "Positive", "NEG": "Negative", "IND": "Indeterminate",
	"DET": "Detected", "ND": "Not detected", "E": "Equivocal", "EX": "outside threshold",
	"HU": "Significantly high", "LU": "Significantly low", "NR": "Non-reactive", "RR": "Reactive",
}

// obsStatus maps OBX-11 (table 0085) to Observation.status.
func obsStatus(s string) string {
	switch s {
	case "F":
		return "final"
	case "P", "R", "S":
		return "preliminary"
	case "C":
		return "corrected"
	case "X", "N":
		return "cancelled"
	case "D", "W":
		return "entered-in-error"
	case "I", "O":
		return "registered"
	case "A":
		return "amended"
	}
	return ""
}

// obsItem is one OBX segment with its NTE notes.
type obsItem struct {
	obx   hl7v2.Segment
	notes []hl7v2.Segment
}

// obsGroup collects the OBX segments of a report (or of an ADT patient
// group) and maps them to Observations when flushed.
type obsGroup struct {
	pat       patientCtx
	enc       string
	scope     string // what the observation ids are derived within
	report    string // DiagnosticReport id, "" if none
	category  string // default category code
	status    string // default status (from OBR-25)
	effective string // default effective time (OBR-7)
	issued    string // OBR-22
	items     []obsItem
	results   []reference
	forms     []attachment
}

func (g *obsGroup) add(m *mapper, obx hl7v2.Segment) { g.items = append(g.items, obsItem{obx: obx}) }

func (g *obsGroup) note(nte hl7v2.Segment) {
	if n := len(g.items); n > 0 {
		g.items[n-1].notes = append(g.items[n-1].notes, nte)
	}
}

// notes maps NTE-3 comments to annotations.
func notes(ntes []hl7v2.Segment) []annotation {
	var out []annotation
	for _, n := range ntes {
		var lines []string
		for r := range n.Field(3).Reps() {
			lines = append(lines, text(r))
		}
		if t := strings.TrimSpace(strings.Join(lines, "\n")); t != "" {
			out = append(out, annotation{Text: t})
		}
	}
	return out
}

// flush maps the collected OBX segments.
func (g *obsGroup) flush(m *mapper) {
	seen := map[string]int{}
	for _, it := range g.items {
		obx := it.obx
		code := withText(cwe(obx.Field(3)))
		key := ""
		if code != nil && len(code.Coding) > 0 {
			key = code.Coding[0].System + "|" + code.Coding[0].Code
		} else if code != nil {
			key = code.Text
		}
		key += "|" + text(obx.Field(4))
		seen[key]++
		id := makeID("Observation", g.scope, key, itoa(seen[key]))
		typ := strings.ToUpper(text(obx.Field(2)))
		if typ == "ED" {
			g.document(m, it, id, code)
			continue
		}
		o := &observationResource{ResourceType: "Observation", ID: id, Meta: m.meta(), Subject: g.pat.ref()}
		if code == nil {
			m.warnSeg(obx, 3, "observation identifier missing")
			code = &codeableConcept{Text: "unknown"}
		}
		o.Code = *code
		if g.enc != "" {
			o.Encounter = &reference{Reference: "Encounter/" + g.enc}
		}
		o.Status = obsStatus(text(obx.Field(11)))
		if o.Status == "" {
			o.Status = g.status
		}
		if o.Status == "" {
			o.Status = "unknown"
		}
		cat := g.category
		if len(code.Coding) > 0 && code.Coding[0].System == "http://loinc.org" && vitalSigns[code.Coding[0].Code] {
			cat = "vital-signs"
		}
		if cat != "" {
			o.Category = []codeableConcept{{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category", Code: cat, Display: categoryDisplay[cat]}}}}
		}
		o.EffectiveDateTime = m.dateTime(obx, 14)
		if o.EffectiveDateTime == "" {
			o.EffectiveDateTime = g.effective
		}
		o.Issued = g.issued
		for r := range obx.Field(16).Reps() {
			if p := m.practitioner(r); p != nil {
				o.Performer = append(o.Performer, *p)
			}
		}
		unit := units(obx.Field(6))
		m.obsValue(o, obx, typ, unit)
		o.ReferenceRange = referenceRange(text(obx.Field(7)), unit)
		for r := range obx.Field(8).Reps() {
			c := text(r.Comp(1))
			if c == "" {
				continue
			}
			if d, ok := interpretations[c]; ok {
				o.Interpretation = append(o.Interpretation, codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: c, Display: d}}})
			} else {
				o.Interpretation = append(o.Interpretation, codeableConcept{Text: c})
			}
		}
		o.Note = notes(it.notes)
		m.emit("Observation", id, false, o)
		g.results = append(g.results, reference{Reference: "Observation/" + id})
	}
	g.items = nil
}

var categoryDisplay = map[string]string{"laboratory": "Laboratory", "vital-signs": "Vital Signs", "exam": "Exam", "survey": "Survey"}

// units maps OBX-6 to the unit fields of a Quantity.
func units(v hl7v2.Value) quantity {
	code, name, sys := text(v.Comp(1)), text(v.Comp(2)), strings.ToUpper(text(v.Comp(3)))
	q := quantity{Unit: name}
	if q.Unit == "" {
		q.Unit = code
	}
	if code != "" && (sys == "UCUM" || sys == "" && ucumLike(code)) {
		q.System, q.Code = "http://unitsofmeasure.org", code
	}
	return q
}

// ucumLike reports whether a unit without a coding system is a common UCUM
// unit written the UCUM way.
func ucumLike(s string) bool {
	switch s {
	case "%", "mg/dL", "g/dL", "mmol/L", "mEq/L", "kg", "g", "mg", "cm", "m", "mm[Hg]", "/min", "Cel", "[degF]",
		"U/L", "ng/mL", "pg/mL", "fL", "pg", "10*3/uL", "10*6/uL", "mL", "L", "s", "h", "min", "umol/L", "ug/mL", "[in_i]", "[lb_av]", "kg/m2":
		return true
	}
	return false
}

// obsValue sets the value[x] of an observation from OBX-5 by OBX-2.
func (m *mapper) obsValue(o *observationResource, obx hl7v2.Segment, typ string, unit quantity) {
	v := obx.Field(5)
	if v.IsEmpty() || v.IsNull() {
		return
	}
	first := v.Rep(1)
	switch typ {
	case "NM":
		s := text(first)
		q := unit
		for _, p := range []string{"<=", ">=", "<", ">"} {
			if strings.HasPrefix(s, p) {
				q.Comparator, s = p, strings.TrimSpace(s[len(p):])
				break
			}
		}
		if d := decimal(s); d != "" {
			q.Value = jsonNumber(d)
			o.ValueQuantity = &q
		} else {
			m.warnSeg(obx, 5, "numeric value not a number: kept as text")
			o.ValueString = text(first)
		}
	case "SN":
		m.structuredNumeric(o, obx, first, unit)
	case "CE", "CWE", "CNE", "CF":
		o.ValueCodeableConcept = withText(cwe(first))
	case "IS", "ID":
		o.ValueCodeableConcept = &codeableConcept{Coding: []coding{{Code: text(first)}}, Text: text(first)}
	case "DT", "DTM", "TS":
		if t, ok := m.timeValue(obx, 5, first); ok {
			o.ValueDateTime = fhirDateTime(t)
		}
	case "TM":
		s := text(first.Comp(1))
		if len(s) >= 4 && isDigits(s[:4]) {
			sec := "00"
			if len(s) >= 6 && isDigits(s[4:6]) {
				sec = s[4:6]
			}
			o.ValueTime = s[:2] + ":" + s[2:4] + ":" + sec
		} else {
			o.ValueString = s
		}
	default: // ST, TX, FT, and anything else as text
		var lines []string
		for r := range v.Reps() {
			lines = append(lines, text(r))
		}
		o.ValueString = strings.Join(lines, "\n")
	}
}

func (m *mapper) structuredNumeric(o *observationResource, obx hl7v2.Segment, v hl7v2.Value, unit quantity) {
	cmp, n1, sep, n2 := text(v.Comp(1)), decimal(text(v.Comp(2))), text(v.Comp(3)), decimal(text(v.Comp(4)))
	switch {
	case n1 != "" && n2 == "" && (cmp == "" || cmp == "=" || cmp == "<" || cmp == ">" || cmp == "<=" || cmp == ">="):
		q := unit
		q.Value = jsonNumber(n1)
		if cmp != "=" {
			q.Comparator = cmp
		}
		o.ValueQuantity = &q
	case n1 != "" && n2 != "" && (sep == ":" || sep == "/"):
		o.ValueRatio = &ratio{Numerator: &quantity{Value: jsonNumber(n1)}, Denominator: &quantity{Value: jsonNumber(n2)}}
	case n1 != "" && n2 != "" && sep == "-" && cmp == "":
		lo, hi := unit, unit
		lo.Value, hi.Value = jsonNumber(n1), jsonNumber(n2)
		o.ValueRange = &valueRange{Low: &lo, High: &hi}
	default:
		o.ValueString = strings.TrimSpace(cmp + text(v.Comp(2)) + sep + text(v.Comp(4)))
		if o.ValueString == "" {
			m.warnSeg(obx, 5, "structured numeric value not understood")
		}
	}
}

// referenceRange parses OBX-7 forms such as "3.5-5.1", "<5", "<=5", ">60"
// into low/high quantities with the value's unit, keeping the text.
func referenceRange(s string, unit quantity) []obsRange {
	if s == "" {
		return nil
	}
	r := obsRange{Text: s}
	bound := func(d string) *quantity {
		q := quantity{Value: jsonNumber(d), Unit: unit.Unit, System: unit.System, Code: unit.Code}
		return &q
	}
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "<"):
		if d := decimal(strings.TrimLeft(t, "<=")); d != "" {
			r.High = bound(d)
		}
	case strings.HasPrefix(t, ">"):
		if d := decimal(strings.TrimLeft(t, ">=")); d != "" {
			r.Low = bound(d)
		}
	default:
		// Split at a '-' that is not a leading sign.
		for i := 1; i < len(t); i++ {
			if t[i] == '-' {
				lo, hi := decimal(t[:i]), decimal(t[i+1:])
				if lo != "" && hi != "" {
					r.Low, r.High = bound(lo), bound(hi)
				}
				break
			}
		}
	}
	return []obsRange{r}
}

func (v *observationResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = str(b, "status", v.Status)
	b = optList(b, "category", v.Category)
	b = obj(b, "code", &v.Code)
	b = opt(b, "subject", v.Subject)
	b = opt(b, "encounter", v.Encounter)
	b = optStr(b, "effectiveDateTime", v.EffectiveDateTime)
	b = optStr(b, "issued", v.Issued)
	b = optList(b, "performer", v.Performer)
	b = opt(b, "valueQuantity", v.ValueQuantity)
	b = opt(b, "valueCodeableConcept", v.ValueCodeableConcept)
	b = optStr(b, "valueString", v.ValueString)
	b = optStr(b, "valueDateTime", v.ValueDateTime)
	b = optStr(b, "valueTime", v.ValueTime)
	b = opt(b, "valueRange", v.ValueRange)
	b = opt(b, "valueRatio", v.ValueRatio)
	b = optList(b, "interpretation", v.Interpretation)
	b = optList(b, "note", v.Note)
	b = optList(b, "referenceRange", v.ReferenceRange)
	return append(b, '}')
}

func (v *observationResource) index() (lifeboat.Index, bool) {
	date, ok := dates(v.EffectiveDateTime, v.Issued)
	return lifeboat.Index{Patient: refID(v.Subject, "Patient"), Encounter: refID(v.Encounter, "Encounter"),
		Status: clean(v.Status), Category: firstCategory(v.Category), Code: v.Code.token(), Date: date}, ok
}

func (v *obsRange) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "low", v.Low)
	b = opt(b, "high", v.High)
	b = optStr(b, "text", v.Text)
	return append(b, '}')
}
