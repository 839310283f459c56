package simulate

import (
	"strconv"
	"time"

	"github.com/lifeboat-health/lifeboat/internal/jsonw"
)

// Code systems used throughout the generated resources.
const (
	sysSCT       = "http://snomed.info/sct"
	sysICD10     = "http://hl7.org/fhir/sid/icd-10-cm"
	sysLOINC     = "http://loinc.org"
	sysRxNorm    = "http://www.nlm.nih.gov/research/umls/rxnorm"
	sysUCUM      = "http://unitsofmeasure.org"
	sysActCode   = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	sysPartType  = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	sysRoleCode  = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
	sysIDType    = "http://terminology.hl7.org/CodeSystem/v2-0203"
	sysInterp    = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	sysObsCat    = "http://terminology.hl7.org/CodeSystem/observation-category"
	sysPhysType  = "http://terminology.hl7.org/CodeSystem/location-physical-type"
	sysBedStatus = "http://terminology.hl7.org/CodeSystem/v2-0116"
)

// concept is one coding: system, code and display.
type concept struct{ sys, code, display string }

// sct, icd and loinc build concepts in the common code systems.
func sct(code, display string) concept   { return concept{sysSCT, code, display} }
func icd(code, display string) concept   { return concept{sysICD10, code, display} }
func loinc(code, display string) concept { return concept{sysLOINC, code, display} }

// jw is an append-based JSON writer. It inserts commas itself: a key or an
// array element gets one unless it directly follows '{', '[' or ':'.
type jw struct{ b []byte }

func (w *jw) key(k string) {
	if n := len(w.b); n > 0 {
		if c := w.b[n-1]; c != '{' && c != '[' && c != ':' {
			w.b = append(w.b, ',')
		}
	}
	if k != "" {
		w.b = append(w.b, '"')
		w.b = append(w.b, k...)
		w.b = append(w.b, '"', ':')
	}
}

// obj opens an object as member k, or as an array element when k is "".
func (w *jw) obj(k string) { w.key(k); w.b = append(w.b, '{') }
func (w *jw) arr(k string) { w.key(k); w.b = append(w.b, '[') }
func (w *jw) end()         { w.b = append(w.b, '}') }
func (w *jw) endA()        { w.b = append(w.b, ']') }

func (w *jw) str(k, v string) { w.key(k); w.b = jsonw.AppendString(w.b, v) }

func (w *jw) strs(k string, vs ...string) {
	w.arr(k)
	for _, v := range vs {
		w.str("", v)
	}
	w.endA()
}

func (w *jw) num(k string, v float64, prec int) {
	w.key(k)
	w.b = strconv.AppendFloat(w.b, v, 'f', prec, 64)
}

func (w *jw) int(k string, v int) { w.key(k); w.b = strconv.AppendInt(w.b, int64(v), 10) }

func (w *jw) boolean(k string, v bool) { w.key(k); w.b = strconv.AppendBool(w.b, v) }

// dt writes a FHIR dateTime (or instant) with seconds and time zone.
func (w *jw) dt(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339)
	w.b = append(w.b, '"')
}

// date writes a FHIR date.
func (w *jw) date(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.DateOnly)
	w.b = append(w.b, '"')
}

// coding writes one Coding as an array element.
func (w *jw) coding(c concept) {
	w.obj("")
	w.str("system", c.sys)
	w.str("code", c.code)
	if c.display != "" {
		w.str("display", c.display)
	}
	w.end()
}

// cc writes a CodeableConcept with the codings that have a code, and text
// (the first coding's display when text is "").
func (w *jw) cc(k, text string, cs ...concept) {
	w.obj(k)
	open := false
	for _, c := range cs {
		if c.code == "" {
			continue
		}
		if !open {
			w.arr("coding")
			open = true
		}
		w.coding(c)
	}
	if open {
		w.endA()
	}
	if text == "" && len(cs) > 0 {
		text = cs[0].display
	}
	if text != "" {
		w.str("text", text)
	}
	w.end()
}

// ccs writes an array holding one CodeableConcept.
func (w *jw) ccs(k, text string, cs ...concept) {
	w.arr(k)
	w.cc("", text, cs...)
	w.endA()
}

// ref writes a Reference; ref or display may be "".
func (w *jw) ref(k, ref, display string) {
	w.obj(k)
	if ref != "" {
		w.str("reference", ref)
	}
	if display != "" {
		w.str("display", display)
	}
	w.end()
}

// qty writes a Quantity with a UCUM code.
func (w *jw) qty(k string, v float64, prec int, unit, ucum string) {
	w.obj(k)
	w.num("value", v, prec)
	w.str("unit", unit)
	w.str("system", sysUCUM)
	w.str("code", ucum)
	w.end()
}

// begin starts a resource, discarding what the writer held.
func (w *jw) begin(typ, id string, updated time.Time) {
	w.b = w.b[:0]
	w.obj("")
	w.str("resourceType", typ)
	w.str("id", id)
	w.obj("meta")
	w.dt("lastUpdated", updated)
	w.end()
}
