package mllp

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func send(t testing.TB, c *Client, msg string) {
	t.Helper()
	got, err := c.Send(context.Background(), []byte(msg))
	if err != nil || string(got) != "ACK|"+msg {
		t.Fatalf("send %q: got %q, %v", msg, got, err)
	}
}

// TestClientReconnectAfterRestart: the server goes away and comes back on
// the same port; the client notices the closed connection before writing,
// retries the dial with backoff while the port is closed, and delivers the
// message once, without reporting it as possibly duplicated.
func TestClientReconnectAfterRestart(t *testing.T) {
	r1 := start(t, &Server{Handler: echo})
	log, _ := newLogger(t)
	c := &Client{Addr: r1.addr, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Logger: log}
	defer c.Close()
	send(t, c, "MSH|1")
	if err := r1.stop(); err != nil {
		t.Fatal(err)
	}

	result := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		got, err := c.Send(ctx, []byte("MSH|2"))
		if err == nil && string(got) != "ACK|MSH|2" {
			err = errors.New("wrong response " + string(got))
		}
		result <- err
	}()
	eventually(t, "dials to fail", func() bool { return c.Stats().DialErrors >= 3 })
	r2 := start(t, &Server{Handler: echo}, r1.addr)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Failures != 0 || st.Sent != 2 || st.Acked != 2 {
		t.Fatalf("client stats %+v: the message was written more than once", st)
	}
	if st := r2.srv.Stats(); st.Frames != 1 {
		t.Fatalf("restarted server got %d frames, want 1", st.Frames)
	}
}

// TestClientAfterIdleTimeout: a connection the server closed for idleness is
// replaced before the next message is written.
func TestClientAfterIdleTimeout(t *testing.T) {
	r := start(t, &Server{Handler: echo, IdleTimeout: 20 * time.Millisecond})
	c := &Client{Addr: r.addr}
	defer c.Close()
	send(t, c, "MSH|1")
	// Wait until the server has closed the connection: a message written
	// while it is closing it would be lost in flight (ErrNotAcknowledged).
	eventually(t, "the idle timeout", func() bool {
		st := r.srv.Stats()
		return st.IdleTimeouts == 1 && st.ConnsOpen == 0
	})
	send(t, c, "MSH|2")
	if st := c.Stats(); st.Dials != 2 || st.Failures != 0 {
		t.Fatalf("client stats %+v", st)
	}
}

func TestBackoffBounded(t *testing.T) {
	lo, hi := 10*time.Millisecond, 250*time.Millisecond
	for n := 1; n < 200; n++ {
		ceiling := min(lo<<min(n-1, 30), hi)
		for range 20 {
			if d := backoff(lo, hi, n); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
	if d := backoff(0, 0, 1000); d <= 0 || d > time.Millisecond {
		t.Fatalf("backoff with zero bounds = %v", d)
	}
}

// TestClientBackoff: with the receiver down, a Send dials MaxAttempts times
// with growing waits that never pass MaxBackoff.
func TestClientBackoff(t *testing.T) {
	var waits []time.Duration
	c := &Client{Addr: freeAddr(t), MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, MaxAttempts: 8}
	c.Logger, _ = newLogger(t)
	// The clock stands still, so that each wait is the backoff chosen,
	// not what is left of it once the failure is logged.
	frozen := time.Now()
	c.now = func() time.Time { return frozen }
	c.sleep = func(ctx context.Context, d time.Duration) error {
		if d > 0 {
			waits = append(waits, d)
		}
		return nil
	}
	_, err := c.Send(context.Background(), []byte("MSH|1"))
	if err == nil || errors.Is(err, ErrNotAcknowledged) {
		t.Fatalf("got %v, want a dial error that is not ErrNotAcknowledged", err)
	}
	if st := c.Stats(); st.DialErrors != 8 || len(waits) != 7 {
		t.Fatalf("stats %+v, waits %v", st, waits)
	}
	for i, d := range waits {
		ceiling := min(10*time.Millisecond<<i, 40*time.Millisecond)
		if d < ceiling/2 || d > ceiling {
			t.Fatalf("wait %d = %v, want within [%v, %v]", i, d, ceiling/2, ceiling)
		}
	}
}

// dropFirst is a receiver that loses the first message it gets (closing the
// connection without answering) and acknowledges the others.
func dropFirst(t *testing.T) (*running, *atomic.Int64) {
	var n atomic.Int64
	h := HandlerFunc(func(_ context.Context, _ *Conn, msg []byte) []byte {
		if n.Add(1) == 1 {
			panic("dropped")
		}
		return ack(msg)
	})
	return start(t, &Server{Handler: h}), &n
}

func TestClientResendPolicy(t *testing.T) {
	t.Run("without Resend", func(t *testing.T) {
		r, n := dropFirst(t)
		c := &Client{Addr: r.addr, MinBackoff: time.Millisecond}
		defer c.Close()
		if _, err := c.Send(context.Background(), []byte("MSH|1")); !errors.Is(err, ErrNotAcknowledged) {
			t.Fatalf("got %v, want ErrNotAcknowledged", err)
		}
		if n.Load() != 1 {
			t.Fatalf("receiver got %d copies, want 1", n.Load())
		}
		send(t, c, "MSH|2") // the client recovers for the next message
	})
	t.Run("with Resend", func(t *testing.T) {
		r, n := dropFirst(t)
		c := &Client{Addr: r.addr, MinBackoff: time.Millisecond, Resend: true}
		defer c.Close()
		send(t, c, "MSH|1")
		if n.Load() != 2 {
			t.Fatalf("receiver got %d copies, want 2", n.Load())
		}
	})
}

// blocking is a receiver whose handler waits until released or shut down.
func blocking(t *testing.T) (r *running, entered chan struct{}) {
	entered, release := make(chan struct{}, 10), make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, _ *Conn, msg []byte) []byte {
		if string(msg) != "block" {
			return ack(msg)
		}
		entered <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	r = start(t, &Server{Handler: h})
	t.Cleanup(func() { close(release) }) // before the server's shutdown
	return r, entered
}

func TestClientAckTimeout(t *testing.T) {
	r, _ := blocking(t)
	c := &Client{Addr: r.addr, AckTimeout: 20 * time.Millisecond, MaxAttempts: 1}
	c.Logger, _ = newLogger(t)
	defer c.Close()
	_, err := c.Send(context.Background(), []byte("block"))
	if !errors.Is(err, ErrNotAcknowledged) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want an ACK timeout", err)
	}
	send(t, c, "MSH|after") // on a new connection: a late ACK cannot be mistaken
	if c.Stats().Dials != 2 {
		t.Fatalf("stats %+v", c.Stats())
	}
}

func TestClientContextCancel(t *testing.T) {
	r, entered := blocking(t)
	c := &Client{Addr: r.addr}
	c.Logger, _ = newLogger(t)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-entered
		cancel()
	}()
	if _, err := c.Send(ctx, []byte("block")); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrNotAcknowledged) {
		t.Fatalf("got %v, want cancelled and not acknowledged", err)
	}
}

func TestClientClose(t *testing.T) {
	c := &Client{Addr: freeAddr(t), MinBackoff: time.Hour}
	c.Logger, _ = newLogger(t)
	result := make(chan error, 1)
	go func() {
		_, err := c.Send(context.Background(), []byte("MSH|1"))
		result <- err
	}()
	eventually(t, "the first dial to fail", func() bool { return c.Stats().DialErrors == 1 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; !errors.Is(err, ErrClientClosed) {
		t.Fatalf("got %v, want ErrClientClosed", err)
	}
	if _, err := c.Send(context.Background(), []byte("MSH|2")); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestClientRefusesUnframeable(t *testing.T) {
	c := &Client{Addr: freeAddr(t)}
	if _, err := c.Send(context.Background(), []byte("a\x0bb")); !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("got %v", err)
	}
	if c.Stats().Dials != 0 {
		t.Fatal("dialled for a message it could not send")
	}
}
