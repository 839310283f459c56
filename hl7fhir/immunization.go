package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type immunizationResource struct {
	ResourceType       string               `json:"resourceType"`
	ID                 string               `json:"id"`
	Meta               meta                 `json:"meta"`
	Identifier         []identifier         `json:"identifier,omitempty"`
	Status             string               `json:"status"`
	StatusReason       *codeableConcept     `json:"statusReason,omitempty"`
	VaccineCode        codeableConcept      `json:"vaccineCode"`
	Patient            reference            `json:"patient"`
	Encounter          *reference           `json:"encounter,omitempty"`
	OccurrenceDateTime string               `json:"occurrenceDateTime,omitempty"`
	OccurrenceString   string               `json:"occurrenceString,omitempty"`
	PrimarySource      *bool                `json:"primarySource,omitempty"`
	Manufacturer       *reference           `json:"manufacturer,omitempty"`
	LotNumber          string               `json:"lotNumber,omitempty"`
	ExpirationDate     string               `json:"expirationDate,omitempty"`
	Site               *codeableConcept     `json:"site,omitempty"`
	Route              *codeableConcept     `json:"route,omitempty"`
	DoseQuantity       *quantity            `json:"doseQuantity,omitempty"`
	Performer          []immunizationPerfmr `json:"performer,omitempty"`
	Note               []annotation         `json:"note,omitempty"`
}

type immunizationPerfmr struct {
	Actor reference `json:"actor"`
}

// rxaStatus maps RXA-21 (action) and RXA-20 (completion status) to the
// status of an administration: completed, not-done or entered-in-error, with
// a reason for not-done.
func rxaStatus(rxa hl7v2.Segment) (status, reason string) {
	if strings.EqualFold(text(rxa.Field(21)), "D") {
		return "entered-in-error", ""
	}
	reason = ccText(cwe(rxa.Field(18)))
	switch strings.ToUpper(text(rxa.Field(20))) {
	case "RE":
		if reason == "" {
			reason = "Refused"
		}
		return "not-done", reason
	case "NA":
		if reason == "" {
			reason = "Not administered"
		}
		return "not-done", reason
	}
	return "completed", ""
}

// vxu maps VXU^V04: each RXA to an Immunization.
func (m *mapper) vxu() error {
	return m.orders(func(g orderGroup) error {
		m.immunizations(g)
		return nil
	})
}

func (m *mapper) immunizations(g orderGroup) {
	for i, rxa := range g.segs {
		if rxa.Name() != "RXA" {
			continue
		}
		code := withText(cwe(rxa.Field(5)))
		if code == nil {
			m.warnSeg(rxa, 5, "administered code missing")
			continue
		}
		im := &immunizationResource{ResourceType: "Immunization", Meta: m.meta(), VaccineCode: *code, Patient: *g.pat.ref()}
		if filler := ei(g.orc.Field(3)); filler != nil {
			im.Identifier = []identifier{*filler}
			im.ID = makeID("Immunization", "filler", filler.System, filler.Value, codeKey(code))
		} else {
			im.ID = makeID("Immunization", g.pat.id, codeKey(code), text(rxa.Field(3)))
		}
		var reason string
		im.Status, reason = rxaStatus(rxa)
		if reason != "" {
			im.StatusReason = &codeableConcept{Text: reason}
		}
		if g.enc != "" {
			im.Encounter = &reference{Reference: "Encounter/" + g.enc}
		}
		if t, ok := m.time(rxa, 3); ok {
			im.OccurrenceDateTime = m.fhirDateTime(t)
		} else {
			im.OccurrenceString = "unknown"
		}
		switch src := text(rxa.Field(9).Comp(1)); {
		case src == "00":
			im.PrimarySource = boolPtr(true)
		case len(src) == 2 && src[0] == '0':
			im.PrimarySource = boolPtr(false)
		}
		if amount := text(rxa.Field(6)); amount != "999" {
			im.DoseQuantity = doseQuantity(amount, rxa.Field(7))
		}
		if p := m.practitioner(rxa.Field(10).Rep(1)); p != nil {
			im.Performer = []immunizationPerfmr{{Actor: *p}}
		}
		im.LotNumber = text(rxa.Field(15).Rep(1))
		if t, ok := m.time(rxa, 16); ok {
			im.ExpirationDate = m.fhirDate(t)
		}
		if mfr := ccText(cwe(rxa.Field(17))); mfr != "" {
			im.Manufacturer = &reference{Display: mfr}
		}
		// RXR follows its RXA.
		if i+1 < len(g.segs) && g.segs[i+1].Name() == "RXR" {
			im.Route = withText(cwe(g.segs[i+1].Field(1)))
			im.Site = withText(cwe(g.segs[i+1].Field(2)))
		}
		m.emit("Immunization", im.ID, false, im)
	}
}

func (v *immunizationResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = str(b, "status", v.Status)
	b = opt(b, "statusReason", v.StatusReason)
	b = obj(b, "vaccineCode", &v.VaccineCode)
	b = obj(b, "patient", &v.Patient)
	b = opt(b, "encounter", v.Encounter)
	b = optStr(b, "occurrenceDateTime", v.OccurrenceDateTime)
	b = optStr(b, "occurrenceString", v.OccurrenceString)
	b = optBool(b, "primarySource", v.PrimarySource)
	b = opt(b, "manufacturer", v.Manufacturer)
	b = optStr(b, "lotNumber", v.LotNumber)
	b = optStr(b, "expirationDate", v.ExpirationDate)
	b = opt(b, "site", v.Site)
	b = opt(b, "route", v.Route)
	b = opt(b, "doseQuantity", v.DoseQuantity)
	b = optList(b, "performer", v.Performer)
	b = optList(b, "note", v.Note)
	return append(b, '}')
}

func (v *immunizationResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.OccurrenceDateTime)
	return lifeboat.Index{Patient: c.refID(&v.Patient, "Patient"), Encounter: c.refID(v.Encounter, "Encounter"),
		Status: clean(v.Status), Code: v.VaccineCode.token(), Date: date, Identifiers: c.indexIdentifiers(v.Identifier)}, ok
}

func (v *immunizationPerfmr) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = obj(b, "actor", &v.Actor)
	return append(b, '}')
}
