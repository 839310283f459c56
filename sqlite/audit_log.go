package sqlite

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/lifeboat-health/lifeboat"
)

// AuditLogFileName is the audit trail's log inside a data directory.
const AuditLogFileName = "audit.log"

// Audit log bounds.
const (
	auditGatherMax    = 1024                // gather stops once this many callers are queued
	auditApplyBatch   = 1 << 16             // events applied in one transaction, at most
	auditApplyAt      = 2 * auditApplyBatch // events in the log only that start an apply at once
	auditApplyIdle    = time.Second         // ...or when no event has been written for this long
	auditApplyEvery   = time.Minute         // ...or when none has started for this long
	auditBacklog      = 4 * auditApplyBatch // events in the log only, at most: appends fail beyond
	auditRotate       = 64 << 20            // empty the log once it is applied and this large
	auditMaxRecord    = 64 << 20            // a record larger than this is corrupt
	auditRecordV1     = 1                   // the first byte of a record's plaintext
	auditChunk        = 256 << 10           // the log grows by this much, written with zeros
	auditGatherRounds = 8                   // see gather
)

// auditLog makes audit events durable with one sequential append and one
// sync per group of events, before AddAudit returns, and applies them to
// the trail's table (audit.db) in large transactions behind.
//
// The guarantee: AddAudit returns nil only once its event is in the log and
// the log is synced (fdatasync, as SQLite syncs the store's WAL with
// synchronous=FULL; the feed inbox acknowledges messages on the same
// ground). Events from concurrent requests share one write and one sync,
// yet every caller waits for the sync that covers its own event and gets
// its error: when the write or the sync fails, every event of the group is
// refused, and so is the access it records (http's mustAudit). After a
// crash, the events in the log and not yet in the table are applied when
// the log is opened again; a group whose write did not complete was never
// acknowledged, and is cut.
//
// Why not commit each group to SQLite: with the VFS sealing 4 KiB blocks,
// every page SQLite writes to a WAL costs several read-decrypt-encrypt-write
// cycles, and every event changes a leaf of the patient index at random.
// Applied in large transactions, events for the same patient share their
// leaf, and the table, time and user indexes are appended to once. The
// applier waits for a quiet moment (auditApplyIdle), a large backlog
// (auditApplyAt) or auditApplyEvery, whichever comes first, and applies
// everything at once when asked (AuditEvents, Close).
//
// Who writes: the callers, in turn (groupCommit).
//
// Records are XChaCha20-Poly1305 sealed with a key derived from the
// database key: a length, a nonce and the sealed events of one group. One
// process at a time may append (an exclusive lock on the file), so the log
// is opened by the first AddAudit or AuditEvents, not by Open: commands
// that never audit do not hold it.
type auditLog struct {
	trail *auditTrail
	f     *os.File
	aead  cipher.AEAD
	flush chan chan error // apply everything now, and answer
	kick  chan struct{}   // the backlog is large: apply now
	stop  chan struct{}   // closed to stop the applier
	wg    sync.WaitGroup

	commit *groupCommit[*lifeboat.AuditEvent]

	buf []byte // the leader's: the record being written

	mu      sync.Mutex
	end     int64      // bytes durably in the log
	alloc   int64      // bytes of the file written (zeros past end)
	applied int64      // bytes of the log applied to the table
	pending []byte     // events in the log only, in order (appendAuditEvent)
	npend   int        // how many
	resume  *sync.Cond // on mu: the log is not being emptied
	paused  bool       // appends wait while the log is emptied
	nextID  int64
	written time.Time // when the last group was written
}

var errClosed = errors.New("sqlite: store is closed")

// openAuditLog opens the log, cuts what a crash left half written, and
// starts the applier, which applies first what was not yet applied.
func openAuditLog(dir string, key []byte, trail *auditTrail) (*auditLog, error) {
	f, aead, err := openSealedLog(dir, AuditLogFileName, key, "lifeboat audit log v1", "records the audit trail")
	if err != nil {
		return nil, err
	}
	l := &auditLog{trail: trail, f: f, aead: aead, flush: make(chan chan error), kick: make(chan struct{}, 1), stop: make(chan struct{})}
	l.resume = sync.NewCond(&l.mu)
	l.commit = newGroupCommit(l.write, auditGatherRounds, auditGatherMax)
	if err := l.recover(); err != nil {
		f.Close()
		return nil, err
	}
	l.wg.Add(1)
	go l.applier()
	return l, nil
}

// recover reads the records after the applied offset, for the applier to
// apply at once, and cuts a torn or corrupt tail.
func (l *auditLog) recover() error {
	applied, maxID, err := l.trail.state()
	if err != nil {
		return err
	}
	size, err := l.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("sqlite: audit log: %w", err)
	}
	applied = min(applied, size) // the log was emptied after the state was reset
	off := applied
	r := io.NewSectionReader(l.f, applied, size-applied)
	for {
		n, events, last, size, err := l.readRecord(r)
		if err != nil {
			break // the end of the log, or a torn or corrupt tail
		}
		off += size
		l.pending = append(l.pending, events...)
		l.npend += n
		maxID = max(maxID, last)
	}
	if off < size { // zeros written ahead, or a torn tail
		if err := l.f.Truncate(off); err != nil {
			return fmt.Errorf("sqlite: audit log: cut torn tail: %w", err)
		}
	}
	l.alloc = off
	l.end, l.applied, l.nextID = off, applied, maxID+1
	if l.npend > 0 {
		l.kick <- struct{}{} // the applier applies them first thing
	}
	return l.rotate()
}

// readRecord reads one record (length, nonce, sealed events) and returns
// how many events it holds, their encoding, the last one's id, and the
// record's size.
func (l *auditLog) readRecord(r io.Reader) (n int, events []byte, last, size int64, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, 0, 0, err
	}
	length := binary.LittleEndian.Uint32(hdr[:])
	if length < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || length > auditMaxRecord {
		return 0, nil, 0, 0, errors.New("sqlite: audit log: bad record length")
	}
	buf := make([]byte, length)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, 0, 0, err
	}
	nonce, sealed := buf[:chacha20poly1305.NonceSizeX], buf[chacha20poly1305.NonceSizeX:]
	plain, err := l.aead.Open(sealed[:0], nonce, sealed, nil)
	if err != nil {
		return 0, nil, 0, 0, fmt.Errorf("sqlite: audit log: record does not authenticate: %w", err)
	}
	bad := errors.New("sqlite: audit log: bad record")
	if len(plain) == 0 || plain[0] != auditRecordV1 {
		return 0, nil, 0, 0, bad
	}
	count, k := binary.Uvarint(plain[1:])
	if k <= 0 || count == 0 || count > uint64(len(plain)) {
		return 0, nil, 0, 0, bad
	}
	events = plain[1+k:]
	es, rest, err := decodeAuditEvents(events, int(count))
	if err != nil || len(rest) != 0 {
		return 0, nil, 0, 0, bad
	}
	return len(es), events, es[len(es)-1].ID, int64(4 + length), nil
}

// appendRecord appends to buf the sealed record of n encoded events: a
// version byte, n, and the events.
func (l *auditLog) appendRecord(buf []byte, n int, events []byte) ([]byte, error) {
	start := len(buf)
	const head = 4 + chacha20poly1305.NonceSizeX
	buf = append(buf, make([]byte, head)...)
	if _, err := rand.Read(buf[start+4 : start+head]); err != nil {
		return nil, fmt.Errorf("sqlite: audit log: nonce: %w", err)
	}
	plain := append(buf[start+head:], auditRecordV1)
	plain = binary.AppendUvarint(plain, uint64(n))
	plain = append(plain, events...)
	buf = l.aead.Seal(buf[:start+head], buf[start+4:start+head], plain, nil)
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
	return buf, nil
}

// do makes e durable in the log and returns the outcome. Once queued, the
// caller waits for the outcome even if ctx ends: the event may be written.
func (l *auditLog) do(ctx context.Context, e *lifeboat.AuditEvent) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.commit.do(e)
}

// write assigns ids to the events of group, appends them as one record and
// syncs the log. On failure nothing of the group counts: the log is cut
// back and the ids are taken back.
func (l *auditLog) write(group []*lifeboat.AuditEvent) (err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.paused {
		l.resume.Wait()
	}
	if l.npend >= auditBacklog {
		// The table has not taken events for a while (see the applier's
		// log): refuse rather than let the log grow without bound.
		return errors.New("sqlite: audit log: too many events not yet applied")
	}
	mark, id := len(l.pending), l.nextID
	for _, e := range group {
		e.ID, id = id, id+1
		l.pending = appendAuditEvent(l.pending, e)
	}
	defer func() {
		if err != nil {
			l.pending = l.pending[:mark]
			for _, e := range group {
				e.ID = 0
			}
			err = fmt.Errorf("sqlite: audit log: append: %w", err)
		}
	}()
	b, err := l.appendRecord(l.buf[:0], len(group), l.pending[mark:])
	if err != nil {
		return err
	}
	l.buf = b
	if err := appendSynced(l.f, &l.alloc, auditChunk, b, l.end); err != nil {
		return err
	}
	l.nextID = id
	l.end += int64(len(b))
	l.written = time.Now()
	l.npend += len(group)
	if l.npend >= auditApplyAt {
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// appendAuditEvent appends an event's encoding to b: its id, time (unix
// milliseconds), user, action, patient, query, address and outcome.
func appendAuditEvent(b []byte, e *lifeboat.AuditEvent) []byte {
	b = binary.AppendVarint(b, e.ID)
	b = binary.AppendVarint(b, millis(e.Time))
	for _, s := range [...]string{e.User, e.Action, e.PatientID, e.Query, e.Address, e.Outcome} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeAuditEvents decodes n events from b and returns the rest of b.
func decodeAuditEvents(b []byte, n int) ([]lifeboat.AuditEvent, []byte, error) {
	bad := errors.New("sqlite: audit log: bad event")
	out := make([]lifeboat.AuditEvent, n)
	for i := range out {
		e := &out[i]
		var t int64
		for _, p := range [...]*int64{&e.ID, &t} {
			var k int
			if *p, k = binary.Varint(b); k <= 0 {
				return nil, nil, bad
			}
			b = b[k:]
		}
		e.Time = fromMillis(t)
		for _, p := range [...]*string{&e.User, &e.Action, &e.PatientID, &e.Query, &e.Address, &e.Outcome} {
			size, k := binary.Uvarint(b)
			if k <= 0 || size > uint64(len(b)-k) {
				return nil, nil, bad
			}
			*p, b = string(b[k:k+int(size)]), b[k+int(size):]
		}
	}
	return out, b, nil
}
