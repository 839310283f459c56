package hl7fhir

import (
	"strconv"
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
	encRef    *reference // to the encounter, made once
	subject   *reference // to the patient, made once
}

// add adds an OBX to the group; its first takes the mapper's item buffer,
// which flush gives back.
func (g *obsGroup) add(m *mapper, obx hl7v2.Segment) {
	if g.items == nil {
		g.items, m.items = m.items[:0], nil
	}
	g.items = append(g.items, obsItem{obx: obx})
}

// encounterRef returns the reference to the group's encounter, nil if none.
func (g *obsGroup) encounterRef(m *mapper) *reference {
	if g.encRef == nil && g.enc != "" {
		g.encRef = m.share(reference{Reference: "Encounter/" + g.enc})
	}
	return g.encRef
}

// subjectRef returns the reference to the group's patient, nil if none.
func (g *obsGroup) subjectRef(m *mapper) *reference {
	if g.subject == nil && g.pat.id != "" {
		g.subject = m.share(reference{Reference: g.pat.refs, Display: g.pat.display})
	}
	return g.subject
}

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
	m.repeats.reset()
	// What every observation of the group refers to, shared by them.
	subject, encounter := g.subjectRef(m), g.encounterRef(m)
	var f segFields // the OBX, split
	for _, it := range g.items {
		obx := it.obx
		f.split(obx)
		code := withText(m.cwe(f.field(3)))
		// The id is hashed from the group's scope and the observation's
		// key (code and sub-id), numbered among those with the same key.
		in := append(m.scratch[:0], "Observation"...)
		in = append(append(in, 0), g.scope...)
		in = append(in, 0)
		key := len(in)
		if code != nil && len(code.Coding) > 0 {
			in = append(in, code.Coding[0].System...)
			in = append(append(in, '|'), code.Coding[0].Code...)
		} else if code != nil {
			in = append(in, code.Text...)
		}
		in = append(append(in, '|'), text(f.field(4))...)
		n := m.repeats.add(in[key:])
		in = strconv.AppendInt(append(in, 0), int64(n), 10)
		m.scratch = in
		ref := refFromInput("Observation", in)
		id := ref[len("Observation/"):]
		typ := strings.ToUpper(text(f.field(2)))
		if typ == "ED" {
			g.document(m, it, id, code)
			continue
		}
		o := m.arena.observations.new() // zero: only what is set is written
		o.ResourceType, o.ID, o.Meta, o.Subject, o.Encounter = "Observation", id, m.meta(), subject, encounter
		if code == nil {
			m.warnSeg(obx, 3, "observation identifier missing")
			code = &codeableConcept{Text: "unknown"}
		}
		o.Code = *code
		o.Status = obsStatus(text(f.field(11)))
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
			o.Category = obsCategory(cat)
		}
		if t, ok := m.timeValue(obx, 14, f.field(14)); ok {
			o.EffectiveDateTime = m.fhirDateTime(t)
		}
		if o.EffectiveDateTime == "" {
			o.EffectiveDateTime = g.effective
		}
		o.Issued = g.issued
		for r := range f.field(16).Reps() {
			if p := m.practitioner(r); p != nil {
				o.Performer = append(o.Performer, *p)
			}
		}
		unit := units(f.field(6))
		m.obsValue(o, &f, typ, unit)
		o.ReferenceRange = m.referenceRange(text(f.field(7)), unit)
		for r := range f.field(8).Reps() {
			c := text(r.Comp(1))
			if c == "" {
				continue
			}
			if one, ok := interpretationConcepts[c]; ok && o.Interpretation == nil {
				o.Interpretation = one
			} else if ok {
				o.Interpretation = append(o.Interpretation, one[0])
			} else {
				o.Interpretation = append(o.Interpretation, codeableConcept{Text: c})
			}
		}
		o.Note = notes(it.notes)
		m.emit("Observation", id, false, o)
		if g.results == nil {
			g.results = m.arena.references.slice(len(g.items))
		}
		g.results = append(g.results, reference{Reference: ref})
	}
	clear(g.items)
	m.items, g.items = g.items[:0], nil
}

var categoryDisplay = map[string]string{"laboratory": "Laboratory", "vital-signs": "Vital Signs", "exam": "Exam", "survey": "Survey"}

// obsCategories holds the Observation.category of each category of
// categoryDisplay, shared by the observations that have it (and never
// modified).
var obsCategories = func() map[string][]codeableConcept {
	out := make(map[string][]codeableConcept, len(categoryDisplay))
	for code := range categoryDisplay {
		out[code] = newObsCategory(code)
	}
	return out
}()

// obsCategory returns the Observation.category of a category code.
func obsCategory(code string) []codeableConcept {
	if c, ok := obsCategories[code]; ok {
		return c
	}
	return newObsCategory(code)
}

func newObsCategory(code string) []codeableConcept {
	return []codeableConcept{{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category", Code: code, Display: categoryDisplay[code]}}}}
}

func init() {
	for _, c := range obsCategories {
		memoized(c)
	}
	for _, c := range interpretationConcepts {
		memoized(c)
	}
}

// interpretationConcepts holds the Observation.interpretation of each code
// of interpretations alone, shared by the observations that have it. Each
// has capacity 1, so that appending another copies it.
var interpretationConcepts = func() map[string][]codeableConcept {
	out := make(map[string][]codeableConcept, len(interpretations))
	for code, display := range interpretations {
		out[code] = []codeableConcept{{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: code, Display: display}}}}
	}
	return out
}()

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
func (m *mapper) obsValue(o *observationResource, f *segFields, typ string, unit quantity) {
	obx, v := f.seg, f.field(5)
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
			o.ValueQuantity = m.arena.quantities.new()
			*o.ValueQuantity = q
		} else {
			m.warnSeg(obx, 5, "numeric value not a number: kept as text")
			o.ValueString = text(first)
		}
	case "SN":
		m.structuredNumeric(o, obx, first, unit)
	case "CE", "CWE", "CNE", "CF":
		o.ValueCodeableConcept = withText(m.cwe(first))
	case "IS", "ID":
		o.ValueCodeableConcept = &codeableConcept{Coding: []coding{{Code: text(first)}}, Text: text(first)}
	case "DT", "DTM", "TS":
		if t, ok := m.timeValue(obx, 5, first); ok {
			o.ValueDateTime = m.fhirDateTime(t)
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
		q := m.arena.quantities.new()
		*q = unit
		q.Value = jsonNumber(n1)
		if cmp != "=" {
			q.Comparator = cmp
		}
		o.ValueQuantity = q
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
func (m *mapper) referenceRange(s string, unit quantity) []obsRange {
	if s == "" {
		return nil
	}
	a := m.arena.ranges.new()
	r := &a.r[0]
	r.Text = s
	bound := func(q *quantity, d string) *quantity {
		q.Value, q.Unit, q.System, q.Code = jsonNumber(d), unit.Unit, unit.System, unit.Code
		return q
	}
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "<"):
		if d := decimal(strings.TrimLeft(t, "<=")); d != "" {
			r.High = bound(&a.high, d)
		}
	case strings.HasPrefix(t, ">"):
		if d := decimal(strings.TrimLeft(t, ">=")); d != "" {
			r.Low = bound(&a.low, d)
		}
	default:
		// Split at a '-' that is not a leading sign.
		for i := 1; i < len(t); i++ {
			if t[i] == '-' {
				lo, hi := decimal(t[:i]), decimal(t[i+1:])
				if lo != "" && hi != "" {
					r.Low, r.High = bound(&a.low, lo), bound(&a.high, hi)
				}
				break
			}
		}
	}
	return a.r[:]
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

func (v *observationResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.EffectiveDateTime, v.Issued)
	return lifeboat.Index{Patient: c.refID(v.Subject, "Patient"), Encounter: c.refID(v.Encounter, "Encounter"),
		Status: clean(v.Status), Category: firstCategory(v.Category), Code: v.Code.token(), Date: date}, ok
}

func (v *obsRange) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "low", v.Low)
	b = opt(b, "high", v.High)
	b = optStr(b, "text", v.Text)
	return append(b, '}')
}
