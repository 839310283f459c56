// Package fhirtest holds end-to-end tests of the FHIR importer that run
// against any store implementation, so that a real store (sqlite) can run
// them from its own tests:
//
//	func TestImporter(t *testing.T) {
//		fhirtest.TestImporter(t, func(t *testing.T) fhirtest.Stores { ... open a new empty store ... })
//	}
//
// The fixtures (testdata/, embedded) are trimmed Synthea data; see
// testdata/PROVENANCE.md.
package fhirtest

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
)

//go:embed testdata
var testdata embed.FS

// Stores is what the importer writes to.
type Stores struct {
	Resources lifeboat.ResourceStore
	Rejects   lifeboat.RejectStore
}

// Fixtures copies the embedded fixtures to a temporary directory and returns
// it: bulk/ (a Bulk Data $export folder without manifest, with log.ndjson)
// and bundles/ (Synthea transaction bundles that reference each other).
func Fixtures(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(testdata, "testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, strings.TrimPrefix(p, "testdata"))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := testdata.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// fixedNow is the receive time of every import in these tests.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func importer(s Stores) *fhir.Importer {
	return &fhir.Importer{Store: s.Resources, Rejects: s.Rejects, Now: func() time.Time { return fixedNow },
		BatchSize: 3, Workers: 2}
}

// TestImporter runs every importer scenario; open must return new, empty stores.
func TestImporter(t *testing.T, open func(t *testing.T) Stores) {
	t.Run("BulkFolder", func(t *testing.T) { testBulkFolder(t, open(t)) })
	t.Run("Bundles", func(t *testing.T) { testBundles(t, open(t)) })
	t.Run("BundlesAcrossImports", func(t *testing.T) { testBundlesAcrossImports(t, open(t)) })
	t.Run("Manifest", func(t *testing.T) { testManifest(t, open(t)) })
	t.Run("Rejects", func(t *testing.T) { testRejects(t, open(t)) })
	t.Run("BrokenFile", func(t *testing.T) { testBrokenFile(t, open(t)) })
	t.Run("Superseded", func(t *testing.T) { testSuperseded(t, open(t)) })
	t.Run("Versions", func(t *testing.T) { testVersions(t, open(t)) })
	t.Run("Stream", func(t *testing.T) { testStream(t, open(t)) })
}

func mustImport(t *testing.T, s Stores, paths ...string) *fhir.Stats {
	t.Helper()
	st, err := importer(s).Import(context.Background(), paths)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return st
}

func get(t *testing.T, s Stores, typ, id string) *lifeboat.Resource {
	t.Helper()
	r, err := s.Resources.Resource(context.Background(), typ, id)
	if err != nil {
		t.Fatalf("Resource(%s/%s): %v", typ, id, err)
	}
	return r
}

func wantCreated(t *testing.T, st *fhir.Stats, want map[string]int) {
	t.Helper()
	for typ, n := range want {
		got := 0
		if ts := st.Types[typ]; ts != nil {
			got = ts.Created
		}
		if got != n {
			t.Errorf("%s created = %d, want %d", typ, got, n)
		}
	}
	total := 0
	for _, n := range want {
		total += n
	}
	if got := st.Total().Created; got != total {
		t.Errorf("total created = %d, want %d", got, total)
	}
}

func contains(t *testing.T, r *lifeboat.Resource, sub string) {
	t.Helper()
	if !strings.Contains(string(r.JSON), sub) {
		t.Errorf("%s/%s JSON does not contain %s", r.Type, r.ID, sub)
	}
}

func testBulkFolder(t *testing.T, s Stores) {
	dir := Fixtures(t)
	st := mustImport(t, s, filepath.Join(dir, "bulk"))
	wantCreated(t, st, map[string]int{"Organization": 2, "Location": 2, "Practitioner": 2, "Patient": 1,
		"Encounter": 2, "Condition": 1, "MedicationRequest": 1})
	if st.Rejected != 0 || st.FileErrors != 0 || st.Files != 7 {
		t.Errorf("rejected %d, file errors %d, files %d; want 0, 0, 7 (log.ndjson skipped)", st.Rejected, st.FileErrors, st.Files)
	}
	// The MedicationRequest's requester is a practitioner not in the export.
	if st.Unresolved != 1 {
		t.Errorf("unresolved = %d, want 1", st.Unresolved)
	}
	enc := get(t, s, "Encounter", "3a22920b-b140-ef98-019f-4fcca0ab2509")
	contains(t, enc, `"reference":"Practitioner/`)
	contains(t, enc, `"reference":"Location/`)
	contains(t, enc, `"reference":"Organization/`)
	if strings.Contains(string(enc.JSON), "?identifier=") {
		t.Errorf("Encounter keeps a conditional reference")
	}
	if enc.Index.Patient != "63ee2253-bdd5-da55-2ad2-b4984d0ad700" || enc.Index.Code == "" || enc.Index.Date.IsZero() {
		t.Errorf("Encounter index = %+v", enc.Index)
	}
	if enc.Source.Kind != "file" || enc.Source.Ref != "Encounter.000.ndjson line 1" || !enc.Received.Equal(fixedNow) {
		t.Errorf("Encounter source %+v received %v", enc.Source, enc.Received)
	}
	med := get(t, s, "MedicationRequest", medRequestID)
	contains(t, med, `"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999886895"`)

	// Importing again changes nothing.
	st2 := mustImport(t, s, filepath.Join(dir, "bulk"))
	if tot := st2.Total(); tot.Created != 0 || tot.Total() != st.Total().Total() {
		t.Errorf("second import: %+v, want no created of %d", tot, st.Total().Total())
	}
	if st2.Total().Unchanged != st.Total().Total() {
		t.Logf("second import: %d unchanged of %d (store treats identical re-imports as updates)", st2.Total().Unchanged, st.Total().Total())
	}
}

const medRequestID = "c46ed69d-0dd3-fc82-e575-1ee20cfff482"
