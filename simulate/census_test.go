package simulate

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCensus(t *testing.T) {
	for _, opts := range []Options{{Seed: 42, Now: testNow}, {Seed: 43, Now: testNow.UTC(), Patients: 400}} {
		census(t, opts)
	}
}

// census checks units, beds and admissions: every patient in exactly one
// in-progress encounter on a bed of their own, on a unit that fits their age.
func census(t *testing.T, opts Options) {
	rs := hospital(t, opts)
	byID := map[string]*res{}
	for _, r := range rs {
		byID[r.id] = r
	}
	unitOf := func(bed string) *res { // follows partOf to the ward
		for r := byID[bed]; r != nil; r = byID[strings.TrimPrefix(str(r.m, "partOf", "reference"), "Location/")] {
			if str(r.m, "physicalType", "coding", 0, "code") == "wa" {
				return r
			}
		}
		return nil
	}
	units, beds := map[string]int{}, map[string]int{}
	for _, r := range rs {
		if r.typ == "Location" && str(r.m, "physicalType", "coding", 0, "code") == "bd" {
			u := unitOf(r.id)
			if u == nil {
				t.Fatalf("bed %s is in no unit", r.id)
			}
			units[u.id]++
			beds[r.id] = 0
		}
	}
	if len(units) < 6 {
		t.Fatalf("%d units, want at least 6", len(units))
	}
	patients := map[string]*res{}
	encs := map[string][]*res{}
	for _, r := range rs {
		switch r.typ {
		case "Patient":
			patients[r.id] = r
		case "Encounter":
			if str(r.m, "status") == "in-progress" {
				p := strings.TrimPrefix(str(r.m, "subject", "reference"), "Patient/")
				encs[p] = append(encs[p], r)
			}
		}
	}
	want := opts.Patients
	if want == 0 {
		want = DefaultPatients
	}
	if len(patients) != want {
		t.Fatalf("%d patients, want %d", len(patients), want)
	}
	occupied := map[string]int{}
	kinds := map[string]bool{}
	for id, p := range patients {
		if len(encs[id]) != 1 {
			t.Fatalf("patient %s has %d in-progress encounters", id, len(encs[id]))
		}
		e := encs[id][0].m
		class := str(e, "class", "code")
		if class != "IMP" && class != "EMER" {
			t.Fatalf("encounter class %q", class)
		}
		locs, _ := e["location"].([]any)
		last := locs[len(locs)-1]
		if str(last, "status") != "active" {
			t.Fatalf("%s: last location not active", id)
		}
		bed := strings.TrimPrefix(str(last, "location", "reference"), "Location/")
		if _, ok := beds[bed]; !ok {
			t.Fatalf("%s: active location %s is not a bed", id, bed)
		}
		if beds[bed]++; beds[bed] > 1 {
			t.Fatalf("bed %s double-booked", bed)
		}
		u := unitOf(bed)
		occupied[u.id]++
		kind := str(u.m, "type", 0, "text")
		kinds[kind] = true
		if (kind == "Emergency department") != (class == "EMER") {
			t.Fatalf("%s: class %s on %s", id, class, kind)
		}
		start, _ := time.Parse(time.RFC3339, str(e, "period", "start"))
		if opts.Now.Sub(start) > 10*24*time.Hour {
			t.Fatalf("%s admitted %s", id, start)
		}
		birth, _ := time.Parse(time.DateOnly, str(p.m, "birthDate"))
		now := opts.Now
		age := now.Year() - birth.Year()
		if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
			age--
		}
		if (kind == "Pediatrics") != (age < 18) {
			t.Fatalf("%s: age %d on %s", id, age, kind)
		}
		if str(p.m, "identifier", 0, "type", "coding", 0, "code") != "MR" || !regexp.MustCompile(`^MRN\d{7}$`).MatchString(str(p.m, "identifier", 0, "value")) {
			t.Fatalf("%s: bad MRN identifier", id)
		}
		if str(e, "participant", 0, "type", 0, "coding", 0, "code") != "ATND" || str(e, "participant", 0, "individual", "display") == "" {
			t.Fatalf("%s: no attending", id)
		}
	}
	for _, k := range []string{"ICU", "Medical-surgical", "Cardiology (telemetry)", "Oncology", "Pediatrics", "Emergency department"} {
		if !kinds[k] {
			t.Errorf("no patients on a %s unit", k)
		}
	}
	total, occ := 0, 0
	for u, n := range units {
		total += n
		occ += occupied[u]
	}
	if f := float64(occ) / float64(total); f < 0.75 || f > 0.92 {
		t.Errorf("occupancy %.2f", f)
	}
}

// TestCategories checks that each kind of clinical data the views handle
// is present.
func TestCategories(t *testing.T) {
	rs := hospital(t, Options{Seed: 5, Now: testNow})
	count := map[string]int{}
	allergyPatients := map[string]bool{}
	patients := 0
	codeStatus := map[string]bool{}
	activeMeds, activeProblems := map[string]int{}, map[string]int{}
	critByUnit := map[string]bool{}
	for _, r := range rs {
		subj := strings.TrimPrefix(str(r.m, "subject", "reference"), "Patient/")
		switch r.typ {
		case "Patient":
			patients++
		case "AllergyIntolerance":
			allergyPatients[strings.TrimPrefix(str(r.m, "patient", "reference"), "Patient/")] = true
			switch str(r.m, "code", "coding", 0, "code") {
			case "716186003", "409137002":
				count["nka"]++
			default:
				if str(r.m, "verificationStatus", "coding", 0, "code") == "refuted" {
					count["refuted"]++
					continue
				}
				count["allergy"]++
				if get(r.m, "reaction", 0, "manifestation", 0, "text") == nil || str(r.m, "reaction", 0, "severity") == "" {
					t.Fatalf("%s: allergy without reaction or severity", r.id)
				}
			}
		case "Observation":
			switch {
			case str(r.m, "code", "coding", 0, "code") == "75320-2":
				codeStatus[str(r.m, "valueCodeableConcept", "text")] = true
			case str(r.m, "category", 0, "coding", 0, "code") == "laboratory":
				if f := str(r.m, "interpretation", 0, "coding", 0, "code"); f == "HH" || f == "LL" {
					count["critical"]++
					critByUnit[subj] = true
				}
			case str(r.m, "code", "coding", 0, "code") == "29463-7":
				count["weight"]++
			case str(r.m, "code", "coding", 0, "code") == "85354-9":
				count["bp"]++
			}
		case "MedicationRequest":
			if str(r.m, "status") != "active" {
				continue
			}
			activeMeds[subj]++
			d := get(r.m, "dosageInstruction", 0)
			switch {
			case get(d, "asNeededCodeableConcept") != nil:
				count["prn"]++
			case get(d, "doseAndRate", 0, "rateQuantity") != nil:
				count["continuous"]++
			case get(d, "timing", "repeat", "timeOfDay") != nil:
				count["timeOfDay"]++
			case get(d, "timing", "repeat", "period") != nil:
				count["every"]++
			}
		case "MedicationAdministration":
			count[str(r.m, "status")]++
			if str(r.m, "status") == "not-done" && str(r.m, "statusReason", 0, "text") == "" {
				t.Fatalf("%s: not-done without reason", r.id)
			}
		case "Condition":
			if str(r.m, "clinicalStatus", "coding", 0, "code") == "active" {
				activeProblems[subj]++
			}
		case "DocumentReference":
			count["note"]++
			if str(r.m, "content", 0, "attachment", "contentType") != "text/plain" {
				t.Fatalf("%s: not text/plain", r.id)
			}
		case "DiagnosticReport":
			count["report"]++
		}
	}
	count["not recorded"] = patients - len(allergyPatients)
	for _, k := range []string{"nka", "allergy", "not recorded", "critical", "prn", "continuous", "timeOfDay", "every", "completed", "not-done", "note", "report", "weight", "bp"} {
		if count[k] == 0 {
			t.Errorf("no %s", k)
		}
	}
	t.Logf("counts: %v", count)
	if f := float64(count["nka"]) / float64(patients); f < 0.45 || f > 0.75 {
		t.Errorf("NKA for %.2f of patients", f)
	}
	if f := float64(count["not recorded"]) / float64(patients); f < 0.04 || f > 0.2 {
		t.Errorf("allergies not recorded for %.2f of patients", f)
	}
	for _, s := range []string{"Full code", "DNR", "DNR/DNI", "Comfort care"} {
		if !codeStatus[s] {
			t.Errorf("no patient is %s", s)
		}
	}
	for p, n := range activeMeds {
		if n < 4 || n > 10 {
			t.Errorf("%s has %d active orders", p, n)
		}
	}
	for p, n := range activeProblems {
		if n < 1 || n > 5 {
			t.Errorf("%s has %d active problems", p, n)
		}
	}
	if len(activeMeds) != patients || len(activeProblems) != patients {
		t.Errorf("some patients have no orders or problems")
	}
	if len(critByUnit) < 12 {
		t.Errorf("only %d patients with critical labs", len(critByUnit))
	}
}
