package sqlite

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/lifeboat-health/lifeboat"
)

// InboxFileName is the feed inbox inside a data directory.
const InboxFileName = "inbox.log"

// Inbox bounds.
const (
	inboxApplyBatch = 256                   // messages applied in one transaction at most
	inboxBacklog    = 8192                  // messages accepted and not yet applied, at most
	inboxRotate     = 64 << 20              // truncate the log once applied and this large
	inboxMaxRecord  = 64 << 20              // a record larger than this is corrupt
	inboxLinger     = 50 * time.Millisecond // how long the applier gathers a batch
)

// inbox makes feed messages durable with one sequential, fsync'd append to
// an encrypted log, so that they can be acknowledged at once, and applies
// them to the store in large transactions behind. After a crash the records
// not yet applied are applied when the store opens again. Records are
// XChaCha20-Poly1305 sealed with a key derived from the database key.
type inbox struct {
	db      *DB
	f       *os.File
	aead    cipher.AEAD
	appendQ chan *appendReq
	applyQ  chan inboxItem
	stop    chan struct{}
	stopped chan struct{} // closed when the appender has stopped
	wg      sync.WaitGroup
	once    sync.Once

	mu       sync.Mutex
	end      int64              // bytes durably in the log
	pending  map[[2]string]bool // feed and control id of records not yet applied
	paused   bool               // appends wait while the log is emptied
	resume   *sync.Cond         // on mu: appends may go on
	rotateAt int64              // empty the log once it is this large
}

// inboxRecord is what the log keeps of a message.
type inboxRecord struct {
	Message   lifeboat.Message
	Resources []*lifeboat.Resource
}

type appendReq struct {
	key  [2]string
	rec  *inboxRecord
	data []byte
	err  chan error
}

type inboxItem struct {
	rec *inboxRecord
	end int64 // log offset just after the record
}

// openInbox opens the log, applies what a crash left unapplied, and starts
// the appender and the applier.
func openInbox(ctx context.Context, db *DB, dir string, key []byte) (*inbox, error) {
	f, aead, err := openSealedLog(dir, InboxFileName, key, "lifeboat inbox v1", "receives feeds")
	if err != nil {
		return nil, err
	}
	in := &inbox{db: db, f: f, aead: aead, appendQ: make(chan *appendReq, 256), applyQ: make(chan inboxItem, inboxBacklog),
		stop: make(chan struct{}), stopped: make(chan struct{}), pending: map[[2]string]bool{}, rotateAt: inboxRotate}
	in.resume = sync.NewCond(&in.mu)
	if err := in.recover(ctx); err != nil {
		f.Close()
		return nil, err
	}
	in.wg.Add(2)
	go in.appender()
	go in.applier()
	return in, nil
}

// recover applies the records after the applied offset and cuts a torn
// tail (a record whose append did not complete was never acknowledged).
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
	var items []inboxItem
	off := applied
	r := io.NewSectionReader(in.f, applied, size-applied)
	for {
		rec, n, err := in.readRecord(r)
		if err != nil {
			break // end of the log, or a torn or corrupt tail
		}
		off += n
		items = append(items, inboxItem{rec: rec, end: off})
	}
	if off < size {
		if err := in.f.Truncate(off); err != nil {
			return fmt.Errorf("sqlite: inbox: cut torn tail: %w", err)
		}
	}
	in.end = off
	for len(items) > 0 {
		n := min(len(items), inboxApplyBatch)
		if err := in.apply(ctx, items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return in.rotate(ctx)
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
	plain, err := in.aead.Open(nil, buf[:chacha20poly1305.NonceSizeX], buf[chacha20poly1305.NonceSizeX:], nil)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: inbox: record does not authenticate: %w", err)
	}
	if bytes.HasPrefix(plain, []byte(recordMagic)) {
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

// seal encodes and encrypts a record with its length prefix.
func (in *inbox) seal(rec *inboxRecord) ([]byte, error) {
	plain := appendRecord(make([]byte, 0, recordSize(rec)), rec)
	const head = 4 + chacha20poly1305.NonceSizeX
	out := make([]byte, head, head+len(plain)+chacha20poly1305.Overhead)
	nonce := out[4:head]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sqlite: inbox: nonce: %w", err)
	}
	out = in.aead.Seal(out, nonce, plain, nil)
	binary.LittleEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

// appender writes queued records in groups, one fsync a group, and hands
// them to the applier; a record is acknowledged only once synced.
func (in *inbox) appender() {
	defer in.wg.Done()
	defer close(in.applyQ)
	defer close(in.stopped)
	for {
		var group []*appendReq
		select {
		case r := <-in.appendQ:
			group = append(group, r)
		case <-in.stop:
			for { // refuse what is still queued: none of it was written
				select {
				case r := <-in.appendQ:
					r.err <- errors.New("sqlite: store is closed")
				default:
					return
				}
			}
		}
	fill:
		for len(group) < inboxApplyBatch {
			select {
			case r := <-in.appendQ:
				group = append(group, r)
			default:
				break fill
			}
		}
		var buf []byte
		for _, r := range group {
			buf = append(buf, r.data...)
		}
		in.mu.Lock()
		for in.paused {
			in.resume.Wait()
		}
		start := in.end
		_, err := in.f.WriteAt(buf, start)
		if err == nil {
			err = in.f.Sync()
		}
		if err != nil {
			in.f.Truncate(start) // nothing of the group was acknowledged
			in.mu.Unlock()
			for _, r := range group {
				r.err <- fmt.Errorf("sqlite: inbox: append: %w", err)
			}
			continue
		}
		in.end = start + int64(len(buf))
		off := start
		for _, r := range group {
			off += int64(len(r.data))
			in.pending[r.key] = true
		}
		in.mu.Unlock()
		off = start
		for _, r := range group {
			off += int64(len(r.data))
			in.applyQ <- inboxItem{rec: r.rec, end: off} // blocks when the applier lags: back-pressure
			r.err <- nil
		}
	}
}

// applier applies records to the store in batches as they come.
func (in *inbox) applier() {
	defer in.wg.Done()
	ctx := context.Background()
	for first := range in.applyQ {
		// Gather for a moment: a commit costs about as much for one message
		// as for hundreds, and a result is still on the chart well within
		// a second.
		items := []inboxItem{first}
		linger := time.NewTimer(inboxLinger)
	fill:
		for len(items) < inboxApplyBatch {
			select {
			case it, ok := <-in.applyQ:
				if !ok {
					break fill
				}
				items = append(items, it)
			case <-linger.C:
				break fill
			case <-in.stop:
				break fill
			}
		}
		linger.Stop()
		for {
			err := in.apply(ctx, items)
			if err == nil {
				break
			}
			// The records are safe in the log: keep trying, or leave them
			// to the next open when the store is closing.
			slog.Error("feed inbox: apply failed", "error", err.Error())
			select {
			case <-in.stop:
				for range in.applyQ {
				}
				return
			case <-time.After(time.Second):
			}
		}
		if err := in.rotate(ctx); err != nil {
			slog.Error("feed inbox: rotate failed", "error", err.Error())
		}
	}
}

// apply writes a batch of records to the store in one transaction with the
// log offset they reach. A message already applied (same feed and control
// id) is counted for its feed and not applied again.
func (in *inbox) apply(ctx context.Context, items []inboxItem) error {
	now := in.db.now()
	encs := make([][]encoded, len(items))
	raws := make([][]byte, len(items))
	for i, it := range items {
		encs[i] = in.db.encodeAll(it.rec.Resources)
		raws[i] = in.db.codec.encode(nil, it.rec.Message.Raw)
	}
	var applied []*lifeboat.Message
	err := in.db.w.do(ctx, func(tx *wtx) error {
		applied = applied[:0]
		for i, it := range items {
			dup, err := applyMessage(tx, &it.rec.Message, raws[i], encs[i], now)
			if err != nil {
				return err
			}
			if !dup {
				applied = append(applied, &it.rec.Message)
			}
		}
		return tx.exec(`UPDATE inbox_state SET applied=? WHERE id=1`, items[len(items)-1].end)
	}, false)
	if err != nil {
		return err
	}
	if in.db.OnApplied != nil && len(applied) > 0 {
		in.db.OnApplied(applied)
	}
	in.mu.Lock()
	for _, it := range items {
		delete(in.pending, [2]string{it.rec.Message.Feed, it.rec.Message.ControlID})
	}
	in.mu.Unlock()
	return nil
}

// rotate empties the log once it has grown past rotateAt: appends pause,
// every record already written is applied, the state is reset, the file is
// truncated, and appends resume. The state is reset before the truncation:
// a crash between the two replays records that are all applied already,
// which changes nothing.
func (in *inbox) rotate(ctx context.Context) error {
	in.mu.Lock()
	if in.end < in.rotateAt {
		in.mu.Unlock()
		return nil
	}
	in.paused = true
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.paused = false
		in.resume.Broadcast()
		in.mu.Unlock()
	}()
	for {
		in.mu.Lock()
		n := len(in.pending)
		in.mu.Unlock()
		if n == 0 {
			break
		}
		// Records written and not applied are in the queue or on their way.
		first, ok := <-in.applyQ
		if !ok {
			return nil
		}
		items := []inboxItem{first}
	more:
		for len(items) < inboxApplyBatch {
			select {
			case it, ok := <-in.applyQ:
				if !ok {
					break more
				}
				items = append(items, it)
			default:
				break more
			}
		}
		if err := in.apply(ctx, items); err != nil {
			return err
		}
	}
	if err := in.db.w.do(ctx, func(tx *wtx) error {
		return tx.exec(`UPDATE inbox_state SET applied=0 WHERE id=1`)
	}, false); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.f.Truncate(0); err != nil {
		return fmt.Errorf("sqlite: inbox: truncate: %w", err)
	}
	in.end = 0
	return nil
}

// close stops taking records, applies every record taken, and closes the log.
func (in *inbox) close() error {
	in.once.Do(func() { close(in.stop) })
	in.wg.Wait()
	return in.f.Close()
}

// OpenInbox starts the feed inbox that QueueMessage uses, first applying
// whatever a crash left in it. Only the one server process that receives
// feeds for a data directory may open its inbox; other commands on the same
// store leave it alone.
func (db *DB) OpenInbox(ctx context.Context) error {
	if db.inbox != nil {
		return nil
	}
	in, err := openInbox(ctx, db, db.dir, db.key)
	if err != nil {
		return err
	}
	db.inbox = in
	return nil
}

// QueueMessage makes a feed message and the resources mapped from it
// durable in the inbox and returns; they are applied to the store a moment
// later, in one transaction with other messages. A message whose feed and
// control id were applied or queued before changes nothing and reports
// duplicate. This is the fast path for acknowledging feeds: the caller may
// acknowledge as soon as it returns without error. Without an open inbox
// (OpenInbox) it is AcceptMessage.
func (db *DB) QueueMessage(ctx context.Context, m *lifeboat.Message, rs []*lifeboat.Resource) (bool, error) {
	in := db.inbox
	if in == nil {
		return db.AcceptMessage(ctx, m, rs)
	}
	if m.Received.IsZero() {
		m.Received = db.now()
	}
	key := [2]string{m.Feed, m.ControlID}
	in.mu.Lock()
	dup := in.pending[key]
	in.mu.Unlock()
	if !dup {
		stmt, err := db.prepared(ctx, `SELECT 1 FROM messages WHERE feed=? AND control_id=? AND status='applied'`)
		if err != nil {
			return false, err
		}
		var one int
		dup = stmt.QueryRowContext(ctx, m.Feed, m.ControlID).Scan(&one) == nil
	}
	if dup { // a re-send: it counts for the feed's health, nothing else
		return true, db.w.do(ctx, func(tx *wtx) error { return feedSeen(tx, m, false) }, false)
	}
	m.Status, m.Resources = lifeboat.MessageApplied, len(rs)
	rec := &inboxRecord{Message: *m, Resources: rs}
	data, err := in.seal(rec)
	if err != nil {
		return false, err
	}
	req := &appendReq{key: key, rec: rec, data: data, err: make(chan error, 1)}
	select {
	case in.appendQ <- req:
	case <-in.stop:
		return false, errors.New("sqlite: store is closed")
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case err := <-req.err:
		return false, err
	case <-in.stopped:
		// Closed meanwhile: the record may or may not be in the log. Saying
		// it failed is safe, since the sender re-sends and a re-sent message
		// is not applied twice.
		return false, errors.New("sqlite: store is closed")
	}
}
