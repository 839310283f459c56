package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// AddAudit appends an event to the audit trail and returns nil only once
// the event is durable: written to the audit log (audit.log, sealed with a
// key derived from the database key) and the log synced to disk with
// fdatasync, the same sync SQLite gives the store's WAL at each commit
// (synchronous=FULL). A crash after that cannot lose the event: reopening
// the store applies whatever the log holds that the trail's table
// (audit.db) does not. Concurrent calls share one write and one sync, but
// each waits for the sync that covers its own event and returns that
// sync's error, so a caller that shows PHI only after a nil error (http's
// mustAudit) never shows it unrecorded. e.ID is set on success.
//
// Only one process at a time records the trail of a data directory; in any
// other, AddAudit fails with ECONFLICT (and the access is refused).
func (db *DB) AddAudit(ctx context.Context, e *lifeboat.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = db.now()
	}
	l, err := db.audit.logger()
	if err != nil {
		return err
	}
	return l.do(ctx, e)
}

// AuditEvents returns audit events matching f, newest first: every event
// recorded, the ones still only in the audit log applied first. When
// another process records the trail (a server, while a command reads it),
// its events show once it has applied them: when it is idle for a second,
// and at least every minute.
func (db *DB) AuditEvents(ctx context.Context, f lifeboat.AuditFilter) ([]*lifeboat.AuditEvent, error) {
	if err := db.audit.sync(ctx); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	for col, v := range map[string]string{"user": f.User, "patient_id": f.PatientID, "action": f.Action} {
		if v != "" {
			where = append(where, col+"=?")
			args = append(args, v)
		}
	}
	q := `SELECT ` + auditColumns + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q += fmt.Sprintf(` ORDER BY time DESC, id DESC LIMIT %d`, limit)
	rows, err := db.audit.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.AuditEvent
	for rows.Next() {
		var e lifeboat.AuditEvent
		var t int64
		if err := rows.Scan(&e.ID, &t, &e.User, &e.Action, &e.PatientID, &e.Query, &e.Address, &e.Outcome); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		e.Time = fromMillis(t)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// AddReject keeps input that could not be accepted.
func (db *DB) AddReject(ctx context.Context, r *lifeboat.Reject) error {
	if r.Received.IsZero() {
		r.Received = db.now()
	}
	return db.w.do(ctx, func(tx *wtx) error {
		err := tx.exec(`INSERT INTO rejects(received, source_kind, source_name, source_ref, reason, raw) VALUES(?,?,?,?,?,?)`,
			millis(r.Received), r.Source.Kind, r.Source.Name, r.Source.Ref, r.Reason, r.Raw)
		if err == nil {
			r.ID = tx.lastInsertID()
		}
		return err
	}, false)
}

// Rejects returns the most recent rejects, newest first.
func (db *DB) Rejects(ctx context.Context, limit int) ([]*lifeboat.Reject, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, received, source_kind, source_name, source_ref, reason, raw FROM rejects ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: rejects: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.Reject
	for rows.Next() {
		var r lifeboat.Reject
		var t int64
		if err := rows.Scan(&r.ID, &t, &r.Source.Kind, &r.Source.Name, &r.Source.Ref, &r.Reason, &r.Raw); err != nil {
			return nil, fmt.Errorf("sqlite: rejects: %w", err)
		}
		r.Received = fromMillis(t)
		out = append(out, &r)
	}
	return out, rows.Err()
}

// CountRejects returns how many rejects are kept.
func (db *DB) CountRejects(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM rejects`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count rejects: %w", err)
	}
	return n, nil
}

var (
	_ lifeboat.AuditStore  = (*DB)(nil)
	_ lifeboat.RejectStore = (*DB)(nil)
)
