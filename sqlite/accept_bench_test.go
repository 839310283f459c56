package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// BenchmarkAcceptMessage measures one feed message committed alone with its
// resources (a report and 8 observations), as one connection sees it.
func BenchmarkAcceptMessage(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir(), newKey(b))
	defer db.Close()
	at := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	raw := hl7("X")
	n := 0
	for b.Loop() {
		rs := make([]*lifeboat.Resource, 9)
		for i := range rs {
			rs[i] = &lifeboat.Resource{Type: "Observation", ID: fmt.Sprintf("o%d-%d", n, i), JSON: observationJSON(n*9 + i), LastUpdated: at,
				Source: lifeboat.Source{Kind: "hl7v2", Name: "LAB^GH"},
				Index:  lifeboat.Index{Patient: fmt.Sprintf("pat-%d", n%500), Status: "final", Category: "laboratory", Code: "http://loinc.org|2823-3", Date: at}}
		}
		if _, err := db.AcceptMessage(ctx, &lifeboat.Message{Feed: "LAB^GH", ControlID: fmt.Sprint(n), Type: "ORU^R01", Raw: raw}, rs); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
