package fhir

import (
	"context"
	"fmt"

	"github.com/lifeboat-health/lifeboat"
)

// batches is where the write stage puts resources.
type batches interface {
	add(ctx context.Context, r *lifeboat.Resource) error
	// sync returns once every resource added is stored.
	sync(ctx context.Context) error
	// close waits for the batch being stored, if any.
	close()
}

// own batches the resources of one import: one batch is written while the
// next fills. The store's writer is shared (other imports, feeds), so it
// must not wait for this pipeline's parsing, nor the parsing for it.
type own struct {
	im       *Importer
	st       *Stats
	batch    []*lifeboat.Resource
	bytes    int
	inflight chan error
}

func (o *own) add(ctx context.Context, r *lifeboat.Resource) error {
	size := o.im.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	if o.batch == nil {
		o.batch = make([]*lifeboat.Resource, 0, size)
	}
	o.batch = append(o.batch, r)
	o.bytes += len(r.JSON)
	if len(o.batch) == size || o.bytes >= MaxBatchBytes {
		return o.flush(ctx)
	}
	return nil
}

// flush waits for the batch in flight, then starts writing the filled one.
func (o *own) flush(ctx context.Context) error {
	if err := o.wait(); err != nil || len(o.batch) == 0 {
		return err
	}
	b, st, store := o.batch, o.st, o.im.Store
	done := make(chan error, 1)
	go func() {
		outs, err := store.PutResources(ctx, b)
		if err == nil && len(outs) != len(b) {
			err = fmt.Errorf("store returned %d outcomes for %d resources", len(outs), len(b))
		}
		if err != nil {
			done <- fmt.Errorf("import: put resources: %w", err)
			return
		}
		for i, o := range outs { // st.Types is only touched here, one batch at a time
			st.add(b[i].Type, o)
		}
		done <- nil
	}()
	o.inflight = done
	o.batch, o.bytes = nil, 0
	return nil
}

func (o *own) wait() error {
	if o.inflight == nil {
		return nil
	}
	err := <-o.inflight
	o.inflight = nil
	return err
}

func (o *own) sync(ctx context.Context) error {
	if err := o.flush(ctx); err != nil {
		return err
	}
	return o.wait()
}

func (o *own) close() { _ = o.wait() }

// shared puts the resources of one import into a Batcher.
type shared struct {
	b *Batcher
	t *ticket
}

func (s *shared) add(ctx context.Context, r *lifeboat.Resource) error { return s.b.add(ctx, s.t, r) }
func (s *shared) sync(ctx context.Context) error                      { return s.b.wait(ctx, s.t) }
func (s *shared) close()                                              { s.b.detach(s.t) }
