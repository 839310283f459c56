package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type allergyResource struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id"`
	Meta               meta              `json:"meta"`
	Identifier         []identifier      `json:"identifier,omitempty"`
	ClinicalStatus     *codeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *codeableConcept  `json:"verificationStatus,omitempty"`
	Type               string            `json:"type,omitempty"`
	Category           []string          `json:"category,omitempty"`
	Criticality        string            `json:"criticality,omitempty"`
	Code               *codeableConcept  `json:"code,omitempty"`
	Patient            reference         `json:"patient"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Reaction           []allergyReaction `json:"reaction,omitempty"`
}

type allergyReaction struct {
	Manifestation []codeableConcept `json:"manifestation"`
	Severity      string            `json:"severity,omitempty"`
}

const (
	allergyClinical     = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	allergyVerification = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	snomed              = "http://snomed.info/sct"
)

// noKnownAllergy recognises "no known allergies" statements and returns the
// SNOMED CT concept for them ("" if c is a real allergen).
// Concepts the mapping gives allergies (shared, never modified).
var (
	allergyActive         = cc(allergyClinical, "active", "Active")
	allergyInactive       = cc(allergyClinical, "inactive", "Inactive")
	allergyEnteredInError = cc(allergyVerification, "entered-in-error", "Entered in Error")
	allergyUnconfirmed    = cc(allergyVerification, "unconfirmed", "Unconfirmed")
	allergyConfirmed      = cc(allergyVerification, "confirmed", "Confirmed")
)

func init() {
	for _, c := range []*codeableConcept{allergyActive, allergyInactive, allergyEnteredInError, allergyUnconfirmed, allergyConfirmed} {
		memoize(c)
	}
}

func noKnownAllergy(c *codeableConcept) (code, display string) {
	var words []string
	if c != nil {
		words = append(words, strings.ToUpper(c.Text))
		for _, cd := range c.Coding {
			words = append(words, strings.ToUpper(cd.Code), strings.ToUpper(cd.Display))
		}
	}
	for _, w := range words {
		w = strings.TrimSpace(strings.Trim(w, "."))
		switch w {
		case "NKDA", "NO KNOWN DRUG ALLERGIES", "NO KNOWN DRUG ALLERGY", "409137002":
			return "409137002", "No known drug allergy"
		case "NKA", "NO KNOWN ALLERGIES", "NO KNOWN ALLERGY", "NONE KNOWN", "716186003":
			return "716186003", "No known allergy"
		}
	}
	return "", ""
}

// allergen fills type, category and code of an allergy from the allergen
// type (table 0127) and code; an NKA statement gets the SNOMED concept.
func allergen(a *allergyResource, typ string, code *codeableConcept) string {
	if nk, disp := noKnownAllergy(code); nk != "" {
		a.Code = &codeableConcept{Coding: []coding{{System: snomed, Code: nk, Display: disp}}, Text: ccText(code)}
		return "nka|" + nk
	}
	a.Code = withText(code)
	switch strings.ToUpper(typ) {
	case "DA":
		a.Type, a.Category = "allergy", []string{"medication"}
	case "FA":
		a.Type, a.Category = "allergy", []string{"food"}
	case "EA", "AA", "PA", "LA":
		a.Type, a.Category = "allergy", []string{"environment"}
	case "MA":
		a.Type = "allergy"
	case "DI":
		a.Type, a.Category = "intolerance", []string{"medication"}
	case "FI":
		a.Type, a.Category = "intolerance", []string{"food"}
	}
	if code == nil {
		return ""
	}
	if len(code.Coding) > 0 {
		return code.Coding[0].System + "|" + code.Coding[0].Code
	}
	return strings.ToUpper(code.Text)
}

// severity maps table 0128 to reaction severity and criticality.
func severity(s string) (sev, crit string) {
	switch strings.ToUpper(s) {
	case "SV":
		return "severe", "high"
	case "MO":
		return "moderate", "low"
	case "MI":
		return "mild", "low"
	case "U":
		return "", "unable-to-assess"
	}
	return "", ""
}

// allergyAL1 maps an AL1 segment to an AllergyIntolerance.
func (m *mapper) allergyAL1(pat patientCtx, s hl7v2.Segment) {
	a := &allergyResource{ResourceType: "AllergyIntolerance", Meta: m.meta(), Patient: *pat.ref()}
	key := allergen(a, text(s.Field(2).Comp(1)), m.cwe(s.Field(3)))
	if key == "" {
		m.warnSeg(s, 3, "allergen missing")
		return
	}
	a.ID = makeID("AllergyIntolerance", pat.id, key)
	a.ClinicalStatus = allergyActive
	sev, crit := severity(text(s.Field(4).Comp(1)))
	if !strings.HasPrefix(key, "nka|") {
		a.Criticality = crit
		var man []codeableConcept
		for r := range s.Field(5).Reps() {
			if t := text(r); t != "" {
				man = append(man, codeableConcept{Text: t})
			}
		}
		if len(man) > 0 {
			a.Reaction = []allergyReaction{{Manifestation: man, Severity: sev}}
		}
	}
	if t, ok := m.time(s, 6); ok {
		a.OnsetDateTime = m.fhirDateTime(t)
	}
	m.emit("AllergyIntolerance", a.ID, false, a)
}

// allergyIAM maps an IAM segment (v2.5+ allergy with action code).
func (m *mapper) allergyIAM(pat patientCtx, s hl7v2.Segment) {
	a := &allergyResource{ResourceType: "AllergyIntolerance", Meta: m.meta(), Patient: *pat.ref()}
	key := allergen(a, text(s.Field(2).Comp(1)), m.cwe(s.Field(3)))
	if uid := ei(s.Field(7)); uid != nil {
		a.Identifier = []identifier{*uid}
		key = "iam|" + uid.System + "|" + uid.Value
	}
	if key == "" {
		m.warnSeg(s, 3, "allergen missing")
		return
	}
	a.ID = makeID("AllergyIntolerance", pat.id, key)
	status := strings.ToUpper(text(s.Field(17).Comp(1)))
	switch {
	case strings.ToUpper(text(s.Field(6).Comp(1))) == "D" || status == "E":
		a.VerificationStatus = allergyEnteredInError
	case status == "I":
		a.ClinicalStatus = allergyInactive
	case status == "U" || status == "P" || status == "S":
		a.ClinicalStatus = allergyActive
		a.VerificationStatus = allergyUnconfirmed
	case status == "C":
		a.ClinicalStatus = allergyActive
		a.VerificationStatus = allergyConfirmed
	default:
		a.ClinicalStatus = allergyActive
	}
	sev, crit := severity(text(s.Field(4).Comp(1)))
	if !strings.HasPrefix(key, "nka|") {
		a.Criticality = crit
		var man []codeableConcept
		for r := range s.Field(5).Reps() {
			if c := withText(m.cwe(r)); c != nil {
				man = append(man, *c)
			}
		}
		if len(man) > 0 {
			a.Reaction = []allergyReaction{{Manifestation: man, Severity: sev}}
		}
	}
	if t, ok := m.time(s, 11); ok {
		a.OnsetDateTime = m.fhirDateTime(t)
	}
	if t, ok := m.time(s, 13); ok {
		a.RecordedDate = m.fhirDateTime(t)
	}
	m.emit("AllergyIntolerance", a.ID, false, a)
}

func (v *allergyResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = opt(b, "clinicalStatus", v.ClinicalStatus)
	b = opt(b, "verificationStatus", v.VerificationStatus)
	b = optStr(b, "type", v.Type)
	b = optStrs(b, "category", v.Category)
	b = optStr(b, "criticality", v.Criticality)
	b = opt(b, "code", v.Code)
	b = obj(b, "patient", &v.Patient)
	b = optStr(b, "onsetDateTime", v.OnsetDateTime)
	b = optStr(b, "recordedDate", v.RecordedDate)
	b = optList(b, "reaction", v.Reaction)
	return append(b, '}')
}

func (v *allergyResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.RecordedDate, v.OnsetDateTime)
	x := lifeboat.Index{Patient: c.refID(&v.Patient, "Patient"), Status: v.ClinicalStatus.firstCode(), Code: v.Code.token(),
		Date: date, Identifiers: c.indexIdentifiers(v.Identifier)}
	if len(v.Category) > 0 {
		x.Category = clean(v.Category[0])
	}
	return x, ok
}

func (v *allergyReaction) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = list(b, "manifestation", v.Manifestation)
	b = optStr(b, "severity", v.Severity)
	return append(b, '}')
}
