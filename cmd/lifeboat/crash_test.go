package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// crashSender is one of the HL7 senders of TestCrashSafety: it sends
// registrations (A28), each of a new patient, and re-sends after a failure
// what it sent without an acknowledgement, as an interface engine does.
type crashSender struct {
	id      int
	next    int
	pending []int        // sent, not acknowledged: re-sent first
	acked   map[int]bool // acknowledged with AA
}

func (s *crashSender) message(i int) []byte {
	return []byte(fmt.Sprintf("MSH|^~\\&|CRASH%d|GH|LB|GH|%s||ADT^A28^ADT_A05|W%d-%d|P|2.5.1\r"+
		"EVN|A28|%s\rPID|1||CR%d-%06d^^^GH^MR||TESTER^CRASH%d||19700101|F\rPV1|1|N\r",
		s.id, time.Now().Format("20060102150405"), s.id, i, time.Now().Format("20060102150405"), s.id, i, i))
}

// run sends until ctx ends or the connection fails.
func (s *crashSender) run(ctx context.Context, addr string) {
	cl := &mllp.Client{Addr: addr, AckTimeout: 5 * time.Second, MaxAttempts: 1}
	defer cl.Close()
	for ctx.Err() == nil {
		var i int
		if len(s.pending) > 0 {
			i, s.pending = s.pending[0], s.pending[1:]
		} else {
			i = s.next
			s.next++
		}
		ack, err := cl.Send(ctx, s.message(i))
		if err != nil {
			s.pending = append(s.pending, i)
			return
		}
		if code, _, ok := msa(ack); ok && code == "AA" {
			s.acked[i] = true
		} else {
			s.pending = append(s.pending, i)
		}
	}
}

// TestCrashSafety kills `lifeboat serve --mllp` with SIGKILL at random
// moments, 20 times, while 8 connections send: after each restart every
// acknowledged message is in the store, and none was applied twice.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 20 times")
	}
	bin := filepath.Join(t.TempDir(), "lifeboat")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir, keyFile := newStoreDir(t)
	senders := make([]*crashSender, 8)
	for i := range senders {
		senders[i] = &crashSender{id: i, acked: map[int]bool{}}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	const rounds = 20
	for round := range rounds + 1 {
		mllpAddr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--data", dir, "--key-file", keyFile, "--addr", "127.0.0.1:0", "--mllp", mllpAddr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitListening(t, mllpAddr)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, s := range senders {
			wg.Add(1)
			go func() { defer wg.Done(); s.run(ctx, mllpAddr) }()
		}
		if round < rounds {
			time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			cancel()
			wg.Wait()
			continue
		}
		// The last round ends cleanly: every sender's pending messages go through.
		time.Sleep(300 * time.Millisecond)
		cancel()
		wg.Wait()
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}

	key, _ := readKey(keyFile)
	db, err := sqlite.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	acked := 0
	for _, s := range senders {
		for i := range s.acked {
			acked++
			mrn := fmt.Sprintf("CR%d-%06d", s.id, i)
			ps, err := db.SearchPatients(ctx, lifeboat.PatientQuery{Identifier: mrn})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 {
				t.Fatalf("acknowledged message W%d-%d: %d patients stored", s.id, i, len(ps))
			}
			if ps[0].Version != 1 {
				t.Errorf("message W%d-%d applied %d times", s.id, i, ps[0].Version)
			}
		}
	}
	counts, _ := db.CountResources(ctx)
	feeds, _ := db.Feeds(ctx)
	var received int64
	for _, f := range feeds {
		received += f.Messages
	}
	t.Logf("%d kills; %d messages acknowledged; %d patients stored; %d deliveries received (re-sends included)", rounds, acked, counts["Patient"], received)
	if acked < 100 {
		t.Errorf("only %d messages acknowledged: the test did not load the server", acked)
	}
	if counts["Patient"] < acked {
		t.Errorf("%d patients for %d acknowledged messages", counts["Patient"], acked)
	}
}
