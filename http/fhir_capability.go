package http

import (
	"net/http"
	"slices"

	"github.com/lifeboat-health/lifeboat"
)

// paramKey says what a search parameter filters on.
type paramKey int

const (
	keyID paramKey = iota
	keyLastUpdated
	keyPatient
	keyCategory
	keyCode
	keyDate
	keyStatus
	keyIdentifier
	keyName
	keyFamily
	keyGiven
	keyBirthdate
)

// searchParam is a search parameter of the API, as the CapabilityStatement
// lists it and the search handler reads it.
type searchParam struct {
	Name string
	Type string // FHIR search parameter type
	Key  paramKey
	Doc  string
}

// repeatable reports whether the parameter may be given more than once
// (its values are then combined with AND).
func (p searchParam) repeatable() bool {
	return p.Key == keyDate || p.Key == keyLastUpdated || p.Key == keyBirthdate
}

var (
	paramID          = searchParam{"_id", "token", keyID, "Logical id; several ids separated by commas match any of them."}
	paramLastUpdated = searchParam{"_lastUpdated", "date", keyLastUpdated, "When the resource was last updated at its source (or received, if it did not say); prefixes eq, ge, le, gt, lt, sa, eb; repeat to combine."}
)

// patientParams are the search parameters of Patient.
var patientParams = []searchParam{
	paramID, paramLastUpdated,
	{"identifier", "token", keyIdentifier, "Any identifier: value, or system|value."},
	{"name", "string", keyName, "Every word must start a word of one of the patient's names (family or given); case- and accent-insensitive."},
	{"family", "string", keyFamily, "Every word must start a word of a family name; case- and accent-insensitive."},
	{"given", "string", keyGiven, "Every word must start a given name; case- and accent-insensitive."},
	{"birthdate", "date", keyBirthdate, "Birth date as YYYY, YYYY-MM or YYYY-MM-DD, with prefixes eq, ge, le, gt, lt, sa, eb; repeat to combine."},
}

// clinicalTypes are the types about one patient that the API searches with
// clinicalParams. Their patient is the one their subject, patient or
// beneficiary refers to.
var clinicalTypes = []string{
	"AllergyIntolerance", "Appointment", "CarePlan", "CareTeam", "Claim", "Condition", "Coverage",
	"Device", "DiagnosticReport", "DocumentReference", "Encounter", "EpisodeOfCare",
	"ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal", "ImagingStudy", "Immunization",
	"MedicationAdministration", "MedicationDispense", "MedicationRequest", "MedicationStatement",
	"NutritionOrder", "Observation", "Procedure", "QuestionnaireResponse", "RiskAssessment",
	"ServiceRequest", "Specimen",
}

// sharedTypes are types that are not about one patient: $everything
// includes those its resources refer to.
var sharedTypes = []string{"Location", "Medication", "Organization", "Practitioner", "PractitionerRole"}

// codeElement names the element that gives the code of a clinical type,
// where it is not "code"; codeAlias is its own FHIR search parameter.
var (
	codeElement = map[string]string{
		"Encounter": "class", "DocumentReference": "type", "Immunization": "vaccineCode",
		"MedicationRequest": "medicationCodeableConcept", "MedicationAdministration": "medicationCodeableConcept",
		"MedicationDispense": "medicationCodeableConcept", "MedicationStatement": "medicationCodeableConcept",
	}
	codeAlias = map[string]string{"Encounter": "class", "DocumentReference": "type", "Immunization": "vaccine-code"}
)

// clinicalParams returns the search parameters of a clinical type.
func clinicalParams(typ string) []searchParam {
	code := "code"
	if e, ok := codeElement[typ]; ok {
		code = e
	}
	codeDoc := "The first coding of " + typ + "." + code + ": code (any system), system|code, or |code (no system); commas separate alternatives."
	ps := []searchParam{
		paramID, paramLastUpdated,
		{"patient", "reference", keyPatient, "The patient: id or Patient/id."},
		{"subject", "reference", keyPatient, "The patient (only Patient subjects): id or Patient/id."},
		{"category", "token", keyCategory, "The first category: code, system|code, or |code; commas separate alternatives."},
		{"code", "token", keyCode, codeDoc},
		{"date", "date", keyDate, "The clinically relevant time (effective, authored, onset, period start, ...), with prefixes eq, ge, le, gt, lt, sa, eb; repeat to combine."},
		{"status", "token", keyStatus, "The status (for Condition and AllergyIntolerance, the clinical status); commas separate alternatives."},
	}
	if a, ok := codeAlias[typ]; ok {
		ps = append(ps, searchParam{a, "token", keyCode, codeDoc})
	}
	if typ == "Condition" || typ == "AllergyIntolerance" {
		ps = append(ps, searchParam{"clinical-status", "token", keyStatus, "The clinical status; commas separate alternatives."})
	}
	return ps
}

// typeParams returns the search parameters of a type, or nil if the API
// does not search it.
func typeParams(typ string) []searchParam {
	switch {
	case typ == "Patient":
		return patientParams
	case slices.Contains(clinicalTypes, typ):
		return clinicalParams(typ)
	case slices.Contains(sharedTypes, typ):
		return []searchParam{paramID, paramLastUpdated}
	}
	return nil
}

// apiTypes returns every type the API serves, in alphabetical order.
func apiTypes() []string {
	ts := append(append([]string{"Patient"}, clinicalTypes...), sharedTypes...)
	slices.Sort(ts)
	return ts
}

// Documentation of the CapabilityStatement.
const (
	searchDoc = "Results are newest first by the clinically relevant date (resources without one last), " +
		"or oldest update first with _sort=_lastUpdated; Patient results are ordered by id. " +
		"_count sets the page size (default 50, at most 1000); the next link continues the search " +
		"with an opaque _cursor that works only for that search on this server until it restarts, " +
		"and the previous link (on pages after the first, up to 20 pages back) returns to the page before. " +
		"_summary=count gives the number of matches as Bundle.total without entries; " +
		"other _summary values are refused. _total is accepted and ignored: total is given when the result fits on its first page. " +
		"Unknown parameters are refused."
	everythingDoc = "The Patient, then every resource about the patient (newest first, paged), and on each page " +
		"the Practitioner, PractitionerRole, Location, Organization and Medication resources its entries refer to " +
		"(search mode include); next and previous links as for searches. Parameters: _count, _since (instant: only resources updated since), " +
		"_type (comma-separated types)."
)

// fhirMetadata answers the CapabilityStatement; it needs no login.
func (s *Server) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	if !s.negotiate(w, r) {
		return nil
	}
	for k := range r.URL.Query() {
		if k != "_format" && k != "mode" {
			return fhirError("Unsupported parameter %q.", k)
		}
	}
	var res []map[string]any
	for _, t := range apiTypes() {
		var params []map[string]string
		for _, p := range typeParams(t) {
			params = append(params, map[string]string{"name": p.Name, "type": p.Type, "documentation": p.Doc})
		}
		e := map[string]any{
			"type":          t,
			"interaction":   []map[string]string{{"code": "read"}, {"code": "search-type"}},
			"searchParam":   params,
			"documentation": searchDoc,
		}
		if t == "Patient" {
			e["operation"] = []map[string]string{{
				"name":          "everything",
				"definition":    "http://hl7.org/fhir/OperationDefinition/Patient-everything",
				"documentation": everythingDoc,
			}}
		}
		res = append(res, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         s.Now().UTC().Format("2006-01-02"),
		"publisher":    "Lifeboat",
		"kind":         "instance",
		"software":     map[string]string{"name": "Lifeboat", "version": lifeboat.Version},
		"implementation": map[string]string{
			"description": "Lifeboat downtime system: FHIR R4 read API",
			"url":         s.fhirBase(r),
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"json"},
		"rest": []map[string]any{{
			"mode":          "server",
			"documentation": "Read-only. Every read, search and $everything is audited.",
			"security": map[string]any{
				"description": "A bearer token (Authorization: Bearer, from `lifeboat token`) or a Lifeboat session; " +
					"without one the API answers 401.",
			},
			"resource": res,
		}},
	})
	return nil
}
