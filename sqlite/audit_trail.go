package sqlite

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/lifeboat-health/lifeboat"
)

// AuditFileName is the audit trail's database inside a data directory.
const AuditFileName = "audit.db"

// auditTrail is the audit trail's table: its own encrypted SQLite database
// (AuditFileName: Adiantum like the store, with a key derived from the
// store's; WAL with synchronous=FULL like the store). Events reach it
// through the audit log (audit_log.go), which makes them durable first and
// applies them here in large transactions.
//
// Why a file of its own: an apply is a large transaction. In the store it
// would hold up the single writer (feeds, imports) for as long, and, as
// every commit in WAL mode does, make every reader drop its page cache.
// (Before the log, when each request committed its own event to the store,
// that emptied the readers' caches thousands of times a second.) Its own
// file also has 4 KiB pages, which make the index leaves an apply rewrites
// cheaper to write.
type auditTrail struct {
	dir  string
	key  []byte
	read *sql.DB

	mu   sync.Mutex // the writing connection and its statements
	conn *sqlite3.Conn
	// begin, insert, setState, commit and rollback are prepared once.
	begin, insert, setState, commit, rollback *sqlite3.Stmt

	logMu  sync.Mutex
	log    *auditLog // opened on first use (logger)
	closed bool
}

// auditSchema is the trail's schema (user_version 1).
const auditSchema = `
CREATE TABLE audit (
	id         INTEGER PRIMARY KEY,
	time       INTEGER NOT NULL,
	user       TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	patient_id TEXT    NOT NULL DEFAULT '',
	query      TEXT    NOT NULL DEFAULT '',
	address    TEXT    NOT NULL DEFAULT '',
	outcome    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_time ON audit(time);
CREATE INDEX audit_patient ON audit(patient_id, time);
CREATE INDEX audit_user ON audit(user, time);
-- How far into the audit log its events are in the table.
CREATE TABLE audit_state (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	applied INTEGER NOT NULL
);
INSERT INTO audit_state(id, applied) VALUES(1, 0);
PRAGMA user_version=1;`

const auditColumns = `id, time, user, action, patient_id, query, address, outcome`

// openAudit opens (creating if needed) the audit trail in dir, and moves
// into it the rows of the audit table that stores before migration 7 kept
// in the store itself (main is the store's writing connection, before its
// migrations run; migration 7 then drops that table).
func openAudit(dir string, key []byte, main *sqlite3.Conn) (_ *auditTrail, err error) {
	k, err := hkdf.Key(sha256.New, key, nil, "lifeboat audit v1", KeySize)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit key: %w", err)
	}
	uri := "file:" + filepath.ToSlash(filepath.Join(dir, AuditFileName)) + "?vfs=adiantum&hexkey=" + hex.EncodeToString(k)
	a := &auditTrail{dir: dir, key: key}
	if a.conn, err = sqlite3.Open(uri); err != nil {
		return nil, fmt.Errorf("sqlite: open audit trail: %w", err)
	}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	// The cache holds the pages a large apply changes (audit_log.go).
	if err := a.conn.Exec(`PRAGMA busy_timeout=10000; PRAGMA temp_store=memory; PRAGMA cache_size=-65536;`); err != nil {
		return nil, fmt.Errorf("sqlite: configure audit trail: %w", err)
	}
	if err := a.conn.Exec(`SELECT count(*) FROM sqlite_schema`); err != nil {
		if errors.Is(err, sqlite3.NOTADB) {
			return nil, lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "the audit trail in this directory does not belong to this store's key")
		}
		return nil, fmt.Errorf("sqlite: read audit trail: %w", err)
	}
	// 4 KiB pages (fixed when the file is created), the VFS's block: the
	// index leaves an apply changes are small to write.
	if err := a.conn.Exec(`PRAGMA page_size=4096; PRAGMA journal_mode=wal; PRAGMA synchronous=full;`); err != nil {
		return nil, fmt.Errorf("sqlite: configure audit trail: %w", err)
	}
	if v, err := userVersion(a.conn); err != nil {
		return nil, err
	} else if v == 0 {
		if err := a.conn.Exec("BEGIN IMMEDIATE;" + auditSchema + "COMMIT;"); err != nil {
			a.conn.Exec(`ROLLBACK`)
			return nil, fmt.Errorf("sqlite: create audit trail: %w", err)
		}
	}
	if err := moveLegacyAudit(main, a.conn); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s   **sqlite3.Stmt
		sql string
	}{
		{&a.begin, `BEGIN IMMEDIATE`},
		{&a.insert, `INSERT OR IGNORE INTO audit(` + auditColumns + `) VALUES(?,?,?,?,?,?,?,?)`},
		{&a.setState, `UPDATE audit_state SET applied=? WHERE id=1`},
		{&a.commit, `COMMIT`},
		{&a.rollback, `ROLLBACK`},
	} {
		if *p.s, _, err = a.conn.Prepare(p.sql); err != nil {
			return nil, fmt.Errorf("sqlite: prepare audit trail: %w", err)
		}
	}
	if a.read, err = sql.Open("sqlite3", uri+"&_pragma=busy_timeout(10000)&_pragma=query_only(1)&_txlock=deferred"); err != nil {
		return nil, fmt.Errorf("sqlite: open audit readers: %w", err)
	}
	a.read.SetMaxOpenConns(2)
	a.read.SetConnMaxIdleTime(5 * time.Minute)
	return a, nil
}

// logger returns the audit log, opening it (and applying what a crash left
// in it) on first use.
func (a *auditTrail) logger() (*auditLog, error) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	if a.closed {
		return nil, errClosed
	}
	if a.log == nil {
		l, err := openAuditLog(a.dir, a.key, a)
		if err != nil {
			return nil, err
		}
		a.log = l
	}
	return a.log, nil
}

// sync applies to the table every event in the log. When another process
// records the trail, it is that process that applies them, within
// auditApplyEvery.
func (a *auditTrail) sync(ctx context.Context) error {
	l, err := a.logger()
	if lifeboat.ErrorCode(err) == lifeboat.ECONFLICT {
		return nil
	} else if err != nil {
		return err
	}
	return l.sync(ctx)
}

// close applies and closes the log, then closes the trail.
func (a *auditTrail) close() error {
	a.logMu.Lock()
	var lerr error
	if a.log != nil {
		lerr = a.log.close()
	}
	a.closed = true
	a.logMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range []*sqlite3.Stmt{a.begin, a.insert, a.setState, a.commit, a.rollback} {
		if s != nil {
			s.Close()
		}
	}
	cerr := a.conn.Close()
	var rerr error
	if a.read != nil {
		rerr = a.read.Close()
	}
	return errors.Join(lerr, cerr, rerr)
}

// state returns how far into the log the table is, and the highest id in
// the table.
func (a *auditTrail) state() (applied, maxID int64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	stmt, _, err := a.conn.Prepare(`SELECT (SELECT applied FROM audit_state WHERE id=1), coalesce((SELECT max(id) FROM audit), 0)`)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: audit state: %w", err)
	}
	defer stmt.Close()
	if !stmt.Step() {
		return 0, 0, fmt.Errorf("sqlite: audit state: %w", stmt.Err())
	}
	return stmt.ColumnInt64(0), stmt.ColumnInt64(1), nil
}

// apply inserts events (an event whose id is there already is left alone)
// and records the log offset applied, in one transaction.
func (a *auditTrail) apply(events []lifeboat.AuditEvent, applied int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.begin.Exec(); err != nil {
		return fmt.Errorf("sqlite: audit: begin: %w", err)
	}
	err := func() error {
		for i := range events {
			e := &events[i]
			a.insert.BindInt64(1, e.ID)
			a.insert.BindInt64(2, millis(e.Time))
			for j, v := range [...]string{e.User, e.Action, e.PatientID, e.Query, e.Address, e.Outcome} {
				a.insert.BindText(3+j, v)
			}
			if err := a.insert.Exec(); err != nil {
				return err
			}
		}
		a.setState.BindInt64(1, applied)
		if err := a.setState.Exec(); err != nil {
			return err
		}
		return a.commit.Exec()
	}()
	if err != nil {
		a.rollback.Exec()
		return fmt.Errorf("sqlite: audit: apply: %w", err)
	}
	return nil
}

// setApplied records how far into the log the table is.
func (a *auditTrail) setApplied(off int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.setState.BindInt64(1, off)
	if err := a.setState.Exec(); err != nil {
		return fmt.Errorf("sqlite: audit state: %w", err)
	}
	return nil
}

// checkpoint copies the trail's WAL into its file and truncates it.
func (a *auditTrail) checkpoint() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.conn.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sqlite: checkpoint audit trail: %w", err)
	}
	return nil
}

func userVersion(conn *sqlite3.Conn) (int, error) {
	stmt, _, err := conn.Prepare(`PRAGMA user_version`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	defer stmt.Close()
	stmt.Step()
	return stmt.ColumnInt(0), stmt.Err()
}

// moveLegacyAudit copies the rows of the store's own audit table, if it
// still has one, into the trail, keeping their ids. The copy commits before
// migration 7 drops the table, and copying again skips the ids already
// there, so a crash in between loses or doubles nothing.
func moveLegacyAudit(main, trail *sqlite3.Conn) (err error) {
	probe, _, err := main.Prepare(`SELECT 1 FROM sqlite_schema WHERE type='table' AND name='audit'`)
	if err != nil {
		return fmt.Errorf("sqlite: find old audit table: %w", err)
	}
	found := probe.Step()
	if err := errors.Join(probe.Err(), probe.Close()); err != nil {
		return fmt.Errorf("sqlite: find old audit table: %w", err)
	}
	if !found {
		return nil
	}
	src, _, err := main.Prepare(`SELECT ` + auditColumns + ` FROM audit ORDER BY id`)
	if err != nil {
		return fmt.Errorf("sqlite: read old audit table: %w", err)
	}
	defer src.Close()
	dst, _, err := trail.Prepare(`INSERT OR IGNORE INTO audit(` + auditColumns + `) VALUES(?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("sqlite: move audit: %w", err)
	}
	defer dst.Close()
	if err := trail.Exec(`BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("sqlite: move audit: %w", err)
	}
	defer func() {
		if err != nil {
			trail.Exec(`ROLLBACK`)
		}
	}()
	for src.Step() {
		dst.BindInt64(1, src.ColumnInt64(0))
		dst.BindInt64(2, src.ColumnInt64(1))
		for i := 2; i < 8; i++ {
			dst.BindText(i+1, src.ColumnText(i))
		}
		if err := dst.Exec(); err != nil {
			return fmt.Errorf("sqlite: move audit: %w", err)
		}
	}
	if err := src.Err(); err != nil {
		return fmt.Errorf("sqlite: read old audit table: %w", err)
	}
	if err := trail.Exec(`COMMIT`); err != nil {
		return fmt.Errorf("sqlite: move audit: %w", err)
	}
	return nil
}
