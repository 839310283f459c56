package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// AcceptMessage records m and writes rs in one transaction, so that when it
// returns the message and everything mapped from it are durable together
// (an acknowledgement may then be sent). A message whose feed and control
// id were applied before changes nothing and reports duplicate.
func (db *DB) AcceptMessage(ctx context.Context, m *lifeboat.Message, rs []*lifeboat.Resource) (bool, error) {
	now := db.now()
	if m.Received.IsZero() {
		m.Received = now
	}
	m.Status = lifeboat.MessageApplied
	m.Resources = len(rs)
	raw := db.codec.encode(nil, m.Raw)
	encs := db.encodeAll(rs)
	duplicate := false
	err := db.w.do(ctx, func(tx *wtx) (err error) {
		duplicate, err = applyMessage(tx, m, raw, encs, now)
		return err
	}, false)
	if err == nil && !duplicate && db.OnApplied != nil {
		db.OnApplied([]*lifeboat.Message{m})
	}
	return duplicate, err
}

// applyMessage records an applied message with its encoded resources in the
// current transaction and counts it for its feed. A message whose feed and
// control id were applied before changes nothing but the count, and
// reports duplicate.
func applyMessage(tx *wtx, m *lifeboat.Message, raw []byte, encs []encoded, now time.Time) (bool, error) {
	duplicate, err := insertMessage(tx, m, raw, len(encs))
	if err != nil {
		return false, err
	}
	if !duplicate {
		if _, err := putAll(tx, encs, now); err != nil {
			return false, err
		}
	}
	return duplicate, feedSeen(tx, m.Feed, 1, 0, m.Received, time.Time{})
}

// insertMessage records an applied message of n resources, unless its
// feed and control id were applied before (duplicate).
func insertMessage(tx *wtx, m *lifeboat.Message, raw []byte, n int) (duplicate bool, err error) {
	if err := tx.exec(`INSERT INTO messages(received, feed, control_id, type, remote, status, resources, raw) VALUES(?,?,?,?,?,?,?,?)
		ON CONFLICT(feed, control_id) WHERE status = 'applied' DO NOTHING`,
		millis(m.Received), m.Feed, m.ControlID, m.Type, m.Remote, lifeboat.MessageApplied, n, raw); err != nil {
		return false, err
	}
	if tx.changes() == 0 {
		return true, nil
	}
	m.ID, m.Resources = tx.lastInsertID(), n // n is known only now for a message queued unmapped
	return false, nil
}

// RejectMessage keeps a message that could not be parsed or mapped as a
// dead letter.
func (db *DB) RejectMessage(ctx context.Context, m *lifeboat.Message) error {
	if m.Received.IsZero() {
		m.Received = db.now()
	}
	m.Status = lifeboat.MessageRejected
	raw := db.codec.encode(nil, m.Raw)
	return db.w.do(ctx, func(tx *wtx) error {
		if err := insertRejected(tx, m, raw); err != nil {
			return err
		}
		return feedSeen(tx, m.Feed, 1, 1, m.Received, m.Received)
	}, false)
}

// insertRejected keeps a message as a dead letter, its raw bytes encoded.
func insertRejected(tx *wtx, m *lifeboat.Message, raw []byte) error {
	if err := tx.exec(`INSERT INTO messages(received, feed, control_id, type, remote, status, error, raw) VALUES(?,?,?,?,?,?,?,?)`,
		millis(m.Received), m.Feed, m.ControlID, m.Type, m.Remote, lifeboat.MessageRejected, m.Error, raw); err != nil {
		return err
	}
	m.ID = tx.lastInsertID()
	return nil
}

// feedSeen records n messages of a feed in its health, rejected of them
// rejected; last is when the latest arrived, lastErr when the latest
// rejected one did (zero for none).
func feedSeen(tx *wtx, feed string, n, rejected int, last, lastErr time.Time) error {
	errAt := int64(0)
	if !lastErr.IsZero() {
		errAt = millis(lastErr)
	}
	return tx.exec(`INSERT INTO feeds(feed, last_message, messages, rejected, last_error) VALUES(?,?,?,?,?)
		ON CONFLICT(feed) DO UPDATE SET last_message=max(last_message, excluded.last_message), messages=messages+excluded.messages,
		rejected=rejected+excluded.rejected, last_error=max(last_error, excluded.last_error)`,
		feed, millis(last), n, rejected, errAt)
}

// MarkReplayed records that a dead letter was replayed successfully.
func (db *DB) MarkReplayed(ctx context.Context, id int64) error {
	return db.w.do(ctx, func(tx *wtx) error {
		if err := tx.exec(`UPDATE messages SET replayed=1 WHERE id=? AND status='rejected'`, id); err != nil {
			return err
		}
		if tx.changes() == 0 {
			return lifeboat.Errorf(lifeboat.ENOTFOUND, "no such dead letter")
		}
		return nil
	}, false)
}

const messageColumns = `id, received, feed, control_id, type, remote, status, error, resources, raw`

func (db *DB) scanMessage(row interface{ Scan(...any) error }) (*lifeboat.Message, error) {
	var m lifeboat.Message
	var received int64
	var raw []byte
	if err := row.Scan(&m.ID, &received, &m.Feed, &m.ControlID, &m.Type, &m.Remote, &m.Status, &m.Error, &m.Resources, &raw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no such message")
		}
		return nil, fmt.Errorf("sqlite: read message: %w", err)
	}
	m.Received = fromMillis(received)
	body, err := db.codec.decode(raw)
	if err != nil {
		return nil, err
	}
	m.Raw = body
	return &m, nil
}

// Message returns one kept message.
func (db *DB) Message(ctx context.Context, id int64) (*lifeboat.Message, error) {
	return db.scanMessage(db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id=?`, id))
}

// DeadLetters returns the rejected messages not yet replayed, newest first.
func (db *DB) DeadLetters(ctx context.Context, limit int) ([]*lifeboat.Message, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE status='rejected' AND replayed=0 ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dead letters: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.Message
	for rows.Next() {
		m, err := db.scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Feeds returns the health of every feed, most recently heard first.
func (db *DB) Feeds(ctx context.Context) ([]lifeboat.FeedStatus, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT feed, last_message, messages, rejected, last_error FROM feeds ORDER BY last_message DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: feeds: %w", err)
	}
	defer rows.Close()
	var out []lifeboat.FeedStatus
	for rows.Next() {
		var f lifeboat.FeedStatus
		var last, lastErr int64
		if err := rows.Scan(&f.Feed, &last, &f.Messages, &f.Rejected, &lastErr); err != nil {
			return nil, fmt.Errorf("sqlite: feeds: %w", err)
		}
		f.LastMessage, f.LastError = fromMillis(last), fromMillis(lastErr)
		out = append(out, f)
	}
	return out, rows.Err()
}

var _ lifeboat.MessageStore = (*DB)(nil)
