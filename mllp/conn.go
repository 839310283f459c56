package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Conn describes the connection a message came on, for auditing and for
// naming the sender. Its methods are safe for concurrent use.
type Conn struct {
	id     uint64
	remote net.Addr
	local  net.Addr
	opened time.Time
	tls    *tls.ConnectionState
}

// ID returns the connection's number, unique within its Server (it appears
// in the server's logs as "conn").
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr returns the sender's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr returns the address the connection was accepted on.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// Opened returns when the connection was accepted.
func (c *Conn) Opened() time.Time { return c.opened }

// TLS returns the TLS connection state after the handshake, or nil for a
// plain TCP connection.
func (c *Conn) TLS() *tls.ConnectionState { return c.tls }

// PeerSubject returns the subject of the sender's certificate when it was
// verified (mutual TLS), as an RFC 2253 string such as "CN=lab,O=Hospital";
// "" otherwise.
func (c *Conn) PeerSubject() string {
	if c.tls == nil || len(c.tls.VerifiedChains) == 0 || len(c.tls.VerifiedChains[0]) == 0 {
		return ""
	}
	return c.tls.VerifiedChains[0][0].Subject.String()
}

// aLongTimeAgo is a deadline in the past, to make blocked reads return.
var aLongTimeAgo = time.Unix(1, 0)

// serverConn serves one connection.
type serverConn struct {
	st   *serving
	srv  *Server
	nc   net.Conn
	conn *Conn
	cr   *countingReader
	cw   *countingWriter
	r    *Reader
	w    *Writer
	log  *slog.Logger

	frames  int64
	inFrame bool // a start block has been read and its end block not yet

	mu      sync.Mutex
	closing bool // shutdown: finish the current message, then close
}

func newServerConn(st *serving, nc net.Conn) *serverConn {
	s := st.srv
	sc := &serverConn{st: st, srv: s, nc: nc}
	sc.conn = &Conn{id: s.nextID.Add(1), remote: nc.RemoteAddr(), local: nc.LocalAddr(), opened: time.Now()}
	sc.log = s.logger().With(slog.Uint64("conn", sc.conn.id), slog.String("remote", sc.conn.remote.String()))
	sc.cr = &countingReader{r: nc, total: &s.stats.bytesIn}
	sc.cw = &countingWriter{w: nc, total: &s.stats.bytesOut}
	sc.r = NewReader(sc.cr, s.MaxFrame)
	sc.r.onStart = sc.frameStarted
	sc.w = NewWriter(sc.cw)
	return sc
}

// interrupt makes the connection stop after its current message. A read
// waiting for a frame returns at once.
func (sc *serverConn) interrupt() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.closing = true
	_ = sc.nc.SetReadDeadline(aLongTimeAgo)
}

// arm sets the read deadline to now+d (none if d is 0) unless the
// connection is closing; it reports whether to go on.
func (sc *serverConn) arm(d time.Duration) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.closing {
		return false
	}
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	_ = sc.nc.SetReadDeadline(t)
	return true
}

func (sc *serverConn) isClosing() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.closing
}

// frameStarted switches from the idle timeout to the read timeout.
func (sc *serverConn) frameStarted() {
	sc.inFrame = true
	sc.arm(sc.srv.duration(sc.srv.ReadTimeout, DefaultReadTimeout))
}

func (sc *serverConn) serve() {
	s := sc.srv
	reason := "closed by peer"
	defer func() {
		sc.nc.Close()
		sc.log.LogAttrs(sc.st.hctx, slog.LevelDebug, "mllp connection closed",
			slog.String("reason", reason), slog.Int64("frames", sc.frames),
			slog.Int64("bytes_in", sc.cr.n), slog.Int64("bytes_out", sc.cw.n),
			slog.Duration("duration", time.Since(sc.conn.opened)))
		sc.st.done(sc)
	}()
	sc.log.LogAttrs(sc.st.hctx, slog.LevelDebug, "mllp connection opened")
	if tc, ok := sc.nc.(*tls.Conn); ok {
		if err := sc.handshake(tc); err != nil {
			reason = "tls handshake failed"
			return
		}
	}
	idle := s.duration(s.IdleTimeout, DefaultIdleTimeout)
	var discarded int64
	for {
		if !sc.arm(idle) {
			reason = "shutdown"
			return
		}
		sc.inFrame = false
		msg, err := sc.r.ReadFrame()
		if d := sc.r.Discarded(); d > discarded {
			s.stats.discarded.Add(uint64(d - discarded))
			discarded = d
		}
		var resp []byte
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) {
				reason = sc.readFailed(err)
				return
			}
			var ok bool
			if resp, ok = sc.skipped(fe); !ok {
				reason = "handler panicked"
				return
			}
		} else {
			sc.frames++
			s.stats.frames.Add(1)
			var ok bool
			if resp, ok = sc.call(msg); !ok {
				reason = "handler panicked"
				return
			}
		}
		if resp != nil {
			if err := sc.write(resp); err != nil {
				reason = "write failed"
				return
			}
		}
		if sc.isClosing() {
			reason = "shutdown"
			return
		}
	}
}

// handshake runs the TLS handshake under the read timeout.
func (sc *serverConn) handshake(tc *tls.Conn) error {
	s := sc.srv
	ctx := sc.st.hctx
	if d := s.duration(s.ReadTimeout, DefaultReadTimeout); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		s.stats.tlsErrors.Add(1)
		sc.log.LogAttrs(sc.st.hctx, slog.LevelWarn, "mllp tls handshake failed", slog.String("error", err.Error()))
		return fmt.Errorf("mllp: tls handshake: %w", err)
	}
	state := tc.ConnectionState()
	sc.conn.tls = &state
	if subj := sc.conn.PeerSubject(); subj != "" {
		sc.log = sc.log.With(slog.String("peer", subj))
	}
	return nil
}

// readFailed counts and logs a read error that ends the connection, and
// returns the reason to log at close.
func (sc *serverConn) readFailed(err error) string {
	s := sc.srv
	ctx := sc.st.hctx
	switch {
	case errors.Is(err, io.EOF):
		return "closed by peer"
	case sc.isClosing() || errors.Is(err, net.ErrClosed):
		return "shutdown"
	case errors.Is(err, ErrUnterminated):
		s.stats.framingErrors.Add(1)
		sc.log.LogAttrs(ctx, slog.LevelWarn, "mllp frame unterminated at end of input")
		return "unterminated frame"
	case errors.Is(err, os.ErrDeadlineExceeded) && sc.inFrame:
		s.stats.readTimeouts.Add(1)
		sc.log.LogAttrs(ctx, slog.LevelWarn, "mllp frame not completed in time",
			slog.Duration("read_timeout", s.duration(s.ReadTimeout, DefaultReadTimeout)))
		return "read timeout"
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.stats.idleTimeouts.Add(1)
		sc.log.LogAttrs(ctx, slog.LevelInfo, "mllp connection idle, closing",
			slog.Duration("idle_timeout", s.duration(s.IdleTimeout, DefaultIdleTimeout)))
		return "idle timeout"
	}
	sc.log.LogAttrs(ctx, slog.LevelWarn, "mllp read failed", slog.String("error", err.Error()))
	return "read failed"
}

// skipped counts and logs a frame the Reader skipped, and returns what to
// send for it (the OnOversize response, or nil); ok is false if OnOversize
// panicked.
func (sc *serverConn) skipped(fe *FrameError) (resp []byte, ok bool) {
	s := sc.srv
	ctx := sc.st.hctx
	if !errors.Is(fe, ErrFrameTooLarge) {
		s.stats.framingErrors.Add(1)
		sc.log.LogAttrs(ctx, slog.LevelWarn, "mllp frame abandoned by a new start block",
			slog.Int64("size", fe.Size))
		return nil, true
	}
	s.stats.oversize.Add(1)
	sc.log.LogAttrs(ctx, slog.LevelWarn, "mllp frame too large, skipped",
		slog.Int64("size", fe.Size), slog.Int("max_frame", sc.r.max))
	if s.OnOversize == nil {
		return nil, true
	}
	return sc.protect(func() []byte { return s.OnOversize(ctx, sc.conn, fe.Head, fe.Size) })
}

// call runs the handler on one message. ok is false if it panicked.
func (sc *serverConn) call(msg []byte) (resp []byte, ok bool) {
	return sc.protect(func() []byte { return sc.srv.Handler.ServeMLLP(sc.st.hctx, sc.conn, msg) })
}

// protect runs f, recovering and logging a panic. The panic value is logged
// only if it is a runtime error: any other value may carry message content.
func (sc *serverConn) protect(f func() []byte) (resp []byte, ok bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		sc.srv.stats.panics.Add(1)
		attrs := []slog.Attr{slog.String("panic_type", fmt.Sprintf("%T", v)), slog.String("stack", string(debug.Stack()))}
		if re, isRuntime := v.(runtime.Error); isRuntime {
			attrs = append(attrs, slog.String("panic", re.Error()))
		}
		sc.log.LogAttrs(sc.st.hctx, slog.LevelError, "mllp handler panicked, closing connection", attrs...)
		resp, ok = nil, false
	}()
	return f(), true
}

// write sends one response under the write timeout.
func (sc *serverConn) write(resp []byte) error {
	s := sc.srv
	var t time.Time
	if d := s.duration(s.WriteTimeout, DefaultWriteTimeout); d > 0 {
		t = time.Now().Add(d)
	}
	_ = sc.nc.SetWriteDeadline(t)
	err := sc.w.WriteFrame(resp)
	switch {
	case err == nil:
		s.stats.responses.Add(1)
		return nil
	case errors.Is(err, ErrInvalidContent):
		sc.log.LogAttrs(sc.st.hctx, slog.LevelError, "mllp handler returned a response that cannot be framed",
			slog.Int("bytes", len(resp)))
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.stats.writeTimeouts.Add(1)
		sc.log.LogAttrs(sc.st.hctx, slog.LevelWarn, "mllp response not written in time",
			slog.Duration("write_timeout", s.duration(s.WriteTimeout, DefaultWriteTimeout)))
	default:
		sc.log.LogAttrs(sc.st.hctx, slog.LevelWarn, "mllp write failed", slog.String("error", err.Error()))
	}
	return err
}
