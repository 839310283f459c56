package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Scheduler defaults.
const (
	DefaultEvery = 60 * time.Minute // how often the pack is regenerated
	DefaultKeep  = 3                // sets kept in the output folder
	ManifestName = "manifest.json"  // names the last good set
	setPrefix    = "set-"
	tmpPrefix    = ".tmp-set-"
)

// Manifest describes the last good set of an output folder. It holds no
// PHI: file names come from unit names and ids.
type Manifest struct {
	Set       string         `json:"set"`       // the set's folder, under the output folder
	Generated time.Time      `json:"generated"` // when it was made
	DataAsOf  time.Time      `json:"data_as_of"`
	DataStale bool           `json:"data_stale"`
	Encrypted bool           `json:"encrypted"` // the PDFs need the password
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of a set.
type ManifestFile struct {
	Name   string              `json:"name"`
	Unit   string              `json:"unit,omitempty"`
	Kind   lifeboat.ReportKind `json:"kind"`
	Size   int64               `json:"size"`
	SHA256 string              `json:"sha256"`
}

// Scheduler regenerates the hospital's downtime pack into Dir every Every
// (DefaultEvery if 0), keeping the newest Keep sets (DefaultKeep if 0).
// Each set is written to a temporary folder, synced and renamed into place
// before manifest.json is replaced to name it, so a reader of the manifest
// always finds a complete set and a failed run leaves the last good set
// and its manifest as they were. Each new set is printed if Print is set.
type Scheduler struct {
	Generator *Generator
	Dir       string
	Every     time.Duration
	Keep      int
	Print     *PrintConfig     // nil: sets are not printed
	Now       func() time.Time // for the status; defaults to Generator.Now
	Logger    *slog.Logger     // optional; logs carry no PHI

	run    sync.Mutex // one run at a time
	mu     sync.Mutex
	status lifeboat.ReportStatus
	loaded bool
}

// now returns the scheduler's time.
func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	if s.Generator != nil && s.Generator.Now != nil {
		return s.Generator.Now()
	}
	return time.Now()
}

// Status returns the state of the schedule: the last good set (read from
// the manifest on first use, so it survives a restart) and the last error.
func (s *Scheduler) Status() lifeboat.ReportStatus {
	s.load()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// load reads the manifest of Dir into the status, once.
func (s *Scheduler) load() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return
	}
	s.loaded = true
	if m, err := ReadManifest(s.Dir); err == nil {
		s.setGood(m)
	}
}

// setGood records m as the last good set; s.mu is held.
func (s *Scheduler) setGood(m *Manifest) {
	st := &s.status
	st.LastGood, st.DataAsOf, st.Set, st.Files, st.Bytes = m.Generated, m.DataAsOf, m.Set, len(m.Files), 0
	for _, f := range m.Files {
		st.Bytes += f.Size
	}
}

// ReadManifest reads the manifest of an output folder; ENOTFOUND if there
// is none yet.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "No downtime pack has been written yet.")
	} else if err != nil {
		return nil, fmt.Errorf("report: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("report: read manifest: %w", err)
	}
	return &m, nil
}

// Run makes a set at once and then every Every until ctx ends; failures
// are recorded in the status (and logged), and the schedule goes on.
func (s *Scheduler) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = DefaultEvery
	}
	for {
		start := time.Now()
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("downtime pack failed; the last good set stays", "err", err)
		}
		wait := max(every-time.Since(start), time.Second)
		s.mu.Lock()
		s.status.Next = s.now().Add(wait)
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// RunOnce makes one set: it renders the pack, writes it as a new set,
// points the manifest at it, removes the sets beyond Keep and prints it.
// On failure the previous set and manifest stay in place. A printing
// failure does not fail the run; Status reports it.
func (s *Scheduler) RunOnce(ctx context.Context) (*Manifest, error) {
	s.run.Lock()
	defer s.run.Unlock()
	s.load()
	s.mu.Lock()
	s.status.LastRun = s.now()
	s.mu.Unlock()
	m, plain, err := s.makeSet(ctx)
	s.mu.Lock()
	if err != nil {
		s.status.LastError, s.status.LastErrorAt = failure(err), s.now()
	} else {
		s.status.LastError, s.status.LastErrorAt = "", time.Time{}
		s.setGood(m)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if s.Logger != nil {
		s.Logger.Info("downtime pack written", "set", m.Set, "files", len(m.Files), "data_as_of", m.DataAsOf)
	}
	if s.Print != nil {
		perr := s.Print.print(ctx, plain)
		s.mu.Lock()
		s.status.PrintError = ""
		if perr != nil {
			s.status.PrintError = perr.Error()
		}
		s.mu.Unlock()
		if perr != nil && s.Logger != nil {
			s.Logger.Error("printing the downtime pack failed", "set", m.Set, "err", perr)
		}
	}
	return m, nil
}

// failure is what the status says about a failed run: a domain error's
// message, else that it failed (the detail goes to the log).
func failure(err error) string {
	var e *lifeboat.Error
	if errors.As(err, &e) {
		return "The downtime pack could not be made: " + e.Message
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "The downtime pack could not be made: the run was stopped."
	}
	return "The downtime pack could not be made: internal error (see the server log)."
}

// makeSet renders and writes a set, returning its manifest and the files
// as rendered before encryption (for printing).
func (s *Scheduler) makeSet(ctx context.Context) (*Manifest, []File, error) {
	if s.Generator == nil || s.Dir == "" {
		return nil, nil, lifeboat.Errorf(lifeboat.EINTERNAL, "The downtime pack schedule is not configured.")
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("report: make output folder: %w", err)
	}
	removeTemps(s.Dir)
	g := *s.Generator
	g.Password = ""
	pack, err := g.Pack(ctx)
	if err != nil {
		return nil, nil, err
	}
	plain := pack.Files
	out := make([]File, len(plain))
	copy(out, plain)
	if pw := s.Generator.Password; pw != "" {
		var jobs []func() error
		for i := range out {
			jobs = append(jobs, func() (err error) {
				out[i].Data, err = encrypt(plain[i].Data, pw)
				return err
			})
		}
		if err := render(jobs); err != nil {
			return nil, nil, err
		}
	}
	m := &Manifest{Generated: pack.Generated, DataAsOf: pack.DataAsOf, DataStale: pack.Stale, Encrypted: s.Generator.Password != ""}
	for _, f := range out {
		sum := sha256.Sum256(f.Data)
		m.Files = append(m.Files, ManifestFile{Name: f.Name, Unit: f.Unit, Kind: f.Kind, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])})
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	if m.Set, err = s.commit(out, pack.Generated); err != nil {
		return nil, nil, err
	}
	if err := s.writeManifest(m); err != nil {
		os.RemoveAll(filepath.Join(s.Dir, m.Set))
		return nil, nil, err
	}
	s.prune(m.Set)
	return m, plain, nil
}

// commit writes the files into a temporary folder, syncs them and renames
// the folder into place as a new set, returning its name.
func (s *Scheduler) commit(files []File, generated time.Time) (string, error) {
	tmp, err := os.MkdirTemp(s.Dir, tmpPrefix)
	if err != nil {
		return "", fmt.Errorf("report: make set folder: %w", err)
	}
	p := &Pack{Files: files}
	err = os.Chmod(tmp, 0o750)
	if err == nil {
		err = p.WriteDir(tmp)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	base := setPrefix + generated.UTC().Format("20060102T150405Z")
	name := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(filepath.Join(s.Dir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = base + "-" + strconv.Itoa(n)
	}
	if err := os.Rename(tmp, filepath.Join(s.Dir, name)); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("report: put set in place: %w", err)
	}
	if err := syncDir(s.Dir); err != nil {
		os.RemoveAll(filepath.Join(s.Dir, name))
		return "", err
	}
	return name, nil
}

// writeManifest replaces the manifest atomically.
func (s *Scheduler) writeManifest(m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("report: write manifest: %w", err)
	}
	if err := writeFile(filepath.Join(s.Dir, ManifestName), append(b, '\n')); err != nil {
		return err
	}
	return syncDir(s.Dir)
}

// prune removes the sets beyond Keep, oldest first, never the current one.
func (s *Scheduler) prune(current string) {
	keep := s.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return
	}
	var sets []string
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), setPrefix) && e.Name() != current {
			sets = append(sets, e.Name())
		}
	}
	sort.Strings(sets) // names sort by time
	for len(sets) > keep-1 {
		if err := os.RemoveAll(filepath.Join(s.Dir, sets[0])); err != nil && s.Logger != nil {
			s.Logger.Warn("could not remove an old downtime pack", "set", sets[0], "err", err)
		}
		sets = sets[1:]
	}
}

// removeTemps removes the temporary folders of runs that did not finish.
func removeTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
