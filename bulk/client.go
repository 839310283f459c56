package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Defaults of the Client's tunables.
const (
	DefaultMinDelay      = 2 * time.Second
	DefaultMaxDelay      = time.Minute
	DefaultMaxRetryAfter = time.Hour
	DefaultMaxRetries    = 5
	DefaultIdleTimeout   = 2 * time.Minute
)

// TokenSource supplies the bearer tokens the Client presents to the FHIR
// server. SMART implements it with SMART Backend Services.
type TokenSource interface {
	// Token returns a valid access token.
	Token(ctx context.Context) (string, error)
	// Invalidate tells the source that the server refused token, so the
	// next Token call fetches a new one. It is a no-op if the source has
	// already replaced that token.
	Invalidate(token string)
}

// StaticToken is a TokenSource that always returns the same token, for a
// server that issues long-lived tokens out of band.
type StaticToken string

// Token returns the token.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// Invalidate does nothing: a static token cannot be renewed.
func (t StaticToken) Invalidate(string) {}

// Client talks to one FHIR server's Bulk Data export endpoints. The zero
// value of every field but Base is usable.
type Client struct {
	// Base is the FHIR base URL, e.g. "https://ehr.example.org/fhir".
	Base string
	// HTTP is the HTTP client; nil means one with sensible transport
	// timeouts. It must not set an overall Timeout: output files can take
	// long to download. Stalled downloads are cut by IdleTimeout instead.
	HTTP *http.Client
	// Auth supplies bearer tokens; nil sends no Authorization header.
	Auth TokenSource
	// Logger receives progress and retries (never resource content).
	Logger *slog.Logger
	// Now is the clock (time.Now if nil), used to read Retry-After dates.
	Now func() time.Time
	// Sleep waits d or until ctx is done; nil uses a timer. Tests inject
	// one that records the delays and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error

	// MinDelay and MaxDelay bound the exponential backoff (with jitter)
	// used between status polls without Retry-After and between retries.
	MinDelay, MaxDelay time.Duration
	// MaxRetryAfter caps how long a server's Retry-After can make the
	// client wait at once.
	MaxRetryAfter time.Duration
	// MaxRetries is how many times in a row a request answered 429, 5xx
	// or a transient OperationOutcome, or failed on the network, is
	// retried before the client gives up. Output files are retried as many
	// times from the start.
	MaxRetries int
	// IdleTimeout cuts a download that received nothing for that long.
	IdleTimeout time.Duration
	// NoCompression asks for files uncompressed: cheaper for both sides
	// when the EHR is on the same fast network.
	NoCompression bool
}

// NewClient returns a Client for the FHIR server at base, authenticating
// with auth (nil for none).
func NewClient(base string, auth TokenSource) *Client {
	return &Client{Base: base, Auth: auth}
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ForceAttemptHTTP2:     true,
	MaxIdleConns:          32,
	MaxIdleConnsPerHost:   16,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   15 * time.Second,
	ResponseHeaderTimeout: 2 * time.Minute,
	ExpectContinueTimeout: time.Second,
}}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (c *Client) maxRetries() int { return orDefault(c.MaxRetries, DefaultMaxRetries) }

// base returns Base without a trailing slash.
func (c *Client) base() string { return strings.TrimRight(c.Base, "/") }

// backoff returns the delay before attempt n (0, 1, ...): MinDelay doubled
// n times, capped at MaxDelay, with jitter in its upper half, never below
// MinDelay.
func (c *Client) backoff(n int) time.Duration {
	lo := orDefault(c.MinDelay, DefaultMinDelay)
	hi := max(orDefault(c.MaxDelay, DefaultMaxDelay), lo)
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	d = d/2 + rand.N(d/2+1)
	return max(d, lo)
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns 0 if the header is absent, unreadable or in the past.
func (c *Client) retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, int64(100*365*24*3600))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(c.now())
	}
	if d <= 0 {
		return 0
	}
	return min(d, orDefault(c.MaxRetryAfter, DefaultMaxRetryAfter))
}

// send makes one request, with a bearer token from Auth if auth is set;
// on a 401 it invalidates the token and retries once with a new one.
func (c *Client) send(ctx context.Context, method, rawURL string, hdr http.Header, auth bool) (*http.Response, error) {
	auth = auth && c.Auth != nil
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
		if err != nil {
			return nil, fmt.Errorf("bulk: %s %s: %w", method, redact(rawURL),
				lifeboat.Errorf(lifeboat.EINVALID, "Invalid URL."))
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		var tok string
		if auth {
			if tok, err = c.Auth.Token(ctx); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.http().Do(req)
		if err != nil {
			return nil, netError(ctx, method, rawURL, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && auth && attempt == 0 {
			discard(resp)
			c.Auth.Invalidate(tok)
			c.log().Info("bulk: access token refused, renewing", "url", redact(rawURL))
			continue
		}
		return resp, nil
	}
}

// transientError is a failure worth retrying: a network error, or an HTTP
// status that says "later".
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// netError turns a transport error into a transient error whose message
// holds no URL query (signed URLs carry credentials there).
func netError(ctx context.Context, method, rawURL string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &transientError{fmt.Errorf("bulk: %s %s: %w", method, redact(rawURL), err)}
}

// temporary reports whether err is worth retrying.
func temporary(err error) bool {
	var te *transientError
	var se *StatusError
	switch {
	case errors.As(err, &te):
		return true
	case errors.As(err, &se):
		return se.Temporary()
	}
	return false
}

// discard drains (a little of) a response body and closes it, so the
// connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

// redact returns a URL without its query, fragment and user info, for
// logs and errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	return u.String()
}

// resolve returns ref resolved against base, and checks that it is an
// http(s) URL that does not downgrade from https.
func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "Invalid FHIR base URL.")
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || ref == "" {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "The FHIR server returned an invalid URL.")
	}
	u := b.ResolveReference(r)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "The FHIR server returned a URL that is not http(s).")
	}
	if b.Scheme == "https" && u.Scheme != "https" {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "The FHIR server returned a plain http URL for an https server.")
	}
	return u.String(), nil
}
