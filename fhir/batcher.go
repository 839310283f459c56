package fhir

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/lifeboat-health/lifeboat"
)

// A Batcher gathers the resources of concurrent imports, such as the files
// of a Bulk Data sync downloading at once, into shared batches for one
// store. Each import alone keeps one batch in the store's writer while its
// next one fills, so the writer waits whenever a file starts (its first
// batch is not full yet) or ends (its last batch is written alone); shared
// batches keep the writer busy across files, and bigger transactions write
// each index page once for more resources.
//
// Two batches are handed to the store at a time: one is written while the
// next is compressed and queued (PutResources compresses a batch before it
// queues it for the writer), so the writer goes from one batch to the next
// without waiting. The two may reach the store in either order, except when
// they hold the same resource: the later batch then waits for the earlier,
// so the versions of a resource are written in the order they were read, as
// by a lone import. The filling batch is handed over when it is full, when
// an import waits for its last resources, or when nothing is in the store
// and it holds a quarter of a batch. An import adding to a full batch
// waits.
//
// The entries of the imports sharing a Batcher are validated and indexed
// by its Workers, one fewer than the processors by default: parsing takes
// about a quarter of what the store's writer spends on each resource (5
// against 16-20 µs), so the imports leave a processor to the writer and to
// the rest of the server. Set a
// Batcher as the Batcher of each Importer that shares it, and Close it
// once they have returned.
type Batcher struct {
	Store     lifeboat.ResourceStore
	BatchSize int // resources per PutResources call at most; DefaultBatchSize if 0
	// Workers is how many goroutines process the entries of the imports
	// sharing the Batcher: GOMAXPROCS-1 (at least 1) if 0.
	Workers int

	mu       sync.Mutex
	batch    []queued
	bytes    int
	inflight []*flight     // batches handed to the store and not yet stored
	waiting  int           // imports waiting for their resources to be stored
	closed   bool          // Close was called
	changed  chan struct{} // closed on the next change of the above (nil: nobody listens)
	active   int           // imports running
	tasks    chan task     // to the workers, while imports run
}

// task is an entry of an import for the shared workers.
type task struct {
	j   job
	run *importRun
}

// importRun is an import whose entries the shared workers process.
type importRun struct {
	im      *Importer
	rs      *resolver
	ctx     context.Context
	results chan<- result
	pending sync.WaitGroup // tasks fed and not yet processed
}

// queued is a resource waiting in a batch, with the import it came from.
type queued struct {
	r *lifeboat.Resource
	t *ticket
}

// flight is a batch handed to the store.
type flight struct {
	keys map[resourceKey]struct{} // the resources it holds
	done chan struct{}            // closed once it is stored (or failed)
}

// resourceKey names a resource.
type resourceKey struct{ typ, id string }

// ticket follows the resources of one import through the batches. Its
// fields are guarded by the Batcher's mutex.
type ticket struct {
	st      *Stats // store outcomes are counted here; nil once the import returned
	pending int    // resources added and not yet stored
	err     error  // the first store error of its resources
}

// maxInflight is how many batches a Batcher hands to the store at a time.
const maxInflight = 2

// errBatcherClosed refuses resources added after Close.
var errBatcherClosed = errors.New("fhir: batcher closed")

func (b *Batcher) size() int {
	if b.BatchSize > 0 {
		return b.BatchSize
	}
	return DefaultBatchSize
}

func (b *Batcher) workers() int {
	if b.Workers > 0 {
		return b.Workers
	}
	return max(1, runtime.GOMAXPROCS(0)-1)
}

// join registers a running import and returns where it sends its entries
// (nil once the Batcher is closed); the import calls leave when every
// entry it sent is processed. The workers run while imports do.
func (b *Batcher) join() chan<- task {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	if b.active == 0 {
		n := b.workers()
		b.tasks = make(chan task, 64*n)
		for range n {
			go work(b.tasks)
		}
	}
	b.active++
	return b.tasks
}

func (b *Batcher) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active--; b.active == 0 {
		close(b.tasks)
		b.tasks = nil
	}
}

// work processes entries until tasks is closed.
func work(tasks <-chan task) {
	for t := range tasks {
		r := t.run
		r.results <- r.im.process(r.ctx, r.rs, &t.j)
		r.pending.Done()
	}
}

func (b *Batcher) full() bool {
	return len(b.batch) >= b.size() || b.bytes >= MaxBatchBytes
}

// notify wakes everyone waiting for a change. b.mu is held.
func (b *Batcher) notify() {
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// await releases b.mu until the next change or the end of ctx, and takes
// it again. It returns ctx's cause if ctx ended.
func (b *Batcher) await(ctx context.Context) error {
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	ch := b.changed
	b.mu.Unlock()
	defer b.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// add queues one resource of the import t, waiting while the filling batch
// is full.
func (b *Batcher) add(ctx context.Context, t *ticket, r *lifeboat.Resource) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		switch {
		case b.closed:
			return errBatcherClosed
		case t.err != nil:
			return t.err
		}
		b.maybeFlush()
		if !b.full() {
			break
		}
		if err := b.await(ctx); err != nil {
			return err
		}
	}
	if b.batch == nil {
		b.batch = make([]queued, 0, b.size())
	}
	b.batch = append(b.batch, queued{r, t})
	b.bytes += len(r.JSON)
	t.pending++
	b.maybeFlush()
	return nil
}

// wait returns once every resource the import t added is stored, or with
// the first store error among them.
func (b *Batcher) wait(ctx context.Context, t *ticket) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting++
	defer func() { b.waiting-- }()
	for t.pending > 0 && t.err == nil && !b.closed {
		b.maybeFlush()
		if err := b.await(ctx); err != nil {
			return err
		}
	}
	if t.err == nil && b.closed {
		return errBatcherClosed
	}
	return t.err
}

// detach stops counting outcomes for the import t, which returns its
// Stats: resources it left in the batches are still stored.
func (b *Batcher) detach(t *ticket) {
	b.mu.Lock()
	t.st = nil
	b.mu.Unlock()
}

// maybeFlush hands the filling batch to the store if it is due. b.mu is
// held.
func (b *Batcher) maybeFlush() {
	if len(b.inflight) >= maxInflight || b.closed || len(b.batch) == 0 {
		return
	}
	if !b.full() && b.waiting == 0 && (len(b.inflight) > 0 || len(b.batch) < b.size()/4) {
		return
	}
	items := b.batch
	b.batch, b.bytes = nil, 0
	f := &flight{keys: make(map[resourceKey]struct{}, len(items)), done: make(chan struct{})}
	for _, q := range items {
		f.keys[resourceKey{q.r.Type, q.r.ID}] = struct{}{}
	}
	var after []*flight
	for _, g := range b.inflight {
		if overlap(f.keys, g.keys) {
			after = append(after, g)
		}
	}
	b.inflight = append(b.inflight, f)
	b.notify()
	go b.put(items, f, after)
}

// overlap reports whether two batches hold a resource in common.
func overlap(a, b map[resourceKey]struct{}) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

// put stores one batch, after the batches in flight it must follow, and
// counts the outcomes in the tickets. A batch handed to the store is
// written even if its imports were cancelled since: its resources are
// valid, and storing them again changes nothing.
func (b *Batcher) put(items []queued, f *flight, after []*flight) {
	for _, g := range after {
		<-g.done
	}
	rs := make([]*lifeboat.Resource, len(items))
	for i := range items {
		rs[i] = items[i].r
	}
	outs, err := b.Store.PutResources(context.Background(), rs)
	if err == nil && len(outs) != len(rs) {
		err = fmt.Errorf("store returned %d outcomes for %d resources", len(outs), len(rs))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, q := range items {
		switch {
		case err != nil:
			if q.t.err == nil {
				q.t.err = fmt.Errorf("import: put resources: %w", err)
			}
		case q.t.st != nil:
			q.t.st.add(q.r.Type, outs[i])
		}
		q.t.pending--
	}
	b.inflight = slices.DeleteFunc(b.inflight, func(g *flight) bool { return g == f })
	close(f.done)
	b.notify()
	b.maybeFlush()
}

// Close waits for the batches being stored, and drops the resources not yet
// handed to the store: they belong to imports that failed or gave up, which
// are imported again. Resources added after Close are refused.
func (b *Batcher) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.batch, b.bytes = nil, 0
	b.notify()
	for len(b.inflight) > 0 {
		_ = b.await(context.Background())
	}
}
