package hl7fhir

import (
	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type medAdminResource struct {
	ResourceType              string               `json:"resourceType"`
	ID                        string               `json:"id"`
	Meta                      meta                 `json:"meta"`
	Status                    string               `json:"status"`
	StatusReason              []codeableConcept    `json:"statusReason,omitempty"`
	MedicationCodeableConcept codeableConcept      `json:"medicationCodeableConcept"`
	Subject                   reference            `json:"subject"`
	Context                   *reference           `json:"context,omitempty"`
	EffectiveDateTime         string               `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *period              `json:"effectivePeriod,omitempty"`
	Performer                 []immunizationPerfmr `json:"performer,omitempty"`
	Request                   *reference           `json:"request,omitempty"`
	Note                      []annotation         `json:"note,omitempty"`
	Dosage                    *adminDosage         `json:"dosage,omitempty"`
}

type adminDosage struct {
	Text  string           `json:"text,omitempty"`
	Route *codeableConcept `json:"route,omitempty"`
	Dose  *quantity        `json:"dose,omitempty"`
}

// ras maps RAS^O17: each RXA to a MedicationAdministration that references
// its order's MedicationRequest (same id as the RDE with the same ORC-2).
func (m *mapper) ras() error {
	return m.orders(func(g orderGroup) error {
		m.administrations(g)
		return nil
	})
}

func (m *mapper) administrations(g orderGroup) {
	var reqID string
	if ei(g.orc.Field(2)) != nil || ei(g.orc.Field(3)) != nil {
		reqID, _ = orderID(g.orc)
	}
	for i, rxa := range g.segs {
		if rxa.Name() != "RXA" {
			continue
		}
		code := withText(cwe(rxa.Field(5)))
		if code == nil {
			m.warnSeg(rxa, 5, "administered code missing")
			continue
		}
		scope := reqID
		if scope == "" {
			scope = g.pat.id
		}
		a := &medAdminResource{ResourceType: "MedicationAdministration", Meta: m.meta(), MedicationCodeableConcept: *code, Subject: *g.pat.ref(),
			ID: makeID("MedicationAdministration", scope, text(rxa.Field(2)), text(rxa.Field(3)), codeKey(code))}
		var reason string
		a.Status, reason = rxaStatus(rxa)
		if reason != "" {
			a.StatusReason = []codeableConcept{{Text: reason}}
		}
		if g.enc != "" {
			a.Context = &reference{Reference: "Encounter/" + g.enc}
		}
		start, ok := m.time(rxa, 3)
		if !ok {
			start = hl7v2.Time{Time: m.updated, Precision: hl7v2.PrecisionSecond, HasOffset: true}
			m.warnSeg(rxa, 3, "administration time missing: message time used")
		}
		if end, ok := m.time(rxa, 4); ok && end.After(start.Time) {
			a.EffectivePeriod = &period{Start: m.fhirDateTime(start), End: m.fhirDateTime(end)}
		} else {
			a.EffectiveDateTime = m.fhirDateTime(start)
		}
		if p := m.practitioner(rxa.Field(10).Rep(1)); p != nil {
			a.Performer = []immunizationPerfmr{{Actor: *p}}
		}
		if reqID != "" {
			a.Request = &reference{Reference: "MedicationRequest/" + reqID}
		}
		d := &adminDosage{Dose: doseQuantity(text(rxa.Field(6)), rxa.Field(7))}
		if i+1 < len(g.segs) && g.segs[i+1].Name() == "RXR" {
			d.Route = withText(cwe(g.segs[i+1].Field(1)))
		}
		if d.Dose != nil || d.Route != nil {
			a.Dosage = d
		}
		if n := instructions(rxa.Field(9)); n != "" {
			a.Note = []annotation{{Text: n}}
		}
		m.emit("MedicationAdministration", a.ID, false, a)
	}
}

func (v *medAdminResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = str(b, "status", v.Status)
	b = optList(b, "statusReason", v.StatusReason)
	b = obj(b, "medicationCodeableConcept", &v.MedicationCodeableConcept)
	b = obj(b, "subject", &v.Subject)
	b = opt(b, "context", v.Context)
	b = optStr(b, "effectiveDateTime", v.EffectiveDateTime)
	b = opt(b, "effectivePeriod", v.EffectivePeriod)
	b = optList(b, "performer", v.Performer)
	b = opt(b, "request", v.Request)
	b = optList(b, "note", v.Note)
	b = opt(b, "dosage", v.Dosage)
	return append(b, '}')
}

func (v *medAdminResource) index(c *indexCache) (lifeboat.Index, bool) {
	var start string
	if v.EffectivePeriod != nil {
		start = v.EffectivePeriod.Start
	}
	date, ok := c.dates(v.EffectiveDateTime, start)
	return lifeboat.Index{Patient: c.refID(&v.Subject, "Patient"), Encounter: c.refID(v.Context, "Encounter"),
		Status: clean(v.Status), Code: v.MedicationCodeableConcept.token(), Date: date}, ok
}

func (v *adminDosage) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "text", v.Text)
	b = opt(b, "route", v.Route)
	b = opt(b, "dose", v.Dose)
	return append(b, '}')
}
