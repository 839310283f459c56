package integration

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/fhir/fhirtest"
)

// TestImporter runs the importer's end-to-end scenarios against the real
// encrypted store.
func TestImporter(t *testing.T) {
	fhirtest.TestImporter(t, func(t *testing.T) fhirtest.Stores {
		db, _ := openStore(t)
		return fhirtest.Stores{Resources: db, Rejects: db}
	})
}

// corpus returns the path of the shared test corpus, or skips the test.
func corpus(t *testing.T) string {
	dir := os.Getenv("LIFEBOAT_CORPUS")
	if dir == "" {
		t.Skip("LIFEBOAT_CORPUS is not set")
	}
	return dir
}

// TestCorpusSynthea imports all of the Synthea corpus into the encrypted
// store and checks the exact number of resources of every type, then
// imports it again and checks nothing changed.
func TestCorpusSynthea(t *testing.T) {
	base := filepath.Join(corpus(t), "synthea")
	// Distinct (type, id) pairs in the corpus, counted independently of
	// Lifeboat; the bundles repeat 300 shared resources across files.
	want := map[string]int{
		"AllergyIntolerance": 113 + 11, "CarePlan": 184, "Claim": 1720, "Condition": 498 + 555,
		"DiagnosticReport": 427, "Encounter": 1408 + 1215, "ExplanationOfBenefit": 1408, "Goal": 77,
		"ImagingStudy": 26, "Immunization": 900 + 161, "MedicationRequest": 312 + 1745, "Observation": 6954,
		"Organization": 102 + 43, "Patient": 100 + 13, "Practitioner": 102 + 43, "Procedure": 483 + 2056,
		"Device": 16, "DocumentReference": 1215, "Location": 44, "PractitionerRole": 43,
	}
	ctx := context.Background()
	db, dir := openStore(t)
	im := &fhir.Importer{Store: db, Rejects: db}
	paths := []string{filepath.Join(base, "r4-bundles"), filepath.Join(base, "bulk-ndjson-10-patients")}
	st, err := im.Import(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 0 || st.FileErrors != 0 || st.Unresolved != 0 {
		t.Errorf("rejected %d, file errors %d, unresolved references %d", st.Rejected, st.FileErrors, st.Unresolved)
	}
	got, err := db.CountResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: %d stored, want %d", typ, got[typ], n)
		}
	}
	for typ, n := range got {
		if _, ok := want[typ]; !ok {
			t.Errorf("unexpected %d resources of type %s", n, typ)
		}
	}

	again, err := im.Import(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	if tot := again.Total(); tot.Created != 0 || tot.Updated != 0 || tot.Unchanged == 0 {
		t.Errorf("a second import changed the store: %+v", tot)
	}

	// None of the imported patients' names or identifiers are on disk in clear.
	var words []string
	for _, p := range samplePatients(t, db, 20) {
		words = append(words, p...)
	}
	db.Checkpoint(ctx)
	assertNoPlaintext(t, dir, words...)
}
