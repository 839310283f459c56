package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func inboxKey(t *testing.T) []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

func feedMessage(i int) (*lifeboat.Message, []*lifeboat.Resource) {
	id := fmt.Sprintf("p%d", i)
	m := &lifeboat.Message{Feed: "LAB^GH", ControlID: fmt.Sprintf("C%d", i), Type: "ADT^A28",
		Raw: []byte(fmt.Sprintf("MSH|^~\\&|LAB|GH|||20261127||ADT^A28|C%d|P|2.5\rPID|1||MRNINBOX%d||Zebulonfamily^Ann\r", i, i))}
	r := &lifeboat.Resource{Type: "Patient", ID: id, JSON: []byte(fmt.Sprintf(`{"resourceType":"Patient","id":%q,"name":[{"family":"Zebulonfamily"}]}`, id)),
		Source: lifeboat.Source{Kind: "hl7v2", Name: "LAB^GH"}, Index: lifeboat.Index{Patient: id, Names: []string{"zebulonfamily"}}}
	return m, []*lifeboat.Resource{r}
}

// remapFeedMessage is the tests' Remap: feedMessage's resources again, from
// the number in the message's MRN.
func remapFeedMessage(_ context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
	_, after, ok := bytes.Cut(m.Raw, []byte("MRNINBOX"))
	n, _, _ := bytes.Cut(after, []byte("|"))
	i, err := strconv.Atoi(string(n))
	if !ok || err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "not a test message")
	}
	_, rs := feedMessage(i)
	return rs, nil
}

// sealLog seals messages as the records of an inbox log, in order.
func sealLog(t *testing.T, in *inbox, ms ...*lifeboat.Message) []byte {
	t.Helper()
	var log []byte
	for _, m := range ms {
		data, err := in.seal(m)
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, data...)
	}
	return log
}

// openWithInbox opens the store in dir with its feed inbox.
func openWithInbox(t *testing.T, dir string, key []byte) *DB {
	t.Helper()
	db, err := Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.OpenInbox(context.Background(), remapFeedMessage); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db
}

// queueFrom4 queues n messages from each of 4 goroutines at once: those of
// goroutine g are feedMessage(g*1000 + i).
func queueFrom4(t *testing.T, db *DB, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range n {
				m, rs := feedMessage(g*1000 + i)
				if _, err := db.QueueMessage(context.Background(), m, rs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// waitDrained waits up to 10 s until every queued message is applied and
// the applier holds none in memory.
func waitDrained(t *testing.T, db *DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, size := db.InboxBacklog()
		held := db.inbox.held.Load()
		if n == 0 && size == 0 && held == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backlog of %d messages, %d bytes; %d bytes held", n, size, held)
		}
		time.Sleep(time.Millisecond)
	}
}

// wantAppliedOnce checks that n messages of one feed, each making one
// patient, were applied exactly once.
func wantAppliedOnce(t *testing.T, db *DB, n int) {
	t.Helper()
	counts, _ := db.CountResources(context.Background())
	feeds, _ := db.Feeds(context.Background())
	if counts["Patient"] != n || len(feeds) != 1 || feeds[0].Messages != int64(n) {
		t.Fatalf("%d patients, feeds %+v: want %d applied once each", counts["Patient"], feeds, n)
	}
}

// waitApplied waits up to a second for a resource to be readable.
func waitApplied(t *testing.T, db *DB, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		if _, err := db.Resource(context.Background(), "Patient", id); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Patient/%s not applied within a second", id)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestQueueMessage(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), inboxKey(t)
	db := openWithInbox(t, dir, key)
	for i := range 50 {
		m, rs := feedMessage(i)
		if dup, err := db.QueueMessage(ctx, m, rs); err != nil || dup {
			t.Fatalf("queue %d: dup %v, %v", i, dup, err)
		}
	}
	waitApplied(t, db, "p49")
	// A second handle on the same directory may not take the inbox.
	other, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.OpenInbox(ctx, remapFeedMessage); lifeboat.ErrorCode(err) != lifeboat.ECONFLICT {
		t.Errorf("a second inbox on the same directory: %v", err)
	}
	other.Close()
	m, rs := feedMessage(7)
	if dup, err := db.QueueMessage(ctx, m, rs); err != nil || !dup {
		t.Fatalf("a re-sent message: dup %v, %v", dup, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Nothing in clear in the log.
	b, _ := os.ReadFile(filepath.Join(dir, InboxFileName))
	if bytes.Contains(b, []byte("Zebulonfamily")) || bytes.Contains(b, []byte("MRNINBOX")) {
		t.Fatal("the inbox holds PHI in clear")
	}
	db = openWithInbox(t, dir, key)
	defer db.Close()
	counts, _ := db.CountResources(ctx)
	feeds, _ := db.Feeds(ctx)
	if counts["Patient"] != 50 || len(feeds) != 1 || feeds[0].Messages != 51 {
		t.Fatalf("%d patients, feeds %+v", counts["Patient"], feeds)
	}
}

// TestInboxRecovery: records durable in the log but not applied when the
// process died are applied when the store opens again, and a torn last
// record (never acknowledged) is cut off.
func TestInboxRecovery(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), inboxKey(t)
	db := openWithInbox(t, dir, key)
	var ms []*lifeboat.Message
	for i := range 20 {
		m, _ := feedMessage(i)
		ms = append(ms, m)
	}
	log := sealLog(t, db.inbox, ms...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// As a crash would leave it: 20 synced records, then half of a 21st.
	m, _ := feedMessage(20)
	torn, _ := (&inbox{aead: db.inbox.aead}).seal(m)
	log = append(log, torn[:len(torn)/2]...)
	if err := os.WriteFile(filepath.Join(dir, InboxFileName), log, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if counts, _ := db.CountResources(ctx); counts["Patient"] != 0 {
		t.Fatalf("opening the store without its inbox applied it")
	}
	if err := db.OpenInbox(ctx, remapFeedMessage); err != nil {
		t.Fatal(err)
	}
	counts, _ := db.CountResources(ctx)
	if counts["Patient"] != 20 {
		t.Fatalf("%d patients recovered, want 20", counts["Patient"])
	}
	if _, err := db.Resource(ctx, "Patient", "p20"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("the torn record was applied: %v", err)
	}
	fi, _ := os.Stat(filepath.Join(dir, InboxFileName))
	if fi.Size() != int64(len(log)-len(torn)/2) {
		t.Fatalf("the torn tail was not cut: %d bytes", fi.Size())
	}
	// New messages after recovery go on.
	m, rs := feedMessage(21)
	if _, err := db.QueueMessage(ctx, m, rs); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, db, "p21")
}

// TestInboxRotatesUnderLoad: the log is emptied once it grows past its
// limit even while messages keep coming, and nothing is lost.
func TestInboxRotatesUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), inboxKey(t)
	db := openWithInbox(t, dir, key)
	db.inbox.fmu.Lock()
	db.inbox.rotateAt = 8 << 10 // a few records
	db.inbox.fmu.Unlock()
	queueFrom4(t, db, 100)
	waitApplied(t, db, "p3099")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, InboxFileName))
	if err != nil || fi.Size() > 64<<10 {
		t.Fatalf("the log was not emptied under load: %v bytes, %v", fi.Size(), err)
	}
	db, err = Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if counts, _ := db.CountResources(ctx); counts["Patient"] != 400 {
		t.Fatalf("%d patients, want 400", counts["Patient"])
	}
}

// TestInboxSpillsToLog: when the applier falls behind by more than it is
// handed in memory, it reads the rest back from the log, and when it falls
// behind by more than the backlog limit, appends wait for it; either way
// every message is applied exactly once.
func TestInboxSpillsToLog(t *testing.T) {
	defer func(n int) { inboxQueued = n }(inboxQueued)
	inboxQueued = 2
	dir, key := t.TempDir(), inboxKey(t)
	db := openWithInbox(t, dir, key)
	db.inbox.fmu.Lock()
	db.inbox.limit = 16 << 10 // about fifty records
	db.inbox.fmu.Unlock()
	queueFrom4(t, db, 150)
	waitApplied(t, db, "p3149")
	waitDrained(t, db)
	wantAppliedOnce(t, db, 600)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRecentKeys: the newest n keys are remembered, older ones forgotten.
func TestRecentKeys(t *testing.T) {
	r := newRecentKeys(3)
	for i := range 5 {
		r.add([2]string{"F", fmt.Sprint(i)})
	}
	r.add([2]string{"F", "4"}) // again: no second place
	for i, want := range []bool{false, false, true, true, true} {
		if got := r.has([2]string{"F", fmt.Sprint(i)}); got != want {
			t.Errorf("key %d remembered %v, want %v", i, got, want)
		}
	}
	if len(r.set) != 3 || len(r.ring) != 3 {
		t.Fatalf("%d keys in the set, %d in the ring", len(r.set), len(r.ring))
	}
}

// TestInboxRemap: messages read back from the log are mapped again; one
// that no longer maps is kept as a dead letter, named to OnApplied, and
// counted against its feed; a failure to map that may pass is retried.
func TestInboxRemap(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), inboxKey(t)
	db := openWithInbox(t, dir, key)
	var ms []*lifeboat.Message
	for i := range 4 {
		m, _ := feedMessage(i)
		m.Status = lifeboat.MessageApplied // as QueueMessage writes it
		if i == 2 {
			m.Raw = bytes.ReplaceAll(m.Raw, []byte("MRNINBOX"), []byte("MRN"))
		}
		ms = append(ms, m)
	}
	log := sealLog(t, db.inbox, ms...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, InboxFileName), log, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	var named []lifeboat.Message
	db.OnApplied = func(ms []*lifeboat.Message) {
		for _, m := range ms {
			named = append(named, *m)
		}
	}
	if err := db.OpenInbox(ctx, remapFeedMessage); err != nil {
		t.Fatal(err)
	}
	counts, _ := db.CountResources(ctx)
	dead, _ := db.DeadLetters(ctx, 10)
	feeds, _ := db.Feeds(ctx)
	if counts["Patient"] != 3 || len(dead) != 1 || dead[0].ControlID != "C2" || dead[0].Error != "not a test message" {
		t.Fatalf("%d patients, dead letters %+v", counts["Patient"], dead)
	}
	if len(feeds) != 1 || feeds[0].Messages != 4 || feeds[0].Rejected != 1 {
		t.Fatalf("feeds %+v", feeds)
	}
	if len(named) != 4 || named[2].Status != lifeboat.MessageRejected || named[3].Status != lifeboat.MessageApplied {
		t.Fatalf("OnApplied was told %+v", named)
	}
	db.Close()

	// Spilled records whose mapping fails once are applied on the retry.
	defer func(n int) { inboxQueued = n }(inboxQueued)
	inboxQueued = 1
	var calls atomic.Int64
	flaky := func(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("the store is busy")
		}
		return remapFeedMessage(ctx, m)
	}
	db, err = Open(ctx, t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.OpenInbox(ctx, flaky); err != nil {
		t.Fatal(err)
	}
	queueFrom4(t, db, 30)
	deadline := time.Now().Add(5 * time.Second)
	for counts, _ := db.CountResources(ctx); counts["Patient"] != 120; counts, _ = db.CountResources(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("%d patients applied, want 120", counts["Patient"])
		}
		time.Sleep(5 * time.Millisecond)
	}
	if calls.Load() < 2 {
		t.Fatalf("nothing was read back from the log (remap called %d times)", calls.Load())
	}
}

// TestInboxGivesWay: the applier gives way only in a flood (messages come
// fast and many wait) and while it is less than inboxPriorityLag behind,
// and then applies smaller batches.
func TestInboxGivesWay(t *testing.T) {
	in := &inbox{arrivals: newArrivals()}
	now := time.Now()
	if in.givesWay(now) || in.batchSize() != inboxApplyBatch {
		t.Fatal("gives way with no message coming in")
	}
	for range int(inboxFlood*arrivalWindow.Seconds()) + 1 {
		in.arrivals.add()
	}
	in.pending = map[[2]string]bool{}
	for i := range inboxFloodBacklog - 1 {
		in.pending[[2]string{"LAB^GH", fmt.Sprint(i)}] = true
	}
	if in.givesWay(now) || in.batchSize() != inboxApplyBatch {
		t.Fatal("gives way to a burst the store keeps up with")
	}
	in.pending[[2]string{"LAB^GH", "last"}] = true
	if !in.givesWay(now) || in.batchSize() != inboxFloodBatch {
		t.Fatal("does not give way in a flood")
	}
	if in.givesWay(now.Add(-inboxPriorityLag - time.Second)) {
		t.Fatal("gives way while far behind")
	}
}

// TestInboxFlood: giving way to a flood (made to start at one message a
// second) still applies every message exactly once, from memory and from
// the log.
func TestInboxFlood(t *testing.T) {
	defer func(f float64, b int64, n int) { inboxFlood, inboxFloodBacklog, inboxQueued = f, b, n }(inboxFlood, inboxFloodBacklog, inboxQueued)
	inboxFlood, inboxFloodBacklog, inboxQueued = 1, 0, 64
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var largest int // messages in the largest transaction
	db.OnApplied = func(ms []*lifeboat.Message) {
		mu.Lock()
		largest = max(largest, len(ms))
		mu.Unlock()
	}
	if err := db.OpenInbox(ctx, remapFeedMessage); err != nil {
		t.Fatal(err)
	}
	// The flood lasts until every message is applied.
	stop := make(chan struct{})
	flooding := make(chan struct{})
	go func() {
		defer close(flooding)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				db.inbox.arrivals.add()
			}
		}
	}()
	queueFrom4(t, db, 250)
	waitDrained(t, db)
	close(stop)
	<-flooding
	wantAppliedOnce(t, db, 1000)
	if largest > inboxFloodBatch {
		t.Fatalf("a transaction applied %d messages during the flood, want at most %d", largest, inboxFloodBatch)
	}
}

// TestInboxHeldBytes: records past the bytes the applier may hold in
// memory are read back from the log, every message is applied once, and
// once all is applied nothing is counted as held.
func TestInboxHeldBytes(t *testing.T) {
	defer func(n int64) { inboxHeld = n }(inboxHeld)
	inboxHeld = 4 << 10 // a few records
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var readBack atomic.Int64
	if err := db.OpenInbox(ctx, func(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
		readBack.Add(1)
		return remapFeedMessage(ctx, m)
	}); err != nil {
		t.Fatal(err)
	}
	queueFrom4(t, db, 100)
	waitApplied(t, db, "p3099")
	waitDrained(t, db)
	wantAppliedOnce(t, db, 400)
	if readBack.Load() == 0 {
		t.Fatal("no record was read back from the log")
	}
}
