package mllp

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown: when the context ends the server stops accepting,
// closes idle connections, and lets a handler in flight finish and answer.
func TestGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, _ *Conn, msg []byte) []byte {
		if string(msg) == "slow" {
			close(entered)
			<-release
			if ctx.Err() != nil {
				t.Error("handler context cancelled during a graceful shutdown")
			}
		}
		return ack(msg)
	})
	r := start(t, &Server{Handler: h})
	idle := dialRaw(t, r.addr)
	idle.send("\x0bfast\x1c\x0d")
	idle.expect("ACK|fast")
	busy := dialRaw(t, r.addr)
	busy.send("\x0bslow\x1c\x0d")
	<-entered

	r.cancel()
	idle.expectClosed()
	eventually(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", r.addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-r.done:
		t.Fatalf("Serve returned %v with a handler in flight", err)
	default:
	}
	close(release)
	busy.expect("ACK|slow")
	busy.expectClosed()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		r.done <- nil // for the cleanup's stop
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestShutdownDeadline: a handler still running after ShutdownTimeout has
// its context cancelled and Serve reports it.
func TestShutdownDeadline(t *testing.T) {
	entered := make(chan struct{})
	cancelled := make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, _ *Conn, msg []byte) []byte {
		close(entered)
		<-ctx.Done()
		close(cancelled)
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log, _ := newLogger(t)
	s := &Server{Handler: h, ShutdownTimeout: 20 * time.Millisecond, Logger: log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.send("\x0bstuck\x1c\x0d")
	<-entered
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "still busy") {
		t.Fatalf("Serve returned %v, want a shutdown error", err)
	}
	<-cancelled
	c.expectClosed()
}
