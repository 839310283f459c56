package fhirtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat/fhir"
)

const (
	patientID   = "cc74fae7-b8e8-4e77-af46-fb7c3177bf1c"
	encounterID = "a557e352-54d2-4d51-beeb-be6aa6f90699"
)

var bundleCreated = map[string]int{"Organization": 1, "Practitioner": 1, "Patient": 1, "Encounter": 2,
	"Observation": 2, "Procedure": 2, "Immunization": 1, "Condition": 1, "MedicationRequest": 1}

func checkBundlePatient(t *testing.T, s Stores) {
	t.Helper()
	obs := get(t, s, "Observation", "b17110d6-edac-423d-a79c-5685be5fba44")
	contains(t, obs, `"reference":"Patient/`+patientID+`"`)
	contains(t, obs, `"reference":"Encounter/`+encounterID+`"`)
	if obs.Index.Patient != patientID || obs.Index.Encounter != encounterID || obs.Index.Date.IsZero() ||
		obs.Index.Code == "" || obs.Index.Status != "final" {
		t.Errorf("Observation index = %+v", obs.Index)
	}
	enc := get(t, s, "Encounter", encounterID)
	contains(t, enc, `"reference":"Practitioner/a1b28730-eedd-4efa-870e-a70af74fec46"`)
	contains(t, enc, `"reference":"Organization/f1fbcbfb-fcfa-3bd2-b7f4-df20f1b3c3a4"`)
	if strings.Contains(string(enc.JSON), "urn:uuid:") {
		t.Errorf("Encounter keeps a urn:uuid reference")
	}
	// The Immunization has no id: it takes the uuid of its fullUrl.
	imm := get(t, s, "Immunization", "b01599c4-7084-4667-949c-b6b09cf2491d")
	contains(t, imm, `"id":"b01599c4-7084-4667-949c-b6b09cf2491d"`)
	pat := get(t, s, "Patient", patientID)
	if pat.Index.Patient != patientID || pat.Index.BirthDate != "1986-01-27" {
		t.Errorf("Patient index = %+v", pat.Index)
	}
	// Stores need not return Names and Identifiers (they index them apart):
	// index the stored JSON again.
	if x, err := fhir.Index("Patient", pat.JSON); err != nil || len(x.Names) == 0 || len(x.Identifiers) == 0 {
		t.Errorf("stored Patient: index %+v, %v", x, err)
	}
	if pat.Source.Ref != "Antony_Anderson_88fedc82.json entry 1" {
		t.Errorf("Patient source ref = %q", pat.Source.Ref)
	}
}

func testBundles(t *testing.T, s Stores) {
	dir := Fixtures(t)
	st := mustImport(t, s, filepath.Join(dir, "bundles"))
	wantCreated(t, st, bundleCreated)
	if st.Unresolved != 0 || st.Rejected != 0 {
		t.Errorf("unresolved %d, rejected %d; want 0", st.Unresolved, st.Rejected)
	}
	checkBundlePatient(t, s)
	st2 := mustImport(t, s, filepath.Join(dir, "bundles"))
	if st2.Total().Created != 0 {
		t.Errorf("second import created %d", st2.Total().Created)
	}
}

// A patient bundle imported after the shared bundles resolves its urn:uuid
// references through the store.
func testBundlesAcrossImports(t *testing.T, s Stores) {
	dir := filepath.Join(Fixtures(t), "bundles")
	mustImport(t, s, filepath.Join(dir, "hospitalInformation-mini.json"), filepath.Join(dir, "practitionerInformation-mini.json"))
	st := mustImport(t, s, filepath.Join(dir, "Antony_Anderson_88fedc82.json"))
	if st.Unresolved != 0 {
		t.Errorf("unresolved = %d, want 0", st.Unresolved)
	}
	checkBundlePatient(t, s)
}

func testManifest(t *testing.T, s Stores) {
	src := filepath.Join(Fixtures(t), "bulk")
	dir := t.TempDir()
	for _, f := range []string{"Patient.000.ndjson", "Practitioner.000.ndjson", "Encounter.000.ndjson"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := `{"transactionTime":"2024-08-06T18:12:57Z","request":"https://example.com/fhir/$export",
	"requiresAccessToken":true,"output":[
	{"type":"Patient","url":"https://example.com/files/Patient.000.ndjson"},
	{"type":"Practitioner","url":"Practitioner.000.ndjson"}],"error":[]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	st := mustImport(t, s, dir)
	wantCreated(t, st, map[string]int{"Patient": 1, "Practitioner": 2})
}

func testRejects(t *testing.T, s Stores) {
	dir := t.TempDir()
	lines := []string{
		`{"resourceType":"Observation","id":"o1","status":"final","effectiveDateTime":"2024-01-02T03:04:05Z"}`,
		`{not json`,
		`{"resourceType":"SecretType","id":"x"}`,
		`{"resourceType":"Observation","id":"bad id!"}`,
		`{"resourceType":"Observation","id":"o5","effectiveDateTime":"2020-13-01"}`,
		``,
		`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}`,
		`{"resourceType":"Observation","status":"final"}`,
	}
	path := filepath.Join(dir, "Observation.mixed.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := mustImport(t, s, path)
	if st.Read != 7 || st.Rejected != 4 || st.Skipped != 1 {
		t.Errorf("read %d rejected %d skipped %d, want 7 4 1", st.Read, st.Rejected, st.Skipped)
	}
	wantCreated(t, st, map[string]int{"Observation": 2})
	if s.Rejects == nil {
		return
	}
	rejs, err := s.Rejects.Rejects(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	for _, r := range rejs {
		refs[r.Source.Ref] = true
		if r.Reason == "" || strings.Contains(r.Reason, "SecretType") || strings.Contains(r.Reason, "bad id!") ||
			strings.Contains(r.Reason, "2020-13-01") {
			t.Errorf("reject reason %q is empty or echoes input", r.Reason)
		}
		if len(r.Raw) == 0 {
			t.Errorf("reject %s keeps no raw input", r.Source.Ref)
		}
	}
	for _, n := range []string{"2", "3", "4", "5"} {
		if !refs["Observation.mixed.ndjson line "+n] {
			t.Errorf("no reject for line %s (have %v)", n, refs)
		}
	}
}

func testBrokenFile(t *testing.T, s Stores) {
	dir := t.TempDir()
	broken := `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"resource":{"resourceType":"Patient","id":"p1"}},{"resource":{"resourceType":`
	good := `{"resourceType":"Patient","id":"p2","birthDate":"1970-01-01"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Patient.ndjson"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	st := mustImport(t, s, dir, filepath.Join(dir, "missing.ndjson"))
	if st.FileErrors != 2 {
		t.Errorf("file errors = %d, want 2", st.FileErrors)
	}
	wantCreated(t, st, map[string]int{"Patient": 2}) // p1 came before the break
	if _, err := importer(s).Import(context.Background(), []string{filepath.Join(dir, "missing.ndjson")}); err == nil {
		t.Errorf("import of nothing readable: no error")
	}
}
