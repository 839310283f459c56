package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// CreateUser adds a local account; a taken name is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *lifeboat.User) error {
	if u.Created.IsZero() {
		u.Created = db.now()
	}
	return db.w.do(ctx, func(tx *wtx) error {
		err := tx.exec(`INSERT INTO users(name, role, password_hash, created, disabled) VALUES(?,?,?,?,?)`,
			u.Name, u.Role, u.PasswordHash, millis(u.Created), u.Disabled)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return lifeboat.Errorf(lifeboat.ECONFLICT, "a user with that name already exists")
		}
		if err == nil {
			u.ID = tx.lastInsertID()
		}
		return err
	}, false)
}

// UpdatePassword replaces a user's password hash and ends their sessions.
func (db *DB) UpdatePassword(ctx context.Context, name, hash string) error {
	return db.w.do(ctx, func(tx *wtx) error {
		if err := tx.exec(`UPDATE users SET password_hash=? WHERE name=?`, hash, name); err != nil {
			return err
		}
		if tx.changes() == 0 {
			return lifeboat.Errorf(lifeboat.ENOTFOUND, "no such user")
		}
		return tx.exec(`DELETE FROM sessions WHERE user_id=(SELECT id FROM users WHERE name=?)`, name)
	}, false)
}

const userColumns = `id, name, role, password_hash, created, disabled`

func scanUser(row interface{ Scan(...any) error }) (*lifeboat.User, error) {
	var u lifeboat.User
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &created, &u.Disabled); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no such user")
		}
		return nil, fmt.Errorf("sqlite: read user: %w", err)
	}
	u.Created = fromMillis(created)
	return &u, nil
}

// UserByName returns the account with the given login name.
func (db *DB) UserByName(ctx context.Context, name string) (*lifeboat.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name=?`, name))
}

// UserByID returns the account with the given id.
func (db *DB) UserByID(ctx context.Context, id int64) (*lifeboat.User, error) {
	return scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id=?`, id))
}

// Users lists every account by name.
func (db *DB) Users(ctx context.Context) ([]*lifeboat.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateSession stores a new login session.
func (db *DB) CreateSession(ctx context.Context, s *lifeboat.Session) error {
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`INSERT INTO sessions(token_hash, user_id, created, last_seen, address) VALUES(?,?,?,?,?)`,
			s.TokenHash, s.UserID, millis(s.Created), millis(s.LastSeen), s.Address)
	}, false)
}

// Session returns the session with the given token hash.
func (db *DB) Session(ctx context.Context, tokenHash string) (*lifeboat.Session, error) {
	var s lifeboat.Session
	var created, seen int64
	err := db.read.QueryRowContext(ctx, `SELECT token_hash, user_id, created, last_seen, address FROM sessions WHERE token_hash=?`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &created, &seen, &s.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read session: %w", err)
	}
	s.Created, s.LastSeen = fromMillis(created), fromMillis(seen)
	return &s, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`UPDATE sessions SET last_seen=max(last_seen, ?) WHERE token_hash=?`, millis(at), tokenHash)
	}, false)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`DELETE FROM sessions WHERE token_hash=?`, tokenHash)
	}, false)
}

// DeleteSessionsBefore removes sessions last seen before t.
func (db *DB) DeleteSessionsBefore(ctx context.Context, t time.Time) error {
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`DELETE FROM sessions WHERE last_seen<?`, millis(t))
	}, false)
}

// CreateAPIToken stores a bearer token's hash.
func (db *DB) CreateAPIToken(ctx context.Context, t *lifeboat.APIToken) error {
	if t.Created.IsZero() {
		t.Created = db.now()
	}
	return db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`INSERT INTO api_tokens(token_hash, user_id, created) VALUES(?,?,?)`, t.TokenHash, t.UserID, millis(t.Created))
	}, false)
}

// APIToken returns the token with the given hash.
func (db *DB) APIToken(ctx context.Context, tokenHash string) (*lifeboat.APIToken, error) {
	var t lifeboat.APIToken
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT token_hash, user_id, created FROM api_tokens WHERE token_hash=?`, tokenHash).
		Scan(&t.TokenHash, &t.UserID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no such token")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read token: %w", err)
	}
	t.Created = fromMillis(created)
	return &t, nil
}

var _ lifeboat.UserStore = (*DB)(nil)
