package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// observationJSON is a typical laboratory Observation of about 1.2 KB.
func observationJSON(i int) []byte {
	return []byte(fmt.Sprintf(`{"resourceType":"Observation","id":"obs-%d","meta":{"versionId":"1","lastUpdated":"2026-11-20T10:00:00Z"},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2823-3","display":"Potassium [Moles/volume] in Serum or Plasma"}],"text":"Potassium"},"subject":{"reference":"Patient/pat-%d"},"encounter":{"reference":"Encounter/enc-%d"},"effectiveDateTime":"2026-11-20T06:%02d:00Z","issued":"2026-11-20T07:%02d:00.000Z","valueQuantity":{"value":%d.%d,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N","display":"Normal"}]}],"referenceRange":[{"low":{"value":3.5,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"high":{"value":5.1,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},"text":"3.5-5.1 mmol/L"}],"performer":[{"reference":"Organization/lab-1","display":"Lifeboat General Laboratory"}],"note":[{"text":"Specimen slightly hemolyzed; result may be falsely elevated. Repeat if clinically indicated."}]}`,
		i, i%10000, i%10000, i%60, i%60, 3+i%3, i%10))
}

// BenchmarkPutResources measures batched writes of typical resources into
// the encrypted store (compression, encryption, WAL with fsync per batch).
func BenchmarkPutResources(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir(), newKey(b))
	defer db.Close()
	const batch = 1000
	at := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	rs := make([]*lifeboat.Resource, batch)
	var bytes int64
	for i := range rs {
		js := observationJSON(i)
		bytes += int64(len(js))
		rs[i] = &lifeboat.Resource{Type: "Observation", JSON: js, SourceVersion: "1", LastUpdated: at,
			Source: lifeboat.Source{Kind: "file", Name: "bench"},
			Index:  lifeboat.Index{Patient: fmt.Sprintf("pat-%d", i%10000), Status: "final", Category: "laboratory", Code: "http://loinc.org|2823-3", Date: at}}
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for i := range rs {
			rs[i].ID = fmt.Sprintf("obs-%d", n)
			n++
		}
		if _, err := db.PutResources(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
