package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// applier applies records to the store in batches as they come, and the
// records the writers could not hand it in memory from the log.
func (in *inbox) applier() {
	defer in.wg.Done()
	ctx := context.Background()
	for {
		var items []inboxItem
		select {
		case first, ok := <-in.applyQ:
			if !ok { // closing: no more writes; apply what was spilled last
				in.retry(ctx, nil)
				return
			}
			items = in.gather(first)
		case <-in.spilled:
		}
		ok := in.retry(ctx, items)
		for _, it := range items {
			in.held.Add(-it.size)
		}
		if !ok {
			return
		}
		if err := in.rotate(ctx); err != nil {
			slog.Error("feed inbox: rotate failed", "error", err.Error())
		}
	}
}

// gather collects a batch: a commit costs about as much for one message
// as for hundreds. The batch closes inboxLinger after its first message
// came in, so a result is on the chart well within a second; when the
// applier is behind, that time has passed, and it takes what is queued
// without waiting (lingering then would leave the store idle).
func (in *inbox) gather(first inboxItem) []inboxItem {
	items := []inboxItem{first}
	wait := min(max(inboxLinger-time.Since(first.rec.Message.Received), 0), inboxLinger)
	var linger *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for len(items) < inboxApplyBatch {
		select { // what is queued already
		case it, ok := <-in.applyQ:
			if !ok {
				return items
			}
			items = append(items, it)
			continue
		default:
		}
		if wait == 0 {
			return items
		}
		if linger == nil {
			linger = time.NewTimer(wait)
		}
		select {
		case it, ok := <-in.applyQ:
			if !ok {
				return items
			}
			items = append(items, it)
		case <-linger.C:
			return items
		case <-in.stop:
			return items
		}
	}
	return items
}

// retry applies items, and whatever the log holds before and after them,
// until it succeeds. The records are safe in the log: when the store is
// closing it stops trying and leaves them to the next open, returning
// false.
func (in *inbox) retry(ctx context.Context, items []inboxItem) bool {
	for {
		err := in.applyItems(ctx, items)
		if err == nil {
			return true
		}
		slog.Error("feed inbox: apply failed", "error", err.Error())
		select {
		case <-in.stop:
			for range in.applyQ {
			}
			return false
		case <-time.After(time.Second):
		}
	}
}

// applyItems applies the records handed over in memory, reading from the
// log those between them that the writers had no room to hand over, and
// then those after them up to the end of the log.
func (in *inbox) applyItems(ctx context.Context, items []inboxItem) error {
	in.fmu.Lock()
	gen := in.gen
	in.fmu.Unlock()
	var batch []inboxItem
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := in.apply(ctx, batch)
		batch = batch[:0]
		return err
	}
	for _, it := range items {
		reached := in.applied
		if len(batch) > 0 {
			reached = batch[len(batch)-1].end
		}
		if it.gen != gen || it.end <= reached {
			continue // applied from the log already
		}
		if it.start > reached {
			if err := flush(); err != nil {
				return err
			}
			if _, err := in.applyLog(ctx, it.start, false); err != nil {
				return err
			}
		}
		batch = append(batch, it)
		if len(batch) >= in.batchSize() {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(in.applyQ) > 0 {
		return nil // the rest comes in memory
	}
	in.fmu.Lock()
	end := in.end
	in.fmu.Unlock()
	if end > in.applied {
		// Spilled at the tail: nothing in memory stands for them.
		_, err := in.applyLog(ctx, end, false)
		return err
	}
	return nil
}

// apply writes a batch of records to the store in one transaction with the
// log offset they reach. A message already applied (same feed and control
// id) is counted for its feed and not applied again.
func (in *inbox) apply(ctx context.Context, items []inboxItem) error {
	if err := in.remapAll(ctx, items); err != nil { // those queued unmapped
		return err
	}
	return in.applyPrepared(ctx, in.prepare(items))
}

// preparedBatch is a batch of records ready for its transaction: their
// resources and raw messages encoded.
type preparedBatch struct {
	items []inboxItem
	encs  [][]encoded
	raws  [][]byte
}

// prepare encodes a batch, every resource of it at once on every processor.
func (in *inbox) prepare(items []inboxItem) *preparedBatch {
	var flat []*lifeboat.Resource
	for _, it := range items {
		flat = append(flat, it.rec.Resources...)
	}
	rest := in.db.encodeAll(flat)
	b := &preparedBatch{items: items, encs: make([][]encoded, len(items)), raws: make([][]byte, len(items))}
	for i, it := range items {
		n := len(it.rec.Resources)
		b.encs[i], rest = rest[:n:n], rest[n:]
		b.raws[i] = in.db.codec.encode(nil, it.rec.Message.Raw)
	}
	return b
}

// applyPrepared writes a prepared batch in one transaction (see apply),
// then, while the applier gives way to a flood, pauses (see givesWay).
func (in *inbox) applyPrepared(ctx context.Context, b *preparedBatch) error {
	start := time.Now()
	defer func() {
		if in.givesWay(b.items[0].rec.Message.Received) {
			time.Sleep(inboxFloodPause * time.Since(start))
		}
	}()
	now := in.db.now()
	items, encs, raws := b.items, b.encs, b.raws
	var applied []*lifeboat.Message
	last := items[len(items)-1].end
	err := in.db.w.do(ctx, func(tx *wtx) error {
		applied = applied[:0]
		var all []encoded
		type seen struct {
			n, rejected   int
			last, lastErr time.Time
		}
		feeds := map[string]*seen{}
		for i, it := range items {
			m := &it.rec.Message
			f := feeds[m.Feed]
			if f == nil {
				f = &seen{}
				feeds[m.Feed] = f
			}
			f.n++
			if m.Received.After(f.last) {
				f.last = m.Received
			}
			if it.rec.failed != "" { // no longer maps: a dead letter
				m.Status, m.Error, m.Resources = lifeboat.MessageRejected, it.rec.failed, 0
				if err := insertRejected(tx, m, raws[i]); err != nil {
					return err
				}
				applied = append(applied, m)
				f.rejected++
				if m.Received.After(f.lastErr) {
					f.lastErr = m.Received
				}
				continue
			}
			dup, err := insertMessage(tx, m, raws[i], len(encs[i]))
			if err != nil {
				return err
			}
			if !dup {
				applied = append(applied, m)
				all = append(all, encs[i]...)
			}
		}
		if _, err := putAll(tx, all, now); err != nil {
			return err
		}
		for feed, f := range feeds {
			if err := feedSeen(tx, feed, f.n, f.rejected, f.last, f.lastErr); err != nil {
				return err
			}
		}
		return tx.exec(`UPDATE inbox_state SET applied=? WHERE id=1`, last)
	}, false)
	if err != nil {
		return err
	}
	if in.db.OnApplied != nil && len(applied) > 0 {
		in.db.OnApplied(applied)
	}
	in.mu.Lock()
	for _, it := range items {
		key := [2]string{it.rec.Message.Feed, it.rec.Message.ControlID}
		delete(in.pending, key)
		in.recent.add(key)
	}
	in.mu.Unlock()
	in.fmu.Lock()
	in.applied = last
	in.resume.Broadcast()
	in.fmu.Unlock()
	return nil
}

// rotate empties the log once it has grown past rotateAt and the store has
// nearly caught up with it: appends pause, the rest of the log is applied,
// the state is reset, the file is truncated, and appends resume. The state
// is reset before the truncation: a crash between the two replays records
// that are all applied already, which changes nothing.
func (in *inbox) rotate(ctx context.Context) error {
	in.fmu.Lock()
	if in.end < in.rotateAt || in.end-in.applied > inboxRotateSlack {
		in.fmu.Unlock()
		return nil
	}
	in.paused = true
	end := in.end
	in.fmu.Unlock()
	defer func() {
		in.fmu.Lock()
		in.paused = false
		in.resume.Broadcast()
		in.fmu.Unlock()
	}()
	if _, err := in.applyLog(ctx, end, false); err != nil {
		return err
	}
	if err := in.db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`UPDATE inbox_state SET applied=0 WHERE id=1`)
	}, false); err != nil {
		return err
	}
	in.fmu.Lock()
	defer in.fmu.Unlock()
	if err := in.f.Truncate(0); err != nil {
		return fmt.Errorf("sqlite: inbox: truncate: %w", err)
	}
	// What is still queued in memory was applied from the log: stale.
	in.end, in.alloc, in.applied = 0, 0, 0
	in.gen++
	return nil
}

// flooding says whether messages come in faster than the store can apply
// them (inboxFlood) and the store is behind (inboxFloodBacklog).
func (in *inbox) flooding() bool {
	if in.arrivals.rate() < inboxFlood {
		return false
	}
	in.mu.Lock()
	waiting := len(in.pending)
	in.mu.Unlock()
	return int64(waiting) >= inboxFloodBacklog
}

// givesWay says whether the applier, applying messages the oldest of which
// arrived at oldest, should give way to acknowledging new ones: during a
// flood, as long as it is less than inboxPriorityLag behind. Giving way,
// it commits small batches (inboxFloodBatch) and pauses after each for
// inboxFloodPause times as long as it took, so that it takes a seventh of a
// processor and never pauses inside a transaction, where other writes
// would wait for it. A pause frees the processor outright; yielding it
// (runtime.Gosched) leaves the applier first in line for it again. A flood cannot
// be applied as fast as it comes whatever the applier does; giving way, it
// is acknowledged as fast as the processors allow (so the sender's queue
// drains) and applied right after, about as soon as it would have been.
// Below the flood rate the applier keeps up and charts stay current; in a
// flood that lasts, it takes its share once it is inboxPriorityLag behind.
func (in *inbox) givesWay(oldest time.Time) bool {
	return in.flooding() && time.Since(oldest) < inboxPriorityLag
}

// batchSize is how many messages to apply in one transaction: fewer during
// a flood (see givesWay).
func (in *inbox) batchSize() int {
	if in.flooding() {
		return inboxFloodBatch
	}
	return inboxApplyBatch
}

// recentKeys remembers the last n keys added, to answer a re-sent message
// as a duplicate without asking the store.
type recentKeys struct {
	set  map[[2]string]struct{}
	ring [][2]string
	at   int
}

func newRecentKeys(n int) recentKeys {
	return recentKeys{set: make(map[[2]string]struct{}, n), ring: make([][2]string, 0, n)}
}

func (r *recentKeys) has(k [2]string) bool {
	_, ok := r.set[k]
	return ok
}

func (r *recentKeys) add(k [2]string) {
	if _, ok := r.set[k]; ok {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, k)
	} else {
		delete(r.set, r.ring[r.at])
		r.ring[r.at] = k
		r.at = (r.at + 1) % len(r.ring)
	}
	r.set[k] = struct{}{}
}
