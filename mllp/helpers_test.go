package mllp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// phi marks message content in tests: it must never reach a log.
const phi = "PHI-DOE^JANE"

// TestMain sends the default logger (used by the clients and servers that
// set none) to a buffer, and fails the run if it carries message content.
func TestMain(m *testing.M) {
	var logs logBuffer
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	code := m.Run()
	if strings.Contains(logs.String(), phi) || strings.Contains(logs.String(), "PID|") {
		fmt.Fprintf(os.Stderr, "logs carry message content:\n%s", logs.String())
		code = 1
	}
	os.Exit(code)
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newLogger returns a debug-level JSON logger and its output; at the end of
// the test it fails if the output carries message content.
func newLogger(t testing.TB) (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	t.Cleanup(func() {
		if strings.Contains(buf.String(), phi) || strings.Contains(buf.String(), "PID|") {
			t.Errorf("logs carry message content:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// ack is the test handlers' acknowledgement of msg.
func ack(msg []byte) []byte { return append([]byte("ACK|"), msg...) }

// echo acknowledges every message.
var echo = HandlerFunc(func(_ context.Context, _ *Conn, msg []byte) []byte { return ack(msg) })

// running is a Server serving on a loopback port.
type running struct {
	srv    *Server
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// start serves s on 127.0.0.1:0 (or addr) until the test ends.
func start(t testing.TB, s *Server, addr ...string) *running {
	t.Helper()
	a := "127.0.0.1:0"
	if len(addr) > 0 {
		a = addr[0]
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	if s.Logger == nil {
		s.Logger, _ = newLogger(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: s, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return r
}

// stop shuts the server down and returns what Serve returned.
func (r *running) stop() error {
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(10 * time.Second):
		return errors.New("serve did not return")
	}
}

// rawConn is a plain TCP sender for edge cases our Client refuses to make.
type rawConn struct {
	t testing.TB
	net.Conn
	r *Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, Conn: nc, r: NewReader(nc, 0)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// expect reads one frame and fails unless it is want.
func (c *rawConn) expect(want string) {
	c.t.Helper()
	got, err := c.r.ReadFrame()
	if err != nil || string(got) != want {
		c.t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}

// expectClosed fails unless the server closes the connection.
func (c *rawConn) expectClosed() {
	c.t.Helper()
	if got, err := c.r.ReadFrame(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("got %q, %v; want the connection closed", got, err)
	}
}

// eventually polls cond until it holds, failing after 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
