package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// AddAudit appends an event to the audit trail.
func (db *DB) AddAudit(ctx context.Context, e *lifeboat.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = db.now()
	}
	return db.w.do(ctx, func(tx *wtx) error {
		err := tx.exec(`INSERT INTO audit(time, user, action, patient_id, query, address, outcome) VALUES(?,?,?,?,?,?,?)`,
			millis(e.Time), e.User, e.Action, e.PatientID, e.Query, e.Address, e.Outcome)
		if err == nil {
			e.ID = tx.lastInsertID()
		}
		return err
	}, false)
}

// AuditEvents returns audit events matching f, newest first.
func (db *DB) AuditEvents(ctx context.Context, f lifeboat.AuditFilter) ([]*lifeboat.AuditEvent, error) {
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
	q := `SELECT id, time, user, action, patient_id, query, address, outcome FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q += fmt.Sprintf(` ORDER BY time DESC, id DESC LIMIT %d`, limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
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
