package lifeboat

import (
	"context"
	"time"
)

// Roles a user can have.
const (
	RoleAdmin     = "admin"     // manages users, sees audit and rejects, and charts
	RoleClinician = "clinician" // sees charts and documents care
	RoleViewer    = "viewer"    // sees census and charts, read only
)

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	return r == RoleAdmin || r == RoleClinician || r == RoleViewer
}

// User is a local account. Local accounts work when the hospital's identity
// provider is down.
type User struct {
	ID           int64
	Name         string // login name
	Role         string
	PasswordHash string // PHC-format argon2id hash
	Created      time.Time
	Disabled     bool
}

// Session is a browser login. Only the hash of its token is stored.
type Session struct {
	TokenHash string
	UserID    int64
	Created   time.Time
	LastSeen  time.Time
	Address   string
}

// APIToken is a bearer token for the FHIR API. Only its hash is stored.
type APIToken struct {
	TokenHash string
	UserID    int64
	Created   time.Time
}

// UserStore keeps accounts, sessions and API tokens.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	// UpdatePassword replaces a user's password hash.
	UpdatePassword(ctx context.Context, name, hash string) error
	UserByName(ctx context.Context, name string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	Users(ctx context.Context) ([]*User, error)

	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, tokenHash string) (*Session, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessionsBefore removes sessions last seen before t.
	DeleteSessionsBefore(ctx context.Context, t time.Time) error

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APIToken(ctx context.Context, tokenHash string) (*APIToken, error)
}
