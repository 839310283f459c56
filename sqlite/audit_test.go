package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// TestAuditTrail: events come back newest first, by filter, with their ids,
// as soon as AddAudit returned.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var ids []int64
	for i, e := range []lifeboat.AuditEvent{
		{User: "ana", Action: lifeboat.AuditChartView, PatientID: "p1", Address: "10.0.0.1", Outcome: "ok"},
		{User: "ben", Action: lifeboat.AuditFHIRRead, PatientID: "p1", Query: "Patient/p1", Outcome: "ok"},
		{User: "ana", Action: lifeboat.AuditSearch, Query: "smith", Outcome: "ok"},
		{User: "ana", Action: lifeboat.AuditChartView, PatientID: "p2", Outcome: "ok"},
	} {
		e.Time = t0.Add(time.Duration(i) * time.Minute)
		if err := db.AddAudit(ctx, &e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || (len(ids) > 0 && e.ID <= ids[len(ids)-1]) {
			t.Fatalf("event %d: id %d after %v", i, e.ID, ids)
		}
		ids = append(ids, e.ID)
	}
	check := func(f lifeboat.AuditFilter, want ...int64) {
		t.Helper()
		evs, err := db.AuditEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range evs {
			got = append(got, e.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%+v: got %v, want %v", f, got, want)
		}
	}
	check(lifeboat.AuditFilter{}, ids[3], ids[2], ids[1], ids[0])
	check(lifeboat.AuditFilter{PatientID: "p1"}, ids[1], ids[0])
	check(lifeboat.AuditFilter{User: "ana", Action: lifeboat.AuditChartView}, ids[3], ids[0])
	check(lifeboat.AuditFilter{Limit: 1}, ids[3])
	evs, _ := db.AuditEvents(ctx, lifeboat.AuditFilter{User: "ben"})
	if e := evs[0]; e.Query != "Patient/p1" || !e.Time.Equal(t0.Add(time.Minute)) || e.Outcome != "ok" || e.Action != lifeboat.AuditFHIRRead {
		t.Fatalf("%+v", e)
	}
}

// TestAuditConcurrent records events from many goroutines while the trail
// is read: every event acknowledged is there, once, with a distinct id.
func TestAuditConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	var wg sync.WaitGroup
	ids := make([][]int64, 16)
	for g := range ids {
		wg.Go(func() {
			for i := range 50 {
				e := &lifeboat.AuditEvent{User: fmt.Sprintf("u%d", g), Action: lifeboat.AuditFHIRRead, PatientID: fmt.Sprintf("p%d", i)}
				if err := db.AddAudit(ctx, e); err != nil {
					t.Error(err)
					return
				}
				ids[g] = append(ids[g], e.ID)
				if i%10 == 0 {
					if _, err := db.AuditEvents(ctx, lifeboat.AuditFilter{User: e.User, Limit: 5}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	evs, err := db.AuditEvents(ctx, lifeboat.AuditFilter{Limit: 5000})
	if err != nil || len(evs) != 16*50 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	seen := map[int64]bool{}
	for _, e := range evs {
		seen[e.ID] = true
	}
	for _, g := range ids {
		for _, id := range g {
			if !seen[id] {
				t.Fatalf("acknowledged event %d is missing", id)
			}
		}
	}
	if len(seen) != 16*50 {
		t.Fatalf("%d distinct ids", len(seen))
	}
}

// TestAuditCrash copies the data directory while events are still only in
// the audit log, as a crash would leave it, with a torn record after them:
// the copy has every acknowledged event, and goes on from there.
func TestAuditCrash(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	db := openDB(t, dir, key)
	defer db.Close()
	for i := range 20 {
		if err := db.AddAudit(ctx, &lifeboat.AuditEvent{User: "nurse", Action: lifeboat.AuditChartView, PatientID: fmt.Sprintf("p%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	crashed := t.TempDir()
	for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.AuditFileName, sqlite.AuditFileName + "-wal", sqlite.AuditLogFileName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if name == sqlite.AuditLogFileName {
			b = append(b[:len(b):len(b)], 0x30, 0, 0, 0, 1, 2, 3) // a torn record
		}
		if err := os.WriteFile(filepath.Join(crashed, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db2 := openDB(t, crashed, key)
	defer db2.Close()
	evs, err := db2.AuditEvents(ctx, lifeboat.AuditFilter{User: "nurse"})
	if err != nil || len(evs) != 20 {
		t.Fatalf("after the crash: %d events, %v", len(evs), err)
	}
	e := &lifeboat.AuditEvent{User: "nurse", Action: lifeboat.AuditLogout}
	if err := db2.AddAudit(ctx, e); err != nil || e.ID <= evs[0].ID {
		t.Fatalf("event after the crash: id %d after %d, %v", e.ID, evs[0].ID, err)
	}
	if evs, _ := db2.AuditEvents(ctx, lifeboat.AuditFilter{User: "nurse"}); len(evs) != 21 {
		t.Fatalf("%d events", len(evs))
	}
}

// TestAuditReopen: events are kept across a clean close, and recording
// after Close fails rather than losing the event.
func TestAuditReopen(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	db := openDB(t, dir, key)
	if err := db.AddAudit(ctx, &lifeboat.AuditEvent{User: "a", Action: lifeboat.AuditLogin}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAudit(ctx, &lifeboat.AuditEvent{User: "a", Action: lifeboat.AuditLogout}); err == nil {
		t.Fatal("AddAudit after Close succeeded")
	}
	db = openDB(t, dir, key)
	defer db.Close()
	if evs, err := db.AuditEvents(ctx, lifeboat.AuditFilter{}); err != nil || len(evs) != 1 || evs[0].Action != lifeboat.AuditLogin {
		t.Fatalf("%v %v", evs, err)
	}
}

// TestAuditOneProcess: a second handle on the same data directory (as a
// second process would have) cannot record the trail while the first one
// does, and says why.
func TestAuditOneProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock: run one server per data directory")
	}
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	db := openDB(t, dir, key)
	defer db.Close()
	if err := db.AddAudit(ctx, &lifeboat.AuditEvent{User: "a", Action: lifeboat.AuditLogin}); err != nil {
		t.Fatal(err)
	}
	other := openDB(t, dir, key)
	defer other.Close()
	if err := other.AddAudit(ctx, &lifeboat.AuditEvent{User: "b", Action: lifeboat.AuditLogin}); lifeboat.ErrorCode(err) != lifeboat.ECONFLICT {
		t.Fatalf("second recorder: %v", err)
	}
	if _, err := other.AuditEvents(ctx, lifeboat.AuditFilter{}); err != nil {
		t.Fatalf("reading while another records: %v", err)
	}
}
