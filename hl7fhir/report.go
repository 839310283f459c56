package hl7fhir

import (
	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type reportResource struct {
	ResourceType      string            `json:"resourceType"`
	ID                string            `json:"id"`
	Meta              meta              `json:"meta"`
	Identifier        []identifier      `json:"identifier,omitempty"`
	Status            string            `json:"status"`
	Category          []codeableConcept `json:"category,omitempty"`
	Code              codeableConcept   `json:"code"`
	Subject           *reference        `json:"subject,omitempty"`
	Encounter         *reference        `json:"encounter,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Result            []reference       `json:"result,omitempty"`
	PresentedForm     []attachment      `json:"presentedForm,omitempty"`
}

// reportStatus maps OBR-25 (table 0123) to DiagnosticReport.status.
func reportStatus(s string) string {
	switch s {
	case "O", "I":
		return "registered"
	case "S", "A":
		return "partial"
	case "P", "R":
		return "preliminary"
	case "C":
		return "corrected"
	case "F":
		return "final"
	case "X":
		return "cancelled"
	}
	return ""
}

// oru maps ORU^R01: each OBR to a DiagnosticReport with its OBX segments as
// Observations (ED values as DocumentReferences), patients as placeholders.
func (m *mapper) oru() error {
	var pat patientCtx
	enc := ""
	var orc, obr hl7v2.Segment
	var g *obsGroup
	flush := func() {
		if g == nil {
			return
		}
		g.flush(m)
		if obr.Name() == "OBR" {
			m.report(obr, g)
		}
		g, obr = nil, hl7v2.Segment{}
	}
	last := ""
	for s := range m.msg.Segments() {
		name := s.Name()
		switch name {
		case "PID":
			flush()
			var err error
			if pat, err = m.patient(s, nil, true); err != nil {
				return err
			}
			enc, orc = "", hl7v2.Segment{}
		case "PV1":
			if pat.id != "" {
				enc = m.encounter(pat, s, hl7v2.Segment{}, evUpdate, true)
			}
		case "ORC":
			flush()
			orc = s
		case "OBR":
			flush()
			if pat.id == "" {
				return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
			}
			obr = s
			g = m.arena.groups.new()
			*g = obsGroup{pat: pat, enc: enc, category: "laboratory", report: m.reportID(pat, obr, orc)}
			g.scope = g.report
			g.status = obsStatus(text(obr.Field(25)))
			g.effective = m.dateTime(obr, 7)
			g.issued = m.instant(obr, 22)
		case "OBX":
			if pat.id == "" {
				return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
			}
			if g == nil {
				g = m.arena.groups.new()
				*g = obsGroup{pat: pat, enc: enc, scope: pat.id}
			}
			g.add(m, s)
		case "NTE":
			if g != nil && last == "OBX" {
				g.note(s)
			}
		}
		if name != "NTE" {
			last = name
		}
	}
	flush()
	if pat.id == "" {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	return nil
}

// reportID derives the DiagnosticReport id from the filler order number
// (OBR-3, else ORC-3), else the placer number (OBR-2, else ORC-2), with the
// service code OBR-4; else from the patient, code and observation time.
func (m *mapper) reportID(pat patientCtx, obr, orc hl7v2.Segment) string {
	code := text(obr.Field(4).Comp(1))
	for _, f := range []struct {
		kind string
		v    hl7v2.Value
	}{{"filler", obr.Field(3)}, {"filler", orc.Field(3)}, {"placer", obr.Field(2)}, {"placer", orc.Field(2)}} {
		if id, ok := eiValue(f.v); ok {
			return makeID("DiagnosticReport", f.kind, id.System, id.Value, code)
		}
	}
	return makeID("DiagnosticReport", pat.id, code, text(obr.Field(7)))
}

// Identifier types of a report's order numbers (shared, never modified).
var (
	placerType = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "PLAC"}}}
	fillerType = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "FILL"}}}
)

func init() {
	memoize(placerType)
	memoize(fillerType)
}

// report emits the DiagnosticReport of an OBR and its mapped observations.
func (m *mapper) report(obr hl7v2.Segment, g *obsGroup) {
	a := m.arena.reports.new()
	r := &a.r
	r.ResourceType, r.ID, r.Meta, r.Subject = "DiagnosticReport", g.report, m.meta(), g.subjectRef(m)
	r.Identifier = a.ids[:0]
	if placer, ok := eiValue(obr.Field(2)); ok {
		placer.Type = placerType
		r.Identifier = append(r.Identifier, placer)
	}
	if filler, ok := eiValue(obr.Field(3)); ok {
		filler.Type = fillerType
		r.Identifier = append(r.Identifier, filler)
	}
	r.Status = reportStatus(text(obr.Field(25)))
	if r.Status == "" {
		r.Status = "unknown"
	}
	sect := text(obr.Field(24))
	if sect == "" {
		sect = "LAB"
	}
	a.coding[0] = coding{System: "http://terminology.hl7.org/CodeSystem/v2-0074", Code: sect}
	a.category[0] = codeableConcept{Coding: a.coding[:]}
	r.Category = a.category[:]
	if c := withText(m.cwe(obr.Field(4))); c != nil {
		r.Code = *c
	} else {
		m.warnSeg(obr, 4, "universal service identifier missing")
		r.Code = codeableConcept{Text: "unknown"}
	}
	r.Encounter = g.encounterRef(m)
	r.EffectiveDateTime = g.effective
	r.Issued = g.issued
	r.Result = g.results
	r.PresentedForm = g.forms
	m.emit("DiagnosticReport", r.ID, false, r)
}

func (v *reportResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = str(b, "status", v.Status)
	b = optList(b, "category", v.Category)
	b = obj(b, "code", &v.Code)
	b = opt(b, "subject", v.Subject)
	b = opt(b, "encounter", v.Encounter)
	b = optStr(b, "effectiveDateTime", v.EffectiveDateTime)
	b = optStr(b, "issued", v.Issued)
	b = optList(b, "result", v.Result)
	b = optList(b, "presentedForm", v.PresentedForm)
	return append(b, '}')
}

func (v *reportResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.EffectiveDateTime, v.Issued)
	return lifeboat.Index{Patient: c.refID(v.Subject, "Patient"), Encounter: c.refID(v.Encounter, "Encounter"),
		Status: clean(v.Status), Category: firstCategory(v.Category), Code: v.Code.token(), Date: date,
		Identifiers: c.indexIdentifiers(v.Identifier)}, ok
}
