package mllp

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// orderChecker is a handler that fails the test if two messages of one
// connection are handled at once or out of the order their senders numbered
// them ("...|sender|seq").
type orderChecker struct {
	t     testing.TB
	mu    sync.Mutex
	busy  map[uint64]bool
	next  map[string]int
	total atomic.Int64
}

func newOrderChecker(t testing.TB) *orderChecker {
	return &orderChecker{t: t, busy: map[uint64]bool{}, next: map[string]int{}}
}

func (o *orderChecker) ServeMLLP(_ context.Context, c *Conn, msg []byte) []byte {
	parts := strings.Split(string(msg), "|")
	sender := parts[len(parts)-2]
	seq, _ := strconv.Atoi(parts[len(parts)-1])
	o.mu.Lock()
	if o.busy[c.ID()] {
		o.t.Errorf("connection %d: two messages handled at once", c.ID())
	}
	o.busy[c.ID()] = true
	if seq != o.next[sender] {
		o.t.Errorf("sender %s: message %d handled, want %d", sender, seq, o.next[sender])
	}
	o.next[sender] = seq + 1
	o.mu.Unlock()
	o.total.Add(1)
	resp := ack(msg)
	o.mu.Lock()
	o.busy[c.ID()] = false
	o.mu.Unlock()
	return resp
}

// TestConcurrentClients runs 50 connections of 100 messages each.
func TestConcurrentClients(t *testing.T) {
	h := newOrderChecker(t)
	r := start(t, &Server{Handler: h})
	const conns, msgs = 50, 100
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			log, _ := newLogger(t)
			c := &Client{Addr: r.addr, Logger: log, MaxAttempts: 1}
			defer c.Close()
			for j := range msgs {
				msg := fmt.Sprintf("MSH|%s|%d|%d", phi, i, j)
				got, err := c.Send(context.Background(), []byte(msg))
				if err != nil || string(got) != string(ack([]byte(msg))) {
					t.Errorf("client %d message %d: %q, %v", i, j, got, err)
					return
				}
			}
			if s := c.Stats(); s.Dials != 1 || s.Acked != msgs {
				t.Errorf("client %d: %+v, want one connection for all messages", i, s)
			}
		})
	}
	wg.Wait()
	if h.total.Load() != conns*msgs {
		t.Fatalf("handled %d messages, want %d", h.total.Load(), conns*msgs)
	}
	eventually(t, "connections to close", func() bool { return r.srv.Stats().ConnsOpen == 0 })
	s := r.srv.Stats()
	if s.ConnsTotal != conns || s.Frames != conns*msgs || s.Responses != conns*msgs || s.BytesIn == 0 || s.BytesOut == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestPipelinedFrames sends many frames without waiting: they are handled
// one at a time, in order, and answered in order.
func TestPipelinedFrames(t *testing.T) {
	r := start(t, &Server{Handler: newOrderChecker(t)})
	c := dialRaw(t, r.addr)
	var b []byte
	for i := range 200 {
		b = AppendFrame(b, fmt.Appendf(nil, "MSH|%s|p|%d", phi, i))
	}
	go c.send(string(b))
	for i := range 200 {
		c.expect(fmt.Sprintf("ACK|MSH|%s|p|%d", phi, i))
	}
}

// TestJunkAndMissingCR: bytes before the start block are dropped, and a
// frame without its CR is answered without waiting for more input.
func TestJunkAndMissingCR(t *testing.T) {
	r := start(t, &Server{Handler: echo})
	c := dialRaw(t, r.addr)
	c.send("junk\x0bMSH|1\x1c")
	c.expect("ACK|MSH|1")
	c.send("\r\n\x0bMSH|2\x1c\x0d")
	c.expect("ACK|MSH|2")
	if d := r.srv.Stats().Discarded; d != 5 {
		t.Fatalf("discarded %d bytes, want 5 (the late CR is not junk)", d)
	}
}

// TestOversizeFrame: a frame over MaxFrame is skipped, OnOversize answers
// it, and the same connection goes on, while others are not disturbed.
func TestOversizeFrame(t *testing.T) {
	s := &Server{Handler: echo, MaxFrame: 1024,
		OnOversize: func(_ context.Context, _ *Conn, head []byte, size int64) []byte {
			return fmt.Appendf(nil, "NAK|%s|%d", head[:8], size)
		}}
	r := start(t, s)
	other := &Client{Addr: r.addr}
	defer other.Close()
	if _, err := other.Send(context.Background(), []byte("MSH|before")); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, r.addr)
	big := "MSH|^~\\&" + strings.Repeat(phi, 100000)
	go c.send("\x0b" + big + "\x1c\x0d\x0bMSH|after\x1c\x0d")
	c.expect(fmt.Sprintf("NAK|MSH|^~\\&|%d", len(big)))
	c.expect("ACK|MSH|after")
	if _, err := other.Send(context.Background(), []byte("MSH|still")); err != nil {
		t.Fatal(err)
	}
	if st := r.srv.Stats(); st.Oversize != 1 || st.Frames != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// TestIdleTimeout: a silent connection is closed, and junk does not keep
// it open.
func TestIdleTimeout(t *testing.T) {
	r := start(t, &Server{Handler: echo, IdleTimeout: 50 * time.Millisecond})
	silent := dialRaw(t, r.addr)
	chatty := dialRaw(t, r.addr)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if _, err := chatty.Write([]byte("\n")); err != nil {
					return
				}
			}
		}
	}()
	silent.expectClosed()
	chatty.expectClosed()
	if st := r.srv.Stats(); st.IdleTimeouts != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSlowSenders: a sender trickling a frame one byte at a time, and a
// receiver that never reads its responses, are cut off by their timeouts
// while another client's messages are all answered meanwhile.
func TestSlowSenders(t *testing.T) {
	big := []byte(strings.Repeat("A", 1<<20))
	h := HandlerFunc(func(_ context.Context, _ *Conn, msg []byte) []byte {
		if string(msg) == "big" {
			return big
		}
		return ack(msg)
	})
	r := start(t, &Server{Handler: h, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})

	slowloris := dialRaw(t, r.addr)
	go func() {
		slowloris.send("\x0bMSH|")
		for range 100 { // one byte every 20 ms, far slower than the read timeout allows
			time.Sleep(20 * time.Millisecond)
			if _, err := slowloris.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	deaf := dialRaw(t, r.addr)
	go func() {
		for range 64 { // 64 MiB of responses it will not read
			if _, err := deaf.Write([]byte("\x0bbig\x1c\x0d")); err != nil {
				return
			}
		}
	}()

	c := &Client{Addr: r.addr, MaxAttempts: 1}
	defer c.Close()
	for i := 0; r.srv.Stats().ReadTimeouts == 0 || r.srv.Stats().WriteTimeouts == 0; i++ {
		if i > 100000 {
			t.Fatal("the slow connections were not cut off")
		}
		msg := fmt.Sprintf("MSH|%d", i)
		if got, err := c.Send(context.Background(), []byte(msg)); err != nil || string(got) != "ACK|"+msg {
			t.Fatalf("message %d: %q, %v", i, got, err)
		}
	}
	slowloris.expectClosed()
	if st := r.srv.Stats(); st.ReadTimeouts != 1 || st.WriteTimeouts != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestHandlerPanic: a panic closes only its connection, and its value (which
// here carries message content) is not logged.
func TestHandlerPanic(t *testing.T) {
	log, logs := newLogger(t)
	h := HandlerFunc(func(_ context.Context, _ *Conn, msg []byte) []byte {
		switch {
		case strings.Contains(string(msg), "boom"):
			panic("cannot parse " + string(msg))
		case strings.Contains(string(msg), "index"):
			var a []int
			_ = a[len(msg)]
		}
		return ack(msg)
	})
	r := start(t, &Server{Handler: h, Logger: log})
	bystander := dialRaw(t, r.addr)
	bystander.send("\x0bMSH|1\x1c\x0d")
	bystander.expect("ACK|MSH|1")
	for _, m := range []string{"boom", "index"} {
		victim := dialRaw(t, r.addr)
		victim.send("\x0bMSH|" + phi + "|" + m + "\x1c\x0d")
		victim.expectClosed()
	}
	bystander.send("\x0bMSH|2\x1c\x0d")
	bystander.expect("ACK|MSH|2")
	late := dialRaw(t, r.addr)
	late.send("\x0bMSH|3\x1c\x0d")
	late.expect("ACK|MSH|3")
	if st := r.srv.Stats(); st.Panics != 2 {
		t.Fatalf("stats %+v", st)
	}
	out := logs.String()
	if !strings.Contains(out, "handler panicked") || !strings.Contains(out, "index out of range") {
		t.Fatalf("panic not logged as expected:\n%s", out)
	}
}

// TestUnframeableResponse: a handler response with a framing byte closes
// the connection rather than corrupting the stream.
func TestUnframeableResponse(t *testing.T) {
	r := start(t, &Server{Handler: HandlerFunc(func(context.Context, *Conn, []byte) []byte { return []byte("a\x1cb") })})
	c := dialRaw(t, r.addr)
	c.send("\x0bMSH|1\x1c\x0d")
	c.expectClosed()
}

// TestMaxConns: connections beyond the limit are closed at once.
func TestMaxConns(t *testing.T) {
	r := start(t, &Server{Handler: echo, MaxConns: 2})
	a, b := dialRaw(t, r.addr), dialRaw(t, r.addr)
	for _, c := range []*rawConn{a, b} {
		c.send("\x0bMSH|1\x1c\x0d")
		c.expect("ACK|MSH|1")
	}
	dialRaw(t, r.addr).expectClosed()
	if st := r.srv.Stats(); st.ConnsRejected != 1 || st.ConnsOpen != 2 {
		t.Fatalf("stats %+v", st)
	}
	a.Close()
	eventually(t, "a slot to free", func() bool { return r.srv.Stats().ConnsOpen == 1 })
	c := dialRaw(t, r.addr)
	c.send("\x0bMSH|2\x1c\x0d")
	c.expect("ACK|MSH|2")
}

func TestServeWithoutHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String()}
	for _, err := range []error{s.ListenAndServe(context.Background()), s.Serve(context.Background(), ln)} {
		if err == nil || !strings.HasPrefix(err.Error(), "mllp: ") {
			t.Errorf("got %v, want an mllp error", err)
		}
	}
}
