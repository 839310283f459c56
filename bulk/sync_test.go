package bulk

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestSyncHappyPath(t *testing.T) {
	e := newFakeEHR(t)
	e.polls = 2
	e.retryAfter = func() string { return "3" }
	e.progress = "50% complete"
	e.token, e.requiresTok = "tok-1", true
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", ids("p", 3)...))
	e.addFile("output", "o0.ndjson", "Observation", ndjson("Observation", ids("o", 5)...))
	e.addFile("output", "o1.ndjson", "Observation", ndjson("Observation", ids("q", 4)...))
	sl := &sleeper{}
	c := newClient(e, sl)
	c.Auth = StaticToken("tok-1")
	sink, store := newMemSink(), newMemStore()
	s := newSyncer(c, sink, store)
	s.Export = ExportRequest{Level: PatientLevel, Types: []string{"Patient", "Observation"}}

	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Resources; got["Patient"] != 3 || got["Observation"] != 9 || res.Total() != 12 {
		t.Errorf("resources %v", got)
	}
	if res.Files != 3 || res.SkippedFiles != 0 || res.Resumed || res.Bytes == 0 {
		t.Errorf("result %+v", res)
	}
	if err := sink.has("Patient/p2", "Observation/o4", "Observation/q3"); err != nil {
		t.Error(err)
	}
	if !slices.Equal(sl.delays(), []time.Duration{3 * time.Second, 3 * time.Second}) {
		t.Errorf("sleeps %v, want Retry-After 3s twice", sl.delays())
	}
	// The kick-off.
	if len(e.kickoffs) != 1 {
		t.Fatalf("%d kick-offs", len(e.kickoffs))
	}
	k := e.kickoffs[0]
	q := query(k)
	if k.URL.Path != "/fhir/Patient/$export" || q.Get("_type") != "Patient,Observation" ||
		q.Get("_outputFormat") != "application/fhir+ndjson" || q.Has("_since") {
		t.Errorf("kick-off %s", k.URL)
	}
	if e.statusHeader.Get("Accept") != "application/json" {
		t.Errorf("status Accept %q", e.statusHeader.Get("Accept"))
	}
	if e.fileHeader.Get("Authorization") != "Bearer tok-1" || e.fileHeader.Get("Accept") != "application/fhir+ndjson" {
		t.Errorf("file request headers %v", e.fileHeader)
	}
	// The state.
	st := store.get(t, "ehr")
	tt, _ := time.Parse(time.RFC3339Nano, "2026-03-01T07:59:58.123Z")
	if !st.Since.Equal(tt) || st.Job != "" || st.Done != nil || !st.LastSuccess.Equal(t0) ||
		st.LastError != "" || st.Resources != 12 || st.Total != 12 || st.URL != e.base() {
		t.Errorf("state %+v", st)
	}
	if !slices.Equal(e.deletedJobs, []string{"1"}) {
		t.Errorf("deleted jobs %v", e.deletedJobs)
	}
	// Names are per type, in manifest order.
	slices.Sort(sink.names)
	if !slices.Equal(sink.names, []string{"Observation.000.ndjson", "Observation.001.ndjson", "Patient.000.ndjson"}) {
		t.Errorf("names %v", sink.names)
	}
}

func TestSyncNoTokenForFilesUnlessRequired(t *testing.T) {
	e := newFakeEHR(t)
	e.token = "tok-1" // kick-off and status need it; files do not
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	c := newClient(e, &sleeper{})
	c.Auth = StaticToken("tok-1")
	if _, err := newSyncer(c, newMemSink(), newMemStore()).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := e.fileHeader.Get("Authorization"); h != "" {
		t.Errorf("token sent to the file server: %q", h)
	}
}

func TestSyncIncrementalSince(t *testing.T) {
	e := newFakeEHR(t)
	e.tt = []string{"2026-03-01T07:00:00.5+01:00", "2026-03-01T09:00:00Z"}
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	store := newMemStore()
	c := newClient(e, &sleeper{})
	for range 2 {
		if _, err := newSyncer(c, newMemSink(), store).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.kickoffs) != 2 {
		t.Fatalf("%d kick-offs", len(e.kickoffs))
	}
	if q := query(e.kickoffs[0]); q.Has("_since") {
		t.Errorf("first sync sent _since %q", q.Get("_since"))
	}
	if got := query(e.kickoffs[1]).Get("_since"); got != "2026-03-01T06:00:00.5Z" {
		t.Errorf("second _since %q, want the first transactionTime", got)
	}
	st := store.get(t, "ehr")
	if !st.Since.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) || st.Total != 2 || st.Resources != 1 {
		t.Errorf("state %+v", st)
	}
}

func TestSyncDeletedAndErrorFiles(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1", "p2"))
	e.addFile("deleted", "d0.ndjson", "Bundle", []byte(
		`{"resourceType":"Bundle","type":"transaction","entry":[`+
			`{"request":{"method":"DELETE","url":"Patient/p9"}},`+
			`{"request":{"method":"DELETE","url":"Observation/o7"},"response":{"lastModified":"2026-02-28T10:00:00Z"}},`+
			`{"request":{"method":"PUT","url":"Observation/o8"}}]}`+"\n"+
			"not json\n"+
			`{"resourceType":"Bundle","entry":[{"request":{"method":"DELETE","url":"https://ehr.example/fhir/Encounter/e1/"}}]}`+"\n"))
	e.addFile("error", "e0.ndjson", "OperationOutcome", []byte(
		`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Synthetic Patient Zed Quill"},{"severity":"warning","code":"processing"}]}`+"\n"+
			`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"Not A Code"}]}`+"\n"))
	store := newMemStore()
	since := time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)
	_ = store.PutSyncState(context.Background(), &lifeboat.SyncState{Source: "ehr", URL: e.base(), Since: since})
	sink := newMemSink()
	res, err := newSyncer(newClient(e, &sleeper{}), sink, store).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := time.Parse(time.RFC3339, "2026-03-01T07:59:58.123Z")
	want := map[string]time.Time{
		"Patient/p9":     tt,
		"Observation/o7": time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC),
		"Encounter/e1":   tt,
	}
	if len(sink.deleted) != len(want) {
		t.Errorf("deleted %v", sink.deleted)
	}
	for k, w := range want {
		if got, ok := sink.deleted[k]; !ok || !got.Equal(w) {
			t.Errorf("deleted %s at %v, want %v", k, got, w)
		}
	}
	if res.Deleted != 3 || res.DeletedInvalid != 2 {
		t.Errorf("deleted %d, invalid %d", res.Deleted, res.DeletedInvalid)
	}
	o := res.Outcomes
	if o.Issues != 3 || o.Codes["not-found"] != 1 || o.Codes["processing"] != 1 || o.Codes["unknown"] != 1 {
		t.Errorf("outcomes %+v", o)
	}
	if st := store.get(t, "ehr"); st.Deleted != 3 || st.Resources != 2 {
		t.Errorf("state %+v", st)
	}
	if got := query(e.kickoffs[0]).Get("_since"); got != "2026-02-27T00:00:00Z" {
		t.Errorf("_since %q", got)
	}
}

func TestSyncGzip(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", ids("p", 50)...)).gzip = "header"
	e.addFile("output", "o0.ndjson.gz", "Observation", ndjson("Observation", ids("o", 70)...)).gzip = "raw"
	sink := newMemSink()
	res, err := newSyncer(newClient(e, &sleeper{}), sink, newMemStore()).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Resources["Patient"] != 50 || res.Resources["Observation"] != 70 {
		t.Errorf("resources %v", res.Resources)
	}
	if err := sink.has("Patient/p49", "Observation/o69"); err != nil {
		t.Error(err)
	}
	if e.fileHeader.Get("Accept-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding %q", e.fileHeader.Get("Accept-Encoding"))
	}
}

func TestSyncParallelDownloads(t *testing.T) {
	for _, conc := range []int{0, 2} {
		want := orDefault(conc, DefaultConcurrency)
		e := newFakeEHR(t)
		for i := range 9 {
			name := "f" + string(rune('a'+i)) + ".ndjson"
			e.addFile("output", name, "Observation", ndjson("Observation", ids(name, 20)...))
		}
		sink := newMemSink()
		// Every file waits until want files are being imported at once: the
		// run completes only if the syncer really downloads in parallel.
		full := make(chan struct{})
		sink.before = func(ctx context.Context, name string) {
			sink.mu.Lock()
			if sink.active == want {
				select {
				case <-full:
				default:
					close(full)
				}
			}
			sink.mu.Unlock()
			select {
			case <-full:
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				t.Errorf("concurrency %d: only %d imports at once", conc, sink.maxActive)
			}
		}
		s := newSyncer(newClient(e, &sleeper{}), sink, newMemStore())
		s.Concurrency = conc
		res, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sink.maxActive != want || res.Files != 9 || res.Total() != 180 || len(sink.res) != 180 {
			t.Errorf("concurrency %d: max active %d, files %d, resources %d/%d", conc, sink.maxActive, res.Files, res.Total(), len(sink.res))
		}
	}
}

// TestSyncResumeAfterCancel cancels a sync while the second file streams,
// then runs a fresh Syncer on the same state: every file ends up imported
// once, the first is not downloaded again and the job is deleted.
func TestSyncResumeAfterCancel(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", ids("p", 10)...))
	e.addFile("output", "p1.ndjson", "Patient", ndjson("Patient", ids("r", 10)...))
	e.addFile("output", "o0.ndjson", "Observation", ndjson("Observation", ids("o", 10)...))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stall atomic.Bool
	stall.Store(true)
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/files/p1.ndjson" || !stall.Load() {
			return false
		}
		w.Header().Set("Content-Type", "application/fhir+ndjson")
		_, _ = w.Write(ndjson("Patient", "r0", "r1", "r2"))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // keeps streaming until the client goes away
		return true
	}
	sink := newMemSink()
	sink.before = func(_ context.Context, name string) {
		if name == "Patient.001.ndjson" && stall.Load() {
			go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		}
	}
	store := newMemStore()
	s := newSyncer(newClient(e, &sleeper{}), sink, store)
	s.Concurrency = 1
	if _, err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want context.Canceled", err)
	}
	st := store.get(t, "ehr")
	if st.Job == "" || len(st.Done) != 1 || !strings.HasSuffix(st.Done[0], "/files/p0.ndjson") ||
		st.LastError == "" || !st.LastAttempt.Equal(t0) || !st.Since.IsZero() {
		t.Fatalf("state after cancel %+v", st)
	}

	stall.Store(false)
	sink.before = nil
	res, err := newSyncer(newClient(e, &sleeper{}), sink, store).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.SkippedFiles != 1 || res.Files != 2 || res.Total() != 20 {
		t.Errorf("resumed result %+v", res)
	}
	if len(sink.res) != 30 {
		t.Errorf("%d resources in the sink, want 30", len(sink.res))
	}
	for path, want := range map[string]int{"/files/p0.ndjson": 1, "/files/p1.ndjson": 2, "/files/o0.ndjson": 1} {
		if got := e.count("GET " + path); got != want {
			t.Errorf("%s requested %d times, want %d", path, got, want)
		}
	}
	if len(e.kickoffs) != 1 || !slices.Equal(e.deletedJobs, []string{"1"}) {
		t.Errorf("kick-offs %d, deleted jobs %v", len(e.kickoffs), e.deletedJobs)
	}
	st = store.get(t, "ehr")
	if st.Job != "" || st.Done != nil || st.Since.IsZero() || st.LastError != "" {
		t.Errorf("final state %+v", st)
	}
}

func TestSyncResumeJobGone(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	store := newMemStore()
	since := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	_ = store.PutSyncState(context.Background(), &lifeboat.SyncState{Source: "ehr", URL: e.base(), Since: since,
		Job: e.srv.URL + "/jobs/404", Done: []string{e.srv.URL + "/files/p0.ndjson"}})
	sink := newMemSink()
	res, err := newSyncer(newClient(e, &sleeper{}), sink, store).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.kickoffs) != 1 || query(e.kickoffs[0]).Get("_since") != "2026-02-01T00:00:00Z" {
		t.Fatalf("kick-offs %d", len(e.kickoffs))
	}
	if res.Resumed || res.Files != 1 || sink.has("Patient/p1") != nil {
		t.Errorf("result %+v", res)
	}
}

func TestSyncFilesExpiredStartsOver(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	var gone atomic.Int32
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/files/") && gone.Add(1) == 1 {
			outcome(w, http.StatusGone, "not-found")
			return true
		}
		return false
	}
	res, err := newSyncer(newClient(e, &sleeper{}), newMemSink(), newMemStore()).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.kickoffs) != 2 || res.Files != 1 {
		t.Errorf("kick-offs %d, files %d", len(e.kickoffs), res.Files)
	}
}

func TestSyncDownloadRetriedFromStart(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", ids("p", 40)...))
	var attempt atomic.Int32
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/files/p0.ndjson" {
			return false
		}
		switch attempt.Add(1) {
		case 1:
			outcome(w, http.StatusServiceUnavailable, "transient")
			return true
		case 2: // a body cut short
			body := ndjson("Patient", ids("p", 40)...)
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write(body[:len(body)/2])
			return true
		}
		return false
	}
	sl := &sleeper{}
	sink := newMemSink()
	res, err := newSyncer(newClient(e, sl), sink, newMemStore()).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if attempt.Load() != 3 || res.Resources["Patient"] != 40 || len(sink.res) != 40 || len(sl.delays()) != 2 {
		t.Errorf("attempts %d, resources %v, sink %d, sleeps %v", attempt.Load(), res.Resources, len(sink.res), sl.delays())
	}
}

func TestSyncSinkErrorNotRetried(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	sink := newMemSink()
	sink.fail = "Patient.000.ndjson"
	store := newMemStore()
	_, err := newSyncer(newClient(e, &sleeper{}), sink, store).Run(context.Background())
	if err == nil || lifeboat.ErrorCode(err) != lifeboat.EINTERNAL {
		t.Fatalf("err %v", err)
	}
	if n := e.count("GET /files/p0.ndjson"); n != 1 {
		t.Errorf("file requested %d times", n)
	}
	if st := store.get(t, "ehr"); st.LastError == "" || st.Job == "" || len(st.Done) != 0 {
		t.Errorf("state %+v", st)
	}
}

func TestSyncKickoffRefused(t *testing.T) {
	e := newFakeEHR(t)
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "$export") {
			outcome(w, http.StatusBadRequest, "not-supported")
			return true
		}
		return false
	}
	store := newMemStore()
	_, err := newSyncer(newClient(e, &sleeper{}), newMemSink(), store).Run(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 || !slices.Equal(se.Issues, []string{"not-supported"}) {
		t.Fatalf("err %v", err)
	}
	if lifeboat.ErrorCode(err) != lifeboat.EINVALID || !strings.Contains(lifeboat.ErrorMessage(err), "not-supported") {
		t.Errorf("code %s, message %q", lifeboat.ErrorCode(err), lifeboat.ErrorMessage(err))
	}
	st := store.get(t, "ehr")
	if !strings.Contains(st.LastError, "HTTP 400 (not-supported)") || !st.LastAttempt.Equal(t0) || st.Job != "" {
		t.Errorf("state %+v", st)
	}
	if strings.Contains(err.Error(), "Zed") || strings.Contains(st.LastError, "Zed") {
		t.Errorf("outcome text leaked: %v", err)
	}
	if e.count("GET /fhir/$export") != 1 {
		t.Errorf("a 400 was retried")
	}
}

func TestSyncURLChangedStartsFull(t *testing.T) {
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	store := newMemStore()
	_ = store.PutSyncState(context.Background(), &lifeboat.SyncState{Source: "ehr", URL: "https://other.example/fhir",
		Since: t0, Job: "https://other.example/jobs/1"})
	if _, err := newSyncer(newClient(e, &sleeper{}), newMemSink(), store).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q := query(e.kickoffs[0]); q.Has("_since") {
		t.Errorf("_since %q after the URL changed", q.Get("_since"))
	}
}
