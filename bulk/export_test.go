package bulk

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestExportRequestURL(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		r    ExportRequest
		want string
	}{
		{ExportRequest{}, "https://ehr.example/fhir/$export?_outputFormat=application%2Ffhir%2Bndjson"},
		{ExportRequest{Level: GroupLevel, Group: "icu-1", Types: []string{"Patient", "Encounter"}, Since: since},
			"https://ehr.example/fhir/Group/icu-1/$export?_outputFormat=application%2Ffhir%2Bndjson&_since=2026-01-02T02%3A04%3A05.6Z&_type=Patient%2CEncounter"},
		{ExportRequest{Level: PatientLevel}, "https://ehr.example/fhir/Patient/$export?_outputFormat=application%2Ffhir%2Bndjson"},
	} {
		got, err := tc.r.URL("https://ehr.example/fhir/")
		if err != nil || got != tc.want {
			t.Errorf("%+v: %s, %v\nwant %s", tc.r, got, err, tc.want)
		}
	}
	for _, r := range []ExportRequest{
		{Level: GroupLevel},
		{Level: GroupLevel, Group: "a/b"},
		{Types: []string{"Patient", "bad type"}},
		{Level: "ward"},
	} {
		if _, err := r.URL("https://ehr.example/fhir"); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", r, err)
		}
	}
	if _, err := (ExportRequest{}).URL("ftp://ehr.example"); err == nil {
		t.Error("ftp base accepted")
	}
}

func TestWaitRetryAfterHTTPDate(t *testing.T) {
	e := newFakeEHR(t)
	e.polls = 2
	e.retryAfter = func() string { return t0.Add(7 * time.Second).Format(http.TimeFormat) }
	sl := &sleeper{}
	c := newClient(e, sl)
	job, err := c.Kickoff(context.Background(), ExportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Wait(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if m.TransactionTime.IsZero() {
		t.Error("no transactionTime")
	}
	if d := sl.delays(); len(d) != 2 || d[0] != 7*time.Second || d[1] != 7*time.Second {
		t.Errorf("sleeps %v, want 7s twice", d)
	}
}

func TestWaitRetryAfterCapped(t *testing.T) {
	e := newFakeEHR(t)
	e.polls = 1
	e.retryAfter = func() string { return "86400" }
	sl := &sleeper{}
	c := newClient(e, sl)
	c.MaxRetryAfter = 10 * time.Minute
	job, _ := c.Kickoff(context.Background(), ExportRequest{})
	if _, err := c.Wait(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if d := sl.delays(); len(d) != 1 || d[0] != 10*time.Minute {
		t.Errorf("sleeps %v", d)
	}
}

func TestWaitBackoffWithoutRetryAfter(t *testing.T) {
	e := newFakeEHR(t)
	e.polls = 8
	sl := &sleeper{}
	c := newClient(e, sl) // 10ms to 40ms
	job, _ := c.Kickoff(context.Background(), ExportRequest{})
	if _, err := c.Wait(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	d := sl.delays()
	if len(d) != 8 {
		t.Fatalf("sleeps %v", d)
	}
	for i, v := range d {
		lo := 10 * time.Millisecond
		if i >= 2 {
			lo = 20 * time.Millisecond // half of the 40ms cap: jitter stays in the upper half
		}
		if v < lo || v > 40*time.Millisecond {
			t.Errorf("sleep %d = %v, want between %v and 40ms", i, v, lo)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c := &Client{MinDelay: time.Second, MaxDelay: 30 * time.Second}
	for n := range 70 {
		for range 20 {
			d := c.backoff(n)
			if d < time.Second || d > 30*time.Second {
				t.Fatalf("backoff(%d) = %v", n, d)
			}
		}
	}
	if d := (&Client{}).backoff(0); d != DefaultMinDelay {
		t.Errorf("default first backoff %v", d)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	c := &Client{Now: func() time.Time { return t0 }}
	for v, want := range map[string]time.Duration{
		"":    0,
		"0":   0,
		"-5":  0,
		"120": 2 * time.Minute,
		t0.Add(90 * time.Second).Format(http.TimeFormat):  90 * time.Second,
		t0.Add(-90 * time.Second).Format(http.TimeFormat): 0,
		"soon":        0,
		"99999999999": DefaultMaxRetryAfter,
	} {
		if got := c.retryAfter(http.Header{"Retry-After": {v}}); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

// TestStatusRetries answers the status URL with 429 (throttled, with
// Retry-After), 503 with a transient outcome, 500 without a body and a 400
// with a transient code before the manifest: all are retried.
func TestStatusRetries(t *testing.T) {
	e := newFakeEHR(t)
	var n atomic.Int32
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/jobs/") {
			return false
		}
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "5")
			outcome(w, http.StatusTooManyRequests, "throttled")
		case 2:
			outcome(w, http.StatusServiceUnavailable, "transient")
		case 3:
			w.WriteHeader(http.StatusInternalServerError)
		case 4:
			outcome(w, http.StatusBadRequest, "timeout")
		default:
			return false
		}
		return true
	}
	sl := &sleeper{}
	c := newClient(e, sl)
	c.MaxRetries = 4
	job, _ := c.Kickoff(context.Background(), ExportRequest{})
	if _, err := c.Wait(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if d := sl.delays(); len(d) != 4 || d[0] != 5*time.Second || d[1] > 40*time.Millisecond {
		t.Errorf("sleeps %v", d)
	}
}

func TestStatusGivesUp(t *testing.T) {
	e := newFakeEHR(t)
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/jobs/") {
			outcome(w, http.StatusServiceUnavailable, "transient")
			return true
		}
		return false
	}
	c := newClient(e, &sleeper{})
	c.MaxRetries = 2
	job, _ := c.Kickoff(context.Background(), ExportRequest{})
	_, err := c.Wait(context.Background(), job)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 || !se.Temporary() || lifeboat.ErrorCode(err) != lifeboat.EINTERNAL {
		t.Fatalf("err %v", err)
	}
	if got := e.count("GET /jobs/1"); got != 3 {
		t.Errorf("%d status requests, want 3", got)
	}
}

func TestStatusFailedExport(t *testing.T) {
	e := newFakeEHR(t)
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/jobs/") {
			outcome(w, http.StatusBadRequest, "too-costly")
			return true
		}
		return false
	}
	c := newClient(e, &sleeper{})
	job, _ := c.Kickoff(context.Background(), ExportRequest{})
	_, err := c.Wait(context.Background(), job)
	if lifeboat.ErrorCode(err) != lifeboat.EINVALID || !strings.Contains(err.Error(), "status: HTTP 400 (too-costly)") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "Zed") {
		t.Errorf("diagnostics leaked: %v", err)
	}
	if e.count("GET /jobs/1") != 1 {
		t.Error("a failed export was polled again")
	}
}

func TestKickoffRetried(t *testing.T) {
	e := newFakeEHR(t)
	var n atomic.Int32
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "$export") && n.Add(1) == 1 {
			w.Header().Set("Retry-After", "2")
			outcome(w, http.StatusTooManyRequests, "throttled")
			return true
		}
		return false
	}
	sl := &sleeper{}
	job, err := newClient(e, sl).Kickoff(context.Background(), ExportRequest{})
	if err != nil || !strings.HasSuffix(job, "/jobs/1") {
		t.Fatalf("job %q, %v", job, err)
	}
	if d := sl.delays(); len(d) != 1 || d[0] != 2*time.Second {
		t.Errorf("sleeps %v", d)
	}
}

func TestKickoffWithoutContentLocation(t *testing.T) {
	e := newFakeEHR(t)
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusAccepted)
		return true
	}
	_, err := newClient(e, &sleeper{}).Kickoff(context.Background(), ExportRequest{})
	if lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("err %v", err)
	}
}

// flipToken is a TokenSource that hands out "old" until told it was
// refused, then "new".
type flipToken struct {
	renewed atomic.Int32
}

func (f *flipToken) Token(context.Context) (string, error) {
	if f.renewed.Load() > 0 {
		return "new", nil
	}
	return "old", nil
}

func (f *flipToken) Invalidate(tok string) {
	if tok == "old" {
		f.renewed.Add(1)
	}
}

func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	e := newFakeEHR(t)
	e.token = "new"
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	e.requiresTok = true
	c := newClient(e, &sleeper{})
	ft := &flipToken{}
	c.Auth = ft
	if _, err := newSyncer(c, newMemSink(), newMemStore()).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ft.renewed.Load() != 1 || e.count("GET /fhir/$export") != 2 {
		t.Errorf("renewed %d, kick-offs %d", ft.renewed.Load(), e.count("GET /fhir/$export"))
	}

	// A server that refuses every token: one renewal, then a clear error.
	e2 := newFakeEHR(t)
	e2.token = "never"
	c2 := newClient(e2, &sleeper{})
	c2.Auth = &flipToken{}
	_, err := c2.Kickoff(context.Background(), ExportRequest{})
	if lifeboat.ErrorCode(err) != lifeboat.EUNAUTHORIZED {
		t.Fatalf("err %v", err)
	}
	if got := e2.count("GET /fhir/$export"); got != 2 {
		t.Errorf("%d kick-off requests, want 2", got)
	}
}

func TestDownloadStall(t *testing.T) {
	e := newFakeEHR(t)
	var n atomic.Int32
	e.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/files/x" && n.Add(1) == 1 {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return true
		}
		return false
	}
	e.addFile("output", "x", "Patient", ndjson("Patient", "p1"))
	c := newClient(e, &sleeper{})
	c.IdleTimeout = 50 * time.Millisecond
	var got []byte
	_, err := c.Download(context.Background(), e.srv.URL+"/files/x", false, func(r io.Reader) error {
		var err error
		got, err = io.ReadAll(r)
		return err
	})
	if err != nil || !strings.Contains(string(got), `"p1"`) || n.Load() != 2 {
		t.Fatalf("got %q, %v, %d requests", got, err, n.Load())
	}
}

func TestRedact(t *testing.T) {
	got := redact("https://user:pw@files.example/out/a.ndjson?X-Amz-Signature=secret#frag")
	if got != "https://files.example/out/a.ndjson" {
		t.Errorf("redact: %s", got)
	}
}

func TestDownloadRefusesHTTPSDowngrade(t *testing.T) {
	if _, err := resolve("https://ehr.example/fhir", "http://files.example/a"); err == nil {
		t.Error("downgrade accepted")
	}
	if u, err := resolve("https://ehr.example/fhir/$export", "/jobs/1"); err != nil || u != "https://ehr.example/jobs/1" {
		t.Errorf("relative: %s, %v", u, err)
	}
}
