package mllp

import (
	"io"
	"sync/atomic"
)

// Stats are a Server's counters since it was created: plain numbers for a
// metrics exporter to publish. All but ConnsOpen only grow.
type Stats struct {
	ConnsOpen     int64  // connections being served now
	ConnsTotal    uint64 // connections accepted and served
	ConnsRejected uint64 // connections closed at once because MaxConns were open
	Frames        uint64 // messages received and handed to the Handler
	Responses     uint64 // response frames written
	BytesIn       uint64 // bytes read from connections (after TLS)
	BytesOut      uint64 // bytes written to connections (before TLS)
	Discarded     uint64 // bytes found outside frames and dropped
	FramingErrors uint64 // abandoned and unterminated frames
	Oversize      uint64 // frames over MaxFrame, skipped
	IdleTimeouts  uint64 // connections closed for silence between frames
	ReadTimeouts  uint64 // connections closed because a frame took too long
	WriteTimeouts uint64 // connections closed because a response could not be written in time
	TLSErrors     uint64 // failed TLS handshakes
	Panics        uint64 // handler panics recovered
}

// Timeouts returns the idle, read and write timeouts together.
func (s Stats) Timeouts() uint64 { return s.IdleTimeouts + s.ReadTimeouts + s.WriteTimeouts }

// counters is the live, atomically updated form of Stats.
type counters struct {
	connsOpen     atomic.Int64
	connsTotal    atomic.Uint64
	connsRejected atomic.Uint64
	frames        atomic.Uint64
	responses     atomic.Uint64
	bytesIn       atomic.Uint64
	bytesOut      atomic.Uint64
	discarded     atomic.Uint64
	framingErrors atomic.Uint64
	oversize      atomic.Uint64
	idleTimeouts  atomic.Uint64
	readTimeouts  atomic.Uint64
	writeTimeouts atomic.Uint64
	tlsErrors     atomic.Uint64
	panics        atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		ConnsOpen:     c.connsOpen.Load(),
		ConnsTotal:    c.connsTotal.Load(),
		ConnsRejected: c.connsRejected.Load(),
		Frames:        c.frames.Load(),
		Responses:     c.responses.Load(),
		BytesIn:       c.bytesIn.Load(),
		BytesOut:      c.bytesOut.Load(),
		Discarded:     c.discarded.Load(),
		FramingErrors: c.framingErrors.Load(),
		Oversize:      c.oversize.Load(),
		IdleTimeouts:  c.idleTimeouts.Load(),
		ReadTimeouts:  c.readTimeouts.Load(),
		WriteTimeouts: c.writeTimeouts.Load(),
		TLSErrors:     c.tlsErrors.Load(),
		Panics:        c.panics.Load(),
	}
}

// countingReader counts the bytes read through it, per connection and into
// a shared total.
type countingReader struct {
	r     io.Reader
	n     int64
	total *atomic.Uint64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		c.total.Add(uint64(n))
	}
	return n, err
}

// countingWriter counts the bytes written through it, per connection and
// into a shared total.
type countingWriter struct {
	w     io.Writer
	n     int64
	total *atomic.Uint64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if n > 0 {
		c.n += int64(n)
		c.total.Add(uint64(n))
	}
	return n, err
}
