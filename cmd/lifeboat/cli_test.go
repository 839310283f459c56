package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat/sqlite"
)

// runCLI runs a lifeboat command in-process and returns its standard output.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &environment{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}
	err := run(context.Background(), e, args)
	if errb.Len() > 0 {
		t.Logf("stderr of %v:\n%s", args, errb.String())
	}
	return out.String(), err
}

// newStoreDir returns a data directory and a key file for it.
func newStoreDir(t *testing.T) (dir, keyFile string) {
	t.Helper()
	dir = t.TempDir()
	k, err := runCLI(t, "", nil, "keygen")
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(t.TempDir(), "db.key")
	if err := os.WriteFile(keyFile, []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, keyFile
}

func TestHelpAndVersion(t *testing.T) {
	out, err := runCLI(t, "", nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"demo", "serve", "import", "keygen", "user", "token", "version", "bench"} {
		if !strings.Contains(out, "  "+c) {
			t.Errorf("help does not list %s", c)
		}
	}
	if out, _ := runCLI(t, "", nil, "version"); !strings.HasPrefix(out, "lifeboat ") {
		t.Errorf("version printed %q", out)
	}
	if _, err := runCLI(t, "", nil, "frobnicate"); err == nil {
		t.Error("an unknown command is not an error")
	}
}

func TestKeyHandling(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	if _, err := runCLI(t, "a long enough password\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "admin", "alice"); err != nil {
		t.Fatal(err)
	}
	// The key may come from the environment instead of the flag.
	if _, err := runCLI(t, "", map[string]string{"LIFEBOAT_KEY_FILE": keyFile}, "token", "--data", dir, "alice"); err != nil {
		t.Fatal(err)
	}
	_, other := newStoreDir(t)
	_, err := runCLI(t, "", nil, "token", "--data", dir, "--key-file", other, "alice")
	if err == nil || !strings.Contains(userMessage(err), "key does not match") {
		t.Fatalf("wrong key: %v", err)
	}
	_, err = runCLI(t, "", nil, "token", "--data", dir, "alice")
	if err == nil || !strings.Contains(userMessage(err), "key") {
		t.Fatalf("no key: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("not hex"), 0o600)
	if _, err = runCLI(t, "", nil, "token", "--data", dir, "--key-file", bad, "alice"); err == nil || !strings.Contains(userMessage(err), "not a Lifeboat key") {
		t.Fatalf("bad key file: %v", err)
	}
}

func TestUserAddAndToken(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	base := []string{"--data", dir, "--key-file", keyFile}
	if _, err := runCLI(t, "short\n", nil, append([]string{"user", "add", "--role", "clinician"}, append(base, "bob")...)...); err == nil {
		t.Error("a short password was accepted")
	}
	if _, err := runCLI(t, "correct horse battery\n", nil, append([]string{"user", "add", "--role", "surgeon"}, append(base, "bob")...)...); err == nil {
		t.Error("an unknown role was accepted")
	}
	if _, err := runCLI(t, "correct horse battery\n", nil, append([]string{"user", "add", "--role", "clinician"}, append(base, "bob")...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "correct horse battery\n", nil, append([]string{"user", "add", "--role", "clinician"}, append(base, "bob")...)...); err == nil {
		t.Error("a duplicate user was accepted")
	}
	tok, err := runCLI(t, "", nil, append([]string{"token"}, append(base, "bob")...)...)
	if err != nil || len(strings.TrimSpace(tok)) < 32 {
		t.Fatalf("token %q: %v", tok, err)
	}
	if _, err := runCLI(t, "", nil, append([]string{"token"}, append(base, "nobody")...)...); err == nil {
		t.Error("a token for an unknown user was issued")
	}
}

// TestImportRejects imports a file with bad lines: each is reported with its
// file, line and reason, kept for an admin, and the good lines are stored.
func TestImportRejects(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	src := filepath.Join(t.TempDir(), "Patient.ndjson")
	os.WriteFile(src, []byte(`{"resourceType":"Patient","id":"ok1"}
{bad json
{"resourceType":"Frobnicator","id":"x"}
{"resourceType":"Patient","id":"p2","birthDate":"1990-13-45"}
`), 0o600)
	out, err := runCLI(t, "", nil, "import", "--data", dir, "--key-file", keyFile, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Patient.ndjson line 2: invalid JSON", "line 3: resourceType: not a FHIR R4 resource type", "line 4: Patient.birthDate: not a valid date", "3 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	key, _ := readKey(keyFile)
	db, err := sqlite.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rejects, err := db.Rejects(context.Background(), 10)
	if err != nil || len(rejects) != 3 {
		t.Fatalf("%d rejects kept, %v", len(rejects), err)
	}
	if string(rejects[0].Raw) != `{"resourceType":"Patient","id":"p2","birthDate":"1990-13-45"}` {
		t.Errorf("the rejected input is not kept as received: %q", rejects[0].Raw)
	}
	if counts, _ := db.CountResources(context.Background()); counts["Patient"] != 1 {
		t.Errorf("stored %v", counts)
	}
}

// TestBenchCommands runs the whole-system benchmarks on small inputs: they
// must measure something real and print it.
func TestBenchCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the benchmarks")
	}
	out, err := runCLI(t, "", nil, "bench", "hl7", "--conns", "4", "--messages", "200")
	if err != nil || !strings.Contains(out, "200 lab results") || !strings.Contains(out, "messages/s") ||
		!strings.Contains(out, "on the charts after the acknowledgement: median") {
		t.Errorf("bench hl7: %v\n%s", err, out)
	}
	// Paced: 200 messages at 1,000 a second take at least 0.199 s.
	out, err = runCLI(t, "", nil, "bench", "hl7", "--conns", "2", "--messages", "200", "--rate", "1000")
	var took float64
	if m := regexp.MustCompile(`in ([0-9.]+) s: [0-9]+ messages/s`).FindStringSubmatch(out); m != nil {
		took, _ = strconv.ParseFloat(m[1], 64)
	}
	if err != nil || took < 0.195 || !strings.Contains(out, "on the charts after the acknowledgement") {
		t.Errorf("bench hl7 --rate 1000: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", nil, "bench", "chart", "--patients", "30", "--charts", "20")
	if err != nil || !strings.Contains(out, "20 chart summaries: median") {
		t.Errorf("bench chart: %v\n%s", err, out)
	}
	src := filepath.Join("testdata", "synthea")
	out, err = runCLI(t, "", nil, "bench", "import", src)
	if err != nil || !strings.Contains(out, "resources/s") {
		t.Errorf("bench import: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", nil, "bench", "sync", "--patients", "10")
	if err != nil || !regexp.MustCompile(`Patient +10\n`).MatchString(out) || !strings.Contains(out, "resources/s") {
		t.Errorf("bench sync: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "", nil, "bench", "nothing"); err == nil {
		t.Error("an unknown benchmark is not an error")
	}
}
