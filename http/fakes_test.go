package http

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/prometheus/client_golang/prometheus"
)

// The fake patient: none of these may appear in a response without a login.
const (
	patID     = "pat-4711"
	patFamily = "ZEBEDEE"
	patGiven  = "Quillon"
	patMRN    = "MRN-99887766"
	patBirth  = "1948-03-17"
	unitID    = "unit-4w"
)

var phiStrings = []string{patFamily, patGiven, patMRN, patBirth}

var t0 = time.Date(2024, 7, 19, 10, 0, 0, 0, time.Local)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeCharts serves fixed views.
type fakeCharts struct {
	census *lifeboat.Census
	units  map[string]*lifeboat.UnitCensus
	charts map[string]*lifeboat.Chart
	search []lifeboat.PatientMatch
}

func (f *fakeCharts) Census(context.Context) (*lifeboat.Census, error) { return f.census, nil }
func (f *fakeCharts) Unit(_ context.Context, id string) (*lifeboat.UnitCensus, error) {
	if u, ok := f.units[id]; ok {
		return u, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
}
func (f *fakeCharts) Chart(_ context.Context, id string) (*lifeboat.Chart, error) {
	if c, ok := f.charts[id]; ok {
		return c, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
}
func (f *fakeCharts) Search(context.Context, string) ([]lifeboat.PatientMatch, error) {
	return f.search, nil
}

// fakeUsers keeps users, sessions and tokens in maps.
type fakeUsers struct {
	mu       sync.Mutex
	users    map[string]*lifeboat.User
	sessions map[string]*lifeboat.Session
	tokens   map[string]*lifeboat.APIToken
	touches  int
}

func newFakeUsers() *fakeUsers {
	return &fakeUsers{users: map[string]*lifeboat.User{}, sessions: map[string]*lifeboat.Session{},
		tokens: map[string]*lifeboat.APIToken{}}
}

func (f *fakeUsers) CreateUser(_ context.Context, u *lifeboat.User) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	u.ID = int64(len(f.users) + 1)
	f.users[u.Name] = u
	return nil
}
func (f *fakeUsers) UpdatePassword(context.Context, string, string) error { return nil }
func (f *fakeUsers) UserByName(_ context.Context, name string) (*lifeboat.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[name]; ok {
		return u, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "User not found.")
}
func (f *fakeUsers) UserByID(_ context.Context, id int64) (*lifeboat.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.ID == id {
			return u, nil
		}
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "User not found.")
}
func (f *fakeUsers) Users(context.Context) ([]*lifeboat.User, error) { return nil, nil }
func (f *fakeUsers) CreateSession(_ context.Context, s *lifeboat.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *s
	f.sessions[s.TokenHash] = &c
	return nil
}
func (f *fakeUsers) Session(_ context.Context, h string) (*lifeboat.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.sessions[h]; ok {
		c := *s
		return &c, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Session not found.")
}
func (f *fakeUsers) TouchSession(_ context.Context, h string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches++
	if s, ok := f.sessions[h]; ok {
		s.LastSeen = at
	}
	return nil
}
func (f *fakeUsers) DeleteSession(_ context.Context, h string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, h)
	return nil
}
func (f *fakeUsers) DeleteSessionsBefore(_ context.Context, t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, s := range f.sessions {
		if s.LastSeen.Before(t) {
			delete(f.sessions, h)
		}
	}
	return nil
}
func (f *fakeUsers) CreateAPIToken(_ context.Context, t *lifeboat.APIToken) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[t.TokenHash] = t
	return nil
}
func (f *fakeUsers) APIToken(_ context.Context, h string) (*lifeboat.APIToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tokens[h]; ok {
		return t, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Token not found.")
}
func (f *fakeUsers) sessionCount() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.sessions) }

// fakeAudit records events.
type fakeAudit struct {
	mu     sync.Mutex
	events []*lifeboat.AuditEvent
	err    error
}

func (f *fakeAudit) AddAudit(_ context.Context, e *lifeboat.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.events = append(f.events, e)
	return nil
}
func (f *fakeAudit) AuditEvents(_ context.Context, af lifeboat.AuditFilter) ([]*lifeboat.AuditEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*lifeboat.AuditEvent
	for _, e := range f.events {
		if (af.User == "" || e.User == af.User) && (af.PatientID == "" || e.PatientID == af.PatientID) &&
			(af.Action == "" || e.Action == af.Action) {
			out = append(out, e)
		}
	}
	return out, nil
}
func (f *fakeAudit) find(action string) []*lifeboat.AuditEvent {
	out, _ := f.AuditEvents(context.Background(), lifeboat.AuditFilter{Action: action})
	return out
}

type fakeRejects struct{ rs []*lifeboat.Reject }

func (f *fakeRejects) AddReject(_ context.Context, r *lifeboat.Reject) error {
	f.rs = append(f.rs, r)
	return nil
}
func (f *fakeRejects) Rejects(context.Context, int) ([]*lifeboat.Reject, error) { return f.rs, nil }
func (f *fakeRejects) CountRejects(context.Context) (int, error)                { return len(f.rs), nil }

type fakeSources struct{ ss []lifeboat.SourceStatus }

func (f *fakeSources) Sources(context.Context) ([]lifeboat.SourceStatus, error) { return f.ss, nil }

// fakeResources serves resources from a map keyed "Type/id".
type fakeResources struct{ m map[string]*lifeboat.Resource }

func (f *fakeResources) PutResources(context.Context, []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	return nil, nil
}
func (f *fakeResources) Resource(_ context.Context, typ, id string) (*lifeboat.Resource, error) {
	if r, ok := f.m[typ+"/"+id]; ok {
		return r, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Resource not found.")
}
func (f *fakeResources) Resources(_ context.Context, rf lifeboat.ResourceFilter) ([]*lifeboat.Resource, error) {
	var out []*lifeboat.Resource
	for _, r := range f.m {
		if (rf.Type == "" && (len(rf.Types) == 0 || slices.Contains(rf.Types, r.Type)) || r.Type == rf.Type) &&
			(rf.Patient == "" || r.Index.Patient == rf.Patient) &&
			(len(rf.IDs) == 0 || slices.Contains(rf.IDs, r.ID)) &&
			(len(rf.Codes) == 0 || slices.Contains(rf.Codes, r.Index.Code)) && !r.Deleted {
			out = append(out, r)
		}
	}
	// Newest first, then by type and id: the fake's stand-in for the
	// store's order.
	slices.SortFunc(out, func(a, b *lifeboat.Resource) int {
		if c := b.Index.Date.Compare(a.Index.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Type+"/"+a.ID, b.Type+"/"+b.ID)
	})
	if k := rf.After; k != nil {
		i := slices.IndexFunc(out, func(r *lifeboat.Resource) bool { return r.Type == k.Type && r.ID == k.ID })
		out = out[i+1:]
	}
	if rf.Limit > 0 && len(out) > rf.Limit {
		out = out[:rf.Limit]
	}
	return out, nil
}
func (f *fakeResources) PatientResources(context.Context, string, ...string) ([]*lifeboat.Resource, error) {
	return nil, nil
}
func (f *fakeResources) SearchPatients(_ context.Context, q lifeboat.PatientQuery) ([]*lifeboat.Resource, error) {
	var out []*lifeboat.Resource
	for _, r := range f.m {
		if r.Type != "Patient" || r.Deleted || r.ID <= q.After || q.ID != "" && r.ID != q.ID ||
			q.Identifier != "" && !slices.ContainsFunc(r.Index.Identifiers, func(i lifeboat.Identifier) bool {
				return i.Value == q.Identifier && (q.IdentifierSystem == "" || i.System == q.IdentifierSystem)
			}) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *lifeboat.Resource) int { return strings.Compare(a.ID, b.ID) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}
func (f *fakeResources) ResolveIdentifier(context.Context, string, string, string) (string, error) {
	return "", nil
}
func (f *fakeResources) ResolveID(context.Context, string) (string, error) { return "", nil }
func (f *fakeResources) CountResources(context.Context) (map[string]int, error) {
	return map[string]int{"Patient": 1, "Observation": 2}, nil
}

// env is a test server with its fakes.
type env struct {
	t       *testing.T
	s       *Server
	clock   *clock
	charts  *fakeCharts
	users   *fakeUsers
	audit   *fakeAudit
	rejects *fakeRejects
	logs    *syncBuffer
	ts      *httptest.Server
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// fakeCheck stands in for password.Verify: hashes are "plain:" + password.
func fakeCheck(pw, hash string) (bool, error) {
	p, ok := strings.CutPrefix(hash, "plain:")
	return ok && p == pw, nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: t0}, charts: fixtureCharts(), users: newFakeUsers(),
		audit: &fakeAudit{}, rejects: &fakeRejects{rs: []*lifeboat.Reject{{ID: 7, Received: t0,
			Source: lifeboat.Source{Kind: "file", Name: "Patient.000.ndjson", Ref: "line 3"},
			Reason: "missing resourceType", Raw: []byte(`{"name":"<b>x</b>"}`)}}},
		logs: &syncBuffer{}}
	ctx := context.Background()
	for _, u := range []*lifeboat.User{
		{Name: "nurse", Role: lifeboat.RoleClinician, PasswordHash: "plain:nurse-password"},
		{Name: "admin", Role: lifeboat.RoleAdmin, PasswordHash: "plain:admin-password"},
		{Name: "gone", Role: lifeboat.RoleClinician, PasswordHash: "plain:gone-password", Disabled: true},
	} {
		_ = e.users.CreateUser(ctx, u)
	}
	e.s = &Server{
		Charts: e.charts, Users: e.users, Audit: e.audit, Rejects: e.rejects,
		Sources:       &fakeSources{ss: []lifeboat.SourceStatus{{Kind: "file", Name: "bulk", LastReceived: t0.Add(-time.Hour), Resources: 12}}},
		Resources:     fixtureResources(),
		CheckPassword: fakeCheck, Now: e.clock.Now, Registry: prometheus.NewRegistry(),
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HospitalName: "St Test",
	}
	e.ts = httptest.NewServer(e.s.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// client is a browser-like client with a cookie jar that does not follow
// redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *e.ts.Client() // a copy: ts.Client returns one shared client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the response with its body read.
func (e *env) do(c *http.Client, method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login signs in through the login form and returns the response to POST.
func (e *env) login(c *http.Client, user, pw, next string) (*http.Response, string) {
	e.t.Helper()
	_, page := e.do(c, "GET", "/login", nil)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("login page has no csrf field:\n%s", page)
	}
	return e.do(c, "POST", "/login", url.Values{"username": {user}, "password": {pw}, "csrf": {m[1]}, "next": {next}})
}

// session returns a client signed in as user.
func (e *env) session(user string) *http.Client {
	e.t.Helper()
	c := e.client()
	resp, body := e.login(c, user, user+"-password", "/")
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d\n%s", user, resp.StatusCode, body)
	}
	return c
}

// csrf returns the CSRF token from a signed-in page.
func (e *env) csrf(c *http.Client) string {
	e.t.Helper()
	_, page := e.do(c, "GET", "/", nil)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no csrf field on /")
	}
	return m[1]
}
