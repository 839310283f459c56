package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// clock is a settable time for the scheduler tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// scheduler returns a Scheduler over the fake hospital writing into a
// temporary folder, on a clock the test moves.
func scheduler(t *testing.T) (*Scheduler, *fakeCharts, *clock) {
	f := fakeHospital()
	c := &clock{t: testNow}
	g := generator(f)
	g.Now = c.Now
	return &Scheduler{Generator: g, Dir: t.TempDir(), Keep: 2}, f, c
}

// sets lists the set folders and anything else but the manifest.
func sets(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != ManifestName {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// checkSet checks that the manifest's set is complete: every file with
// its size and SHA-256, nothing else in the folder.
func checkSet(t *testing.T, dir string, m *Manifest) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, m.Set))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(m.Files) {
		t.Errorf("set has %d files, manifest %d", len(ents), len(m.Files))
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, m.Set, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: size %d sha %x, manifest says %d %s", f.Name, len(b), sum, f.Size, f.SHA256)
		}
	}
}

func TestSchedulerWritesSet(t *testing.T) {
	s, _, _ := scheduler(t)
	if st := s.Status(); !st.LastGood.IsZero() {
		t.Fatalf("status before any run: %+v", st)
	}
	m, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Set != "set-20260303T110000Z" || got.Set != m.Set || !got.Generated.Equal(testNow) || !got.DataAsOf.Equal(testNow.Add(-2*time.Minute)) || got.Encrypted {
		t.Errorf("manifest %+v", got)
	}
	var names []string
	for _, f := range got.Files {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "hospital-census.pdf 4-west-census.pdf 4-west-patients.pdf 4-west-labels.pdf micu-census.pdf" {
		t.Errorf("files %v", names)
	}
	checkSet(t, s.Dir, got)
	for _, f := range got.Files {
		b, _ := os.ReadFile(filepath.Join(s.Dir, got.Set, f.Name))
		qpdfCheck(t, b, "")
	}
	if l := sets(t, s.Dir); strings.Join(l, " ") != got.Set {
		t.Errorf("folder holds %v", l)
	}
	st := s.Status()
	if !st.LastGood.Equal(testNow) || st.Set != got.Set || st.Files != 5 || st.Bytes == 0 || st.LastError != "" || !st.LastRun.Equal(testNow) {
		t.Errorf("status %+v", st)
	}
	// A new scheduler on the same folder knows the last good set.
	again := &Scheduler{Generator: s.Generator, Dir: s.Dir}
	if st := again.Status(); st.Set != got.Set || !st.LastGood.Equal(testNow) {
		t.Errorf("status after restart %+v", st)
	}
}

func TestSchedulerRetention(t *testing.T) {
	s, _, c := scheduler(t)
	var made []string
	for range 4 {
		m, err := s.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, m.Set)
		c.Add(time.Hour)
	}
	// A crashed run's temporary folder is cleaned up by the next run.
	if err := os.Mkdir(filepath.Join(s.Dir, tmpPrefix+"crashed"), 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	made = append(made, m.Set)
	if got := sets(t, s.Dir); strings.Join(got, " ") != strings.Join(made[3:], " ") {
		t.Errorf("kept %v, made %v", got, made)
	}
	cur, _ := ReadManifest(s.Dir)
	if cur.Set != made[4] {
		t.Errorf("manifest names %s", cur.Set)
	}
	checkSet(t, s.Dir, cur)
}

func TestSchedulerFailureKeepsLastGood(t *testing.T) {
	s, f, c := scheduler(t)
	good, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(s.Dir, ManifestName))
	c.Add(time.Hour)
	f.fail = errors.New("store unavailable")
	if _, err := s.RunOnce(context.Background()); !errors.Is(err, f.fail) {
		t.Fatalf("got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(s.Dir, ManifestName))
	if string(before) != string(after) {
		t.Error("a failed run changed the manifest")
	}
	if got := sets(t, s.Dir); strings.Join(got, " ") != good.Set {
		t.Errorf("folder holds %v", got)
	}
	checkSet(t, s.Dir, good)
	st := s.Status()
	if !st.LastGood.Equal(testNow) || st.Set != good.Set || !st.LastErrorAt.Equal(testNow.Add(time.Hour)) ||
		st.LastError != "The downtime pack could not be made: internal error (see the server log)." {
		t.Errorf("status %+v", st)
	}
	// The next good run clears the error.
	f.fail = nil
	c.Add(time.Hour)
	if _, err := s.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.LastError != "" || !st.LastGood.Equal(testNow.Add(2*time.Hour)) {
		t.Errorf("status %+v", st)
	}

	// A pack that cannot be written fails the same way.
	c.Add(time.Hour)
	ro := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(ro, 0o500)
	bad := &Scheduler{Generator: s.Generator, Dir: filepath.Join(ro, "sub")}
	if os.Geteuid() != 0 { // root writes anywhere
		if _, err := bad.RunOnce(context.Background()); err == nil {
			t.Error("wrote into a read-only folder")
		}
	}
}

// fakeLP writes a script that records each print job: its arguments, and
// its standard input as a file named by its -t title.
func fakeLP(t *testing.T, fail bool) (cmd, out string) {
	dir := t.TempDir()
	out = filepath.Join(dir, "jobs")
	os.Mkdir(out, 0o700)
	script := `#!/bin/sh
title=""; dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    -t) title="$2"; shift 2;;
    -d) dest="$2"; shift 2;;
    *) shift;;
  esac
done
cat > "` + out + `/$title"
echo "$dest" > "` + out + `/$title.dest"
`
	if fail {
		script += "echo 'lp: The printer or class does not exist.' >&2\nexit 1\n"
	}
	cmd = filepath.Join(dir, "lp")
	if err := os.WriteFile(cmd, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func TestSchedulerPrints(t *testing.T) {
	s, _, _ := scheduler(t)
	s.Generator.Password = "s3cret pass"
	cmd, jobs := fakeLP(t, false)
	s.Print = &PrintConfig{Command: cmd, Printer: "ward-printer", UnitPrinters: map[string]string{"unit-4w": "4w-printer"}}
	m, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Encrypted {
		t.Error("manifest says not encrypted")
	}
	for _, f := range m.Files {
		// On disk: encrypted. Printed: the same report, not encrypted.
		disk, _ := os.ReadFile(filepath.Join(s.Dir, m.Set, f.Name))
		qpdfCheck(t, disk, s.Generator.Password)
		printed, err := os.ReadFile(filepath.Join(jobs, f.Name))
		if err != nil {
			t.Fatalf("%s was not printed: %v", f.Name, err)
		}
		qpdfCheck(t, printed, "")
		if a, b := pages(t, disk, s.Generator.Password), pages(t, printed, ""); strings.Join(a, "") != strings.Join(b, "") {
			t.Errorf("%s: printed text differs from the file's", f.Name)
		}
		dest, _ := os.ReadFile(filepath.Join(jobs, f.Name+".dest"))
		want := "ward-printer"
		if f.Unit == "unit-4w" {
			want = "4w-printer"
		}
		if strings.TrimSpace(string(dest)) != want {
			t.Errorf("%s went to %q, want %q", f.Name, dest, want)
		}
	}
	if st := s.Status(); st.PrintError != "" {
		t.Errorf("print error %q", st.PrintError)
	}

	// Only the census reports, and a printer that fails: the set is still
	// good, the status says printing failed.
	cmd, jobs = fakeLP(t, true)
	s.Print = &PrintConfig{Command: cmd, Kinds: []lifeboat.ReportKind{lifeboat.ReportCensus}}
	m, err = s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st.Set != m.Set || !strings.Contains(st.PrintError, "3 of the files failed") || !strings.Contains(st.PrintError, "does not exist") {
		t.Errorf("status %+v", st)
	}
	ents, _ := os.ReadDir(jobs)
	var got []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".dest") {
			got = append(got, e.Name())
		}
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "4-west-census.pdf hospital-census.pdf micu-census.pdf" {
		t.Errorf("printed %v", got)
	}
}

func TestSchedulerRun(t *testing.T) {
	s, _, _ := scheduler(t)
	s.Every = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for s.Status().Set == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st.Set == "" || st.Next.IsZero() {
		t.Errorf("status %+v", st)
	}
}
