package fhir_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/fhir/fhirtest"
)

// failStore fails every write.
type failStore struct{ *memStore }

var errDisk = errors.New("disk full")

func (failStore) PutResources(context.Context, []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	return nil, errDisk
}

func TestImportStoreError(t *testing.T) {
	dir := fhirtest.Fixtures(t)
	im := &fhir.Importer{Store: failStore{newMemStore()}, BatchSize: 1, Workers: 2}
	_, err := im.Import(context.Background(), []string{filepath.Join(dir, "bulk"), filepath.Join(dir, "bundles")})
	if !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want %v", err, errDisk)
	}
}

func TestImportCanceled(t *testing.T) {
	dir := fhirtest.Fixtures(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := newMemStore()
	_, err := (&fhir.Importer{Store: m}).Import(ctx, []string{filepath.Join(dir, "bulk")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestImportNoRejectStore(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.ndjson")
	writeFile(t, p, "{bad\n{\"resourceType\":\"Basic\",\"id\":\"b1\"}\n")
	st, err := (&fhir.Importer{Store: newMemStore()}).Import(context.Background(), []string{p})
	if err != nil || st.Rejected != 1 || st.Total().Created != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
}

func TestImportEmptyDir(t *testing.T) {
	if _, err := (&fhir.Importer{Store: newMemStore()}).Import(context.Background(), []string{t.TempDir()}); err == nil {
		t.Fatal("no error for a folder without inputs")
	}
}

func TestStatsPrint(t *testing.T) {
	st := &fhir.Stats{Types: map[string]*fhir.TypeStats{
		"Patient":     {Created: 2, Unchanged: 1},
		"Observation": {Created: 10, Updated: 3, Stale: 1},
	}, Read: 18, Rejected: 1, Files: 2}
	var buf bytes.Buffer
	if err := st.Print(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"TYPE", "Observation  10", "Patient      2", "Total        12       3        1          1",
		"read 18 entries from 2 files", "1 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "Observation") > strings.Index(out, "Patient") {
		t.Errorf("types not sorted:\n%s", out)
	}
}
