package integration

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/chart"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// openStore opens a fresh encrypted store in a temporary directory.
func openStore(t testing.TB) (*sqlite.DB, string) {
	t.Helper()
	dir := t.TempDir()
	key := make([]byte, sqlite.KeySize)
	rand.Read(key)
	db, err := sqlite.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

// loadHospital writes the demo hospital into db and returns how many
// resources it wrote.
func loadHospital(t testing.TB, db *sqlite.DB, opts simulate.Options) int {
	t.Helper()
	ctx := context.Background()
	var batch []*lifeboat.Resource
	n := 0
	flush := func() {
		if _, err := db.PutResources(ctx, batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	err := simulate.Generate(opts, func(typ, id string, js []byte) error {
		idx, err := fhir.Index(typ, js)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", typ, id, err)
		}
		batch = append(batch, &lifeboat.Resource{Type: typ, ID: id, JSON: js, Received: opts.Now, LastUpdated: opts.Now,
			Source: lifeboat.Source{Kind: "demo", Name: "demo hospital"}, Index: idx})
		n++
		if len(batch) == 2000 {
			flush()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flush()
	return n
}

// hospitalNow is the fixed "now" of the integration tests.
var hospitalNow = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

func newService(db *sqlite.DB, now time.Time) *chart.Service {
	return &chart.Service{Store: db, Sources: db, Now: func() time.Time { return now }, StaleAfter: time.Hour, Location: time.UTC}
}

func demoOptions(patients int) simulate.Options {
	return simulate.Options{Seed: 11, Now: hospitalNow, Patients: patients}
}
