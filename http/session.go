package http

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// sessionCookie names the session cookie.
//
// It is SameSite=Strict rather than Lax: Lifeboat has no reason to accept a
// session on a navigation that starts on another site, Strict keeps even
// top-level cross-site GETs (which write chart-view audit records) from
// carrying the session, and it backs up the CSRF token. The cost is that a
// link to a chart followed from another site lands on the login page.
const sessionCookie = "lifeboat_session"

// touchEvery is how stale LastSeen may get before a request updates it, to
// spare the store a write on every request. The idle timeout is therefore
// enforced to within this much.
const touchEvery = time.Minute

// tokenBytes is the entropy of session and API tokens.
const tokenBytes = 32

// authInfo is the authenticated caller of a request.
type authInfo struct {
	User    *lifeboat.User
	Session *lifeboat.Session // nil for bearer tokens
	token   string            // the raw session token, from which the CSRF token derives
}

// NewToken returns a new random token (32 bytes, unpadded base64url) for a
// session or an API client. Store only HashToken(token).
func NewToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("http: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the hex SHA-256 of a token: the form in which sessions
// and API tokens are stored and looked up. cmd/lifeboat must use it when it
// creates API tokens.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// validToken reports whether s looks like a token from NewToken, so junk
// never reaches the store.
func validToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// sessionAuth returns the caller's session, nil if there is none, and
// whether a session was present but idle too long (it is then deleted).
func (s *Server) sessionAuth(w http.ResponseWriter, r *http.Request) (*authInfo, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validToken(c.Value) {
		return nil, false, nil
	}
	ctx := r.Context()
	hash := HashToken(c.Value)
	sess, err := s.Users.Session(ctx, hash)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		s.clearSessionCookie(w, r)
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("http: session: %w", err)
	}
	now := s.Now()
	if now.Sub(sess.LastSeen) > s.IdleTimeout {
		s.endSession(w, r, hash)
		return nil, true, nil
	}
	u, err := s.Users.UserByID(ctx, sess.UserID)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND || (err == nil && u.Disabled) {
		s.endSession(w, r, hash)
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("http: session user: %w", err)
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.Users.TouchSession(ctx, hash, now); err != nil {
			s.Logger.LogAttrs(ctx, slog.LevelWarn, "touch session failed", slog.String("error", err.Error()))
		} else {
			sess.LastSeen = now
		}
	}
	return &authInfo{User: u, Session: sess, token: c.Value}, false, nil
}

// apiAuth authenticates an API request by bearer token, or else by session.
// A malformed or unknown bearer token gives nil, not a fallback to the session.
// The token is looked up by its hash on every request; the store may answer
// from a short cache (the sqlite store keeps tokens and accounts for a few
// seconds, and forgets them at once when they are revoked or changed
// through it), so a revocation made by another process takes effect within
// that time.
func (s *Server) apiAuth(w http.ResponseWriter, r *http.Request) (*authInfo, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		a, _, err := s.sessionAuth(w, r)
		return a, err
	}
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validToken(tok) {
		return nil, nil
	}
	ctx := r.Context()
	t, err := s.Users.APIToken(ctx, HashToken(tok))
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("http: api token: %w", err)
	}
	u, err := s.Users.UserByID(ctx, t.UserID)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("http: api token user: %w", err)
	}
	return &authInfo{User: u}, nil
}

// startSession creates a session for u and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *lifeboat.User) error {
	tok, err := NewToken()
	if err != nil {
		return err
	}
	now := s.Now()
	sess := &lifeboat.Session{
		TokenHash: HashToken(tok),
		UserID:    u.ID,
		Created:   now,
		LastSeen:  now,
		Address:   s.clientAddr(r),
	}
	if err := s.Users.CreateSession(r.Context(), sess); err != nil {
		return fmt.Errorf("http: create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    tok,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.isTLS(r),
		SameSite: http.SameSiteStrictMode,
	})
	if s.purged.due(now, touchEvery) {
		if err := s.Users.DeleteSessionsBefore(r.Context(), now.Add(-s.IdleTimeout)); err != nil {
			s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "purge sessions failed", slog.String("error", err.Error()))
		}
	}
	return nil
}

// endSession deletes a session from the store and clears its cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, hash string) {
	if err := s.Users.DeleteSession(r.Context(), hash); err != nil && lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "delete session failed", slog.String("error", err.Error()))
	}
	s.clearSessionCookie(w, r)
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.isTLS(r),
		SameSite: http.SameSiteStrictMode,
	})
}

// currentAuth returns the caller's session on a public route, or nil.
func (s *Server) currentAuth(w http.ResponseWriter, r *http.Request) *authInfo {
	a, _, err := s.sessionAuth(w, r)
	if err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "session lookup failed", slog.String("error", err.Error()))
		return nil
	}
	return a
}
