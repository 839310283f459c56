package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/simulate/ehr"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// newEHR serves a small synthetic hospital as an EHR with $export.
func newEHR(t *testing.T, now func() time.Time, wrap func(http.Handler) http.Handler) (*ehr.Server, string) {
	t.Helper()
	srv, err := ehr.New(ehr.Options{Seed: 3, Patients: 40, Now: now, ReadyAfterPolls: -1, RetryAfter: -1, FileResources: 1500})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return srv, hs.URL + ehr.FHIRPath
}

var syncCount = regexp.MustCompile(`(?m)^  (\w+) +(\d+)$`)

// syncCounts reads the per-type counts that `lifeboat sync` prints.
func syncCounts(out string) map[string]int {
	got := map[string]int{}
	for _, m := range syncCount.FindAllStringSubmatch(out, -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	return got
}

// storeCounts opens the store and counts its current resources by type.
func storeCounts(t *testing.T, dir, keyFile string) map[string]int {
	t.Helper()
	db := openStore(t, dir, keyFile)
	defer db.Close()
	n, err := db.CountResources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func openStore(t *testing.T, dir, keyFile string) *sqlite.DB {
	t.Helper()
	key, err := readKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// getJSON fetches a FHIR resource and decodes it.
func getJSON(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/fhir+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// TestSyncEndToEnd: the EHR simulator, then `lifeboat sync`, then the
// store, then the FHIR API: what the API returns is what the EHR holds; a
// second sync after changes fetches only the changes and applies deletions.
func TestSyncEndToEnd(t *testing.T) {
	clock := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(clock.UnixNano())
	srv, base := newEHR(t, func() time.Time { return time.Unix(0, now.Load()) }, nil)
	dir, keyFile := newStoreDir(t)
	args := []string{"sync", "--data", dir, "--key-file", keyFile, "--from", base}

	out, err := runCLI(t, "", nil, args...)
	if err != nil {
		t.Fatalf("first sync: %v\n%s", err, out)
	}
	if got, want := syncCounts(out), srv.Counts(); !reflect.DeepEqual(got, want) {
		t.Fatalf("first sync imported %v, the EHR has %v", got, want)
	}
	if !strings.Contains(out, "full export") {
		t.Errorf("first sync is not a full export:\n%s", out)
	}

	now.Add(int64(20 * time.Minute))
	var step ehr.Step
	for step.Deleted == nil || len(step.Created)+len(step.Updated) == 0 {
		now.Add(int64(5 * time.Minute))
		s := srv.Advance(time.Unix(0, now.Load()))
		step.Created = append(step.Created, s.Created...)
		step.Updated = append(step.Updated, s.Updated...)
		step.Deleted = append(step.Deleted, s.Deleted...)
	}
	now.Add(int64(time.Minute))
	out, err = runCLI(t, "", nil, args...)
	if err != nil {
		t.Fatalf("second sync: %v\n%s", err, out)
	}
	changed := map[string]bool{}
	for _, r := range append(step.Created, step.Updated...) {
		changed[r] = true
	}
	for _, r := range step.Deleted {
		delete(changed, r) // changed, then deleted: only the deletion is exported
	}
	total := 0
	for _, n := range syncCounts(out) {
		total += n
	}
	if total != len(changed) || !strings.Contains(out, "changes since") ||
		!strings.Contains(out, fmt.Sprintf("Deleted: %d", len(step.Deleted))) {
		t.Errorf("second sync: want %d changed resources and %d deletions, got:\n%s", len(changed), len(step.Deleted), out)
	}
	if got, want := storeCounts(t, dir, keyFile), srv.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("after the second sync the store has %v, the EHR %v", got, want)
	}

	// The FHIR API serves what the EHR holds.
	if _, err := runCLI(t, "correct horse battery\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "clinician", "api"); err != nil {
		t.Fatal(err)
	}
	tok, err := runCLI(t, "", nil, "token", "--data", dir, "--key-file", keyFile, "api")
	if err != nil {
		t.Fatal(err)
	}
	tok = strings.TrimSpace(tok)
	refs := append(append([]string{}, step.Created...), step.Updated...)
	db := openStore(t, dir, keyFile)
	for typ := range srv.Counts() { // and a few resources of every type
		rs, err := db.Resources(context.Background(), lifeboat.ResourceFilter{Type: typ, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			refs = append(refs, typ+"/"+r.ID)
		}
	}
	db.Close()
	api, _ := startServe(t, dir, keyFile, false)
	compared := 0
	for _, ref := range refs {
		if slices.Contains(step.Deleted, ref) {
			continue
		}
		code, fromEHR := getJSON(t, base+"/"+ref, "")
		if code != http.StatusOK {
			t.Fatalf("%s: the EHR answers %d", ref, code)
		}
		code, fromAPI := getJSON(t, api+"/fhir/"+ref, tok)
		if code != http.StatusOK || !reflect.DeepEqual(fromAPI, fromEHR) {
			t.Errorf("%s: the API answers %d with a resource other than the EHR's", ref, code)
		}
		compared++
	}
	for _, ref := range step.Deleted {
		if code, _ := getJSON(t, api+"/fhir/"+ref, tok); code != http.StatusGone {
			t.Errorf("%s was deleted at the EHR; the API answers %d, want 410", ref, code)
		}
	}
	if compared < 3*len(srv.Counts()) {
		t.Errorf("only %d resources compared", compared)
	}
}

// TestSyncKilledMidDownload kills `lifeboat sync` with SIGKILL while it
// downloads, runs it again, and finds everything stored once: the second
// run resumes the export and skips the files already imported.
func TestSyncKilledMidDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "lifeboat")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var served atomic.Int64 // output files fully served
	slow := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, ".ndjson") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			body := rec.Body.Bytes()
			for len(body) > 0 { // trickle: about 1 s a file
				n := min(len(body), 1+len(rec.Body.Bytes())/20)
				if _, err := w.Write(body[:n]); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				body = body[n:]
				time.Sleep(50 * time.Millisecond)
			}
			served.Add(1)
		})
	}
	srv, base := newEHR(t, nil, slow)
	dir, keyFile := newStoreDir(t)
	cmd := exec.Command(bin, "sync", "--data", dir, "--key-file", keyFile, "--from", base, "--concurrency", "2")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a few files to be served", func() bool { return served.Load() >= 3 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	out, err := exec.Command(bin, "sync", "--data", dir, "--key-file", keyFile, "--from", base).CombinedOutput()
	if err != nil {
		t.Fatalf("sync after the kill: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resumed") || strings.Contains(string(out), "(0 already done)") {
		t.Errorf("the second run did not resume the export:\n%s", out)
	}
	if got, want := storeCounts(t, dir, keyFile), srv.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("after the kill and a second run the store has %v, the EHR %v", got, want)
	}
}

// TestServeSyncsOnSchedule: serve syncs its bulk_sources by itself and shows
// how the last sync went on the sources page and in metrics.
func TestServeSyncsOnSchedule(t *testing.T) {
	srv, base := newEHR(t, nil, nil)
	dir, keyFile := newStoreDir(t)
	if _, err := runCLI(t, "correct horse battery\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "admin", "ann"); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "lifeboat.json")
	cfg := fmt.Sprintf(`{"addr":%q,"bulk_sources":[{"name":"ehr","url":%q,"interval":"1h"},{"name":"down","url":%q,"level":"group","group":"no-such-unit","interval":"1h"}]}`, addr, base, base)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	startCLI(t, nil, "serve", "--data", dir, "--key-file", keyFile, "--config", cfgPath)
	waitListening(t, addr)
	c := newClient(t, "http://"+addr)
	var metrics string
	waitFor(t, "the scheduled syncs to run", func() bool {
		_, metrics = c.get("/metrics")
		return strings.Contains(metrics, `lifeboat_sync_failing{source="down"} 1`) &&
			regexp.MustCompile(`lifeboat_sync_last_success_timestamp_seconds\{source="ehr"\} [1-9]`).MatchString(metrics)
	})
	total := 0
	for _, n := range srv.Counts() {
		total += n
	}
	if !strings.Contains(metrics, fmt.Sprintf(`lifeboat_sync_resources_total{source="ehr"} %d`, total)) {
		t.Errorf("metrics do not count the %d resources synced", total)
	}
	c.login("ann", "correct horse battery")
	code, page := c.get("/admin/sources")
	if code != http.StatusOK || !strings.Contains(page, "FHIR Bulk Data syncs") || !strings.Contains(page, "Failing:") {
		t.Errorf("sources page (%d) does not show the syncs and the failing source", code)
	}
}

// TestSyncWithSMART: a key from `lifeboat smart-key`, its JWKS registered
// with `lifeboat simulate fhir --auth-jwks`, and `lifeboat sync` signing in
// with SMART Backend Services.
func TestSyncWithSMART(t *testing.T) {
	keys := t.TempDir()
	keyFile, jwksFile := filepath.Join(keys, "client.pem"), filepath.Join(keys, "jwks.json")
	jwks, err := runCLI(t, "", nil, "smart-key", "--out", keyFile, "--alg", "RS384")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := runCLI(t, "", nil, "smart-key", "--jwks", keyFile); err != nil || again != jwks {
		t.Fatalf("smart-key --jwks prints another JWKS (%v)", err)
	}
	if _, err := runCLI(t, "", nil, "smart-key", "--out", keyFile); err == nil {
		t.Errorf("smart-key overwrote an existing key file")
	}
	if err := os.WriteFile(jwksFile, []byte(jwks), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	startCLI(t, nil, "simulate", "fhir", "--addr", addr, "--patients", "15", "--change-every", "0",
		"--ready-after-polls", "0", "--auth-jwks", jwksFile, "--client-id", "lifeboat-test")
	waitListening(t, addr)
	base := "http://" + addr + ehr.FHIRPath
	dir, dbKey := newStoreDir(t)
	args := []string{"sync", "--data", dir, "--key-file", dbKey, "--from", base}
	if out, err := runCLI(t, "", nil, args...); err == nil {
		t.Fatalf("a sync without credentials succeeded:\n%s", out)
	}
	out, err := runCLI(t, "", nil, append(args, "--client-id", "lifeboat-test", "--signing-key", keyFile)...)
	if err != nil {
		t.Fatalf("sync with SMART auth: %v\n%s", err, out)
	}
	if n := syncCounts(out)["Patient"]; n != 15 {
		t.Errorf("synced %d patients, want 15:\n%s", n, out)
	}
}
