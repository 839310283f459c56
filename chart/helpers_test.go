package chart

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// ny is the hospital's zone in these tests.
var ny = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at parses a local time in ny, "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// hhmm formats a time as local "01-02 15:04 MST".
func hhmm(tm time.Time) string { return tm.In(ny).Format("01-02 15:04 MST") }

// load reads a JSON array of resources from testdata.
func load(t testing.TB, name string) []*lifeboat.Resource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make([]*lifeboat.Resource, 0, len(raws))
	for _, raw := range raws {
		out = append(out, res(t, string(raw)))
	}
	return out
}

// res makes a stored resource from JSON, extracting the index fields the
// way an importer does.
func res(t testing.TB, js string) *lifeboat.Resource {
	t.Helper()
	var v struct {
		ResourceType string            `json:"resourceType"`
		ID           string            `json:"id"`
		Status       string            `json:"status"`
		Clinical     *concept          `json:"clinicalStatus"`
		Subject      reference         `json:"subject"`
		Patient      reference         `json:"patient"`
		Encounter    reference         `json:"encounter"`
		Category     []json.RawMessage `json:"category"`
		Code         concept           `json:"code"`
		Effective    string            `json:"effectiveDateTime"`
		EffPeriod    period            `json:"effectivePeriod"`
		AuthoredOn   string            `json:"authoredOn"`
		Period       period            `json:"period"`
		Date         string            `json:"date"`
		Recorded     string            `json:"recordedDate"`
		Onset        string            `json:"onsetDateTime"`
		BirthDate    string            `json:"birthDate"`
		Identifier   []identifier      `json:"identifier"`
		Name         json.RawMessage   `json:"name"`
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("bad fixture: %v\n%s", err, js)
	}
	r := &lifeboat.Resource{Type: v.ResourceType, ID: v.ID, Version: 1, JSON: []byte(js)}
	ix := &r.Index
	ix.Patient = firstNonEmpty(v.Subject.id("Patient"), v.Patient.id("Patient"))
	ix.Encounter = v.Encounter.id("Encounter")
	ix.Status = v.Status
	if v.Clinical != nil {
		ix.Status = v.Clinical.code()
	}
	if len(v.Category) > 0 {
		var s string
		var c concept
		if json.Unmarshal(v.Category[0], &s) == nil {
			ix.Category = s
		} else if json.Unmarshal(v.Category[0], &c) == nil {
			ix.Category = c.code()
		}
	}
	ix.Code = v.Code.key()
	ix.Date = firstTime(ny, v.Effective, v.EffPeriod.Start, v.AuthoredOn, v.Period.Start, v.Date, v.Recorded, v.Onset)
	ix.BirthDate = v.BirthDate
	for _, id := range v.Identifier {
		ix.Identifiers = append(ix.Identifiers, lifeboat.Identifier{System: id.System, Value: id.Value})
	}
	var names []humanName
	if r.Type == "Patient" || r.Type == "Practitioner" {
		if err := json.Unmarshal(v.Name, &names); err != nil {
			t.Fatalf("bad name: %v", err)
		}
	}
	for _, n := range names {
		ix.Names = append(ix.Names, foldName(n.Family+" "+strings.Join(n.Given, " ")))
	}
	r.LastUpdated = ix.Date
	return r
}

// resf is res with fmt.Sprintf.
func resf(t testing.TB, format string, args ...any) *lifeboat.Resource {
	t.Helper()
	return res(t, fmt.Sprintf(format, args...))
}

// iso formats a time as a FHIR dateTime.
func iso(tm time.Time) string { return tm.Format(time.RFC3339) }

// medOrder makes an active MedicationRequest for pat-smith with the given
// dosage instruction JSON.
func medOrder(t testing.TB, id, name, dosage string) *lifeboat.Resource {
	t.Helper()
	return resf(t, `{"resourceType":"MedicationRequest","id":%q,"status":"active","intent":"order",
		"medicationCodeableConcept":{"text":%q},"subject":{"reference":"Patient/pat-smith"},
		"authoredOn":"2025-06-12T15:00:00-04:00","requester":{"reference":"Practitioner/pract-house"},
		"dosageInstruction":[%s]}`, id, name, dosage)
}

// medAdmin makes a MedicationAdministration of order req at tm.
func medAdmin(t testing.TB, id, req, status string, tm time.Time, extra string) *lifeboat.Resource {
	t.Helper()
	if extra != "" {
		extra = "," + extra
	}
	return resf(t, `{"resourceType":"MedicationAdministration","id":%q,"status":%q,
		"medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/pat-smith"},
		"request":{"reference":"MedicationRequest/%s"},"effectiveDateTime":%q%s}`, id, status, req, iso(tm), extra)
}

// vital makes a vital-sign Observation with a quantity.
func vital(t testing.TB, id, code, display string, tm time.Time, value float64, unit string) *lifeboat.Resource {
	t.Helper()
	return resf(t, `{"resourceType":"Observation","id":%q,"status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":%q,"display":%q}]},
		"subject":{"reference":"Patient/pat-smith"},"effectiveDateTime":%q,
		"valueQuantity":{"value":%g,"unit":%q,"system":"http://unitsofmeasure.org","code":%q}}`,
		id, code, display, iso(tm), value, unit, unit)
}

// shuffled returns a copy of rs in a fixed pseudo-random order, so tests
// do not depend on the store's ordering.
func shuffled(rs []*lifeboat.Resource) []*lifeboat.Resource {
	out := append([]*lifeboat.Resource(nil), rs...)
	rand.New(rand.NewSource(7)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func hospital(t testing.TB) *Directory {
	t.Helper()
	return NewDirectory(load(t, "hospital.json"))
}
