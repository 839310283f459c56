package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/simulate"
)

// TestDemoHospitalViews builds the demo hospital in the real store and reads
// every view the way the web UI does.
func TestDemoHospitalViews(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	n := loadHospital(t, db, simulate.Options{Seed: 5, Now: hospitalNow})
	svc := newService(db, hospitalNow.Add(time.Minute))

	census, err := svc.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(census.Units) < 6 {
		t.Fatalf("%d units", len(census.Units))
	}
	occupied := 0
	for _, u := range census.Units {
		if u.Occupied > u.Beds || u.Beds == 0 {
			t.Errorf("unit %s: %d of %d beds", u.Name, u.Occupied, u.Beds)
		}
		occupied += u.Occupied
	}
	if occupied != simulate.DefaultPatients {
		t.Errorf("census shows %d occupied beds, want %d patients", occupied, simulate.DefaultPatients)
	}
	if census.Freshness.Source == "" || census.Freshness.Stale || census.Freshness.AsOf.IsZero() {
		t.Errorf("freshness %+v", census.Freshness)
	}

	var sawNKA, sawNotRecorded, sawAllergies, sawDue bool
	var row lifeboat.CensusRow
	for _, u := range census.Units {
		uc, err := svc.Unit(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(uc.Rows) != u.Occupied {
			t.Errorf("unit %s lists %d patients, census says %d", u.Name, len(uc.Rows), u.Occupied)
		}
		for _, r := range uc.Rows {
			if r.Bed == "" || r.Name == "" || r.MRN == "" || r.Age == "" || r.Attending == "" || r.Admitted.IsZero() {
				t.Errorf("incomplete census row %+v", r)
			}
			switch r.Allergies {
			case lifeboat.AllergiesNoneKnown:
				sawNKA = true
			case lifeboat.AllergiesNotRecorded:
				sawNotRecorded = true
			case lifeboat.AllergiesPresent:
				sawAllergies = true
				row = r
			}
			sawDue = sawDue || r.DueNextHour > 0
		}
	}
	if !sawNKA || !sawNotRecorded || !sawAllergies || !sawDue {
		t.Errorf("census misses a case: NKA %v, not recorded %v, allergies %v, doses due %v", sawNKA, sawNotRecorded, sawAllergies, sawDue)
	}

	c, err := svc.Chart(ctx, row.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Banner.MRN != row.MRN || c.Banner.Location == "" || len(c.Banner.AllergyList) == 0 || c.Banner.Weight == "" {
		t.Errorf("banner %+v", c.Banner)
	}
	if len(c.Medications) == 0 || len(c.MAR.Scheduled)+len(c.MAR.PRN)+len(c.MAR.Continuous) == 0 {
		t.Errorf("no medications or MAR")
	}
	if len(c.Vitals) == 0 || len(c.Labs) == 0 || len(c.Notes) == 0 || len(c.Encounters) == 0 || len(c.Problems) == 0 {
		t.Errorf("chart sections: %d vitals, %d labs, %d notes, %d encounters, %d problems", len(c.Vitals), len(c.Labs), len(c.Notes), len(c.Encounters), len(c.Problems))
	}

	family := strings.Split(row.Name, ",")[0]
	for _, q := range []string{family, strings.ToLower(family), row.MRN, c.Banner.BirthDate} {
		ms, err := svc.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range ms {
			found = found || m.PatientID == row.PatientID
		}
		if !found {
			t.Errorf("search %q does not find the patient", q)
		}
	}
	if _, err := svc.Chart(ctx, "no-such-patient"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("unknown patient: %v", err)
	}
	t.Logf("%d resources", n)
}

// TestDemoReloadIsIdempotent writes the same hospital twice: the second time
// every resource is unchanged.
func TestDemoReloadIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	opts := simulate.Options{Seed: 2, Now: hospitalNow, Patients: 20}
	loadHospital(t, db, opts)
	before, _ := db.CountResources(ctx)
	loadHospital(t, db, opts)
	after, _ := db.CountResources(ctx)
	for typ, n := range before {
		if after[typ] != n {
			t.Errorf("%s: %d then %d", typ, n, after[typ])
		}
	}
	r, err := db.Resource(ctx, "Patient", "pt-0001")
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 1 {
		t.Errorf("an identical reload made version %d", r.Version)
	}
}

// TestCensusSeesNewLocations: the service caches the Locations between
// pages, and a unit written afterwards still shows on the next census.
func TestCensusSeesNewLocations(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	loadHospital(t, db, demoOptions(20))
	svc := newService(db, hospitalNow)
	before, err := svc.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := svc.Census(ctx) // served from the cache
	if len(again.Units) != len(before.Units) {
		t.Fatalf("cached census: %d units, then %d", len(before.Units), len(again.Units))
	}
	ward := `{"resourceType":"Location","id":"unit-surge","status":"active","name":"Surge Ward","physicalType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/location-physical-type","code":"wa"}]}}`
	bed := `{"resourceType":"Location","id":"bed-surge-1","status":"active","name":"SURGE-01","partOf":{"reference":"Location/unit-surge"},"physicalType":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/location-physical-type","code":"bd"}]}}`
	var rs []*lifeboat.Resource
	for _, js := range []string{ward, bed} {
		p, err := fhir.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, &lifeboat.Resource{Type: p.Type, ID: p.ID, JSON: []byte(js), Received: hospitalNow.Add(time.Minute),
			Source: lifeboat.Source{Kind: "file", Name: "import"}, Index: p.Index})
	}
	if _, err := db.PutResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	after, err := svc.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Units) != len(before.Units)+1 {
		t.Fatalf("census has %d units after a new one was stored, want %d", len(after.Units), len(before.Units)+1)
	}
}

// TestChartAfterMerge: after a merge (the survivor's Patient.link replaces
// the other record), the survivor's chart shows the other record's results.
func TestChartAfterMerge(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	loadHospital(t, db, demoOptions(3))
	put := func(js string) {
		t.Helper()
		p, err := fhir.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutResources(ctx, []*lifeboat.Resource{{Type: p.Type, ID: p.ID, JSON: []byte(js), LastUpdated: hospitalNow.Add(time.Minute),
			Source: lifeboat.Source{Kind: "hl7v2", Name: "ADT^GH"}, Index: p.Index}}); err != nil {
			t.Fatal(err)
		}
	}
	put(`{"resourceType":"Observation","id":"merged-marker","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],` +
		`"code":{"coding":[{"system":"http://loinc.org","code":"99999-9"}],"text":"Merged marker"},"subject":{"reference":"Patient/pt-0002"},` +
		`"effectiveDateTime":"2026-11-27T09:00:00Z","valueQuantity":{"value":1,"unit":"U"}}`)
	survivor, err := db.Resource(ctx, "Patient", "pt-0001")
	if err != nil {
		t.Fatal(err)
	}
	linked := strings.Replace(string(survivor.JSON), `"resourceType":"Patient",`, `"resourceType":"Patient","link":[{"other":{"reference":"Patient/pt-0002"},"type":"replaces"}],`, 1)
	put(linked)
	c, err := newService(db, hospitalNow.Add(time.Hour)).Chart(ctx, "pt-0001")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs {
		if l.Name == "Merged marker" {
			return
		}
	}
	t.Fatal("the survivor's chart does not show the merged record's result")
}
