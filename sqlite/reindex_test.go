package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TestReindex: resources indexed by an older rule are indexed again by
// the current one, in their columns and search terms, and the cache does
// not keep the old index; a second run changes nothing.
func TestReindex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := lifeboat.Source{Kind: "test", Name: "reindex"}
	obs := &lifeboat.Resource{Type: "Observation", ID: "o1", JSON: []byte(`{"resourceType":"Observation","id":"o1"}`), Source: src,
		Index: lifeboat.Index{Patient: "p1"}} // indexed without its code and date
	pat := &lifeboat.Resource{Type: "Patient", ID: "p1", JSON: []byte(`{"resourceType":"Patient","id":"p1"}`), Source: src,
		Index: lifeboat.Index{Patient: "p1", Names: []string{"ann oldname"}, Identifiers: []lifeboat.Identifier{{System: "urn:mrn", Value: "M1"}}}}
	gone := &lifeboat.Resource{Type: "Observation", ID: "o2", JSON: []byte(`{"resourceType":"Observation","id":"o2"}`), Source: src, Deleted: true}
	if _, err := db.PutResources(ctx, []*lifeboat.Resource{obs, pat, gone}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Resource(ctx, "Observation", "o1"); err != nil { // cached now
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	current := func(r *lifeboat.Resource) (lifeboat.Index, error) {
		switch r.ID {
		case "o1":
			return lifeboat.Index{Patient: "p1", Code: "http://loinc.org|2951-2", Date: when}, nil
		case "p1":
			return lifeboat.Index{Patient: "p1", Names: []string{"ann newname"}, Identifiers: []lifeboat.Identifier{{System: "urn:mrn", Value: "M1"}}}, nil
		}
		t.Errorf("a tombstone was indexed: %s", r.ID)
		return lifeboat.Index{}, nil
	}
	st, err := db.Reindex(ctx, current)
	if err != nil {
		t.Fatal(err)
	}
	if st != (ReindexStats{Read: 2, Changed: 2}) {
		t.Fatalf("first run: %+v", st)
	}
	r, err := db.Resource(ctx, "Observation", "o1")
	if err != nil || r.Index.Code != "http://loinc.org|2951-2" || !r.Index.Date.Equal(when) {
		t.Fatalf("after reindex: %+v, %v", r, err)
	}
	if ps, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Name: "newname"}); len(ps) != 1 {
		t.Fatalf("search by the new name found %d", len(ps))
	}
	if ps, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Name: "oldname"}); len(ps) != 0 {
		t.Fatal("the old name is still searchable")
	}
	if ps, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Identifier: "M1"}); len(ps) != 1 {
		t.Fatal("the identifier was lost")
	}
	if st, err := db.Reindex(ctx, current); err != nil || st != (ReindexStats{Read: 2}) {
		t.Fatalf("second run: %+v, %v", st, err)
	}
}
