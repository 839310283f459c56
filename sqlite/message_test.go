package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func hl7(controlID string) []byte {
	return []byte("MSH|^~\\&|LAB|GENHOSP|LIFEBOAT|GENHOSP|20261127083000||ORU^R01|" + controlID + "|P|2.5\rPID|1||MRNSECRET77^^^GH^MR||Zebulonfamily^Ann\r")
}

func TestAcceptMessage(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	at := time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)
	msg := func(id string) *lifeboat.Message {
		return &lifeboat.Message{Received: at, Feed: "LAB^GENHOSP", ControlID: id, Type: "ORU^R01", Remote: "127.0.0.1:5000", Raw: hl7(id)}
	}
	res := patient("p1", "Zebulonfamily", "Ann", "MRNSECRET77", time.Time{}, "")
	res.Source = lifeboat.Source{Kind: "hl7v2", Name: "LAB^GENHOSP", Ref: "MSG1"}

	dup, err := db.AcceptMessage(ctx, msg("MSG1"), []*lifeboat.Resource{res})
	if err != nil || dup {
		t.Fatalf("first: dup %v, %v", dup, err)
	}
	if _, err := db.Resource(ctx, "Patient", "p1"); err != nil {
		t.Fatalf("the message's resources are not stored: %v", err)
	}
	// A re-sent message is acknowledged as a duplicate and applies nothing.
	other := patient("p2", "Other", "Ann", "M2", time.Time{}, "")
	dup, err = db.AcceptMessage(ctx, msg("MSG1"), []*lifeboat.Resource{other})
	if err != nil || !dup {
		t.Fatalf("resend: dup %v, %v", dup, err)
	}
	if _, err := db.Resource(ctx, "Patient", "p2"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("a duplicate was applied: %v", err)
	}
	// The same control id from another feed is another message.
	m3 := msg("MSG1")
	m3.Feed = "ADT^GENHOSP"
	if dup, err := db.AcceptMessage(ctx, m3, nil); err != nil || dup {
		t.Fatalf("other feed: dup %v, %v", dup, err)
	}

	bad := msg("MSG2")
	bad.Error = "PID-3: required field missing"
	if err := db.RejectMessage(ctx, bad); err != nil {
		t.Fatal(err)
	}
	dead, err := db.DeadLetters(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].Error != bad.Error || !bytes.Equal(dead[0].Raw, hl7("MSG2")) {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	if err := db.MarkReplayed(ctx, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if dead, _ := db.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("a replayed message is still a dead letter")
	}
	if err := db.MarkReplayed(ctx, 999); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("replay of nothing: %v", err)
	}
	got, err := db.Message(ctx, 1)
	if err != nil || got.Status != lifeboat.MessageApplied || got.Resources != 1 {
		t.Fatalf("message %+v, %v", got, err)
	}

	feeds, err := db.Feeds(ctx)
	if err != nil || len(feeds) != 2 {
		t.Fatalf("feeds %+v, %v", feeds, err)
	}
	for _, f := range feeds {
		if f.Feed == "LAB^GENHOSP" && (f.Messages != 3 || f.Rejected != 1 || !f.LastError.Equal(at) || !f.LastMessage.Equal(at)) {
			t.Errorf("lab feed %+v", f)
		}
	}
}

// TestAcceptMessageConcurrent sends the same messages from many goroutines,
// as several connections re-sending would: each is applied exactly once.
func TestAcceptMessageConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := map[string]int{}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("C%03d", (i+g)%50)
				dup, err := db.AcceptMessage(ctx, &lifeboat.Message{Feed: "ADT^X", ControlID: id, Raw: hl7(id)}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if !dup {
					mu.Lock()
					applied[id]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(applied) != 50 {
		t.Fatalf("%d distinct messages applied, want 50", len(applied))
	}
	for id, n := range applied {
		if n != 1 {
			t.Errorf("%s applied %d times", id, n)
		}
	}
	feeds, _ := db.Feeds(ctx)
	if len(feeds) != 1 || feeds[0].Messages != 400 {
		t.Fatalf("feeds %+v", feeds)
	}
}
