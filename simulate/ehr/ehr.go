// Package ehr serves the synthetic hospital of package simulate as a
// hospital EHR's FHIR R4 server: resource reads, and Bulk Data export
// (system, Patient and Group level, with _type, _since and deleted
// resources) behind optional SMART Backend Services authorization.
//
// The hospital lives in memory, each resource pre-rendered once as its NDJSON
// line, and changes over time when Advance is called: new vital signs and
// medication administrations, transfers, discharges, admissions, and
// observations removed as entered in error. An export snapshots what matches
// at kick-off, so its files never change under a client. Faults (throttling,
// transient errors, downloads cut mid-stream, failed exports) can be injected
// to test how a Bulk Data client copes.
//
// How it answers, where the Bulk Data specification leaves a choice:
//   - Patient- and Group-level exports hold the members' compartment
//     resources and also the shared Organization, Location and
//     Practitioner resources; a system-level export holds everything.
//   - There is a Group "all" of every patient, discharged ones included,
//     and one per unit (its id is the unit's Location id) of the patients
//     in its beds at kick-off. With _since, a patient who joined a Group
//     later brings only what changed after _since.
//   - Each output file holds at most Options.FileResources resources.
//     Deleted resources are listed, for _since exports only, in NDJSON
//     files of transaction Bundles of DELETE entries.
//   - Parameters it does not support (_typeFilter, _elements, patient,
//     includeAssociatedData) and unknown types are refused with 400, or,
//     under Prefer: handling=lenient, ignored and reported in the error
//     file. Kick-off is by GET only.
//   - Files are served gzip-compressed when the client accepts it, and
//     otherwise with Content-Length and byte ranges.
//   - With Options.Auth, tokens last five minutes unless configured
//     otherwise, and an export's status and files are visible only to the
//     client that started it.
//
// It backs `lifeboat simulate fhir` and the end-to-end tests and benchmarks
// of Lifeboat's Bulk Data client. Every name in it is made up.
package ehr

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/simulate"
)

// Paths the server answers under.
const (
	// FHIRPath is the FHIR base path: the FHIR base URL is the server's
	// base URL followed by it.
	FHIRPath = "/fhir"
	// TokenPath is the SMART Backend Services token endpoint.
	TokenPath = "/auth/token"
)

// Default values of Options.
const (
	DefaultFileResources = 100000
	DefaultMaxJobs       = 16
)

// Options configures a Server.
type Options struct {
	// Seed selects the hospital (see simulate.Options).
	Seed uint64
	// Patients is the number of admitted patients (simulate.DefaultPatients
	// if 0).
	Patients int
	// Now is the clock (time.Now if nil). The hospital is generated
	// relative to Now() at New; exports take their transactionTime from it.
	Now func() time.Time
	// BaseURL is the server's base URL, without the FHIR path (for example
	// "https://ehr.example.org:8443"). If empty, it is taken from each
	// request's Host (https when the request came over TLS).
	BaseURL string
	// Auth, if set, turns on SMART Backend Services: every FHIR request but
	// metadata and the SMART configuration needs a bearer token.
	Auth *Auth
	// ReadyAfterPolls is how many status polls answer 202 before the
	// manifest: 0 means 1, negative means none.
	ReadyAfterPolls int
	// RetryAfter is the Retry-After, in seconds, of in-progress and
	// throttled answers: 0 means 1, negative means 0.
	RetryAfter int
	// FileResources is the most resources in one output file
	// (DefaultFileResources if 0); larger types are split.
	FileResources int
	// MaxJobs is the most exports kept at once (DefaultMaxJobs if 0); the
	// oldest is dropped to make room. An export is also dropped an hour
	// after its kick-off (by Now), or when its client deletes it.
	MaxJobs int
	// Faults injects failures, for tests.
	Faults Faults
	// Logger receives the server's log (nothing if nil). It carries no
	// patient data.
	Logger *slog.Logger
}

// Faults makes the server fail now and then, so that tests can check how a
// Bulk Data client copes. Every k-th request of a kind (counted over the
// whole server) fails; 0 turns a fault off.
type Faults struct {
	// KickoffEvery answers every k-th export kick-off with 429 Too Many
	// Requests and Retry-After.
	KickoffEvery int
	// StatusEvery answers every k-th status poll with StatusCode. A failed
	// poll does not count towards ReadyAfterPolls.
	StatusEvery int
	// StatusCode is 429 (with Retry-After, the default) or 503 (with
	// Retry-After and a transient OperationOutcome).
	StatusCode int
	// FileEvery answers every k-th file download with FileCode.
	FileEvery int
	// FileCode is 429 or 503 (the default), as StatusCode.
	FileCode int
	// CutEvery cuts every k-th file download after CutAfter bytes of its
	// body by dropping the connection.
	CutEvery int
	// CutAfter is where a cut download stops (half the file if 0).
	CutAfter int64
	// FailEvery makes every k-th export fail: once ready, its status
	// answers 500 with an OperationOutcome.
	FailEvery int
}

// Server is the simulated EHR. It implements http.Handler.
type Server struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	seed    uint64
	started time.Time
	mux     *http.ServeMux
	auth    *authority

	mu        sync.RWMutex // guards st, step, lastStamp, lastTx, target
	st        *store
	step      int
	lastStamp time.Time // when the latest change happened
	lastTx    time.Time // the latest transactionTime given out
	target    int       // the census Advance keeps near: the admitted patients at the first step

	jobsMu sync.Mutex
	jobs   map[string]*job
	order  []string // job ids, oldest first
	jobSeq uint64

	created, updated, deleted atomic.Int64
	exports, polls, downloads atomic.Int64
	bytesOut, tokens          atomic.Int64
	kickoffN, statusN, fileN  atomic.Int64 // requests seen, for Faults
}

// New generates the hospital and returns a server for it.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FileResources == 0 {
		opts.FileResources = DefaultFileResources
	}
	if opts.MaxJobs == 0 {
		opts.MaxJobs = DefaultMaxJobs
	}
	if opts.FileResources < 0 || opts.MaxJobs < 0 {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "FileResources and MaxJobs must not be negative.")
	}
	if opts.Patients < 0 || opts.Patients > simulate.MaxPatients {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "The number of patients must be between 1 and %d.", simulate.MaxPatients)
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	s := &Server{opts: opts, now: opts.Now, log: opts.Logger, seed: opts.Seed, jobs: map[string]*job{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Auth != nil {
		a, err := newAuthority(opts.Auth)
		if err != nil {
			return nil, err
		}
		s.auth = a
	}
	s.started = s.now()
	st, err := load(opts.Seed, opts.Patients, s.started)
	if err != nil {
		return nil, fmt.Errorf("ehr: generate: %w", err)
	}
	s.st = st
	s.routes()
	s.log.Info("ehr: hospital generated", "patients", len(st.pats), "resources", len(st.byKey), "units", len(st.units))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, lifeboat.Errorf(lifeboat.ENOTFOUND, "There is nothing at this address."))
	})
	m.HandleFunc(TokenPath, s.handleToken)
	m.HandleFunc("/.well-known/smart-configuration", s.get(s.handleSMART))
	f := FHIRPath
	m.HandleFunc(f+"/.well-known/smart-configuration", s.get(s.handleSMART))
	m.HandleFunc(f+"/metadata", s.get(s.handleMetadata))
	m.HandleFunc(f+"/$export", s.kickoff(levelSystem))
	m.HandleFunc(f+"/Patient/$export", s.kickoff(levelPatient))
	m.HandleFunc(f+"/Group/{id}/$export", s.kickoff(levelGroup))
	m.HandleFunc(f+"/Group", s.get(s.authed(s.handleGroups)))
	m.HandleFunc(f+"/bulk/{job}", s.handleStatus)
	m.HandleFunc(f+"/bulk/{job}/{file}", s.handleFile)
	m.HandleFunc(f+"/{type}/{id}", s.get(s.authed(s.handleRead)))
	s.mux = m
}

// get lets only GET and HEAD through.
func (s *Server) get(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			outcome(w, http.StatusMethodNotAllowed, "not-supported", "This address only answers GET.")
			return
		}
		h(w, r)
	}
}

// authed requires a valid bearer token when authorization is on.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.bearer(r); err != nil {
			fail(w, err)
			return
		}
		h(w, r)
	}
}

// base returns the server's base URL for a request.
func (s *Server) base(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// retryAfter is the Retry-After header value.
func (s *Server) retryAfter() string {
	switch n := s.opts.RetryAfter; {
	case n == 0:
		return "1"
	case n < 0:
		return "0"
	default:
		return fmt.Sprint(n)
	}
}

// Stats counts what the server holds and has done.
type Stats struct {
	Patients  int // patients, discharged ones included
	Admitted  int // patients with an in-progress encounter
	Resources int // resources held now
	Steps     int // calls of Advance
	Created   int64
	Updated   int64
	Deleted   int64
	Changes   int64 // Created + Updated + Deleted
	Exports   int64 // exports kicked off
	Polls     int64 // status polls answered
	Downloads int64 // file downloads served (cut ones included)
	Bytes     int64 // file bytes written, before any compression
	Tokens    int64 // access tokens issued
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	st := Stats{Patients: len(s.st.pats), Admitted: s.st.admitted, Resources: len(s.st.byKey), Steps: s.step}
	s.mu.RUnlock()
	st.Created, st.Updated, st.Deleted = s.created.Load(), s.updated.Load(), s.deleted.Load()
	st.Changes = st.Created + st.Updated + st.Deleted
	st.Exports, st.Polls, st.Downloads = s.exports.Load(), s.polls.Load(), s.downloads.Load()
	st.Bytes, st.Tokens = s.bytesOut.Load(), s.tokens.Load()
	return st
}

// Counts returns the number of resources of each type held now.
func (s *Server) Counts() map[string]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := map[string]int{}
	for i, l := range s.st.byType {
		if len(l) > 0 {
			m[s.st.types[i]] = len(l)
		}
	}
	return m
}

// Groups returns the ids of the Groups that can be exported: "all" and one
// per unit.
func (s *Server) Groups() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := []string{groupAll}
	for _, u := range s.st.units {
		ids = append(ids, u.id)
	}
	return ids
}

// Run calls Advance every interval until ctx is done, so the hospital keeps
// changing.
func (s *Server) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return lifeboat.Errorf(lifeboat.EINVALID, "The interval between changes must be positive.")
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			st := s.Advance(s.now())
			s.log.Info("ehr: hospital changed", "created", len(st.Created), "updated", len(st.Updated), "deleted", len(st.Deleted))
		}
	}
}

// outcome writes an OperationOutcome with one issue.
func outcome(w http.ResponseWriter, status int, code, msg string) {
	sev := "error"
	if status < 400 {
		sev = "information"
	}
	writeJSON(w, status, "application/fhir+json", map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": sev, "code": code, "diagnostics": msg}},
	})
}

// fail writes err as an OperationOutcome with the status its code calls for.
func fail(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "exception"
	switch lifeboat.ErrorCode(err) {
	case lifeboat.EINVALID:
		status, code = http.StatusBadRequest, "invalid"
	case lifeboat.ENOTFOUND:
		status, code = http.StatusNotFound, "not-found"
	case lifeboat.EUNAUTHORIZED:
		status, code = http.StatusUnauthorized, "login"
		w.Header().Set("WWW-Authenticate", `Bearer realm="lifeboat-ehr"`)
	case lifeboat.EFORBIDDEN:
		status, code = http.StatusForbidden, "forbidden"
	case lifeboat.ECONFLICT:
		status, code = http.StatusConflict, "conflict"
	}
	outcome(w, status, code, lifeboat.ErrorMessage(err))
}

// writeJSON writes v as JSON.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
