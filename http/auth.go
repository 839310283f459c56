package http

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// dummyHash is verified against when the user does not exist, so that a
// login for an unknown name costs as much as one for a known name. Its
// parameters are those of password.Hash.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AibZVHbzjG/7tB2RiExUjw$S4j1nDo76QRKE1dhGCNcam/jRTaIlITicohXTibuHKw"

// maxUsername bounds the user name accepted from the login form.
const maxUsername = 128

// loginView is the data of the login page.
type loginView struct {
	Next     string
	Token    string
	Username string
	Message  string // why the last attempt failed
	Notice   string // e.g. the session expired
}

// loginForm shows the login page, or sends a signed-in user on.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if a := s.currentAuth(w, r); a != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := loginView{Next: next}
	switch {
	case r.URL.Query().Get("expired") != "":
		v.Notice = "Your session ended after " + humanDuration(s.IdleTimeout) +
			" without activity. Sign in again to continue."
	case r.URL.Query().Get("out") != "":
		v.Notice = "You have signed out."
	}
	return s.renderLogin(w, r, http.StatusOK, v)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) error {
	tok, err := s.newLoginToken(w, r)
	if err != nil {
		return err
	}
	v.Token = tok
	s.renderStatus(w, r, status, "login.html", s.newPage(r, "Sign in", v))
	return nil
}

// login checks a user name and password and starts a session. Failures get
// one generic message, are audited without the password, and back off.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	next := safeNext(r.PostForm.Get("next"))
	name := strings.TrimSpace(r.PostForm.Get("username"))
	pw := r.PostForm.Get("password")
	if len(name) > maxUsername {
		name = name[:maxUsername]
	}
	v := loginView{Next: next, Username: name}
	// Browsers get the form with its double-submit token; a script that posts
	// only the contract's two fields is covered by the cross-origin check.
	if r.PostForm.Get(csrfField) != "" && !checkLoginToken(r) {
		v.Message = "The sign-in form expired. Please try again."
		return s.renderLogin(w, r, http.StatusForbidden, v)
	}
	ctx := r.Context()
	now := s.Now()
	addr := s.clientAddr(r)
	keys := limiterKeys(name, addr)
	if wait := s.limiter.wait(now, keys); wait > 0 {
		s.audit(ctx, &lifeboat.AuditEvent{Time: now, User: name, Action: lifeboat.AuditLoginFailed,
			Address: addr, Outcome: "throttled"})
		v.Message = "Too many failed attempts. Wait " + humanDuration(wait.Round(time.Second)) + " and try again."
		return s.renderLogin(w, r, http.StatusTooManyRequests, v)
	}
	u, err := s.Users.UserByName(ctx, name)
	if err != nil && lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		return fmt.Errorf("http: login user: %w", err)
	}
	if !s.verifyPassword(ctx, u, pw) {
		s.limiter.fail(now, keys)
		s.audit(ctx, &lifeboat.AuditEvent{Time: now, User: name, Action: lifeboat.AuditLoginFailed,
			Address: addr, Outcome: "denied"})
		v.Message = "Incorrect user name or password."
		return s.renderLogin(w, r, http.StatusUnauthorized, v)
	}
	s.limiter.reset(keys[0])
	if c, err := r.Cookie(sessionCookie); err == nil && validToken(c.Value) {
		// A new login never reuses an old session (session fixation).
		s.endSession(w, r, HashToken(c.Value))
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.clearLoginToken(w, r)
	infoFrom(ctx).auth = &authInfo{User: u}
	s.audit(ctx, &lifeboat.AuditEvent{Time: now, User: u.Name, Action: lifeboat.AuditLogin,
		Address: addr, Outcome: "ok"})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// verifyPassword reports whether pw is u's password. It spends the same
// effort when u is nil or disabled.
func (s *Server) verifyPassword(ctx context.Context, u *lifeboat.User, pw string) bool {
	if s.CheckPassword == nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "login impossible: Server.CheckPassword is not set")
		return false
	}
	hash := dummyHash
	if u != nil && !u.Disabled {
		hash = u.PasswordHash
	}
	ok, err := s.CheckPassword(pw, hash)
	if err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "password check failed", slog.String("error", err.Error()))
		return false
	}
	return ok && u != nil && !u.Disabled
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	a := authFrom(r)
	s.endSession(w, r, HashToken(a.token))
	s.audit(r.Context(), &lifeboat.AuditEvent{Time: s.Now(), User: a.User.Name,
		Action: lifeboat.AuditLogout, Address: s.clientAddr(r), Outcome: "ok"})
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
	return nil
}

// audit records a security event; a failure is logged, not fatal. Accesses
// to PHI use mustAudit instead.
func (s *Server) audit(ctx context.Context, e *lifeboat.AuditEvent) {
	if err := s.Audit.AddAudit(ctx, e); err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "audit failed",
			slog.String("action", e.Action), slog.String("error", err.Error()))
	}
}

// redirectToLogin sends a caller without a session to the login page,
// remembering the page (its path only: a query string can carry PHI). The
// response has no body.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	q := url.Values{}
	if isSafeMethod(r.Method) && r.URL.Path != "/" {
		q.Set("next", r.URL.Path)
	}
	if expired {
		q.Set("expired", "1")
	}
	loc := "/login"
	if len(q) > 0 {
		loc += "?" + q.Encode()
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusSeeOther)
}

// safeNext returns next if it is a local path to return to after login,
// and "/" otherwise, so the login page cannot redirect off site.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}

// humanDuration formats a duration for a message, e.g. "15 minutes".
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	default:
		return plural(max(1, int((d+time.Second-1)/time.Second)), "second")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
