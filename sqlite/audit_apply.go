package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// applier applies the log's events to the table when the log has been
// quiet for auditApplyIdle, when the backlog reaches auditApplyAt, at least
// every auditApplyEvery, and when asked to (sync).
func (l *auditLog) applier() {
	defer l.wg.Done()
	tick := time.NewTicker(auditApplyIdle / 4)
	defer tick.Stop()
	var last, retry time.Time // the last apply started; no retry before
	for {
		var waiter chan error
		select {
		case now := <-tick.C:
			l.mu.Lock()
			due := l.npend > 0 && (now.Sub(l.written) >= auditApplyIdle || now.Sub(last) >= auditApplyEvery)
			l.mu.Unlock()
			if !due || now.Before(retry) {
				continue
			}
		case <-l.kick:
			if time.Now().Before(retry) {
				continue
			}
		case waiter = <-l.flush:
		case <-l.stop:
			if err := l.apply(); err != nil {
				// The events are safe in the log: the next open applies them.
				slog.Error("audit log: apply failed", "error", err.Error())
			}
			return
		}
		last = time.Now()
		err := l.apply()
		if err == nil {
			err = l.rotate()
		}
		if err != nil {
			// The events stay in the log; appends fail once too many wait.
			retry = time.Now().Add(time.Second)
		}
		if waiter != nil {
			waiter <- err
		} else if err != nil {
			slog.Error("audit log: apply failed", "error", err.Error())
		}
	}
}

// sync applies every event logged so far to the table.
func (l *auditLog) sync(ctx context.Context) error {
	ch := make(chan error, 1)
	select {
	case l.flush <- ch:
	case <-l.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// apply writes the events in the log only to the table, in transactions of
// up to auditApplyBatch events; the last one records the log offset reached.
// A crash after an earlier one applies its events again, which changes
// nothing (they keep their ids).
func (l *auditLog) apply() error {
	l.mu.Lock()
	data, n, end, from := l.pending[:len(l.pending):len(l.pending)], l.npend, l.end, l.applied
	l.mu.Unlock()
	for rest, left := data, n; left > 0; {
		k := min(left, auditApplyBatch)
		events, more, err := decodeAuditEvents(rest, k)
		if err != nil {
			return err
		}
		at := from
		if k == left {
			at = end
		}
		if err := l.trail.apply(events, at); err != nil {
			return err
		}
		rest, left = more, left-k
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append([]byte(nil), l.pending[len(data):]...)
	l.npend -= n
	l.applied = end
	return nil
}

// rotate empties the log once it is all applied and has grown past
// auditRotate. The state is reset before the log is cut: a crash between
// the two applies events that are all in the table already, which changes
// nothing.
func (l *auditLog) rotate() error {
	l.mu.Lock()
	if l.end < auditRotate || l.applied < l.end {
		l.mu.Unlock()
		return nil
	}
	l.paused = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.paused = false
		l.resume.Broadcast()
		l.mu.Unlock()
	}()
	if err := l.trail.setApplied(0); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("sqlite: audit log: truncate: %w", err)
	}
	l.end, l.applied, l.alloc = 0, 0, 0
	return nil
}

// close refuses new events, waits for the events being written, applies
// every event written, and closes the log.
func (l *auditLog) close() error {
	if l.commit.close() {
		return nil
	}
	close(l.stop)
	l.wg.Wait()
	return l.f.Close()
}
