package mllp

import (
	"bytes"
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

// Defaults for a Client's zero-valued settings.
const (
	DefaultDialTimeout = 10 * time.Second       // Client.DialTimeout
	DefaultAckTimeout  = 30 * time.Second       // Client.AckTimeout
	DefaultMinBackoff  = 100 * time.Millisecond // Client.MinBackoff
	DefaultMaxBackoff  = 30 * time.Second       // Client.MaxBackoff
)

var (
	// ErrNotAcknowledged reports a message that was written (at least in
	// part) but whose acknowledgement was not received: the receiver may or
	// may not have it. Sending it again is safe with a receiver that
	// de-duplicates by message control id (MSH-10), as HL7 receivers do.
	ErrNotAcknowledged = errors.New("mllp: message sent but not acknowledged")
	// ErrClientClosed reports a Send on, or interrupted by, a closed Client.
	ErrClientClosed = errors.New("mllp: client closed")
)

// Client sends messages over one MLLP connection and waits for each
// response. It connects on first use, keeps the connection open across
// sends, and reconnects with exponential backoff and jitter when it fails.
// Set its fields before the first Send and do not change them after.
// Send is safe for concurrent use but sends one message at a time, as MLLP
// requires; use several Clients for parallel connections.
type Client struct {
	// Addr is the receiver's host:port.
	Addr string
	// TLSConfig, if set, makes the client speak TLS (its ServerName
	// defaults to Addr's host). Add Certificates for mutual TLS.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting, including the TLS handshake
	// (default DefaultDialTimeout).
	DialTimeout time.Duration
	// WriteTimeout bounds writing one message (default DefaultWriteTimeout).
	WriteTimeout time.Duration
	// AckTimeout bounds waiting for the response after writing
	// (default DefaultAckTimeout). On timeout the connection is dropped, so
	// a late response cannot be taken for the next message's.
	AckTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after a
	// failure: MinBackoff doubled per consecutive failure, capped at
	// MaxBackoff, of which a random half is taken off (defaults
	// DefaultMinBackoff and DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts caps the attempts of one Send (0: until its context ends).
	MaxAttempts int
	// Resend allows re-sending a message that was written but not
	// acknowledged (see ErrNotAcknowledged). Set it only when the receiver
	// de-duplicates by message control id. Without it Send gives up on such
	// a message and returns ErrNotAcknowledged; a message that was never
	// written is always retried.
	Resend bool
	// MaxFrame is the largest response accepted (DefaultMaxFrame if 0).
	MaxFrame int
	// Logger receives connection events and errors, never message content
	// (default slog.Default()).
	Logger *slog.Logger
	// DialContext, if set, opens the TCP connection instead of net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	once     sync.Once
	closeCtx context.Context
	closeFn  context.CancelFunc

	mu        sync.Mutex
	nc        net.Conn
	r         *Reader
	w         *Writer
	exchanged bool      // a response was read on nc
	failures  int       // consecutive failed attempts
	retryAt   time.Time // no attempt before this
	closed    bool

	sleep func(ctx context.Context, d time.Duration) error // replaced in tests
	now   func() time.Time                                 // replaced in tests; time.Now if nil
	stats clientCounters
}

// ClientStats are a Client's counters since it was created.
type ClientStats struct {
	Sent       uint64 // messages written
	Acked      uint64 // responses received
	Dials      uint64 // connection attempts
	DialErrors uint64 // failed connection attempts
	Failures   uint64 // attempts that failed after connecting
}

type clientCounters struct {
	sent, acked, dials, dialErrors, failures atomic.Uint64
}

// Dial connects to addr (with TLS if tlsConfig is not nil) and returns a
// Client with default settings. It makes one attempt; later sends
// reconnect as needed.
func Dial(ctx context.Context, addr string, tlsConfig *tls.Config) (*Client, error) {
	c := &Client{Addr: addr, TLSConfig: tlsConfig}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Connect opens the connection now, if it is not open, in one attempt.
func (c *Client) Connect(ctx context.Context) error {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClientClosed
	}
	if c.nc != nil {
		return nil
	}
	if err := c.connect(ctx); err != nil {
		return fmt.Errorf("mllp: connect to %s: %w", c.Addr, err)
	}
	return nil
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() ClientStats {
	return ClientStats{
		Sent:       c.stats.sent.Load(),
		Acked:      c.stats.acked.Load(),
		Dials:      c.stats.dials.Load(),
		DialErrors: c.stats.dialErrors.Load(),
		Failures:   c.stats.failures.Load(),
	}
}

// Close closes the connection and makes every Send, current or later,
// return ErrClientClosed.
func (c *Client) Close() error {
	c.init()
	c.closeFn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var err error
	if c.nc != nil {
		err = c.nc.Close()
		c.nc = nil
	}
	if err != nil {
		return fmt.Errorf("mllp: close: %w", err)
	}
	return nil
}

func (c *Client) init() {
	c.once.Do(func() { c.closeCtx, c.closeFn = context.WithCancel(context.Background()) })
}

// Send frames msg, writes it and returns the response (a copy the caller
// owns). On failure it reconnects and tries again with backoff until ctx
// ends or MaxAttempts are used, except that a message already written is
// sent again only if Resend is set; otherwise the error wraps
// ErrNotAcknowledged. A msg containing a start or end block byte is refused
// with ErrInvalidContent.
func (c *Client) Send(ctx context.Context, msg []byte) ([]byte, error) {
	if err := CheckContent(msg); err != nil {
		return nil, fmt.Errorf("mllp: send: %w", err)
	}
	c.init()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(c.closeCtx, func() { cancel(ErrClientClosed) })
	defer stop()

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClientClosed
	}
	var lastErr error
	written := false
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx, c.retryAt.Sub(c.clock())); err != nil {
			lastErr = errors.Join(err, lastErr)
			break
		}
		ack, w, err := c.attempt(ctx, msg)
		if err == nil {
			c.failures = 0
			return ack, nil
		}
		written = written || w
		lastErr = err
		c.drop()
		c.failures++
		delay := backoff(c.minBackoff(), c.maxBackoff(), c.failures)
		c.retryAt = c.clock().Add(delay)
		retry := (!w || c.Resend) && ctx.Err() == nil && (c.MaxAttempts <= 0 || attempt < c.MaxAttempts)
		c.logger().LogAttrs(ctx, slog.LevelWarn, "mllp send failed",
			slog.String("addr", c.Addr), slog.Int("attempt", attempt), slog.Bool("written", w),
			slog.Bool("retry", retry), slog.Duration("retry_in", delay), slog.String("error", err.Error()))
		if !retry {
			break
		}
	}
	if written {
		return nil, fmt.Errorf("mllp: send to %s: %w: %w", c.Addr, ErrNotAcknowledged, lastErr)
	}
	return nil, fmt.Errorf("mllp: send to %s: %w", c.Addr, lastErr)
}

// attempt sends msg once, connecting first if needed. written reports
// whether any of msg may have reached the receiver.
func (c *Client) attempt(ctx context.Context, msg []byte) (ack []byte, written bool, err error) {
	if c.nc != nil && c.exchanged && (c.r.Buffered() > 0 || peerGone(c.nc)) {
		// The receiver closed the connection (an idle timeout, a restart) or
		// is out of step: nothing was written, so reconnecting is safe.
		c.logger().LogAttrs(ctx, slog.LevelDebug, "mllp connection closed by peer, reconnecting",
			slog.String("addr", c.Addr))
		c.drop()
	}
	if c.nc == nil {
		if err := c.connect(ctx); err != nil {
			return nil, false, err
		}
	}
	nc := c.nc
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(aLongTimeAgo) })
	defer func() {
		if !stop() && err == nil {
			// The deadline may be set behind our back: use a new connection next.
			c.drop()
		}
	}()
	// Each deadline is set before ctx is checked: if ctx ends in between,
	// the AfterFunc has overridden it or is about to.
	_ = nc.SetWriteDeadline(time.Now().Add(orDefault(c.WriteTimeout, DefaultWriteTimeout)))
	if err := context.Cause(ctx); err != nil {
		return nil, false, err
	}
	if err := c.w.WriteFrame(msg); err != nil {
		c.stats.failures.Add(1)
		return nil, true, withCause(ctx, err)
	}
	c.stats.sent.Add(1)
	_ = nc.SetReadDeadline(time.Now().Add(orDefault(c.AckTimeout, DefaultAckTimeout)))
	if err := context.Cause(ctx); err != nil {
		c.stats.failures.Add(1)
		return nil, true, err
	}
	resp, err := c.r.ReadFrame()
	if err != nil {
		c.stats.failures.Add(1)
		return nil, true, withCause(ctx, fmt.Errorf("mllp: read response: %w", err))
	}
	c.stats.acked.Add(1)
	c.exchanged = true
	return bytes.Clone(resp), true, nil
}

// connect dials (and shakes hands) once.
func (c *Client) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.DialTimeout, DefaultDialTimeout))
	defer cancel()
	c.stats.dials.Add(1)
	dial := c.DialContext
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	nc, err := dial(ctx, "tcp", c.Addr)
	if err != nil {
		c.stats.dialErrors.Add(1)
		return withCause(ctx, fmt.Errorf("mllp: dial: %w", err))
	}
	if c.TLSConfig != nil {
		cfg := c.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(c.Addr)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			c.stats.dialErrors.Add(1)
			return withCause(ctx, fmt.Errorf("mllp: tls handshake: %w", err))
		}
		nc = tc
	}
	c.nc, c.exchanged = nc, false
	c.r = NewReader(nc, c.MaxFrame)
	c.w = NewWriter(nc)
	c.logger().LogAttrs(ctx, slog.LevelDebug, "mllp connected",
		slog.String("addr", c.Addr), slog.String("local", nc.LocalAddr().String()))
	return nil
}

// drop closes the connection, if any.
func (c *Client) drop() {
	if c.nc != nil {
		c.nc.Close()
		c.nc, c.r, c.w = nil, nil, nil
	}
}

// clock returns the time that backoffs are counted from.
func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// wait sleeps for d (nothing if d <= 0) unless ctx ends first.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *Client) minBackoff() time.Duration { return orDefault(c.MinBackoff, DefaultMinBackoff) }

func (c *Client) maxBackoff() time.Duration {
	return max(orDefault(c.MaxBackoff, DefaultMaxBackoff), c.minBackoff())
}

// orDefault returns d, or def if d <= 0.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// withCause puts the context's cause in front of err when the context has
// ended, since a cancelled context shows up as a deadline error on the
// connection.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}
