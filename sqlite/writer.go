package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
)

// maxGroup bounds how many write requests share one transaction.
const maxGroup = 256

// writerPoll is how often an idle writer looks for commits by another
// process, to empty the resource cache.
const writerPoll = 200 * time.Millisecond

// writer owns the only writing connection. Requests from any goroutine are
// queued and committed in groups: everything waiting when a transaction
// starts shares it, so many small writes share one fsync. A request's error
// rolls back only that request (each runs in its own savepoint).
type writer struct {
	conn  *sqlite3.Conn
	reqs  chan *writeReq
	done  chan struct{}
	once  sync.Once
	stmts map[string]*sqlite3.Stmt

	cache       *resourceCache // dropped from as writes commit
	dataVersion int64          // PRAGMA data_version when last looked at
}

type writeReq struct {
	fn         func(*wtx) error
	checkpoint bool
	err        chan error
}

// wtx is the write transaction handed to a request.
type wtx struct {
	w       *writer
	changed []resourceKey // resources written, for the cache
}

func newWriter(ctx context.Context, conn *sqlite3.Conn, cache *resourceCache) (*writer, error) {
	w := &writer{conn: conn, reqs: make(chan *writeReq, maxGroup), done: make(chan struct{}), stmts: map[string]*sqlite3.Stmt{}, cache: cache}
	if err := w.othersWrote(); err != nil {
		return nil, err
	}
	go w.run(ctx)
	return w, nil
}

// do runs fn in a write transaction and returns once it is committed.
func (w *writer) do(ctx context.Context, fn func(*wtx) error, checkpoint bool) error {
	req := &writeReq{fn: fn, checkpoint: checkpoint, err: make(chan error, 1)}
	select {
	case w.reqs <- req:
	case <-w.done:
		return errors.New("sqlite: store is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the request runs; wait for its outcome even if ctx ends,
	// so a caller never believes an acknowledged write was lost.
	return <-req.err
}

func (w *writer) close() error {
	w.once.Do(func() { close(w.reqs) })
	<-w.done
	return nil
}

func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	defer func() {
		for _, s := range w.stmts {
			s.Close()
		}
		w.conn.Close()
	}()
	poll := time.NewTicker(writerPoll)
	defer poll.Stop()
	for {
		var first *writeReq
		select {
		case r, ok := <-w.reqs:
			if !ok {
				return
			}
			first = r
		case <-poll.C:
			w.othersWrote()
			continue
		}
		w.othersWrote()
		group := []*writeReq{first}
	fill:
		for len(group) < maxGroup {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break fill
				}
				group = append(group, r)
			default:
				break fill
			}
		}
		w.commit(group)
	}
}

func (w *writer) commit(group []*writeReq) {
	errs := make([]error, len(group))
	tx := &wtx{w: w}
	fail := func(err error) {
		tx.dropChanged() // nothing was written, but dropping is always safe
		for _, r := range group {
			r.err <- err
		}
	}
	if err := w.conn.Exec(`BEGIN IMMEDIATE`); err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	checkpoint := false
	for i, r := range group {
		checkpoint = checkpoint || r.checkpoint
		if err := w.conn.Exec(`SAVEPOINT req`); err != nil {
			errs[i] = fmt.Errorf("sqlite: savepoint: %w", err)
			continue
		}
		if err := r.fn(tx); err != nil {
			errs[i] = err
			if rerr := w.conn.Exec(`ROLLBACK TO req; RELEASE req`); rerr != nil {
				w.conn.Exec(`ROLLBACK`)
				fail(fmt.Errorf("sqlite: rollback: %w", rerr))
				return
			}
			continue
		}
		if err := w.conn.Exec(`RELEASE req`); err != nil {
			errs[i] = fmt.Errorf("sqlite: release: %w", err)
		}
	}
	if err := w.conn.Exec(`COMMIT`); err != nil {
		w.conn.Exec(`ROLLBACK`)
		fail(fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	tx.dropChanged() // before anyone who wrote reads again
	if checkpoint {
		if err := w.conn.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			for i := range errs {
				if errs[i] == nil && group[i].checkpoint {
					errs[i] = fmt.Errorf("sqlite: checkpoint: %w", err)
				}
			}
		}
	}
	for i, r := range group {
		r.err <- errs[i]
	}
}

// dropChanged drops the resources the transaction wrote from the cache.
func (tx *wtx) dropChanged() {
	if len(tx.changed) > 0 {
		tx.w.cache.drop(tx.changed)
		tx.changed = nil
	}
}

// othersWrote empties the resource cache when another process has
// committed to the store since it last looked.
func (w *writer) othersWrote() error {
	s, err := (&wtx{w: w}).stmt(`PRAGMA data_version`)
	if err != nil {
		return err
	}
	if !s.Step() {
		return fmt.Errorf("sqlite: data_version: %w", s.Err())
	}
	v := s.ColumnInt64(0)
	s.Reset()
	if v != w.dataVersion {
		if w.dataVersion != 0 {
			w.cache.clear()
		}
		w.dataVersion = v
	}
	return nil
}

// stmt returns a cached prepared statement, reset. Its old bindings stay:
// bind sets every parameter again.
func (tx *wtx) stmt(query string) (*sqlite3.Stmt, error) {
	if s, ok := tx.w.stmts[query]; ok {
		s.Reset()
		return s, nil
	}
	s, _, err := tx.w.conn.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	tx.w.stmts[query] = s
	return s, nil
}

// exec runs a cached statement with arguments and returns its error.
func (tx *wtx) exec(query string, args ...any) error {
	s, err := tx.stmt(query)
	if err != nil {
		return err
	}
	if err := bind(s, args...); err != nil {
		return err
	}
	if err := s.Exec(); err != nil {
		return fmt.Errorf("sqlite: exec: %w", err)
	}
	return nil
}

func (tx *wtx) lastInsertID() int64 { return tx.w.conn.LastInsertRowID() }

func (tx *wtx) changes() int64 { return tx.w.conn.Changes() }

// bind binds args to the parameters of s, in order: all of them, since a
// cached statement keeps its last bindings.
func bind(s *sqlite3.Stmt, args ...any) error {
	if n := s.BindCount(); n != len(args) {
		return fmt.Errorf("sqlite: %d arguments for %d parameters", len(args), n)
	}
	for i, a := range args {
		var err error
		switch v := a.(type) {
		case nil:
			err = s.BindNull(i + 1)
		case string:
			err = s.BindText(i+1, v)
		case []byte:
			err = s.BindBlob(i+1, v)
		case int:
			err = s.BindInt64(i+1, int64(v))
		case int64:
			err = s.BindInt64(i+1, v)
		case bool:
			err = s.BindBool(i+1, v)
		case nullString:
			if v == "" {
				err = s.BindNull(i + 1)
			} else {
				err = s.BindText(i+1, string(v))
			}
		default:
			return fmt.Errorf("sqlite: cannot bind %T", a)
		}
		if err != nil {
			return fmt.Errorf("sqlite: bind: %w", err)
		}
	}
	return nil
}

// nullString binds "" as NULL.
type nullString string
