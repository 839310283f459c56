package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/lifeboat-health/lifeboat"
)

// CSRF defence, in two layers:
//
//   - http.CrossOriginProtection (checked in serveRoute) refuses
//     state-changing requests that browsers mark as cross-origin
//     (Sec-Fetch-Site, Origin), and the session cookie is SameSite=Strict.
//   - Every state-changing form carries a token that the server checks:
//     for a session, an HMAC of the session's secret token (so it needs no
//     storage and dies with the session); for the login form, which has no
//     session yet, a random value in both a cookie and a hidden field
//     (double submit).

// csrfField is the name of the hidden form field carrying the token.
const csrfField = "csrf"

// loginCookie carries the double-submit token of the login form.
const loginCookie = "lifeboat_login"

// maxFormBytes bounds form bodies.
const maxFormBytes = 64 << 10

var errCSRF = lifeboat.Errorf(lifeboat.EFORBIDDEN,
	"This form has expired or did not come from Lifeboat. Go back, reload the page and try again.")

// csrfToken returns the CSRF token of a session ("" for bearer callers).
func csrfToken(a *authInfo) string {
	if a == nil || a.token == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(a.token))
	m.Write([]byte("lifeboat csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseForm parses a form body of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return lifeboat.Errorf(lifeboat.EINVALID, "The form could not be read.")
	}
	return nil
}

// checkCSRF checks the token of a state-changing request in a session.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, a *authInfo) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	want := csrfToken(a)
	got := r.PostForm.Get(csrfField)
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

// newLoginToken sets the double-submit cookie of the login form and returns
// the value for its hidden field. An existing cookie is reused so that two
// open login tabs do not invalidate each other.
func (s *Server) newLoginToken(w http.ResponseWriter, r *http.Request) (string, error) {
	var tok string
	if c, err := r.Cookie(loginCookie); err == nil && validToken(c.Value) {
		tok = c.Value
	} else if tok, err = NewToken(); err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     loginCookie,
		Value:    tok,
		Path:     "/login",
		MaxAge:   3600,
		HttpOnly: true,
		Secure:   s.isTLS(r),
		SameSite: http.SameSiteStrictMode,
	})
	return tok, nil
}

// checkLoginToken checks the login form's double-submit token; the form must
// have been parsed.
func checkLoginToken(r *http.Request) bool {
	c, err := r.Cookie(loginCookie)
	if err != nil || !validToken(c.Value) {
		return false
	}
	return hmac.Equal([]byte(c.Value), []byte(r.PostForm.Get(csrfField)))
}

// clearLoginToken removes the login form's cookie after a login.
func (s *Server) clearLoginToken(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: s.isTLS(r), SameSite: http.SameSiteStrictMode,
	})
}
