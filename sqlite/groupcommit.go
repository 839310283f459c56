package sqlite

import (
	"runtime"
	"sync"
)

// groupCommit lets concurrent callers share one write and one sync of an
// append-only log (the audit log, the feed inbox), yet every caller waits
// for the sync that covers its own item and gets its error.
//
// Who writes: no goroutine of its own. The first caller to find no write in
// progress leads: it lets the goroutines ready to run reach the queue first
// (gather), writes and syncs the items of every caller queued by then,
// answers them, and hands the lead to the first caller queued meanwhile. So
// callers are woken by a goroutine that goes on running, not by one that
// goes straight back into a sync: a goroutine blocked in a system call
// keeps its processor for a while, and with a dedicated writer the callers
// it had just woken waited behind it for milliseconds (and the writer, one
// goroutine among many runnable ones, waited for a processor as long).
type groupCommit[T any] struct {
	write  func(group []T) error // writes and syncs a group; its error is every member's
	rounds int                   // gather's rounds at most
	max    int                   // gather stops once this many are queued

	mu      sync.Mutex
	queue   []*commitReq[T] // callers waiting for a leader to write their item
	leading bool            // a caller is writing: the others queue
	closed  bool
	idle    *sync.Cond // on mu: no caller leads
}

// commitReq is a caller waiting for its item to be written.
type commitReq[T any] struct {
	v   T
	res chan commitResult
}

// commitResult answers a waiting caller: its item's outcome, or the lead.
type commitResult struct {
	err  error
	lead bool
}

func newGroupCommit[T any](write func([]T) error, rounds, max int) *groupCommit[T] {
	g := &groupCommit[T]{write: write, rounds: rounds, max: max}
	g.idle = sync.NewCond(&g.mu)
	return g
}

// do queues v and returns once the group that holds it is written, with the
// group's error; errClosed once close was called.
func (g *groupCommit[T]) do(v T) error {
	r := &commitReq[T]{v: v, res: make(chan commitResult, 1)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errClosed
	}
	g.queue = append(g.queue, r)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		if res := <-r.res; !res.lead {
			return res.err
		}
	}
	g.gather()
	return g.lead(r)
}

// gather lets the goroutines ready to run go first, as long as that brings
// more callers to the queue (up to rounds times), so that they share the
// coming sync: a sync costs a system call that holds up the leader's
// processor, and about as much for many items as for one. With nothing else
// to run, it costs the leader nothing.
func (g *groupCommit[T]) gather() {
	n := g.queued()
	for range g.rounds {
		runtime.Gosched()
		m := g.queued()
		if m == n || m >= g.max {
			return
		}
		n = m
	}
}

func (g *groupCommit[T]) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// lead writes the items of every queued caller, r's among them, answers
// them, hands the lead on to a caller queued meanwhile, and returns r's
// outcome.
func (g *groupCommit[T]) lead(r *commitReq[T]) error {
	g.mu.Lock()
	group := g.queue
	g.queue = nil
	g.mu.Unlock()
	items := make([]T, len(group))
	for i, q := range group {
		items[i] = q.v
	}
	err := g.write(items)
	var next *commitReq[T]
	g.mu.Lock()
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
		g.idle.Broadcast()
	}
	g.mu.Unlock()
	for _, q := range group {
		if q != r {
			q.res <- commitResult{err: err}
		}
	}
	if next != nil {
		next.res <- commitResult{lead: true}
	}
	return err
}

// close refuses new callers and waits until no caller is writing. It
// reports whether it was already closed.
func (g *groupCommit[T]) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return true
	}
	g.closed = true
	for g.leading {
		g.idle.Wait()
	}
	return false
}
