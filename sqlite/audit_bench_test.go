package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// BenchmarkAddAudit records FHIR-read audit events from 64 concurrent
// callers, each waiting until its own event is durable, as the API's
// requests do, and reports events per second and the process's CPU time
// per event.
func BenchmarkAddAudit(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir(), newKey(b))
	defer db.Close()
	const callers = 64
	var (
		left    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		failed  error
	)
	left.Store(int64(b.N))
	cpu0 := cpuTime()
	start := time.Now()
	for c := range callers {
		wg.Go(func() {
			for i := c; left.Add(-1) >= 0; i += callers {
				e := &lifeboat.AuditEvent{Time: time.Now(), User: fmt.Sprintf("user%d", c%8), Action: lifeboat.AuditFHIRRead,
					PatientID: fmt.Sprintf("pat-%d", i%10000), Query: fmt.Sprintf("Patient/pat-%d", i%10000), Address: "127.0.0.1", Outcome: "ok"}
				if err := db.AddAudit(ctx, e); err != nil {
					errOnce.Do(func() { failed = err })
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed != nil {
		b.Fatal(failed)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
}

// BenchmarkAuditApply measures applying logged events to the trail's
// indexed table: batches of 65,536 FHIR-read events over 10,000 patients,
// as the applier does behind AddAudit. The trail grows by a batch each
// round; the cost of a batch depends mostly on how many index leaves it
// changes, which grows with the trail and the patients it spans.
func BenchmarkAuditApply(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir(), newKey(b))
	defer db.Close()
	const batch = 1 << 16
	var wg sync.WaitGroup
	for b.Loop() {
		b.StopTimer()
		for c := range 64 {
			wg.Go(func() {
				for i := c; i < batch; i += 64 {
					e := &lifeboat.AuditEvent{Time: time.Now(), User: "api", Action: lifeboat.AuditFHIRRead,
						PatientID: fmt.Sprintf("pat-%d", (i*7919)%10000), Address: "127.0.0.1", Outcome: "ok"}
					if err := db.AddAudit(ctx, e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StartTimer()
		if _, err := db.AuditEvents(ctx, lifeboat.AuditFilter{Limit: 1}); err != nil { // applies the batch
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/event")
}
