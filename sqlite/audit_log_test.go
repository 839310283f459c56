package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// FuzzDecodeAuditEvents: decoding never panics, and what an event encodes
// to decodes back to it.
func FuzzDecodeAuditEvents(f *testing.F) {
	e := &lifeboat.AuditEvent{ID: 42, Time: time.UnixMilli(1767225600123).UTC(), User: "nurse", Action: lifeboat.AuditFHIRRead,
		PatientID: "p1", Query: "Patient/p1", Address: "10.0.0.1", Outcome: "ok"}
	f.Add(appendAuditEvent(nil, e), 1)
	f.Add(appendAuditEvent(appendAuditEvent(nil, e), &lifeboat.AuditEvent{}), 2)
	f.Add([]byte{0x02, 0x80}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 64 {
			return
		}
		es, rest, err := decodeAuditEvents(b, n)
		if err != nil {
			return
		}
		var again []byte
		for i := range es {
			again = appendAuditEvent(again, &es[i])
		}
		if string(again)+string(rest) != string(b) && len(es) > 0 {
			// Varints have one shortest form; anything else need not
			// round-trip byte for byte, but must decode the same.
			es2, _, err := decodeAuditEvents(again, n)
			if err != nil || len(es2) != len(es) || es2[0] != es[0] {
				t.Fatalf("re-encoded events decode differently: %v", err)
			}
		}
	})
}

// TestAuditFailClosed: when the log cannot be written, AddAudit fails (so
// the access it records is refused), the event gets no id, and the events
// already acknowledged are kept.
func TestAuditFailClosed(t *testing.T) {
	ctx := context.Background()
	key := make([]byte, KeySize)
	db, err := Open(ctx, t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ok := &lifeboat.AuditEvent{User: "a", Action: lifeboat.AuditChartView, PatientID: "p1"}
	if err := db.AddAudit(ctx, ok); err != nil {
		t.Fatal(err)
	}
	l, err := db.audit.logger()
	if err != nil {
		t.Fatal(err)
	}
	l.f.Close() // every write fails from now on
	e := &lifeboat.AuditEvent{User: "a", Action: lifeboat.AuditChartView, PatientID: "p2"}
	if err := db.AddAudit(ctx, e); err == nil || e.ID != 0 {
		t.Fatalf("AddAudit with a broken log: id %d, %v", e.ID, err)
	}
	evs, err := db.AuditEvents(ctx, lifeboat.AuditFilter{})
	if err != nil || len(evs) != 1 || evs[0].ID != ok.ID {
		t.Fatalf("%v %v", evs, err)
	}
}
