package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/lifeboat-health/lifeboat"
)

// InboxFileName is the feed inbox inside a data directory.
const InboxFileName = "inbox.log"

// Inbox bounds.
const (
	inboxApplyBatch  = 1024            // messages applied in one transaction at most
	inboxFloodBatch  = 16              // ... while the applier gives way to a flood (see givesWay) ...
	inboxFloodPause  = 6               // ... pausing after each this many times as long as it took
	inboxPriorityLag = 5 * time.Second // the applier gives way in a flood only while it is less far behind
	inboxGroupMax    = 256             // records appended with one write and sync at most
	inboxMaxBacklog  = 512 << 20       // bytes of the log written and not yet applied, at most; appends wait past it
	inboxRotate      = 64 << 20        // empty the log once it is this large ...
	inboxRotateSlack = 4 << 20         // ... and at most this much of it is not yet applied
	inboxMaxRecord   = 64 << 20        // a record larger than this is corrupt
	inboxChunk       = 1 << 20         // the log grows by this much, written with zeros
	inboxRecent      = 1 << 16         // applied messages remembered to answer re-sends as duplicates
)

// inboxLinger is how long after its first message came in the applier
// closes a batch (a variable for the tests).
var inboxLinger = 50 * time.Millisecond

// inboxFlood is the rate, in messages a second, past which the applier
// gives way (see givesWay): about what the store applies on two
// processors; inboxFloodBacklog is how many messages must also wait to be
// applied, about a quarter of a second of the store's work there, so that
// a sender catching up after a pause of the store (hundreds of messages in
// a few milliseconds) is no flood. Variables for the tests.
var (
	inboxFlood              = 5000.0
	inboxFloodBacklog int64 = 700
)

// inboxQueued is how many records the applier is handed in memory, and
// inboxHeld how many bytes they may hold (a result with an embedded PDF
// holds megabytes); past either, it reads them back from the log
// (variables for the tests).
var (
	inboxQueued       = 4096
	inboxHeld   int64 = 64 << 20
)

// inbox makes feed messages durable with one sequential, fsync'd append to
// an encrypted log, so that they can be acknowledged at once, and applies
// them to the store in large transactions behind. A burst faster than the
// store can apply waits in the log, not in memory (up to inboxMaxBacklog),
// and is applied as soon as the store catches up. After a crash the records
// not yet applied are applied when the store opens again. Records are
// XChaCha20-Poly1305 sealed with a key derived from the database key.
type inbox struct {
	db      *DB
	remap   Remap
	f       *os.File
	aead    cipher.AEAD
	nonce   [chacha20poly1305.NonceSizeX - 8]byte // random for this process; a counter completes each nonce
	sealed  atomic.Uint64
	commit  *groupCommit[*appendReq]
	applyQ  chan inboxItem
	spilled chan struct{} // records were written that applyQ had no room for
	stop    chan struct{}
	wg      sync.WaitGroup

	arrivals *arrivals    // how fast messages are queued
	held     atomic.Int64 // bytes of the records handed to the applier in memory and not yet applied
	once     sync.Once

	mu      sync.Mutex
	pending map[[2]string]bool // feed and control id of records not yet applied
	recent  recentKeys         // of messages applied lately

	// fmu guards the file: it is held while a group is written and synced,
	// so it is apart from mu, which every incoming message takes.
	fmu   sync.Mutex
	end   int64 // bytes durably in the log
	alloc int64 // bytes of the file written (zeros past end)
	// applied is the offset of the first record not yet applied to the
	// store. Only the applier writes it (under fmu), so it reads it without.
	applied  int64
	gen      int        // counts the times the log was emptied; items of an older one are stale
	paused   bool       // appends wait while the log is emptied
	closing  bool       // appends no longer wait for the applier
	resume   *sync.Cond // on fmu: appends may go on
	rotateAt int64      // empty the log once it is this large
	limit    int64      // inboxMaxBacklog
}

// inboxRecord is a message and its resources. The log keeps the message
// alone: one read back from it, or queued unmapped, is mapped (remap)
// before it is applied.
type inboxRecord struct {
	Message   lifeboat.Message
	Resources []*lifeboat.Resource
	remap     bool   // read back from the log, or queued unmapped: Resources are still to be mapped
	failed    string // why it no longer maps: it is kept as a dead letter
}

// Remap maps a feed message read back from the inbox to its resources
// again, as they were mapped before it was acknowledged: the inbox keeps
// only the message, so that acknowledging it writes and syncs a tenth as
// much. An error with code lifeboat.EINVALID says the message no longer
// maps (it is then kept as a dead letter, with the error's message, which
// must hold no patient data); any other error is retried.
type Remap func(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error)

// appendReq is a sealed record to append.
type appendReq struct {
	key  [2]string
	rec  *inboxRecord
	data []byte
	size int64 // bytes the record holds in memory, about
}

// inboxItem is a record handed to the applier with its place in the log.
type inboxItem struct {
	rec        *inboxRecord
	start, end int64
	gen        int
	size       int64 // appendReq.size
}

// openInbox opens the log, applies what a crash left unapplied, and starts
// the applier.
func openInbox(ctx context.Context, db *DB, dir string, key []byte, remap Remap) (*inbox, error) {
	f, aead, err := openSealedLog(dir, InboxFileName, key, "lifeboat inbox v1", "receives feeds")
	if err != nil {
		return nil, err
	}
	in := &inbox{db: db, remap: remap, f: f, aead: aead, arrivals: newArrivals(), applyQ: make(chan inboxItem, inboxQueued),
		spilled: make(chan struct{}, 1), stop: make(chan struct{}),
		pending: map[[2]string]bool{}, recent: newRecentKeys(inboxRecent), rotateAt: inboxRotate, limit: inboxMaxBacklog}
	in.resume = sync.NewCond(&in.fmu)
	in.commit = newGroupCommit(in.write, auditGatherRounds, inboxGroupMax)
	if _, err := rand.Read(in.nonce[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: inbox: nonce: %w", err)
	}
	if err := in.recover(ctx); err != nil {
		f.Close()
		return nil, err
	}
	in.wg.Add(1)
	go in.applier()
	return in, nil
}

// recover applies the records after the applied offset, reading them back
// from the log, and cuts a torn tail (a record whose append did not
// complete was never acknowledged).
func (in *inbox) recover(ctx context.Context) error {
	var applied int64
	if err := in.db.read.QueryRowContext(ctx, `SELECT applied FROM inbox_state WHERE id=1`).Scan(&applied); err != nil {
		return fmt.Errorf("sqlite: inbox state: %w", err)
	}
	size, err := in.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("sqlite: inbox: %w", err)
	}
	if applied > size { // the log was truncated after the state was reset
		applied = size
	}
	in.applied = applied
	end, err := in.applyLog(ctx, size, true)
	if err != nil {
		return err
	}
	if end < size {
		if err := in.f.Truncate(end); err != nil {
			return fmt.Errorf("sqlite: inbox: cut torn tail: %w", err)
		}
	}
	in.end, in.alloc = end, end
	return in.rotate(ctx)
}

// applyLog reads the records from in.applied up to the offset to back from
// the log and applies them, a batch at a time. It returns the offset
// reached. With tolerant (recovery), a record that does not read ends the
// log there: it is the torn tail of an append that never completed. The
// next batch is read, mapped again and encoded beside the transaction of
// the one before, so that the store's writer is the only limit.
func (in *inbox) applyLog(ctx context.Context, to int64, tolerant bool) (int64, error) {
	type ready struct {
		b   *preparedBatch
		err error
	}
	next := make(chan ready, 1)
	stop := make(chan struct{})
	reached := in.applied
	go func() {
		defer close(next)
		send := func(r ready) bool {
			select {
			case next <- r:
				return true
			case <-stop:
				return false
			}
		}
		off := reached
		r := bufio.NewReaderSize(io.NewSectionReader(in.f, off, to-off), 256<<10)
		for off < to {
			var batch []inboxItem
			size := in.batchSize()
			for len(batch) < size && off < to {
				rec, n, err := in.readRecord(r)
				if err != nil {
					if tolerant {
						to = off
						break
					}
					send(ready{err: fmt.Errorf("sqlite: inbox: read back at offset %d: %w", off, err)})
					return
				}
				batch = append(batch, inboxItem{rec: rec, start: off, end: off + n})
				off += n
			}
			if len(batch) == 0 {
				break
			}
			if err := in.remapAll(ctx, batch); err != nil {
				send(ready{err: err})
				return
			}
			if !send(ready{b: in.prepare(batch)}) {
				return
			}
		}
		reached = off // read once next is closed
	}()
	for r := range next {
		err := r.err
		if err == nil {
			err = in.applyPrepared(ctx, r.b)
		}
		if err != nil {
			close(stop)
			for range next { // the reader has stopped once next is closed
			}
			return in.applied, err
		}
	}
	return reached, nil
}

// remapAll maps, on every processor, the messages of items read back from
// the log or queued unmapped. A message that no longer maps is marked
// failed.
func (in *inbox) remapAll(ctx context.Context, items []inboxItem) error {
	var todo []*inboxRecord
	for _, it := range items {
		if it.rec.remap {
			todo = append(todo, it.rec)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(todo); i += workers {
				rec := todo[i]
				rs, err := in.remap(ctx, &rec.Message)
				switch {
				case err == nil:
					rec.Resources = rs
				case lifeboat.ErrorCode(err) == lifeboat.EINVALID:
					rec.failed = lifeboat.ErrorMessage(err)
				default:
					errs[w] = fmt.Errorf("sqlite: inbox: map a message again: %w", err)
					return
				}
				rec.remap = false
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// readRecord reads one record: length, nonce and the sealed record
// (appendRecord's layout, or gob in logs written before it).
func (in *inbox) readRecord(r io.Reader) (*inboxRecord, int64, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || n > inboxMaxRecord {
		return nil, 0, errors.New("sqlite: inbox: bad record length")
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, 0, err
	}
	plain, err := in.aead.Open(buf[chacha20poly1305.NonceSizeX:chacha20poly1305.NonceSizeX], buf[:chacha20poly1305.NonceSizeX], buf[chacha20poly1305.NonceSizeX:], nil)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: inbox: record does not authenticate: %w", err)
	}
	if bytes.HasPrefix(plain, []byte(recordMagic)) || bytes.HasPrefix(plain, []byte(recordMagicV1)) {
		rec, err := decodeRecord(plain)
		if err != nil {
			return nil, 0, err
		}
		return rec, int64(4 + n), nil
	}
	var rec inboxRecord // written before the binary layout
	if err := gob.NewDecoder(bytes.NewReader(plain)).Decode(&rec); err != nil {
		return nil, 0, fmt.Errorf("sqlite: inbox: decode record: %w", err)
	}
	return &rec, int64(4 + n), nil
}

// seal encodes and encrypts the record of a message with its length
// prefix. Each nonce is the process's random prefix and a counter, so
// sealing costs no system call.
func (in *inbox) seal(m *lifeboat.Message) ([]byte, error) {
	const head = 4 + chacha20poly1305.NonceSizeX
	out := make([]byte, head, head+recordSize(m)+chacha20poly1305.Overhead)
	nonce := out[4:head]
	copy(nonce, in.nonce[:])
	binary.LittleEndian.PutUint64(nonce[len(in.nonce):], in.sealed.Add(1))
	plain := appendRecord(out[head:], m)
	out = in.aead.Seal(out[:head], nonce, plain, nil) // in place
	binary.LittleEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

// write appends a group of records with one write and one sync, and hands
// them to the applier: in memory when it has room, otherwise it reads them
// back from the log. On failure nothing of the group was acknowledged.
func (in *inbox) write(group []*appendReq) error {
	var buf []byte
	for _, r := range group {
		buf = append(buf, r.data...)
	}
	in.fmu.Lock()
	for in.paused || (in.end-in.applied >= in.limit && !in.closing) {
		in.resume.Wait() // being emptied, or the store is far behind: back-pressure
	}
	start, gen := in.end, in.gen
	if err := appendSynced(in.f, &in.alloc, inboxChunk, buf, start); err != nil {
		in.fmu.Unlock()
		return fmt.Errorf("sqlite: inbox: append: %w", err)
	}
	in.end = start + int64(len(buf))
	in.mu.Lock()
	for _, r := range group {
		in.pending[r.key] = true
	}
	in.mu.Unlock()
	in.fmu.Unlock()
	off, spilled := start, false
	for _, r := range group {
		it := inboxItem{rec: r.rec, start: off, end: off + int64(len(r.data)), gen: gen, size: r.size}
		off = it.end
		if !in.hand(it) {
			spilled = true
		}
	}
	if spilled {
		select {
		case in.spilled <- struct{}{}:
		default:
		}
	}
	return nil
}

// hand gives the applier a record in memory if it holds fewer than
// inboxQueued records and inboxHeld bytes; otherwise the applier will read
// it back from the log.
func (in *inbox) hand(it inboxItem) bool {
	if in.held.Add(it.size) > inboxHeld {
		in.held.Add(-it.size)
		return false
	}
	select {
	case in.applyQ <- it:
		return true
	default:
		in.held.Add(-it.size)
		return false
	}
}

// close stops taking records, applies every record taken, and closes the log.
func (in *inbox) close() error {
	in.once.Do(func() {
		in.fmu.Lock()
		in.closing = true // a write waiting for the applier goes on
		in.resume.Broadcast()
		in.fmu.Unlock()
		in.commit.close()
		close(in.applyQ) // no more writes
		close(in.stop)
	})
	in.wg.Wait()
	in.f.Truncate(in.end) // the zeros ahead
	return in.f.Close()
}

// OpenInbox starts the feed inbox that QueueMessage uses, first applying
// whatever a crash left in it; remap maps the messages it reads back. Only
// the one server process that receives feeds for a data directory may open
// its inbox; other commands on the same store leave it alone.
func (db *DB) OpenInbox(ctx context.Context, remap Remap) error {
	if db.inbox != nil {
		return nil
	}
	if remap == nil {
		return errors.New("sqlite: inbox: no Remap")
	}
	in, err := openInbox(ctx, db, db.dir, db.key, remap)
	if err != nil {
		return err
	}
	db.inbox = in
	return nil
}

// InboxBacklog says how many feed messages, and how many bytes of the
// inbox, are durable and acknowledged but not yet applied to the store.
func (db *DB) InboxBacklog() (messages int, size int64) {
	in := db.inbox
	if in == nil {
		return 0, 0
	}
	in.mu.Lock()
	messages = len(in.pending)
	in.mu.Unlock()
	in.fmu.Lock()
	size = in.end - in.applied
	in.fmu.Unlock()
	return messages, size
}

// QueueMessage makes a feed message durable in the inbox and returns; it
// is applied to the store with the resources mapped from it a moment later,
// in one transaction with other messages (rs are kept in memory; a message
// read back from the log is mapped again by the inbox's Remap, which must
// give the same resources). A message whose feed and control id were
// queued, or applied lately, reports duplicate; one applied long ago is
// found a duplicate when applied, and changes nothing. This is the fast
// path for acknowledging feeds: the caller may acknowledge as soon as it
// returns without error. Without an open inbox (OpenInbox) it is
// AcceptMessage.
func (db *DB) QueueMessage(ctx context.Context, m *lifeboat.Message, rs []*lifeboat.Resource) (bool, error) {
	if db.inbox == nil {
		return db.AcceptMessage(ctx, m, rs)
	}
	return db.inbox.queue(ctx, m, rs, false)
}

// QueueUnmapped is QueueMessage for a message whose mapping was only
// checked: the inbox maps it with its Remap when it applies it. A feed
// does this while the inbox is flooded (InboxFlooding), when the applier
// gives way to acknowledgements, so that mapping happens behind them.
func (db *DB) QueueUnmapped(ctx context.Context, m *lifeboat.Message) (bool, error) {
	if db.inbox == nil {
		return false, errors.New("sqlite: queue unmapped: no inbox is open")
	}
	return db.inbox.queue(ctx, m, nil, true)
}

// InboxFlooding says whether feed messages come in faster than the store
// applies them, so that the applier gives way to acknowledging them (see
// givesWay).
func (db *DB) InboxFlooding() bool { return db.inbox != nil && db.inbox.flooding() }

// queue makes a message durable in the log and hands it to the applier,
// with its resources or, unmapped, for it to map them.
func (in *inbox) queue(ctx context.Context, m *lifeboat.Message, rs []*lifeboat.Resource, unmapped bool) (bool, error) {
	db := in.db
	if m.Received.IsZero() {
		m.Received = db.now()
	}
	in.arrivals.add()
	key := [2]string{m.Feed, m.ControlID}
	in.mu.Lock()
	dup := in.pending[key] || in.recent.has(key)
	in.mu.Unlock()
	if dup { // a re-send: it counts for the feed's health, nothing else
		return true, db.w.do(ctx, func(tx *wtx) error { return feedSeen(tx, m.Feed, 1, 0, m.Received, time.Time{}) }, false)
	}
	m.Status, m.Resources = lifeboat.MessageApplied, len(rs)
	rec := &inboxRecord{Message: *m, Resources: rs, remap: unmapped}
	data, err := in.seal(m)
	if err != nil {
		return false, err
	}
	size := int64(len(m.Raw))
	for _, r := range rs {
		size += int64(len(r.JSON)) + 512 // and the Resource with its index
	}
	return false, in.commit.do(&appendReq{key: key, rec: rec, data: data, size: size})
}
