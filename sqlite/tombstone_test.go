package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// A deletion at the source is stored as a tombstone that hides the resource
// and that older versions arriving late cannot undo.
func TestTombstone(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	put := func(r *lifeboat.Resource) lifeboat.PutOutcome {
		t.Helper()
		out, err := db.PutResources(ctx, []*lifeboat.Resource{r})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	tomb := func(id string, at time.Time) *lifeboat.Resource {
		return &lifeboat.Resource{Type: "Patient", ID: id, Deleted: true, LastUpdated: at,
			Source: lifeboat.Source{Kind: "bulk", Name: "ehr"}}
	}
	put(patient("p1", "Doe", "Jane", "M1", t0, "1"))
	if got := put(tomb("p1", t0.Add(time.Hour))); got != lifeboat.Updated {
		t.Fatalf("tombstone over a stored version = %v, want updated", got)
	}
	r, err := db.Resource(ctx, "Patient", "p1")
	if err != nil || !r.Deleted {
		t.Fatalf("after deletion: %+v, %v; want a tombstone", r, err)
	}
	if rs, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Identifier: "M1"}); len(rs) != 0 {
		t.Errorf("a deleted patient is still found by MRN")
	}
	if rs, _ := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Patient"}); len(rs) != 0 {
		t.Errorf("a deleted patient is still listed")
	}
	if got := put(patient("p1", "Doe", "Jane", "M1", t0.Add(time.Minute), "2")); got != lifeboat.Stale {
		t.Errorf("an older version after the deletion = %v, want stale", got)
	}
	if got := put(tomb("p1", t0.Add(time.Hour))); got != lifeboat.Unchanged {
		t.Errorf("the same deletion again = %v, want unchanged", got)
	}
	if got := put(tomb("p9", t0)); got != lifeboat.Created {
		t.Errorf("deletion of an unknown resource = %v, want created (a tombstone)", got)
	}
	if got := put(patient("p9", "Roe", "Ann", "M9", t0.Add(-time.Minute), "1")); got != lifeboat.Stale {
		t.Errorf("a version older than a tombstone = %v, want stale", got)
	}
	if got := put(patient("p1", "Doe", "Jane", "M1", t0.Add(2*time.Hour), "3")); got != lifeboat.Updated {
		t.Errorf("a newer version after a deletion = %v, want updated (recreated)", got)
	}
	if rs, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Identifier: "M1"}); len(rs) != 1 {
		t.Errorf("a recreated patient is not found by MRN")
	}
}
