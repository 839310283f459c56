package fhir

import (
	"bufio"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func day(s string) time.Time {
	t, ok := ParseDateTime(s)
	if !ok {
		panic("bad test date " + s)
	}
	return t
}

func TestIndex(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want lifeboat.Index
	}{
		{"Patient", `{"resourceType":"Patient","id":"p1","identifier":[{"type":{"coding":[{"code":"MR"}]},"system":"urn:mrn","value":"123"},{"system":"urn:ssn","value":"999-1"},{"system":"urn:x"}],
			"name":[{"use":"official","family":"Núñez","given":["José","María"]},{"text":"Pepe  Núñez"}],"birthDate":"1970-02-03"}`,
			lifeboat.Index{Patient: "p1", Identifiers: []lifeboat.Identifier{{System: "urn:mrn", Value: "123"}, {System: "urn:ssn", Value: "999-1"}},
				Names: []string{"nunez", "jose", "maria", "jose nunez", "jose maria nunez", "pepe nunez"}, BirthDate: "1970-02-03"}},
		{"Practitioner", `{"resourceType":"Practitioner","id":"d1","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"999"}],"name":[{"family":"Emard19","given":["Irvin970"],"prefix":["Dr."]}]}`,
			lifeboat.Index{Identifiers: []lifeboat.Identifier{{System: "http://hl7.org/fhir/sid/us-npi", Value: "999"}}, Names: []string{"emard19", "irvin970", "irvin970 emard19"}}},
		{"RelatedPerson", `{"resourceType":"RelatedPerson","patient":{"reference":"Patient/p1"},"name":[{"family":"Ørsted"}]}`,
			lifeboat.Index{Patient: "p1", Names: []string{"orsted"}}},
		{"Observation effectiveDateTime", `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
			"code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body Weight"}]},"subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},
			"effectiveDateTime":"2024-01-02T03:04:05Z","issued":"2024-01-03T00:00:00Z"}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "final", Category: "vital-signs", Code: "http://loinc.org|29463-7", Date: day("2024-01-02T03:04:05Z")}},
		{"Observation effectivePeriod", `{"resourceType":"Observation","subject":{"reference":"https://ehr.example/fhir/Patient/p1/_history/2"},"effectivePeriod":{"start":"2024-01-02"},"issued":"2024-01-03T00:00:00Z"}`,
			lifeboat.Index{Patient: "p1", Date: day("2024-01-02")}},
		{"Observation issued", `{"resourceType":"Observation","subject":{"reference":"Group/g1"},"issued":"2024-01-03T00:00:00Z","code":{"coding":[{"display":"no code"},{"code":"x"}]}}`,
			lifeboat.Index{Date: day("2024-01-03T00:00:00Z"), Code: "|x"}},
		{"MedicationRequest", `{"resourceType":"MedicationRequest","status":"active","intent":"order","category":[{"coding":[{"code":"inpatient"}]}],
			"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"314076"}],"text":"lisinopril"},
			"subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"authoredOn":"2024-05-06T07:08:09-04:00",
			"dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":"2020-01-01"}}}}]}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "active", Category: "inpatient", Code: "http://www.nlm.nih.gov/research/umls/rxnorm|314076", Date: day("2024-05-06T07:08:09-04:00")}},
		{"Appointment", `{"resourceType":"Appointment","status":"booked","start":"2024-05-07T09:30:00Z","created":"2024-05-01",
			"participant":[{"actor":{"reference":"Practitioner/d1"},"status":"accepted"},{"actor":{"reference":"Patient/p1"},"status":"accepted"}]}`,
			lifeboat.Index{Patient: "p1", Status: "booked", Date: day("2024-05-07T09:30:00Z")}},
		{"MedicationAdministration", `{"resourceType":"MedicationAdministration","status":"completed","medicationCodeableConcept":{"coding":[{"system":"rx","code":"1"}]},
			"subject":{"reference":"Patient/p1"},"context":{"reference":"Encounter/e1"},"effectivePeriod":{"start":"2024-05-06T08:00:00Z","end":"2024-05-06T09:00:00Z"}}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "completed", Code: "rx|1", Date: day("2024-05-06T08:00:00Z")}},
		{"Encounter", `{"resourceType":"Encounter","id":"e1","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
			"type":[{"coding":[{"system":"http://snomed.info/sct","code":"1"}]}],"subject":{"reference":"Patient/p1"},"period":{"start":"2024-05-01T10:00:00Z"}}`,
			lifeboat.Index{Patient: "p1", Status: "in-progress", Code: "http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP", Date: day("2024-05-01T10:00:00Z")}},
		{"Encounter with bed history", `{"resourceType":"Encounter","status":"in-progress","subject":{"reference":"Patient/p1"},
			"location":[{"location":{"reference":"Location/ed-3"},"status":"completed"},{"location":{"reference":"Location/bed-4w-12a"},"status":"active"},
			{"location":{"reference":"Location/unit-4w"},"status":"completed"}]}`,
			lifeboat.Index{Patient: "p1", Status: "in-progress", Location: "bed-4w-12a"}},
		{"Condition", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
			"category":[{"coding":[{"code":"problem-list-item"}]}],"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]},
			"subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"onsetDateTime":"2001-02-03T04:05:06Z","recordedDate":"2002-01-01"}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "active", Category: "problem-list-item", Code: "http://snomed.info/sct|44054006", Date: day("2001-02-03T04:05:06Z")}},
		{"Condition recordedDate", `{"resourceType":"Condition","subject":{"reference":"Patient/p1"},"recordedDate":"2002-01-01"}`,
			lifeboat.Index{Patient: "p1", Date: day("2002-01-01")}},
		{"AllergyIntolerance", `{"resourceType":"AllergyIntolerance","clinicalStatus":{"coding":[{"code":"active"}]},"category":["food"],
			"code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003"}]},"patient":{"reference":"Patient/p1"},"recordedDate":"2020-01-01T00:00:00Z","onsetDateTime":"1999"}`,
			lifeboat.Index{Patient: "p1", Status: "active", Category: "food", Code: "http://snomed.info/sct|716186003", Date: day("2020-01-01T00:00:00Z")}},
		{"DocumentReference", `{"resourceType":"DocumentReference","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"34117-2"}]},
			"category":[{"coding":[{"code":"clinical-note"}]}],"subject":{"reference":"Patient/p1"},"date":"2024-01-01T00:00:00.5Z",
			"context":{"encounter":[{"reference":"Encounter/e1"}],"period":{"start":"2023-01-01"}}}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "current", Category: "clinical-note", Code: "http://loinc.org|34117-2", Date: day("2024-01-01T00:00:00.5Z")}},
		{"Immunization", `{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]},
			"patient":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"occurrenceDateTime":"2021-10-01T10:00:00+02:00"}`,
			lifeboat.Index{Patient: "p1", Encounter: "e1", Status: "completed", Code: "http://hl7.org/fhir/sid/cvx|140", Date: day("2021-10-01T08:00:00Z")}},
		{"Procedure", `{"resourceType":"Procedure","status":"completed","code":{"coding":[{"system":"sct","code":"1"}]},"subject":{"reference":"Patient/p1"},
			"performedPeriod":{"start":"2021-10-01T10:00:00Z"},"category":{"coding":[{"code":"surgical"}]}}`,
			lifeboat.Index{Patient: "p1", Status: "completed", Category: "surgical", Code: "sct|1", Date: day("2021-10-01T10:00:00Z")}},
		{"Location", `{"resourceType":"Location","status":"active","physicalType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/location-physical-type","code":"bd"}]},
			"identifier":[{"value":"4W-12A"}],"name":"4W-12A"}`,
			lifeboat.Index{Status: "active", Code: "http://terminology.hl7.org/CodeSystem/location-physical-type|bd", Identifiers: []lifeboat.Identifier{{Value: "4W-12A"}}}},
		{"Claim default date", `{"resourceType":"Claim","status":"active","patient":{"reference":"Patient/p1"},"created":"2020-01-01T00:00:00Z","billablePeriod":{"start":"2019-01-01"}}`,
			lifeboat.Index{Patient: "p1", Status: "active", Date: day("2020-01-01T00:00:00Z")}},
		{"Coverage beneficiary", `{"resourceType":"Coverage","beneficiary":{"reference":"Patient/p1"},"period":{"start":"2020-02"}}`,
			lifeboat.Index{Patient: "p1", Date: day("2020-02")}},
		{"Account subject list", `{"resourceType":"Account","subject":[{"reference":"Patient/p1"}]}`, lifeboat.Index{Patient: "p1"}},
		{"unresolved references", `{"resourceType":"Observation","subject":{"reference":"urn:uuid:1234"},"encounter":{"reference":"Encounter?identifier=x|1"}}`,
			lifeboat.Index{}},
		{"escaped strings", `{"resourceType":"Observation","status":"fin\u0061l","subject":{"reference":"Patient\/p1"}}`,
			lifeboat.Index{Patient: "p1", Status: "final"}},
		{"Organization identifier object", `{"resourceType":"QuestionnaireResponse","identifier":{"system":"s","value":"v"},"authored":"2020"}`,
			lifeboat.Index{Identifiers: []lifeboat.Identifier{{System: "s", Value: "v"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Index("", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Index =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestIndexTypeMismatch(t *testing.T) {
	if _, err := Index("Patient", []byte(`{"resourceType":"Observation"}`)); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("Index with the wrong type: %v", err)
	}
}

// Every sample line (real Synthea resources) parses and has a patient or is
// a shared resource.
func TestIndexSamples(t *testing.T) {
	f, err := os.Open("testdata/sample.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		p, err := Parse(sc.Bytes())
		if err != nil {
			t.Fatalf("%v", err)
		}
		shared := p.Type == "Practitioner" || p.Type == "Location" || p.Type == "Organization"
		if !shared && p.Index.Date.IsZero() && p.Type != "Patient" {
			t.Errorf("%s: no date", p.Type)
		}
		if p.ID == "" && p.Type != "Observation" && p.Type != "DiagnosticReport" && p.Type != "Claim" {
			t.Errorf("%s: no id", p.Type)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{"  JOSÉ   Núñez ": "jose nunez", "Straße": "strasse", "Łukasz": "lukasz", "ÆSIR": "aesir"} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
