package http

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// concrete turns a route pattern into a method and a path that matches it.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	if pattern == "/" {
		return "GET", "/no-such-page/" + patID
	}
	path = strings.NewReplacer("{id}", patID, "{type}", "Patient", "{$}", "").Replace(path)
	switch {
	case path == "/static/":
		path += "lifeboat.css"
	case path == "/fhir/":
		path += "Patient/" + patID + "/$everything"
	case strings.HasPrefix(path, "/admin/rejects/"):
		path = strings.Replace(path, patID, "7", 1)
	case strings.HasPrefix(path, "/admin/dead-letters/"):
		path = strings.Replace(path, patID, "9", 1)
	case path == "/search":
		path += "?q=" + patFamily
	}
	return method, path
}

func assertNoPHI(t *testing.T, what, s string) {
	t.Helper()
	for _, p := range phiStrings {
		if strings.Contains(s, p) {
			t.Errorf("%s contains PHI %q", what, p)
		}
	}
}

// TestRouteWalkWithoutSession walks the whole route table: without a
// session (no cookie, a forged cookie, a forged bearer token), every PHI page
// redirects to /login, every API route answers 401, and no response carries
// the patient's name, MRN or birth date.
func TestRouteWalkWithoutSession(t *testing.T) {
	e := newEnv(t)
	withMessages(e) // so that the dead letter pages have PHI to leak
	forged := strings.Repeat("A", 43)
	for _, rt := range e.s.routes() {
		method, path := concrete(rt.Pattern)
		for _, cred := range [][]string{
			nil,
			{"Cookie", sessionCookie + "=" + forged},
			{"Cookie", sessionCookie + "=junk"},
			{"Authorization", "Bearer " + forged},
		} {
			name := rt.Pattern + " " + strings.Join(cred, ":")
			resp, body := e.do(e.client(), method, path, nil, cred...)
			assertNoPHI(t, name+" body", body)
			for k, vs := range resp.Header {
				assertNoPHI(t, name+" header "+k, strings.Join(vs, " "))
			}
			switch rt.Access {
			case accessUser, accessAdmin:
				if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
					t.Errorf("%s: got %d %q; want 303 to /login", name, resp.StatusCode, resp.Header.Get("Location"))
				}
				if body != "" {
					t.Errorf("%s: redirect has a body: %q", name, body)
				}
			case accessAPI:
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: got %d; want 401", name, resp.StatusCode)
				}
				if !strings.Contains(body, "OperationOutcome") {
					t.Errorf("%s: 401 is not an OperationOutcome: %s", name, body)
				}
			}
		}
	}
	if n := len(e.audit.find("chart.view")) + len(e.audit.find("patient.search")); n != 0 {
		t.Errorf("%d PHI accesses audited without a session", n)
	}
}

// TestRouteTableDistinct checks each pattern appears once and every PHI
// route is protected.
func TestRouteTableDistinct(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, rt := range e.s.routes() {
		if seen[rt.Pattern] {
			t.Errorf("duplicate route %s", rt.Pattern)
		}
		seen[rt.Pattern] = true
		_, path := concrete(rt.Pattern)
		phi := strings.HasPrefix(path, "/patients/") || strings.HasPrefix(path, "/units/") ||
			strings.HasPrefix(path, "/search") || strings.HasPrefix(path, "/admin/") || path == "/"
		if phi && rt.Access == accessPublic {
			t.Errorf("PHI route %s is public", rt.Pattern)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	for _, path := range []string{"/patients/" + patID, "/login", "/healthz"} {
		resp, _ := e.do(c, "GET", path, nil)
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
			strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			"X-Frame-Options": "DENY", "Cache-Control": "no-store",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q; want %q", path, k, got, want)
			}
		}
	}
	resp, body := e.do(c, "GET", "/static/lifeboat.css", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(body, "@media print") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := e.do(c, "GET", "/static/", nil); resp.StatusCode != 404 {
		t.Errorf("static directory listing: %d; want 404", resp.StatusCode)
	}
}

// TestMetrics checks requests are counted by route pattern, never by path.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	e.do(c, "GET", "/patients/"+patID, nil)
	e.do(c, "GET", "/patients/pat-none", nil)
	e.do(c, "GET", "/search?q="+patFamily, nil)
	resp, body := e.do(e.client(), "GET", "/metrics", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`lifeboat_http_requests_total{code="200",method="GET",route="GET /patients/{id}"} 1`,
		`lifeboat_http_requests_total{code="404",method="GET",route="GET /patients/{id}"} 1`,
		`lifeboat_http_request_duration_seconds_bucket{code="200",method="GET",route="GET /search"`,
		`route="POST /login"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, bad := range append([]string{patID, "pat-none"}, phiStrings...) {
		if strings.Contains(body, bad) {
			t.Errorf("metrics contain %q", bad)
		}
	}
}

// TestLogsNoPHI checks request logs carry the route pattern and the user,
// never paths, query strings, patient ids or names.
func TestLogsNoPHI(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	e.do(c, "GET", "/patients/"+patID, nil)
	e.do(c, "GET", "/search?q="+patFamily+"+"+patBirth, nil)
	e.do(c, "GET", "/units/"+unitID, nil)
	logs := e.logs.String()
	for _, want := range []string{`route="GET /patients/{id}"`, "user=nurse", "status=200", "method=GET", "duration="} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	for _, bad := range append([]string{patID, "q="}, phiStrings...) {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q:\n%s", bad, logs)
		}
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	for _, path := range []string{"/patients/pat-none", "/units/unit-none", "/patients/bad%20id", "/nothing"} {
		resp, body := e.do(c, "GET", path, nil)
		if resp.StatusCode != 404 || !strings.Contains(body, "Not found") {
			t.Errorf("%s: %d; want 404 page", path, resp.StatusCode)
		}
	}
	if ev := e.audit.find("chart.view"); len(ev) != 1 || ev[0].Outcome != "not_found" {
		t.Errorf("unknown patient audit = %+v; want one not_found", ev)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter()
	keys := limiterKeys("Nurse", "10.0.0.1")
	for range freeUserFailures {
		if w := l.wait(t0, keys); w != 0 {
			t.Fatalf("wait before the free failures ran out: %v", w)
		}
		l.fail(t0, keys)
	}
	if w := l.wait(t0, limiterKeys("nurse", "10.0.0.2")); w != time.Second {
		t.Errorf("wait after %d failures = %v; want 1s (and case-insensitive names)", freeUserFailures, w)
	}
	for range 20 {
		l.fail(t0, keys)
	}
	if w := l.wait(t0, keys); w != maxDelay {
		t.Errorf("wait after many failures = %v; want %v", w, maxDelay)
	}
	if w := l.wait(t0.Add(maxDelay), keys); w != 0 {
		t.Errorf("wait after the delay = %v", w)
	}
	l.reset(keys[0])
	if w := l.wait(t0, limiterKeys("nurse", "10.0.0.3")); w != 0 {
		t.Errorf("wait after reset = %v", w)
	}
}
