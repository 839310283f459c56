package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type conditionResource struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id"`
	Meta               meta              `json:"meta"`
	Identifier         []identifier      `json:"identifier,omitempty"`
	ClinicalStatus     *codeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *codeableConcept  `json:"verificationStatus,omitempty"`
	Category           []codeableConcept `json:"category,omitempty"`
	Code               *codeableConcept  `json:"code,omitempty"`
	Subject            reference         `json:"subject"`
	Encounter          *reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	AbatementDateTime  string            `json:"abatementDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Note               []annotation      `json:"note,omitempty"`
}

const (
	conditionClinical     = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	conditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	conditionCategory     = "http://terminology.hl7.org/CodeSystem/condition-category"
)

// Concepts the mapping gives conditions (shared, never modified).
var (
	conditionStatuses = map[string]*codeableConcept{
		"active":     cc(conditionClinical, "active", "Active"),
		"inactive":   cc(conditionClinical, "inactive", "Inactive"),
		"resolved":   cc(conditionClinical, "resolved", "Resolved"),
		"remission":  cc(conditionClinical, "remission", "Remission"),
		"recurrence": cc(conditionClinical, "recurrence", "Recurrence"),
	}
	conditionConfirmed      = cc(conditionVerification, "confirmed", "Confirmed")
	conditionProvisional    = cc(conditionVerification, "provisional", "Provisional")
	conditionEnteredInError = cc(conditionVerification, "entered-in-error", "Entered in Error")
	encounterDiagnosis      = []codeableConcept{*cc(conditionCategory, "encounter-diagnosis", "Encounter Diagnosis")}
	problemListItem         = []codeableConcept{*cc(conditionCategory, "problem-list-item", "Problem List Item")}
)

func init() {
	for _, c := range conditionStatuses {
		memoize(c)
	}
	memoize(conditionConfirmed)
	memoize(conditionProvisional)
	memoize(conditionEnteredInError)
	memoized(encounterDiagnosis)
	memoized(problemListItem)
}

func codeKey(c *codeableConcept) string {
	if c == nil {
		return ""
	}
	if len(c.Coding) > 0 {
		return c.Coding[0].System + "|" + c.Coding[0].Code
	}
	return strings.ToUpper(c.Text)
}

// diagnosis maps a DG1 segment to an encounter-diagnosis Condition.
func (m *mapper) diagnosis(pat patientCtx, enc string, s hl7v2.Segment) {
	code := withText(m.cwe(s.Field(3)))
	if code == nil {
		if t := text(s.Field(4)); t != "" {
			code = &codeableConcept{Text: t}
		}
	}
	if code == nil {
		m.warnSeg(s, 3, "diagnosis code missing")
		return
	}
	scope := enc
	if scope == "" {
		scope = pat.id
	}
	c := m.arena.conditions.new()
	*c = conditionResource{ResourceType: "Condition", ID: makeID("Condition", scope, "dg1", codeKey(code)), Meta: m.meta(),
		Subject: *pat.ref(), Code: code, ClinicalStatus: conditionStatuses["active"], Category: encounterDiagnosis}
	if enc != "" {
		c.Encounter = &reference{Reference: "Encounter/" + enc}
	}
	switch strings.ToUpper(text(s.Field(6).Comp(1))) {
	case "F":
		c.VerificationStatus = conditionConfirmed
	case "W", "A":
		c.VerificationStatus = conditionProvisional
	}
	if t, ok := m.time(s, 5); ok {
		c.RecordedDate = m.fhirDateTime(t)
	}
	m.emit("Condition", c.ID, false, c)
}

// problem maps a PRB segment (with its NTE notes) to a problem-list-item
// Condition. Action DE (delete) marks it entered-in-error.
func (m *mapper) problem(pat patientCtx, s hl7v2.Segment, ntes []hl7v2.Segment) {
	code := withText(m.cwe(s.Field(3)))
	c := m.arena.conditions.new()
	*c = conditionResource{ResourceType: "Condition", Meta: m.meta(), Subject: *pat.ref(), Code: code,
		Category: problemListItem}
	if inst := ei(s.Field(4)); inst != nil {
		c.Identifier = []identifier{*inst}
		c.ID = makeID("Condition", "prb", inst.System, inst.Value)
	} else if code != nil {
		c.ID = makeID("Condition", pat.id, "prb", codeKey(code))
	} else {
		m.warnSeg(s, 3, "problem code missing")
		return
	}
	status := "active"
	life := strings.ToUpper(ccText(m.cwe(s.Field(14))))
	if l := text(s.Field(14).Comp(1)); l != "" {
		life = strings.ToUpper(l)
	}
	switch life {
	case "I", "INACTIVE":
		status = "inactive"
	case "R", "RESOLVED":
		status = "resolved"
	case "REMISSION":
		status = "remission"
	case "RECURRENCE":
		status = "recurrence"
	}
	if action := strings.ToUpper(text(s.Field(1))); action == "DE" || m.trigger == "PC3" {
		c.VerificationStatus = conditionEnteredInError
	} else {
		c.ClinicalStatus = conditionStatuses[status]
		switch strings.ToUpper(text(s.Field(13).Comp(1))) {
		case "C", "CONFIRMED":
			c.VerificationStatus = conditionConfirmed
		case "P", "PROVISIONAL":
			c.VerificationStatus = conditionProvisional
		}
	}
	if t, ok := m.time(s, 16); ok {
		c.OnsetDateTime = m.fhirDateTime(t)
	}
	if t, ok := m.time(s, 7); ok {
		c.RecordedDate = m.fhirDateTime(t)
	} else if t, ok := m.time(s, 2); ok {
		c.RecordedDate = m.fhirDateTime(t)
	}
	if status == "resolved" || status == "inactive" {
		if t, ok := m.time(s, 15); ok && c.ClinicalStatus != nil {
			c.AbatementDateTime = m.fhirDateTime(t)
		}
	}
	c.Note = notes(ntes)
	m.emit("Condition", c.ID, false, c)
}

// ppr maps PPR^PC1/PC2/PC3: the problems of each patient.
func (m *mapper) ppr() error {
	groups := m.groups("PID")
	if len(groups) == 0 {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	for _, g := range groups {
		pat, err := m.patient(g[0], nil, true)
		if err != nil {
			return err
		}
		enc := ""
		if pv1, ok := firstNamed(g, "PV1"); ok {
			enc = m.encounter(pat, pv1, hl7v2.Segment{}, evUpdate, true)
		}
		m.clinical(g, pat, enc)
	}
	return nil
}

func (v *conditionResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = opt(b, "clinicalStatus", v.ClinicalStatus)
	b = opt(b, "verificationStatus", v.VerificationStatus)
	b = optList(b, "category", v.Category)
	b = opt(b, "code", v.Code)
	b = obj(b, "subject", &v.Subject)
	b = opt(b, "encounter", v.Encounter)
	b = optStr(b, "onsetDateTime", v.OnsetDateTime)
	b = optStr(b, "abatementDateTime", v.AbatementDateTime)
	b = optStr(b, "recordedDate", v.RecordedDate)
	b = optList(b, "note", v.Note)
	return append(b, '}')
}

func (v *conditionResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.OnsetDateTime, v.RecordedDate)
	return lifeboat.Index{Patient: c.refID(&v.Subject, "Patient"), Encounter: c.refID(v.Encounter, "Encounter"),
		Status: v.ClinicalStatus.firstCode(), Category: firstCategory(v.Category), Code: v.Code.token(), Date: date,
		Identifiers: c.indexIdentifiers(v.Identifier)}, ok
}
