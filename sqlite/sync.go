package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lifeboat-health/lifeboat"
)

var _ lifeboat.SyncStateStore = (*DB)(nil)

// SyncState returns the saved state of a Bulk Data source.
func (db *DB) SyncState(ctx context.Context, source string) (*lifeboat.SyncState, error) {
	var raw string
	err := db.read.QueryRowContext(ctx, `SELECT state FROM sync_state WHERE source=?`, source).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "source %q has not synced yet", source)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: sync state: %w", err)
	}
	var s lifeboat.SyncState
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, fmt.Errorf("sqlite: sync state of %q: %w", source, err)
	}
	s.Source = source
	return &s, nil
}

// PutSyncState saves the state of a Bulk Data source in its own commit.
func (db *DB) PutSyncState(ctx context.Context, s *lifeboat.SyncState) error {
	if s.Source == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "a sync state needs a source name")
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: sync state: %w", err)
	}
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`INSERT INTO sync_state(source, state, updated) VALUES(?,?,?)
			ON CONFLICT(source) DO UPDATE SET state=excluded.state, updated=excluded.updated`,
			s.Source, string(raw), millis(db.now()))
	}, false)
}

// SyncStates returns the state of every source that has synced, by name.
func (db *DB) SyncStates(ctx context.Context) ([]*lifeboat.SyncState, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT source, state FROM sync_state ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sync states: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.SyncState
	for rows.Next() {
		var name, raw string
		if err := rows.Scan(&name, &raw); err != nil {
			return nil, fmt.Errorf("sqlite: sync states: %w", err)
		}
		var s lifeboat.SyncState
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return nil, fmt.Errorf("sqlite: sync state of %q: %w", name, err)
		}
		s.Source = name
		out = append(out, &s)
	}
	return out, rows.Err()
}
