package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAddr is the address ListenAndServe uses when Server.Addr is empty:
// 2575 is the port registered for HL7 over MLLP.
const DefaultAddr = ":2575"

// Defaults for a Server's zero-valued settings.
const (
	DefaultIdleTimeout     = 10 * time.Minute // Server.IdleTimeout
	DefaultReadTimeout     = time.Minute      // Server.ReadTimeout
	DefaultWriteTimeout    = 30 * time.Second // Server.WriteTimeout and Client.WriteTimeout
	DefaultShutdownTimeout = 30 * time.Second // Server.ShutdownTimeout
)

// Handler answers one MLLP message. The Server calls ServeMLLP for each
// message, one at a time per connection and in the order received, with the
// message bytes without framing (empty for an empty frame). msg is valid
// only until ServeMLLP returns: copy it to keep it. The returned bytes (an HL7 acknowledgement) are framed
// and sent back; nil sends nothing. A response that contains a start or end
// block byte cannot be framed, and the connection is closed instead.
//
// ctx is not cancelled when a shutdown starts (in-flight messages are let
// finish) but when Server.ShutdownTimeout has passed after that. A panic is
// recovered and logged (without its value, which may hold PHI), and closes
// the connection without a response.
type Handler interface {
	ServeMLLP(ctx context.Context, c *Conn, msg []byte) []byte
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, c *Conn, msg []byte) []byte

// ServeMLLP calls f(ctx, c, msg).
func (f HandlerFunc) ServeMLLP(ctx context.Context, c *Conn, msg []byte) []byte {
	return f(ctx, c, msg)
}

var errNoHandler = errors.New("mllp: serve: no handler")

// Server is an MLLP listener. Set its fields, then call ListenAndServe or
// Serve; the fields must not change after that, and a Server must not be
// copied after first use. Zero durations take the package defaults; a
// negative IdleTimeout, ReadTimeout or WriteTimeout disables that timeout.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on (DefaultAddr if empty).
	Addr string
	// Handler answers each message. Required.
	Handler Handler
	// TLSConfig, if set, makes the server speak TLS. Set ClientAuth to
	// tls.RequireAndVerifyClientCert (with ClientCAs) for mutual TLS.
	TLSConfig *tls.Config
	// IdleTimeout closes a connection that starts no frame for this long
	// after the previous response (bytes outside frames do not count).
	IdleTimeout time.Duration
	// ReadTimeout bounds the time from a frame's start block to its end
	// block, and the TLS handshake.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one response.
	WriteTimeout time.Duration
	// ShutdownTimeout is how long in-flight handlers may run after the
	// context given to Serve ends, before their context is cancelled and
	// their connections cut (negative: cancel at once).
	ShutdownTimeout time.Duration
	// MaxFrame is the largest message accepted, in bytes (DefaultMaxFrame
	// if 0). A larger frame is skipped and the connection goes on.
	MaxFrame int
	// MaxConns caps the connections served at once; a connection beyond it
	// is closed as soon as it is accepted. 0 means no limit.
	MaxConns int
	// OnOversize, if set, is called with the first bytes (at most HeadSize)
	// and the size of a frame over MaxFrame; what it returns (a negative
	// acknowledgement built from the MSH segment in head) is sent as the
	// response. If nil, nothing is sent for an oversize frame.
	OnOversize func(ctx context.Context, c *Conn, head []byte, size int64) []byte
	// Logger receives connection events and errors, never message content
	// (default slog.Default()).
	Logger *slog.Logger

	stats       counters
	nextID      atomic.Uint64
	lastRefusal atomic.Int64 // when a refusal was last logged (Unix ns)
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ListenAndServe listens on s.Addr and serves until ctx ends (see Serve).
func (s *Server) ListenAndServe(ctx context.Context) error {
	if s.Handler == nil {
		return errNoHandler
	}
	addr := s.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mllp: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln and serves each in its own goroutine until
// ctx ends. Then it stops accepting, closes connections that are between
// messages, lets handlers in flight finish and send their responses for up
// to ShutdownTimeout, and returns nil after a clean shutdown. Serve closes ln.
// A listener that fails other than by ctx ending also shuts down gracefully
// and returns the error.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.Handler == nil {
		ln.Close()
		return errNoHandler
	}
	if s.TLSConfig != nil {
		ln = tls.NewListener(ln, s.TLSConfig)
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	st := &serving{srv: s, hctx: hctx, conns: make(map[*serverConn]struct{})}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	log := s.logger()
	log.LogAttrs(ctx, slog.LevelInfo, "mllp listening",
		slog.String("addr", ln.Addr().String()), slog.Bool("tls", s.TLSConfig != nil))
	var acceptErr error
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err == nil {
			delay = 0
			st.start(nc)
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, net.ErrClosed) {
			acceptErr = fmt.Errorf("mllp: accept: %w", err)
			break
		}
		// Out of file descriptors and the like: wait and try again.
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		log.LogAttrs(ctx, slog.LevelWarn, "mllp accept failed",
			slog.String("error", err.Error()), slog.Duration("retry_in", delay))
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	ln.Close()
	err := st.shutdown(s.duration(s.ShutdownTimeout, DefaultShutdownTimeout), cancel)
	log.LogAttrs(ctx, slog.LevelInfo, "mllp stopped", slog.String("addr", ln.Addr().String()))
	return errors.Join(acceptErr, err)
}

// logger returns the configured logger or the default one.
func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// duration returns d, or def when d is 0, or 0 (no limit) when d < 0.
func (s *Server) duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// serving is the state of one Serve call: its open connections.
type serving struct {
	srv     *Server
	hctx    context.Context
	mu      sync.Mutex
	closing bool
	conns   map[*serverConn]struct{}
	wg      sync.WaitGroup
}

// start registers a new connection and serves it, or closes it at once when
// the server is full or shutting down.
func (st *serving) start(nc net.Conn) {
	s := st.srv
	if open := s.stats.connsOpen.Add(1); s.MaxConns > 0 && open > int64(s.MaxConns) {
		s.stats.connsOpen.Add(-1)
		n := s.stats.connsRejected.Add(1)
		// At most one line a second, however fast connections are refused.
		if now, last := time.Now().UnixNano(), s.lastRefusal.Load(); now-last > int64(time.Second) && s.lastRefusal.CompareAndSwap(last, now) {
			s.logger().LogAttrs(st.hctx, slog.LevelWarn, "mllp connection refused: too many connections",
				slog.String("remote", nc.RemoteAddr().String()), slog.Int("max_conns", s.MaxConns),
				slog.Uint64("refused_total", n))
		}
		nc.Close()
		return
	}
	sc := newServerConn(st, nc)
	st.mu.Lock()
	if st.closing {
		st.mu.Unlock()
		s.stats.connsOpen.Add(-1)
		nc.Close()
		return
	}
	st.conns[sc] = struct{}{}
	st.wg.Add(1)
	st.mu.Unlock()
	s.stats.connsTotal.Add(1)
	go sc.serve()
}

// done forgets a connection whose goroutine is ending.
func (st *serving) done(sc *serverConn) {
	st.mu.Lock()
	delete(st.conns, sc)
	st.mu.Unlock()
	st.srv.stats.connsOpen.Add(-1)
	st.wg.Done()
}

// shutdown closes idle connections, waits up to timeout for busy ones, then
// cancels handler contexts and cuts what is left.
func (st *serving) shutdown(timeout time.Duration, cancel context.CancelFunc) error {
	st.mu.Lock()
	st.closing = true
	for sc := range st.conns {
		sc.interrupt()
	}
	st.mu.Unlock()

	done := make(chan struct{})
	go func() {
		st.wg.Wait()
		close(done)
	}()
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-done:
			return nil
		case <-t.C:
		}
	}
	st.mu.Lock()
	n := len(st.conns) // counted first: they end quickly once cancelled
	st.mu.Unlock()
	cancel()
	st.mu.Lock()
	for sc := range st.conns {
		sc.nc.Close()
	}
	st.mu.Unlock()
	// Handlers that honour their context return now; give them a moment.
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("mllp: shutdown: %d connections still busy after %v were cut", n, timeout)
}
