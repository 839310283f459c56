package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestSyncState(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	db := openDB(t, dir, key)
	if _, err := db.SyncState(ctx, "ehr"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("state before any sync: %v, want ENOTFOUND", err)
	}
	since := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	want := &lifeboat.SyncState{
		Source: "ehr", URL: "http://ehr.example/fhir", Since: since,
		Job: "http://ehr.example/fhir/$export-poll-status?job=7", Done: []string{"http://ehr.example/out/1.ndjson"},
		LastError: "status 503", Total: 42,
	}
	if err := db.PutSyncState(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.Job, want.Done, want.LastError = "", nil, "" // an update replaces the whole state
	if err := db.PutSyncState(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSyncState(ctx, &lifeboat.SyncState{Source: "archive"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSyncState(ctx, &lifeboat.SyncState{}); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("state without a source: %v, want EINVALID", err)
	}
	db.Close()

	db = openDB(t, dir, key) // durable across a reopen
	got, err := db.SyncState(ctx, "ehr")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != want.URL || !got.Since.Equal(since) || got.Job != "" || len(got.Done) != 0 || got.LastError != "" || got.Total != 42 {
		t.Fatalf("state after reopen = %+v, want %+v", got, want)
	}
	all, err := db.SyncStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Source != "archive" || all[1].Source != "ehr" {
		t.Fatalf("SyncStates = %+v, want archive then ehr", all)
	}
}

// A source is synced by one holder of its lock at a time.
func TestLockSync(t *testing.T) {
	dir, key := t.TempDir(), newKey(t)
	a, b := openDB(t, dir, key), openDB(t, dir, key)
	release, err := a.LockSync("ehr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.LockSync("ehr"); lifeboat.ErrorCode(err) != lifeboat.ECONFLICT {
		t.Errorf("a second holder of the lock: %v, want ECONFLICT", err)
	}
	if r, err := b.LockSync("other source"); err != nil {
		t.Errorf("another source's lock: %v", err)
	} else {
		r()
	}
	release()
	if r, err := b.LockSync("ehr"); err != nil {
		t.Errorf("after release: %v", err)
	} else {
		r()
	}
}
