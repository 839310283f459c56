package bulk

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// fakeFile is one file the fake EHR serves.
type fakeFile struct {
	typ  string
	body []byte
	gzip string // "header": Content-Encoding gzip; "raw": gzip bytes without the header
}

// fakeEHR is a FHIR server with $export, written for these tests.
type fakeEHR struct {
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	output       []string // file names in manifest order
	deleted      []string
	errors       []string
	files        map[string]*fakeFile
	tt           []string // transactionTime of each export, in turn (the last repeats)
	polls        int      // 202 answers before the manifest
	retryAfter   func() string
	progress     string
	requiresTok  bool
	token        string // bearer token required everywhere if set
	kickoffs     []*http.Request
	jobs         map[string]int // job id -> polls so far
	jobTT        map[string]string
	deletedJobs  []string
	requests     map[string]int // "METHOD path" -> count
	hook         func(w http.ResponseWriter, r *http.Request) bool
	nextJob      int
	tokenURL     string      // the token endpoint advertised by discovery
	statusHeader http.Header // last status request's headers
	fileHeader   http.Header // last file request's headers
}

func newFakeEHR(t testing.TB) *fakeEHR {
	e := &fakeEHR{t: t, files: map[string]*fakeFile{}, jobs: map[string]int{}, jobTT: map[string]string{},
		requests: map[string]int{}, tt: []string{"2026-03-01T07:59:58.123Z"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fhir/$export", e.kickoff)
	mux.HandleFunc("GET /fhir/Patient/$export", e.kickoff)
	mux.HandleFunc("GET /fhir/Group/{id}/$export", e.kickoff)
	mux.HandleFunc("GET /jobs/{id}", e.status)
	mux.HandleFunc("DELETE /jobs/{id}", e.cancel)
	mux.HandleFunc("GET /files/{name}", e.file)
	mux.HandleFunc("GET /fhir/.well-known/smart-configuration", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_endpoint":                                   e.tokenURL,
			"token_endpoint_auth_methods_supported":            []string{"private_key_jwt"},
			"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
			"scopes_supported":                                 []string{"system/*.read"},
		})
	})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests[r.Method+" "+r.URL.Path]++
		hook := e.hook
		tok := e.token
		e.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		if tok != "" && r.Header.Get("Authorization") != "Bearer "+tok && !strings.Contains(r.URL.Path, "/.well-known/") &&
			(!strings.HasPrefix(r.URL.Path, "/files/") || e.requiresTok) {
			outcome(w, http.StatusUnauthorized, "login")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *fakeEHR) base() string { return e.srv.URL + "/fhir" }

// addFile adds a file of the given kind ("output", "deleted", "error").
func (e *fakeEHR) addFile(kind, name, typ string, body []byte) *fakeFile {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := &fakeFile{typ: typ, body: body}
	e.files[name] = f
	switch kind {
	case "output":
		e.output = append(e.output, name)
	case "deleted":
		e.deleted = append(e.deleted, name)
	case "error":
		e.errors = append(e.errors, name)
	}
	return f
}

func (e *fakeEHR) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests[key]
}

func (e *fakeEHR) kickoff(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Header.Get("Prefer") != "respond-async" || r.Header.Get("Accept") != "application/fhir+json" {
		outcome(w, http.StatusBadRequest, "invalid")
		return
	}
	e.kickoffs = append(e.kickoffs, r)
	e.nextJob++
	id := fmt.Sprint(e.nextJob)
	e.jobs[id] = 0
	e.jobTT[id] = e.tt[min(len(e.kickoffs), len(e.tt))-1]
	w.Header().Set("Content-Location", e.srv.URL+"/jobs/"+id)
	w.WriteHeader(http.StatusAccepted)
}

func (e *fakeEHR) status(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.statusHeader = r.Header.Clone()
	id := r.PathValue("id")
	n, ok := e.jobs[id]
	if !ok {
		outcome(w, http.StatusNotFound, "not-found")
		return
	}
	if n < e.polls {
		e.jobs[id]++
		if e.retryAfter != nil {
			w.Header().Set("Retry-After", e.retryAfter())
		}
		if e.progress != "" {
			w.Header().Set("X-Progress", e.progress)
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	item := func(name string) map[string]any {
		return map[string]any{"type": e.files[name].typ, "url": e.srv.URL + "/files/" + name}
	}
	m := map[string]any{
		"transactionTime":     e.jobTT[id],
		"request":             e.srv.URL + "/fhir/$export",
		"requiresAccessToken": e.requiresTok,
		"output":              []any{},
		"error":               []any{},
	}
	for _, k := range []struct {
		key   string
		names []string
	}{{"output", e.output}, {"deleted", e.deleted}, {"error", e.errors}} {
		var items []any
		for _, n := range k.names {
			items = append(items, item(n))
		}
		if items != nil {
			m[k.key] = items
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m)
}

func (e *fakeEHR) cancel(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := e.jobs[id]; !ok {
		outcome(w, http.StatusNotFound, "not-found")
		return
	}
	delete(e.jobs, id)
	e.deletedJobs = append(e.deletedJobs, id)
	w.WriteHeader(http.StatusAccepted)
}

func (e *fakeEHR) file(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	f, ok := e.files[r.PathValue("name")]
	e.fileHeader = r.Header.Clone()
	e.mu.Unlock()
	if !ok {
		outcome(w, http.StatusNotFound, "not-found")
		return
	}
	if r.Header.Get("Accept") != "application/fhir+ndjson" {
		outcome(w, http.StatusNotAcceptable, "not-supported")
		return
	}
	body := f.body
	switch f.gzip {
	case "header":
		w.Header().Set("Content-Encoding", "gzip")
		body = gz(body)
	case "raw":
		w.Header().Set("Content-Type", "application/gzip")
		body = gz(body)
	default:
		w.Header().Set("Content-Type", "application/fhir+ndjson")
	}
	_, _ = w.Write(body)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// outcome writes an OperationOutcome with one issue of the given code and
// a diagnostics text that must never reach an error or a log.
func outcome(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":%q,"diagnostics":"Synthetic Patient Zed Quill"}]}`, code)
}

// ndjson returns synthetic resources of type typ with the given ids.
func ndjson(typ string, ids ...string) []byte {
	var b bytes.Buffer
	for _, id := range ids {
		fmt.Fprintf(&b, `{"resourceType":%q,"id":%q,"meta":{"versionId":"1"},"status":"final"}`+"\n", typ, id)
	}
	return b.Bytes()
}

func ids(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// memStore is an in-memory lifeboat.SyncStateStore.
type memStore struct {
	mu   sync.Mutex
	m    map[string]lifeboat.SyncState
	puts int
}

func newMemStore() *memStore { return &memStore{m: map[string]lifeboat.SyncState{}} }

func (s *memStore) SyncState(_ context.Context, source string) (*lifeboat.SyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[source]
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "No sync state.")
	}
	st.Done = slices.Clone(st.Done)
	return &st, nil
}

func (s *memStore) PutSyncState(ctx context.Context, st *lifeboat.SyncState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *st
	c.Done = slices.Clone(st.Done)
	s.m[st.Source] = c
	s.puts++
	return nil
}

func (s *memStore) SyncStates(context.Context) ([]*lifeboat.SyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*lifeboat.SyncState
	for _, st := range s.m {
		c := st
		out = append(out, &c)
	}
	return out, nil
}

func (s *memStore) get(t *testing.T, source string) lifeboat.SyncState {
	t.Helper()
	st, err := s.SyncState(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	return *st
}

// memSink records resources by "Type/id" (keeping one copy of each, as the
// store does) and deletions.
type memSink struct {
	mu        sync.Mutex
	res       map[string]string
	names     []string
	deleted   map[string]time.Time
	deletions int
	before    func(ctx context.Context, name string) // called when a file starts
	active    int
	maxActive int
	fail      string // a file name to fail with a sink error
}

func newMemSink() *memSink {
	return &memSink{res: map[string]string{}, deleted: map[string]time.Time{}}
}

func (s *memSink) Resources(ctx context.Context, typ, name string, r io.Reader) (int64, error) {
	s.mu.Lock()
	s.names = append(s.names, name)
	s.active++
	s.maxActive = max(s.maxActive, s.active)
	before, fail := s.before, s.fail
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	if before != nil {
		before(ctx, name)
	}
	if name == fail {
		return 0, lifeboat.Errorf(lifeboat.EINTERNAL, "Sink refused the file.")
	}
	var n int64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var v struct{ ResourceType, ID string }
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil || v.ResourceType != typ {
			return n, fmt.Errorf("bad line in %s", name)
		}
		s.mu.Lock()
		s.res[v.ResourceType+"/"+v.ID] = sc.Text()
		s.mu.Unlock()
		n++
	}
	return n, sc.Err()
}

func (s *memSink) Delete(_ context.Context, refs []Deleted) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range refs {
		s.deleted[d.Type+"/"+d.ID] = d.When
		delete(s.res, d.Type+"/"+d.ID)
		s.deletions++
	}
	return nil
}

func (s *memSink) has(keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if _, ok := s.res[k]; !ok {
			return fmt.Errorf("missing %s", k)
		}
	}
	return nil
}

// sleeper records the delays asked of Client.Sleep and returns at once.
type sleeper struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) delays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ds)
}

// newClient returns a client of e that never really sleeps.
func newClient(e *fakeEHR, sl *sleeper) *Client {
	c := NewClient(e.base(), nil)
	c.Sleep = sl.Sleep
	c.Now = func() time.Time { return t0 }
	c.MinDelay, c.MaxDelay = 10*time.Millisecond, 40*time.Millisecond
	return c
}

func newSyncer(c *Client, sink Sink, store lifeboat.SyncStateStore) *Syncer {
	return &Syncer{Client: c, Sink: sink, State: store, Source: "ehr", Now: func() time.Time { return t0 }}
}

func query(r *http.Request) url.Values { return r.URL.Query() }
