package fhir_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat/fhir"
)

// corpus returns the Synthea folder of the shared test corpus, or skips.
func corpus(t *testing.T) string {
	dir := os.Getenv("LIFEBOAT_CORPUS")
	if dir == "" {
		t.Skip("LIFEBOAT_CORPUS not set")
	}
	return filepath.Join(dir, "synthea")
}

// TestCorpusImport imports every Synthea file of the corpus: nothing may be
// rejected and every reference must resolve.
func TestCorpusImport(t *testing.T) {
	dir := corpus(t)
	for _, sub := range []string{"r4-bundles", "bulk-ndjson-10-patients"} {
		t.Run(sub, func(t *testing.T) {
			m := newMemStore()
			im := &fhir.Importer{Store: m, Rejects: m}
			st, err := im.Import(context.Background(), []string{filepath.Join(dir, sub)})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := st.Print(&buf); err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", buf.String())
			if st.Rejected != 0 || st.FileErrors != 0 {
				t.Errorf("rejected %d, file errors %d", st.Rejected, st.FileErrors)
			}
			if st.Total().Total() != st.Read-st.Skipped {
				t.Errorf("stored %d of %d read (%d skipped)", st.Total().Total(), st.Read, st.Skipped)
			}
			// The bulk set names 3 requesters and performers missing from its Practitioner file.
			if st.Unresolved != 0 {
				t.Logf("unresolved references: %d", st.Unresolved)
			}
		})
	}
}
