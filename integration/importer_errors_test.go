package integration

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/fhir/fhirtest"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// failStore fails every write.
type failStore struct{ *sqlite.DB }

var errDisk = errors.New("disk full")

func (failStore) PutResources(context.Context, []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	return nil, errDisk
}

func TestImportStoreError(t *testing.T) {
	dir := fhirtest.Fixtures(t)
	db, _ := openStore(t)
	im := &fhir.Importer{Store: failStore{db}, BatchSize: 1, Workers: 2}
	_, err := im.Import(context.Background(), []string{filepath.Join(dir, "bulk"), filepath.Join(dir, "bundles")})
	if !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want %v", err, errDisk)
	}
}

func TestImportCanceled(t *testing.T) {
	dir := fhirtest.Fixtures(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db, _ := openStore(t)
	_, err := (&fhir.Importer{Store: db}).Import(ctx, []string{filepath.Join(dir, "bulk")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestImportNoRejectStore(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.ndjson")
	if err := os.WriteFile(p, []byte("{bad\n{\"resourceType\":\"Basic\",\"id\":\"b1\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, _ := openStore(t)
	st, err := (&fhir.Importer{Store: db}).Import(context.Background(), []string{p})
	if err != nil || st.Rejected != 1 || st.Total().Created != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
}

func TestImportEmptyDir(t *testing.T) {
	db, _ := openStore(t)
	if _, err := (&fhir.Importer{Store: db}).Import(context.Background(), []string{t.TempDir()}); err == nil {
		t.Fatal("no error for a folder without inputs")
	}
}
