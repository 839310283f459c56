package ehr

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the fixed time the test hospitals are generated at.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// env is a test server with its clock and an HTTP client that does not
// ask for gzip by itself.
type env struct {
	srv   *Server
	ts    *httptest.Server
	clock *clock
	hc    *http.Client
	token string // bearer token sent with every request, if any
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	c := &clock{t: t0}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = -1
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &env{srv: s, ts: ts, clock: c, hc: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
}

// do sends a request with the env's token and the given headers.
func (e *env) do(t testing.TB, method, url string, hdr ...string) *http.Response {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = e.ts.URL + url
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// body reads and closes a response body.
func body(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// expectOutcome checks a response is an OperationOutcome with the status.
func expectOutcome(t testing.TB, resp *http.Response, status int) string {
	t.Helper()
	b := body(t, resp)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b)
	}
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity, Code, Diagnostics string
		} `json:"issue"`
	}
	if err := json.Unmarshal(b, &oo); err != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
		t.Fatalf("not an OperationOutcome: %s", b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/fhir+json" {
		t.Errorf("OperationOutcome Content-Type %q", ct)
	}
	return oo.Issue[0].Code
}

// kickoff starts an export and returns its status URL.
func (e *env) kickoff(t testing.TB, path string) string {
	t.Helper()
	resp := e.do(t, "GET", path, "Prefer", "respond-async", "Accept", "application/fhir+json")
	b := body(t, resp)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("kick-off %s: %d %s", path, resp.StatusCode, b)
	}
	loc := resp.Header.Get("Content-Location")
	if !strings.HasPrefix(loc, e.ts.URL+"/fhir/") {
		t.Fatalf("Content-Location %q is not an absolute URL on the server", loc)
	}
	return loc
}

// manifest is a completion manifest as a client reads it.
type manifest struct {
	TransactionTime     time.Time `json:"transactionTime"`
	Request             string    `json:"request"`
	RequiresAccessToken bool      `json:"requiresAccessToken"`
	Output              []item    `json:"output"`
	Deleted             []item    `json:"deleted"`
	Error               []item    `json:"error"`
}

type item struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

// poll polls until the manifest comes and returns it with the number of
// 202 answers before it.
func (e *env) poll(t testing.TB, status string) (*manifest, int) {
	t.Helper()
	for n := 0; n < 100; n++ {
		resp := e.do(t, "GET", status, "Accept", "application/json")
		b := body(t, resp)
		switch resp.StatusCode {
		case http.StatusAccepted:
			if resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-Progress") == "" {
				t.Fatalf("202 without Retry-After or X-Progress: %v", resp.Header)
			}
			continue
		case http.StatusOK:
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("manifest Content-Type %q", ct)
			}
			var m manifest
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("manifest: %v: %s", err, b)
			}
			return &m, n
		default:
			t.Fatalf("status poll: %d %s", resp.StatusCode, b)
		}
	}
	t.Fatal("the export never finished")
	return nil, 0
}

// download fetches an NDJSON file and returns its lines.
func (e *env) download(t testing.TB, url string) [][]byte {
	t.Helper()
	resp := e.do(t, "GET", url, "Accept", "application/fhir+ndjson")
	b := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %d %s", url, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/fhir+ndjson" {
		t.Errorf("file Content-Type %q", ct)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines
}

// res is what the tests read from an exported resource.
type res struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID   string    `json:"versionId"`
		LastUpdated time.Time `json:"lastUpdated"`
	} `json:"meta"`
	Subject *struct {
		Reference string `json:"reference"`
	} `json:"subject"`
	Patient *struct {
		Reference string `json:"reference"`
	} `json:"patient"`
}

// export runs a whole export and returns the manifest and the resources of
// each output file by type.
func (e *env) export(t testing.TB, path string) (*manifest, map[string][]res) {
	t.Helper()
	m, _ := e.poll(t, e.kickoff(t, path))
	out := map[string][]res{}
	for _, it := range m.Output {
		lines := e.download(t, it.URL)
		if len(lines) != it.Count {
			t.Errorf("%s: %d lines, manifest says %d", it.URL, len(lines), it.Count)
		}
		for _, l := range lines {
			var r res
			if err := json.Unmarshal(l, &r); err != nil {
				t.Fatalf("%s: %v: %s", it.URL, err, l)
			}
			if r.ResourceType != it.Type {
				t.Fatalf("%s: a %s in a %s file", it.URL, r.ResourceType, it.Type)
			}
			out[it.Type] = append(out[it.Type], r)
		}
	}
	return m, out
}

// deletedURLs reads the deleted files of a manifest.
func (e *env) deletedURLs(t testing.TB, m *manifest) []string {
	t.Helper()
	var urls []string
	for _, it := range m.Deleted {
		if it.Type != "Bundle" {
			t.Errorf("deleted file of type %q", it.Type)
		}
		for _, l := range e.download(t, it.URL) {
			var b struct {
				ResourceType, Type string
				Entry              []struct {
					Request struct{ Method, URL string }
				}
			}
			if err := json.Unmarshal(l, &b); err != nil {
				t.Fatal(err)
			}
			if b.ResourceType != "Bundle" || b.Type != "transaction" || len(b.Entry) == 0 {
				t.Fatalf("deleted line is not a transaction Bundle: %s", l)
			}
			for _, en := range b.Entry {
				if en.Request.Method != "DELETE" {
					t.Fatalf("deleted entry with method %q", en.Request.Method)
				}
				urls = append(urls, en.Request.URL)
			}
		}
	}
	return urls
}
