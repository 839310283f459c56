package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultConcurrency is how many output files a Syncer downloads at once.
const DefaultConcurrency = 4

// deleteBatch is how many deletions are handed to Sink.Delete at once.
const deleteBatch = 500

// Syncer runs Bulk Data syncs of one source: an export (incremental after
// the first), its files imported into Sink, its progress kept in State so
// that a sync cut short resumes where it stopped.
type Syncer struct {
	Client *Client                 // the source's FHIR server
	Sink   Sink                    // where resources and deletions go
	State  lifeboat.SyncStateStore // progress between runs
	Source string                  // the source's name, e.g. "ehr"
	// Export says what to export (level, group, types); its Since is
	// ignored: the Syncer asks for changes since the last completed export.
	Export ExportRequest
	// Concurrency bounds the output files downloaded at once
	// (DefaultConcurrency if 0).
	Concurrency int
	Now         func() time.Time // the clock (time.Now if nil)
	Logger      *slog.Logger     // progress (no PHI); nil discards
}

// Result reports one sync run.
type Result struct {
	Source  string
	Job     string    // the export's status URL, without query
	Resumed bool      // the run resumed an export started earlier
	Since   time.Time // the _since of the export (zero: a full export)
	// TransactionTime is the export's transactionTime: the next sync's
	// _since.
	TransactionTime time.Time
	Resources       map[string]int64 // resources imported per type
	Files           int              // output and deleted files imported by this run
	SkippedFiles    int              // files already imported by an earlier run
	Deleted         int64            // deletions applied
	DeletedInvalid  int64            // deleted-file lines and entries that could not be read
	Outcomes        Outcomes         // issues reported in the export's error files
	Bytes           int64            // NDJSON bytes read (decompressed)
	Elapsed         time.Duration
}

// Total returns the number of resources imported, of all types.
func (r *Result) Total() int64 {
	var n int64
	for _, v := range r.Resources {
		n += v
	}
	return n
}

// errExpired marks an export whose files the server no longer has.
var errExpired = errors.New("bulk: the export's files are gone")

// Run syncs once. It resumes the export recorded in the state if there is
// one (importing only the files not yet done), else kicks off a new one;
// it saves progress after each file, and on success moves the state's
// Since to the export's transactionTime and DELETEs the job on the server.
// On failure it records LastAttempt and LastError and returns the error
// with the partial Result.
func (s *Syncer) Run(ctx context.Context) (*Result, error) {
	start := s.now()
	res := &Result{Source: s.Source, Resources: map[string]int64{}, Outcomes: Outcomes{Codes: map[string]int64{}}}
	if s.Client == nil || s.Sink == nil || s.State == nil || s.Source == "" {
		return res, fmt.Errorf("bulk: sync: %w", lifeboat.Errorf(lifeboat.EINVALID, "A sync needs a client, a sink, a state store and a source name."))
	}
	st, err := s.load(ctx)
	if err != nil {
		return res, err
	}
	st.LastAttempt = start
	err = s.run(ctx, st, res)
	res.Elapsed = s.now().Sub(start)
	if err != nil {
		st.LastError = shortText(err.Error(), 300)
		if perr := s.put(ctx, st); perr != nil {
			s.log().Error("bulk: saving the sync state failed", "source", s.Source, "err", perr)
		}
		s.log().Error("bulk: sync failed", "source", s.Source, "err", err, "elapsed", res.Elapsed)
		return res, err
	}
	s.log().Info("bulk: sync done", "source", s.Source, "resumed", res.Resumed, "since", res.Since,
		"resources", res.Total(), "deleted", res.Deleted, "files", res.Files, "skipped", res.SkippedFiles,
		"issues", res.Outcomes.Issues, "bytes", res.Bytes, "elapsed", res.Elapsed)
	return res, nil
}

func (s *Syncer) run(ctx context.Context, st *lifeboat.SyncState, res *Result) error {
	for restarted := false; ; restarted = true {
		m, err := s.manifest(ctx, st, res)
		if err != nil {
			return err
		}
		err = s.importAll(ctx, st, m, res)
		if errors.Is(err, errExpired) && !restarted {
			s.log().Warn("bulk: the export's files are gone, starting a new export", "source", s.Source)
			clearJob(st)
			if err := s.put(ctx, st); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		job := st.Job
		total := res.Total()
		st.Since = m.TransactionTime
		st.Resources, st.Deleted, st.Total = total, res.Deleted, st.Total+total
		st.LastSuccess, st.LastError = s.now(), ""
		clearJob(st)
		if err := s.put(ctx, st); err != nil {
			return err
		}
		if err := s.Client.Cancel(ctx, job); err != nil {
			s.log().Warn("bulk: deleting the completed export on the server failed", "source", s.Source, "err", err)
		}
		return nil
	}
}

// manifest resumes the state's export or kicks off a new one, and waits for
// its manifest.
func (s *Syncer) manifest(ctx context.Context, st *lifeboat.SyncState, res *Result) (*Manifest, error) {
	res.Since = st.Since
	if st.Job != "" {
		res.Resumed, res.Job = true, redact(st.Job)
		s.log().Info("bulk: resuming export", "source", s.Source, "job", res.Job, "done", len(st.Done))
		m, err := s.Client.Wait(ctx, st.Job)
		var se *StatusError
		switch {
		case err == nil:
			if !st.JobTransactionTime.IsZero() && !m.TransactionTime.Equal(st.JobTransactionTime) {
				st.Done = nil // another export behind the same URL: import it all
			}
			st.JobTransactionTime = m.TransactionTime
			res.TransactionTime = m.TransactionTime
			return m, s.put(ctx, st)
		case errors.As(err, &se) && se.Gone():
			s.log().Warn("bulk: the export to resume is gone, starting a new one", "source", s.Source, "job", res.Job)
			clearJob(st)
		default:
			return nil, err
		}
	}
	res.Resumed = false
	req := s.Export
	req.Since = st.Since
	job, err := s.Client.Kickoff(ctx, req)
	if err != nil {
		return nil, err
	}
	st.Job, st.JobStarted, st.JobTransactionTime, st.Done = job, s.now(), time.Time{}, nil
	res.Job = redact(job)
	if err := s.put(ctx, st); err != nil {
		return nil, err
	}
	m, err := s.Client.Wait(ctx, job)
	if err != nil {
		return nil, err
	}
	st.JobTransactionTime = m.TransactionTime
	res.TransactionTime = m.TransactionTime
	return m, s.put(ctx, st)
}

// importAll imports the manifest's output and deleted files not yet done,
// then reads its error files.
func (s *Syncer) importAll(ctx context.Context, st *lifeboat.SyncState, m *Manifest, res *Result) error {
	done := map[string]bool{}
	for _, u := range st.Done {
		done[u] = true
	}
	type work struct {
		f    File
		name string
	}
	var todo []work
	seq := map[string]int{}
	for _, f := range m.Output {
		name := fmt.Sprintf("%s.%03d.ndjson", f.Type, seq[f.Type])
		seq[f.Type]++
		if done[f.URL] {
			res.SkippedFiles++
			continue
		}
		todo = append(todo, work{f, name})
	}

	var mu sync.Mutex // guards st and res
	markDone := func(url string) error {
		st.Done = append(st.Done, url)
		res.Files++
		return s.put(ctx, st)
	}
	token := m.RequiresAccessToken
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, orDefault(s.Concurrency, DefaultConcurrency))
	var wg sync.WaitGroup
	for _, w := range todo {
		select {
		case sem <- struct{}{}:
		case <-wctx.Done():
		}
		if wctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			var n int64
			b, err := s.Client.Download(wctx, w.f.URL, token, func(r io.Reader) error {
				var err error
				n, err = s.Sink.Resources(wctx, w.f.Type, w.name, r)
				return err
			})
			if err == nil {
				mu.Lock()
				res.Resources[w.f.Type] += n
				res.Bytes += b
				err = markDone(w.f.URL)
				mu.Unlock()
				s.log().Info("bulk: file imported", "source", s.Source, "type", w.f.Type, "file", w.name, "resources", n, "bytes", b)
			}
			if err != nil {
				cancel(fileError(w.name, err))
			}
		})
	}
	wg.Wait()
	if wctx.Err() != nil {
		return context.Cause(wctx)
	}

	for i, f := range m.Deleted {
		if done[f.URL] {
			res.SkippedFiles++
			continue
		}
		if err := s.importDeleted(ctx, f, token, m.TransactionTime, res); err != nil {
			return fileError(fmt.Sprintf("deleted.%03d.ndjson", i), err)
		}
		if err := markDone(f.URL); err != nil {
			return err
		}
	}

	for i, f := range m.Error {
		var o Outcomes
		if _, err := s.Client.Download(ctx, f.URL, token, func(r io.Reader) error {
			o = Outcomes{}
			return ReadOutcomes(r, &o)
		}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log().Warn("bulk: reading an error file failed", "source", s.Source, "file", i, "err", err)
			continue
		}
		res.Outcomes.Issues += o.Issues
		res.Outcomes.Invalid += o.Invalid
		for c, n := range o.Codes {
			res.Outcomes.Codes[c] += n
		}
	}
	if res.Outcomes.Issues > 0 {
		codes := slices.Sorted(maps.Keys(res.Outcomes.Codes))
		s.log().Warn("bulk: the export reported issues", "source", s.Source, "issues", res.Outcomes.Issues, "codes", strings.Join(codes, ","))
	}
	return nil
}

// importDeleted applies one deleted file, in batches.
func (s *Syncer) importDeleted(ctx context.Context, f File, token bool, when time.Time, res *Result) error {
	var applied, invalid int64
	_, err := s.Client.Download(ctx, f.URL, token, func(r io.Reader) error {
		applied, invalid = 0, 0
		batch := make([]Deleted, 0, deleteBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := s.Sink.Delete(ctx, batch); err != nil {
				return err
			}
			applied += int64(len(batch))
			batch = batch[:0]
			return nil
		}
		st, err := ReadDeleted(r, when, func(d Deleted) error {
			batch = append(batch, d)
			if len(batch) == deleteBatch {
				return flush()
			}
			return nil
		})
		invalid = st.Invalid
		if err != nil {
			return err
		}
		return flush()
	})
	if err != nil {
		return err
	}
	res.Deleted += applied
	res.DeletedInvalid += invalid
	return nil
}

// fileError names the file in err, and marks a file the server no longer
// has as errExpired.
func fileError(name string, err error) error {
	var se *StatusError
	if errors.As(err, &se) && se.Op == "download" && se.Gone() {
		return fmt.Errorf("%w: %s: %w", errExpired, name, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("bulk: %s: %w", name, err)
}

func clearJob(st *lifeboat.SyncState) {
	st.Job, st.JobStarted, st.JobTransactionTime, st.Done = "", time.Time{}, time.Time{}, nil
}

// load returns the source's state, a new one if it never synced. A state
// recorded for another server URL starts over with a full export.
func (s *Syncer) load(ctx context.Context) (*lifeboat.SyncState, error) {
	base := s.Client.base()
	st, err := s.State.SyncState(ctx, s.Source)
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND:
		return &lifeboat.SyncState{Source: s.Source, URL: base}, nil
	case err != nil:
		return nil, fmt.Errorf("bulk: loading the sync state: %w", err)
	}
	if st.URL != "" && strings.TrimRight(st.URL, "/") != base {
		s.log().Warn("bulk: the source's URL changed, starting a full export", "source", s.Source, "url", redact(base))
		clearJob(st)
		st.Since = time.Time{}
	}
	st.URL = base
	return st, nil
}

// put saves the state even if ctx was cancelled: what it records (a job
// kicked off, a file imported, a failure) is true whether or not the run
// goes on.
func (s *Syncer) put(ctx context.Context, st *lifeboat.SyncState) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.State.PutSyncState(ctx, st); err != nil {
		return fmt.Errorf("bulk: saving the sync state: %w", err)
	}
	return nil
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
