package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/internal/diskscan"
)

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startCLI runs a long-lived command (demo, serve) in-process until the test
// ends, and returns its standard output as it grows.
func startCLI(t *testing.T, env map[string]string, args ...string) *lockedBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	e := &environment{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, getenv: func(k string) string { return env[k] }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, e, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v ended with %v", args, err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("%v did not stop", args)
		}
	})
	return out
}

// waitFor polls until f returns true or the deadline passes.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// within polls f until it is true, failing the test if that takes longer
// than d: for what the product promises within a time.
func within(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// feedMessages returns how many messages the feeds page counts for a feed.
func feedMessages(c *client, feed string) int {
	_, body := c.get("/admin/feeds")
	i := strings.Index(body, ">"+feed+"<")
	if i < 0 {
		return 0
	}
	m := regexp.MustCompile(`<td>(\d+)</td>`).FindStringSubmatch(body[i:])
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// waitListening waits until addr accepts TCP connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, addr+" listening", func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// startServe runs `lifeboat serve` in-process on the store in dir, on new
// addresses, with an HL7 v2 listener when withMLLP is set, and returns once
// it listens: the HTTP base URL and the MLLP address ("" without).
func startServe(t *testing.T, dir, keyFile string, withMLLP bool) (base, mllpAddr string) {
	t.Helper()
	addr := freeAddr(t)
	args := []string{"serve", "--data", dir, "--key-file", keyFile, "--addr", addr}
	if withMLLP {
		mllpAddr = freeAddr(t)
		args = append(args, "--mllp", mllpAddr)
	}
	startCLI(t, nil, args...)
	waitListening(t, addr)
	if withMLLP {
		waitListening(t, mllpAddr)
	}
	return "http://" + addr, mllpAddr
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// client is a browser-like HTTP client with a cookie jar.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: strings.TrimSuffix(base, "/"), http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// login posts the contract's two form fields and checks it worked.
func (c *client) login(user, pw string) {
	c.t.Helper()
	resp, err := c.http.PostForm(c.base+"/login", url.Values{"username": {user}, "password": {pw}})
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.HasSuffix(resp.Request.URL.Path, "/login") {
		c.t.Fatalf("login as %s: status %d at %s", user, resp.StatusCode, resp.Request.URL.Path)
	}
}

var (
	unitLink    = regexp.MustCompile(`href="(/units/[^"]+)"`)
	patientLink = regexp.MustCompile(`href="(/patients/[^"/]+)"`)
)

func links(re *regexp.Regexp, body string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// TestDemo runs `lifeboat demo`, reads the three lines it prints, logs in
// with them and finds at least 150 patients through the unit pages.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo hospital")
	}
	dir := t.TempDir()
	out := startCLI(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--seed", "3")
	got := map[string]string{}
	waitFor(t, "the demo's URL, User and Password lines", func() bool {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok && (k == "URL" || k == "User" || k == "Password") {
				got[k] = v
			}
		}
		return len(got) == 3
	})
	c := newClient(t, got["URL"])
	if code, body := c.get("/"); code != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Fatalf("anonymous visit: %d, want the login page", code)
	}
	c.login(got["User"], got["Password"])
	_, census := c.get("/")
	units := links(unitLink, census)
	if len(units) < 6 {
		t.Fatalf("census lists %d units, want >= 6", len(units))
	}
	patients := map[string]bool{}
	for _, u := range units {
		code, body := c.get(u)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", u, code)
		}
		for _, p := range links(patientLink, body) {
			patients[p] = true
		}
	}
	if len(patients) < 150 {
		t.Fatalf("found %d patients through the unit pages, want >= 150", len(patients))
	}
	for p := range patients {
		code, body := c.get(p)
		if code != http.StatusOK || !strings.Contains(body, "MRN") {
			t.Fatalf("chart %s: status %d", p, code)
		}
		break
	}
	if _, err := os.Stat(filepath.Join(dir, "demo.key")); err != nil {
		t.Errorf("the demo keeps its key in DIR/demo.key: %v", err)
	}
}

// demoCensus returns the demo's units and the MRNs of its patients by unit page.
func demoCensus(t *testing.T, c *client) (units int, mrns map[string]int) {
	t.Helper()
	_, census := c.get("/")
	us := links(unitLink, census)
	mrns = map[string]int{}
	mrnRE := regexp.MustCompile(`MRN[^<]*?(MRN\d+)`)
	for _, u := range us {
		_, body := c.get(u)
		for _, m := range mrnRE.FindAllStringSubmatch(body, -1) {
			mrns[m[1]]++
		}
	}
	return len(us), mrns
}

// TestDemoWithFeed runs the demo with an MLLP listener and sends it its own
// hospital's HL7 v2 feed: the messages speak of the demo's patients, beds
// and visits, and the store matches them, so the census keeps one row per
// patient and one entry per unit.
func TestDemoWithFeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo hospital")
	}
	out := startCLI(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--seed", "5", "--mllp", "127.0.0.1:0")
	got := map[string]string{}
	waitFor(t, "the demo's lines", func() bool {
		for _, line := range strings.Split(out.String(), "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok {
				got[k] = v
			}
		}
		return got["URL"] != "" && got["Password"] != "" && got["MLLP"] != ""
	})
	c := newClient(t, got["URL"])
	c.login(got["User"], got["Password"])
	unitsBefore, before := demoCensus(t, c)
	feedOut, err := runCLI(t, "", nil, "simulate", "hl7", "--to", got["MLLP"], "--rate", "1000", "--count", "300", "--seed", "5", "--census", "shared")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(feedOut, " AA 300") {
		t.Fatalf("simulate printed:\n%s", feedOut)
	}
	within(t, time.Second, "the feed's 300 messages applied", func() bool { return feedMessages(c, "SIM^ALDERMOOR") >= 300 })
	unitsAfter, after := demoCensus(t, c)
	if unitsAfter != unitsBefore {
		t.Errorf("the census had %d units and has %d after the feed", unitsBefore, unitsAfter)
	}
	for mrn, n := range after {
		if n > 1 {
			t.Errorf("%s is on the census %d times", mrn, n)
		}
	}
	kept := 0
	for mrn := range before {
		if after[mrn] == 1 {
			kept++
		}
	}
	if kept < len(before)*3/4 {
		t.Errorf("only %d of %d patients still on the census after 300 messages", kept, len(before))
	}
	t.Logf("census: %d patients before, %d after (%d kept)", len(before), len(after), kept)
}

// TestImportServeSearch imports FHIR data, serves it, logs in, and finds a
// patient by family name; the data directory holds none of the names.
func TestImportServeSearch(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	src := filepath.Join("testdata", "synthea")
	out, err := runCLI(t, "", nil, "import", "--data", dir, "--key-file", keyFile, src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Patient") {
		t.Fatalf("import printed no per-type counts:\n%s", out)
	}
	if _, err := runCLI(t, "nurse password 1\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "clinician", "nurse"); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, dir, keyFile, false)
	c := newClient(t, base)
	if code, body := c.get("/search?q=" + url.QueryEscape(fixtureFamily)); code != http.StatusOK || strings.Contains(body, fixtureFamily) {
		t.Fatalf("search without login: %d, and the name must not appear", code)
	}
	c.login("nurse", "nurse password 1")
	for _, q := range []string{fixtureFamily, strings.ToLower(fixtureFamily), fixtureMRN, fixtureBirthDate} {
		code, body := c.get("/search?q=" + url.QueryEscape(q))
		if code != http.StatusOK || len(links(patientLink, body)) == 0 {
			t.Errorf("search %q: status %d, %d results", q, code, len(links(patientLink, body)))
		}
	}
	for _, path := range []string{"/metrics", "/healthz"} {
		code, body := newClient(t, base).get(path)
		if code != http.StatusOK {
			t.Errorf("%s: status %d", path, code)
		}
		for _, phi := range []string{fixtureFamily, fixtureGiven, fixtureMRN, fixtureBirthDate} {
			if strings.Contains(body, phi) {
				t.Errorf("%s shows PHI", path)
			}
		}
		if path == "/metrics" {
			for _, want := range []string{`lifeboat_store_resources{type="Patient"} 2`, `lifeboat_source_resources_received_total{kind="file"}`, "lifeboat_store_rejects 0", "lifeboat_http_requests_total"} {
				if !strings.Contains(body, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		}
	}
	assertNoPlaintext(t, dir, fixtureFamily, fixtureGiven, fixtureMRN)
}

// assertNoPlaintext fails if any file under dir contains any of the words.
func assertNoPlaintext(t *testing.T, dir string, words ...string) {
	t.Helper()
	found, files, err := diskscan.Find(dir, words...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s in clear", f)
	}
	if files == 0 {
		t.Fatal("no files in the data directory")
	}
}
