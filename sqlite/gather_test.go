package sqlite

import (
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TestGather: a batch whose first message came in a linger ago or more
// closes with what is queued, without waiting; a newer one waits for more.
func TestGather(t *testing.T) {
	defer func(d time.Duration) { inboxLinger = d }(inboxLinger)
	inboxLinger = time.Hour // a wait the test would notice
	item := func(received time.Time) inboxItem {
		return inboxItem{rec: &inboxRecord{Message: lifeboat.Message{Received: received}}}
	}
	in := &inbox{applyQ: make(chan inboxItem, 8), stop: make(chan struct{})}
	old := time.Now().Add(-2 * time.Hour)
	for range 3 {
		in.applyQ <- item(old)
	}
	done := make(chan []inboxItem)
	go func() { done <- in.gather(item(old)) }()
	select {
	case items := <-done:
		if len(items) != 4 {
			t.Fatalf("gathered %d items, want the first and the 3 queued", len(items))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a batch behind its linger waited for more")
	}

	go func() { done <- in.gather(item(time.Now())) }()
	in.applyQ <- item(time.Now()) // taken while the batch lingers
	for len(in.applyQ) > 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("a new batch closed before its linger")
	default:
	}
	close(in.stop)
	if items := <-done; len(items) != 2 {
		t.Fatalf("gathered %d items, want 2", len(items))
	}
}
