package fhir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Importer loads FHIR R4 files (bundles, NDJSON, Bulk Data $export folders)
// into a store.
//
// Pipeline: one reader goroutine reads the files in import order (see
// orderInputs) and numbers the entries; Workers goroutines rewrite
// references, validate, index and assign ids; one writer puts the
// resources into Store in batches of BatchSize, in reading order, and keeps
// rejects. Channels are bounded, so memory stays flat. Between groups of
// files (shared resources first) the reader waits until the writer has
// stored everything before it, so later files can resolve references to
// earlier ones through the store. With a Batcher, the workers and the
// batches are the Batcher's, shared with the other imports running at once.
type Importer struct {
	Store     lifeboat.ResourceStore
	Rejects   lifeboat.RejectStore // may be nil: rejects are then only counted
	Now       func() time.Time     // receive time; time.Now if nil
	BatchSize int                  // resources per PutResources call; DefaultBatchSize if 0
	Workers   int                  // parallel workers; GOMAXPROCS if 0
	// Source names where the resources come from; Kind "file" and Name
	// "import" if empty. Ref is set per entry (file name and position).
	Source lifeboat.Source
	// Batcher, if set, batches the resources together with those of the
	// other imports sharing it, and its workers process the entries of
	// them all (BatchSize and Workers are then the Batcher's).
	Batcher *Batcher
}

// Batches: big transactions amortise each commit's fsync and let the store
// compress a batch on every core; the byte bound keeps memory flat whatever
// the resources' size. 8,000 resources made NDJSON import 25% faster than
// 1,000 (docs/PERFORMANCE.md).
const (
	DefaultBatchSize = 8000
	MaxBatchBytes    = 32 << 20
)

// job is one entry to process, a file error, or a barrier between groups.
type job struct {
	seq     int
	in      *input
	e       Entry
	recv    time.Time
	fileErr error
	barrier chan struct{}
	// superseded marks an entry that a later entry of the import replaces.
	superseded bool
}

// result is what a worker made of a job.
type result struct {
	seq        int
	res        *lifeboat.Resource
	rej        *lifeboat.Reject
	entry      bool // the job was an entry (counted as read)
	skipped    bool
	superseded bool // replaced by a later entry of the import
	fileErr    bool
	unresolved int
	err        error // a store error while resolving references: fatal
	barrier    chan struct{}
}

// Import reads the files and directories in paths and stores their
// resources. Invalid entries are rejected (kept in Rejects) and the import
// goes on; a file that cannot be read is counted and skipped. It returns an
// error only when nothing could be read, the store fails or ctx ends.
func (im *Importer) Import(ctx context.Context, paths []string) (*Stats, error) {
	ins := collectInputs(paths)
	if len(ins) == 0 {
		return newStats(), lifeboat.Errorf(lifeboat.EINVALID, "no input files found")
	}
	rs := newResolver(im.Store)
	rs.prescanAll(ins, im.workers())
	orderInputs(ins)
	markSuperseded(ins)
	return im.run(ctx, rs, ins)
}

// ImportNDJSON stores the resources of one NDJSON stream, such as a Bulk
// Data output file as it downloads. name identifies the stream in rejects
// (no PHI). References are resolved through the store, so a stream should
// come after the streams of the resources it references, as Bulk Data
// clients order them. It returns an error when the stream cannot be read
// to the end, the store fails or ctx ends; invalid lines are rejected and
// the import goes on.
func (im *Importer) ImportNDJSON(ctx context.Context, name string, r io.Reader) (*Stats, error) {
	ins := []input{{name: name, format: formatNDJSON, typ: typePrefix(name), reader: r}}
	return im.run(ctx, newResolver(im.Store), ins)
}

func (im *Importer) workers() int {
	if im.Workers > 0 {
		return im.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// run imports ordered inputs through the read, process and write stages.
func (im *Importer) run(ctx context.Context, rs *resolver, ins []input) (*Stats, error) {
	start := time.Now()
	st := newStats()
	st.Files = len(ins)
	workers := im.workers()
	if im.Batcher != nil {
		workers = im.Batcher.workers()
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make(chan result, 64*workers)
	// feed hands a job to the workers (false once ctx ended); finish
	// closes results once every job fed is processed.
	var feed func(job) bool
	var finish func()
	if tasks := im.Batcher.join(); tasks != nil {
		defer im.Batcher.leave()
		ir := &importRun{im: im, rs: rs, ctx: ctx, results: results}
		feed = func(j job) bool {
			ir.pending.Add(1)
			select {
			case tasks <- task{j: j, run: ir}:
				return true
			case <-ctx.Done():
				ir.pending.Done()
				return false
			}
		}
		finish = func() {
			ir.pending.Wait()
			close(results)
		}
	} else {
		jobs := make(chan job, 64*workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for j := range jobs {
					results <- im.process(ctx, rs, &j)
				}
			})
		}
		feed = func(j job) bool {
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				return false
			}
		}
		finish = func() {
			close(jobs)
			wg.Wait()
			close(results)
		}
	}
	go func() {
		im.read(ctx, ins, feed)
		finish()
	}()

	err := im.write(ctx, results, st)
	if err != nil {
		cancel(err)
		for range results { // let the reader and workers finish
		}
	}
	st.Elapsed = time.Since(start)
	switch {
	case err != nil:
		return st, err
	case context.Cause(ctx) != nil:
		return st, context.Cause(ctx)
	case st.Read == 0 && st.FileErrors > 0:
		return st, lifeboat.Errorf(lifeboat.EINVALID, "no input could be read")
	}
	return st, nil
}

// source returns the provenance of an entry at ref.
func (im *Importer) source(ref string) lifeboat.Source {
	src := im.Source
	if src.Kind == "" {
		src.Kind = "file"
	}
	if src.Name == "" {
		src.Name = "import"
	}
	src.Ref = ref
	return src
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now()
}

// read feeds every entry of every input, in order, with barriers between
// rank groups, until feed returns false.
func (im *Importer) read(ctx context.Context, ins []input, feed func(job) bool) {
	seq := 0
	send := func(j job) bool {
		j.seq = seq
		seq++
		return feed(j)
	}
	send1 := func(j job) error {
		if !send(j) {
			return ctx.Err()
		}
		return nil
	}
	for i := range ins {
		in := &ins[i]
		if i > 0 && in.rank != ins[i-1].rank {
			b := make(chan struct{})
			if !send(job{barrier: b}) {
				return
			}
			select {
			case <-b:
			case <-ctx.Done():
				return
			}
		}
		if in.err != nil {
			if !send(job{in: in, fileErr: in.err, recv: im.now()}) {
				return
			}
			continue
		}
		ordinal := -1
		err := readInput(in, func(e *Entry) error {
			ordinal++
			if in.superseded[ordinal] {
				return send1(job{in: in, superseded: true})
			}
			if !send(job{in: in, e: *e, recv: im.now()}) {
				return ctx.Err()
			}
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil && !send(job{in: in, fileErr: err, recv: im.now()}) {
			return
		}
	}
}

// process turns one entry into a resource, a reject or a skip.
func (im *Importer) process(ctx context.Context, rs *resolver, j *job) result {
	r := result{seq: j.seq, barrier: j.barrier}
	if j.barrier != nil {
		return r
	}
	if j.superseded {
		r.entry, r.superseded = true, true
		return r
	}
	if j.fileErr != nil && j.in.reader != nil { // a broken stream fails the import: the caller retries it
		r.err = fmt.Errorf("fhir: read stream: %w", j.fileErr)
		return r
	}
	if j.fileErr != nil {
		reason := "cannot read file"
		var le *lifeboat.Error
		if errors.As(j.fileErr, &le) {
			reason = le.Message
		}
		r.fileErr = true
		r.rej = &lifeboat.Reject{Received: j.recv, Source: im.source(j.in.name),
			Reason: reason, Raw: []byte{}}
		return r
	}
	r.entry = true
	e := &j.e
	src := im.source(j.in.name + " " + e.Pos)
	reject := func(err error) result {
		raw := e.Resource
		if raw == nil {
			raw = []byte{}
		}
		r.rej = &lifeboat.Reject{Received: j.recv, Source: src, Reason: lifeboat.ErrorMessage(err), Raw: raw}
		return r
	}
	if e.Err != nil {
		return reject(e.Err)
	}
	if e.Resource == nil {
		r.skipped = true
		return r
	}
	unresolved := 0
	out := RewriteReferences(e.Resource, func(ref string) (string, bool) {
		if r.err != nil {
			return "", false
		}
		v, ok, unres, err := rs.resolve(ctx, ref)
		if unres {
			unresolved++
		}
		r.err = err
		return v, ok
	})
	if r.err != nil {
		return r
	}
	out = compact(out)
	p, err := Parse(out)
	if err != nil {
		return reject(err)
	}
	if p.Type == "OperationOutcome" {
		r.skipped = true
		return r
	}
	if p.ID == "" {
		p.ID = entryID(e, p.Type, "")
		out = insertID(out, &p, p.ID)
		if p.Type == "Patient" {
			p.Index.Patient = p.ID
		}
	}
	rs.register(p.Type, p.ID, p.Index.Identifiers)
	lastUpdated := p.LastUpdated
	if lastUpdated.IsZero() {
		lastUpdated = j.recv
	}
	r.unresolved = unresolved
	r.res = &lifeboat.Resource{
		Type: p.Type, ID: p.ID, SourceVersion: p.VersionID, LastUpdated: lastUpdated,
		Received: j.recv, Source: src, JSON: out, Index: p.Index,
	}
	return r
}

// write takes the results in reading order, batches resources into the
// store (alone, or through the shared Batcher) and keeps rejects. It
// returns the first store error.
func (im *Importer) write(ctx context.Context, results <-chan result, st *Stats) error {
	var out batches
	if im.Batcher != nil {
		out = &shared{b: im.Batcher, t: &ticket{st: st}}
	} else {
		out = &own{im: im, st: st}
	}
	defer out.close()
	handle := func(r *result) error {
		switch {
		case r.err != nil:
			return fmt.Errorf("import: %w", r.err)
		case r.barrier != nil:
			err := out.sync(ctx)
			close(r.barrier)
			return err
		}
		if r.entry {
			st.Read++
		}
		switch {
		case r.fileErr:
			st.FileErrors++
		case r.rej != nil:
			st.Rejected++
		case r.skipped:
			st.Skipped++
		case r.superseded:
			st.Superseded++
		}
		if r.rej != nil && len(st.Problems) < MaxProblems {
			st.Problems = append(st.Problems, Problem{Where: r.rej.Source.Ref, Reason: r.rej.Reason})
		}
		if r.rej != nil && im.Rejects != nil {
			if err := im.Rejects.AddReject(ctx, r.rej); err != nil {
				return fmt.Errorf("import: add reject: %w", err)
			}
		}
		if r.res != nil {
			st.Unresolved += r.unresolved
			return out.add(ctx, r.res)
		}
		return nil
	}
	pending := map[int]result{}
	next := 0
	for r := range results {
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := handle(&r); err != nil {
				return err
			}
		}
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return out.sync(ctx)
}
