package sqlite

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ncruces/go-sqlite3"

	"github.com/lifeboat-health/lifeboat"
)

// TestAuditMovedOutOfStore opens a store made before migration 7, whose
// audit trail was a table of the store: its events move to the trail with
// their ids, the table is dropped, and new events follow them.
func TestAuditMovedOutOfStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := make([]byte, KeySize)
	key[0] = 7
	conn, err := sqlite3.Open("file:" + filepath.ToSlash(filepath.Join(dir, FileName)) + "?vfs=adiantum&hexkey=" + hex.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(`PRAGMA page_size=16384; PRAGMA journal_mode=wal;`); err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(files)
	for _, f := range files {
		if filepath.Base(f) >= "0007" {
			break
		}
		body, _ := migrations.ReadFile(f)
		if err := conn.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if err := conn.Exec(`PRAGMA user_version=6`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		q := fmt.Sprintf(`INSERT INTO audit(id, time, user, action, patient_id, query, address, outcome)
			VALUES(%d, %d, 'old%d', 'chart.view', 'p%d', '', '10.0.0.%d', 'ok')`, i*10, 1700000000000+i, i, i, i)
		if err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()

	db, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.AuditEvents(ctx, lifeboat.AuditFilter{})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	if e := evs[0]; e.ID != 30 || e.User != "old3" || e.PatientID != "p3" || e.Address != "10.0.0.3" || e.Time.UnixMilli() != 1700000000003 {
		t.Fatalf("%+v", e)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name='audit'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the store still has its audit table: %d, %v", n, err)
	}
	e := &lifeboat.AuditEvent{User: "new", Action: lifeboat.AuditLogin}
	if err := db.AddAudit(ctx, e); err != nil || e.ID != 31 {
		t.Fatalf("new event: id %d, %v", e.ID, err)
	}
}
