package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
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
	defer db.auth.invalidate()
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

// queryRow runs a cached prepared statement expected to return one row.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	stmt, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryRowContext(ctx, args...), nil
}

// UserByName returns the account with the given login name. It always
// reads the store: logins must see the current password hash.
func (db *DB) UserByName(ctx context.Context, name string) (*lifeboat.User, error) {
	row, err := db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name=?`, name)
	if err != nil {
		return nil, err
	}
	return scanUser(row)
}

// UserByID returns the account with the given id. Every authenticated
// request asks for it, so an account read from the store is kept for up to
// authCacheTTL (see authCache).
func (db *DB) UserByID(ctx context.Context, id int64) (*lifeboat.User, error) {
	now := db.now()
	if u, ok := db.auth.user(id, now); ok {
		return u, nil
	}
	gen := db.auth.generation()
	row, err := db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id=?`, id)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(row)
	if err != nil {
		return nil, err
	}
	db.auth.putUser(gen, u, now)
	return u, nil
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
	row, err := db.queryRow(ctx, `SELECT token_hash, user_id, created, last_seen, address FROM sessions WHERE token_hash=?`, tokenHash)
	if err != nil {
		return nil, err
	}
	err = row.Scan(&s.TokenHash, &s.UserID, &created, &seen, &s.Address)
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

// APIToken returns the token with the given hash. Every API request asks
// for it, so a token found in the store is kept for up to authCacheTTL (see
// authCache); an unknown hash is never kept.
func (db *DB) APIToken(ctx context.Context, tokenHash string) (*lifeboat.APIToken, error) {
	now := db.now()
	if t, ok := db.auth.token(tokenHash, now); ok {
		return t, nil
	}
	gen := db.auth.generation()
	var t lifeboat.APIToken
	var created int64
	row, err := db.queryRow(ctx, `SELECT token_hash, user_id, created FROM api_tokens WHERE token_hash=?`, tokenHash)
	if err != nil {
		return nil, err
	}
	err = row.Scan(&t.TokenHash, &t.UserID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no such token")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read token: %w", err)
	}
	t.Created = fromMillis(created)
	db.auth.putToken(gen, &t, now)
	return &t, nil
}

// APITokens lists every API token (its hash, user and creation), oldest
// first.
func (db *DB) APITokens(ctx context.Context) ([]*lifeboat.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT token_hash, user_id, created FROM api_tokens ORDER BY created, token_hash`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: api tokens: %w", err)
	}
	defer rows.Close()
	var out []*lifeboat.APIToken
	for rows.Next() {
		var t lifeboat.APIToken
		var created int64
		if err := rows.Scan(&t.TokenHash, &t.UserID, &created); err != nil {
			return nil, fmt.Errorf("sqlite: read api token: %w", err)
		}
		t.Created = fromMillis(created)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokeAPIToken deletes the token with the given hash; revoking an unknown
// token is ENOTFOUND. This process stops accepting the token at once; another
// process with the same store open (a running server, when the revocation
// comes from the command line) stops within authCacheTTL.
func (db *DB) RevokeAPIToken(ctx context.Context, tokenHash string) error {
	defer db.auth.invalidate()
	return db.w.do(ctx, func(tx *wtx) error {
		if err := tx.exec(`DELETE FROM api_tokens WHERE token_hash=?`, tokenHash); err != nil {
			return err
		}
		if tx.changes() == 0 {
			return lifeboat.Errorf(lifeboat.ENOTFOUND, "no such token")
		}
		return nil
	}, false)
}

// Authentication cache bounds.
const (
	// authCacheTTL is how long an API token or an account read from the
	// store is trusted without reading it again. A revocation, password
	// change or account change made through this DB takes effect at once
	// (the cache is emptied); one made by another process on the same
	// store takes effect within authCacheTTL.
	authCacheTTL = 5 * time.Second
	// authCacheMax bounds the tokens and the accounts kept, each.
	authCacheMax = 4096
)

// authCache keeps API tokens by hash and accounts by id for authCacheTTL,
// so that an API request does not cost two store reads. Tokens are keyed by
// their hash, as in the store; unknown hashes are not kept, so guessing
// cannot fill it. It keeps copies: callers may change what they get.
//
// A read that began before an invalidation must not put what it read back
// into the cache, or a revoked token could come back: entries are put only
// if the generation is still the one seen before the read, and writers
// invalidate after their commit.
type authCache struct {
	mu     sync.Mutex
	gen    uint64
	tokens map[string]cachedToken
	users  map[int64]cachedUser
}

type cachedToken struct {
	t       lifeboat.APIToken
	expires time.Time
}

type cachedUser struct {
	u       lifeboat.User
	expires time.Time
}

func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// invalidate forgets everything; a read in flight will not put its result.
func (c *authCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tokens, c.users = nil, nil
}

func (c *authCache) token(hash string, now time.Time) (*lifeboat.APIToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[hash]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	t := e.t
	return &t, true
}

func (c *authCache) user(id int64, now time.Time) (*lifeboat.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.users[id]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	u := e.u
	return &u, true
}

func (c *authCache) putToken(gen uint64, t *lifeboat.APIToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.tokens == nil || len(c.tokens) >= authCacheMax {
		c.tokens = make(map[string]cachedToken)
	}
	c.tokens[t.TokenHash] = cachedToken{t: *t, expires: now.Add(authCacheTTL)}
}

func (c *authCache) putUser(gen uint64, u *lifeboat.User, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.users == nil || len(c.users) >= authCacheMax {
		c.users = make(map[int64]cachedUser)
	}
	c.users[u.ID] = cachedUser{u: *u, expires: now.Add(authCacheTTL)}
}

var _ lifeboat.UserStore = (*DB)(nil)
