package http

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func findCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginSuccess(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	resp, _ := e.login(c, "nurse", "nurse-password", "/patients/"+patID)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/patients/"+patID {
		t.Fatalf("login: %d to %q; want 303 to the requested page", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := findCookie(resp, sessionCookie)
	if ck == nil {
		t.Fatal("no session cookie")
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v", ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure)
	}
	if !validToken(ck.Value) {
		t.Errorf("token %q is not 32 random bytes", ck.Value)
	}
	if _, ok := e.users.sessions[HashToken(ck.Value)]; !ok || e.users.sessions[ck.Value] != nil {
		t.Error("the store must hold the token's SHA-256 hash, not the token")
	}
	ev := e.audit.find(lifeboat.AuditLogin)
	if len(ev) != 1 || ev[0].User != "nurse" || ev[0].Address != "127.0.0.1" || !ev[0].Time.Equal(t0) {
		t.Errorf("login audit = %+v", ev)
	}
	if resp, body := e.do(c, "GET", "/patients/"+patID, nil); resp.StatusCode != 200 || !strings.Contains(body, patMRN) {
		t.Errorf("chart after login: %d", resp.StatusCode)
	}
	// Signed in, the login page sends the user on.
	if resp, _ := e.do(c, "GET", "/login?next=/units/"+unitID, nil); resp.Header.Get("Location") != "/units/"+unitID {
		t.Errorf("login page when signed in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRedirectToLoginAndBack(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	resp, _ := e.do(c, "GET", "/units/"+unitID, nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Funits%2F"+unitID {
		t.Fatalf("got %d %q", resp.StatusCode, loc)
	}
	u, _ := url.Parse(loc)
	resp, _ = e.login(c, "nurse", "nurse-password", u.Query().Get("next"))
	if got := resp.Header.Get("Location"); got != "/units/"+unitID {
		t.Errorf("after login: %q; want /units/%s", got, unitID)
	}
	// Off-site targets are ignored.
	resp, _ = e.login(e.client(), "nurse", "nurse-password", "//evil.example/x")
	if got := resp.Header.Get("Location"); got != "/" {
		t.Errorf("after login with an off-site next: %q; want /", got)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/",
		"/patients/p1":          "/patients/p1",
		"/search?q=x":           "/search?q=x",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"evil":                  "/",
		"/login":                "/",
		"/logout":               "/",
		"/%0d%0aSet-Cookie:":    "/%0d%0aSet-Cookie:",
		"/a\r\nb":               "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLoginFailure(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ user, pw string }{
		{"nurse", "wrong-password-123"},
		{"nobody", "whatever-password"},
		{"gone", "gone-password"}, // disabled
	} {
		resp, body := e.login(e.client(), tc.user, tc.pw, "/")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Incorrect user name or password.") {
			t.Errorf("%s: %d; want 401 with the generic message", tc.user, resp.StatusCode)
		}
		if findCookie(resp, sessionCookie) != nil {
			t.Errorf("%s: a failed login set a session cookie", tc.user)
		}
		if strings.Contains(body, tc.pw) {
			t.Errorf("%s: the page echoes the password", tc.user)
		}
	}
	ev := e.audit.find(lifeboat.AuditLoginFailed)
	if len(ev) != 3 || ev[0].User != "nurse" || ev[0].Outcome != "denied" || ev[0].Address == "" {
		t.Fatalf("failed-login audit = %+v", ev)
	}
	for _, x := range ev {
		if strings.Contains(x.Query+x.User+x.Outcome+x.PatientID, "password") {
			t.Errorf("audit event carries the password: %+v", x)
		}
	}
	if e.users.sessionCount() != 0 {
		t.Error("sessions created by failed logins")
	}
}

func TestLoginBackoff(t *testing.T) {
	e := newEnv(t)
	for range freeUserFailures {
		e.login(e.client(), "nurse", "wrong-password-123", "/")
	}
	resp, body := e.login(e.client(), "nurse", "nurse-password", "/")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed attempts") {
		t.Fatalf("right password during backoff: %d; want 429", resp.StatusCode)
	}
	if ev := e.audit.find(lifeboat.AuditLoginFailed); ev[len(ev)-1].Outcome != "throttled" {
		t.Errorf("throttled attempt audited as %+v", ev[len(ev)-1])
	}
	e.clock.Add(2 * time.Second)
	if resp, _ := e.login(e.client(), "nurse", "nurse-password", "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the backoff: %d; want 303", resp.StatusCode)
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	e.clock.Add(30 * time.Second)
	e.do(c, "GET", "/", nil)
	if e.users.touches != 0 {
		t.Errorf("touched after 30 s: %d", e.users.touches)
	}
	e.clock.Add(40 * time.Second)
	e.do(c, "GET", "/", nil)
	e.do(c, "GET", "/", nil)
	if e.users.touches != 1 {
		t.Errorf("touches after 70 s = %d; want 1 (at most one a minute)", e.users.touches)
	}
	e.clock.Add(14 * time.Minute) // 14 min since the touch: still alive
	if resp, _ := e.do(c, "GET", "/", nil); resp.StatusCode != 200 {
		t.Fatalf("within the idle timeout: %d", resp.StatusCode)
	}
	e.clock.Add(DefaultIdleTimeout + time.Second)
	resp, _ := e.do(c, "GET", "/patients/"+patID, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "expired=1") {
		t.Fatalf("after the idle timeout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.users.sessionCount() != 0 {
		t.Error("the idle session was not deleted")
	}
	_, body := e.do(c, "GET", resp.Header.Get("Location"), nil)
	if !strings.Contains(body, "15 minutes without activity") {
		t.Error("login page does not say the session expired")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	tok := e.csrf(c)
	resp, _ := e.do(c, "POST", "/logout", url.Values{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?out=1" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := findCookie(resp, sessionCookie); ck == nil || ck.MaxAge >= 0 {
		t.Error("logout did not clear the cookie")
	}
	if e.users.sessionCount() != 0 {
		t.Error("logout did not delete the session")
	}
	if ev := e.audit.find(lifeboat.AuditLogout); len(ev) != 1 || ev[0].User != "nurse" {
		t.Errorf("logout audit = %+v", ev)
	}
	if resp, _ := e.do(c, "GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d; want 303", resp.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	tok := e.csrf(c)
	for name, tc := range map[string]struct {
		form url.Values
		hdr  []string
	}{
		"no token":    {url.Values{}, nil},
		"wrong token": {url.Values{"csrf": {tok[:len(tok)-2] + "xx"}}, nil},
		"cross-site":  {url.Values{"csrf": {tok}}, []string{"Sec-Fetch-Site", "cross-site"}},
		"bad origin":  {url.Values{"csrf": {tok}}, []string{"Origin", "https://evil.example"}},
	} {
		resp, body := e.do(c, "POST", "/logout", tc.form, tc.hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d; want 403", name, resp.StatusCode)
		}
		if !strings.Contains(body, "Not allowed") {
			t.Errorf("%s: no 403 page", name)
		}
	}
	if e.users.sessionCount() != 1 {
		t.Error("a refused logout ended the session")
	}
	// Another session's token is not valid here.
	other := e.csrf(e.session("admin"))
	if resp, _ := e.do(c, "POST", "/logout", url.Values{"csrf": {other}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d; want 403", resp.StatusCode)
	}
	// The login form needs its double-submit cookie.
	resp, _ := e.do(e.client(), "POST", "/login", url.Values{"username": {"nurse"}, "password": {"nurse-password"}, "csrf": {tok}})
	if resp.StatusCode != http.StatusForbidden || findCookie(resp, sessionCookie) != nil {
		t.Errorf("login without the form cookie: %d", resp.StatusCode)
	}
}

// TestCookieSecureUnderTLS checks cookies are Secure when served over TLS.
func TestCookieSecureUnderTLS(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewTLSServer(e.s.Handler())
	defer ts.Close()
	c := ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.ts = ts
	resp, page := e.do(c, "GET", "/login", nil)
	if ck := findCookie(resp, loginCookie); ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Errorf("login form cookie over TLS: %+v", ck)
	}
	m := csrfRE.FindStringSubmatch(page)
	resp, _ = e.do(c, "POST", "/login", url.Values{"username": {"nurse"}, "password": {"nurse-password"}, "csrf": {m[1]}})
	ck := findCookie(resp, sessionCookie)
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie over TLS: %+v", ck)
	}
	if resp, _ := e.do(c, "GET", "/", nil); resp.StatusCode != 200 {
		t.Errorf("census over TLS: %d", resp.StatusCode)
	}
}

func TestAdminOnly(t *testing.T) {
	e := newEnv(t)
	withMessages(e)
	nurse, admin := e.session("nurse"), e.session("admin")
	for _, rt := range e.s.routes() {
		if rt.Access != accessAdmin {
			continue
		}
		method, path := concrete(rt.Pattern)
		if method != "GET" {
			if resp, _ := e.do(nurse, method, path, url.Values{"csrf": {e.csrf(nurse)}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as clinician: %d; want 403", method, path, resp.StatusCode)
			}
			continue
		}
		if resp, body := e.do(nurse, "GET", path, nil); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Patient.000") {
			t.Errorf("%s as clinician: %d; want 403", path, resp.StatusCode)
		}
		if resp, _ := e.do(admin, "GET", path, nil); resp.StatusCode != 200 {
			t.Errorf("%s as admin: %d; want 200", path, resp.StatusCode)
		}
	}
	_, body := e.do(nurse, "GET", "/", nil)
	if strings.Contains(body, "/admin/") {
		t.Error("a clinician's navigation links to admin pages")
	}
}
