package bulk

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Sink receives what an export brings into Lifeboat. Both methods must be
// idempotent: a file whose import was cut short (a network failure, a
// crash) is imported again from its start, and the store keeps the newer
// version of each resource, so reimporting creates no duplicates.
type Sink interface {
	// Resources imports one NDJSON output file of resources of type typ,
	// reading it from r as it streams in (r is never buffered whole). name
	// is a file name fit for provenance, e.g. "Observation.003.ndjson"
	// (it holds no PHI). It returns the number of resources accepted. A
	// read error from r must be returned (wrapped or not).
	Resources(ctx context.Context, typ, name string, r io.Reader) (n int64, err error)
	// Delete marks resources deleted at the source.
	Delete(ctx context.Context, refs []Deleted) error
}

// errStalled cuts a download that received nothing for IdleTimeout.
var errStalled = errors.New("download stalled")

// Download fetches one file of a manifest and hands its body to fn as a
// stream: decompressed if the server sent it gzipped (Content-Encoding, or
// gzip bytes), read in bounded chunks whatever its size. It sends the
// bearer token if token is set. A network failure, a stall, a 429 or a 5xx
// makes it start over (fn is called again with a new stream) up to
// MaxRetries times; an error from fn itself is returned at once. It
// returns the number of (decompressed) bytes fn read on the final attempt.
func (c *Client) Download(ctx context.Context, url string, token bool, fn func(r io.Reader) error) (int64, error) {
	if _, err := resolve(url, url); err != nil {
		return 0, fmt.Errorf("bulk: download: %w", err)
	}
	var n int64
	err := c.retry(ctx, "download", func() error {
		var err error
		n, err = c.download(ctx, url, token, fn)
		return err
	})
	return n, err
}

func (c *Client) download(pctx context.Context, url string, token bool, fn func(r io.Reader) error) (int64, error) {
	ctx, cancel := context.WithCancelCause(pctx)
	defer cancel(nil)
	idle := orDefault(c.IdleTimeout, DefaultIdleTimeout)
	timer := time.AfterFunc(idle, func() { cancel(errStalled) })
	defer timer.Stop()

	// failed classifies an error: the caller's cancellation wins, a stall
	// or a broken stream is worth a retry.
	failed := func(err error, broken bool) error {
		switch {
		case pctx.Err() != nil:
			return pctx.Err()
		case context.Cause(ctx) == errStalled:
			return &transientError{fmt.Errorf("bulk: GET %s: %w", redact(url), errStalled)}
		case broken:
			return &transientError{fmt.Errorf("bulk: GET %s: %w", redact(url), err)}
		}
		return err
	}

	hdr := http.Header{"Accept": {"application/fhir+ndjson"}, "Accept-Encoding": {"gzip"}}
	if c.NoCompression {
		hdr.Set("Accept-Encoding", "identity")
	}
	resp, err := c.send(ctx, http.MethodGet, url, hdr, token)
	if err != nil {
		return 0, failed(err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, c.statusError("download", resp)
	}
	br := bufio.NewReaderSize(&idleReader{r: resp.Body, t: timer, d: idle}, 64<<10)
	var r io.Reader = br
	magic, _ := br.Peek(2)
	gz := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if ce := resp.Header.Get("Content-Encoding"); gz || strings.EqualFold(ce, "gzip") {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, failed(err, true)
		}
		defer zr.Close()
		r = zr
	}
	cr := &countReader{r: r}
	err = fn(cr)
	if err == nil && cr.err == nil {
		// Read to the end, so a truncated stream or a bad gzip checksum
		// is caught even if fn stopped at its last resource.
		_, _ = io.Copy(io.Discard, cr)
	}
	if cr.err != nil {
		return cr.n, failed(cr.err, true)
	}
	if err != nil {
		return cr.n, failed(err, false)
	}
	return cr.n, nil
}

// idleReader pushes back a stall timer on every read.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}

// countReader counts bytes and remembers the first read error other than
// io.EOF, so a broken stream is told apart from an error of the reader's
// consumer.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (r *countReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}
