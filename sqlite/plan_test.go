package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TestQueryPlans checks that the view queries use the index they were
// written for: a scan of another index is correct but slow on a big store.
func TestQueryPlans(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir(), make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		f    lifeboat.ResourceFilter
		want string
	}{
		{lifeboat.ResourceFilter{Type: "MedicationRequest", Patient: "p", Status: []string{"active"}}, "resources_patient (patient=? AND type=?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Patient: "p", Since: time.Now()}, "resources_patient (patient=? AND type=? AND date>?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Patient: "p", Code: "s|c", Limit: 5}, "resources_patient (patient=? AND type=?)"},
		{lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}}, "resources_type_status (type=? AND status=?)"},
		{lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}, Locations: []string{"b1", "b2"}}, "resources_location (location=? AND type=?)"},
	} {
		q, args := resourcesQuery(c.f)
		rows, err := db.read.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, c.want) {
			t.Errorf("%+v: plan %q, want %q", c.f, got, c.want)
		}
	}
}
