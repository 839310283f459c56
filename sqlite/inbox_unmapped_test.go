package sqlite

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// TestQueueUnmapped: messages queued unmapped are mapped by the inbox's
// Remap, once each, as they are applied, and OnApplied counts their
// resources; one that does not map becomes a dead letter; a re-send is a
// duplicate; and the inbox says when it is flooded.
func TestQueueUnmapped(t *testing.T) {
	defer func(f float64, b int64) { inboxFlood, inboxFloodBacklog = f, b }(inboxFlood, inboxFloodBacklog)
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.QueueUnmapped(ctx, &lifeboat.Message{}); err == nil {
		t.Fatal("queued unmapped without an inbox")
	}
	if db.InboxFlooding() {
		t.Fatal("flooding without an inbox")
	}
	var remapped, counted atomic.Int64
	db.OnApplied = func(ms []*lifeboat.Message) {
		for _, m := range ms {
			if m.Status == lifeboat.MessageApplied && m.Resources == 1 {
				counted.Add(1)
			}
		}
	}
	if err := db.OpenInbox(ctx, func(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
		remapped.Add(1)
		return remapFeedMessage(ctx, m)
	}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		m, _ := feedMessage(i)
		if i == 7 {
			m.Raw = bytes.ReplaceAll(m.Raw, []byte("MRNINBOX"), []byte("MRN"))
		}
		if dup, err := db.QueueUnmapped(ctx, m); dup || err != nil {
			t.Fatalf("message %d: duplicate %v, %v", i, dup, err)
		}
		if i == 3 {
			if dup, err := db.QueueUnmapped(ctx, m); !dup || err != nil {
				t.Fatalf("a re-send: duplicate %v, %v", dup, err)
			}
		}
	}
	waitDrained(t, db)
	counts, _ := db.CountResources(ctx)
	dead, _ := db.DeadLetters(ctx, 10)
	if counts["Patient"] != n-1 || len(dead) != 1 || dead[0].ControlID != "C7" || dead[0].Error != "not a test message" {
		t.Fatalf("%d patients, dead letters %+v", counts["Patient"], dead)
	}
	if remapped.Load() != n {
		t.Fatalf("mapped %d messages, want each of the %d once", remapped.Load(), n)
	}
	if counted.Load() != n-1 {
		t.Fatalf("%d messages applied with their one resource counted, want %d", counted.Load(), n-1)
	}
	if n, _ := db.InboxBacklog(); n != 0 {
		t.Fatalf("a backlog of %d once all is applied", n)
	}
	inboxFlood, inboxFloodBacklog = 1, 0
	db.inbox.arrivals.add()
	if !db.InboxFlooding() {
		t.Fatal("not flooding past the flood rate")
	}
}
