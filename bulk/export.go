package bulk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Level is the scope of an export.
type Level string

// Export levels.
const (
	SystemLevel  Level = "system"  // [base]/$export: everything the client may see
	PatientLevel Level = "patient" // [base]/Patient/$export: all patients' data
	GroupLevel   Level = "group"   // [base]/Group/{id}/$export: one group's patients
)

// ExportRequest says what to export.
type ExportRequest struct {
	Level Level    // "" means SystemLevel
	Group string   // the Group id, for GroupLevel
	Types []string // _type: resource types to export; none means all
	// Since asks only for resources changed after it (_since); zero asks
	// for everything.
	Since time.Time
}

// URL returns the kick-off URL of r on the server at base.
func (r ExportRequest) URL(base string) (string, error) {
	base = strings.TrimRight(base, "/")
	if _, err := resolve(base, base); err != nil {
		return "", err
	}
	var path string
	switch r.Level {
	case SystemLevel, "":
		path = "/$export"
	case PatientLevel:
		path = "/Patient/$export"
	case GroupLevel:
		if !lifeboat.ValidID(r.Group) {
			return "", lifeboat.Errorf(lifeboat.EINVALID, "A group export needs a valid Group id.")
		}
		path = "/Group/" + r.Group + "/$export"
	default:
		return "", lifeboat.Errorf(lifeboat.EINVALID, "Unknown export level %q (system, patient or group).", shortText(string(r.Level), 20))
	}
	q := url.Values{"_outputFormat": {"application/fhir+ndjson"}}
	if len(r.Types) > 0 {
		for _, t := range r.Types {
			if !validType(t) {
				return "", lifeboat.Errorf(lifeboat.EINVALID, "Invalid resource type %q in the export types.", shortText(t, 64))
			}
		}
		q.Set("_type", strings.Join(r.Types, ","))
	}
	if !r.Since.IsZero() {
		q.Set("_since", r.Since.UTC().Format(time.RFC3339Nano))
	}
	return base + path + "?" + q.Encode(), nil
}

// Kickoff starts an export and returns its status URL (the Content-Location
// of the server's 202). 429 and 5xx answers are retried with backoff.
func (c *Client) Kickoff(ctx context.Context, r ExportRequest) (string, error) {
	u, err := r.URL(c.base())
	if err != nil {
		return "", fmt.Errorf("bulk: kick-off: %w", err)
	}
	hdr := http.Header{"Accept": {"application/fhir+json"}, "Prefer": {"respond-async"}}
	var job string
	err = c.retry(ctx, "kick-off", func() error {
		resp, err := c.send(ctx, http.MethodGet, u, hdr, true)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusAccepted {
			return c.statusError("kick-off", resp)
		}
		discard(resp)
		loc := resp.Header.Get("Content-Location")
		if loc == "" {
			return fmt.Errorf("bulk: kick-off: %w", lifeboat.Errorf(lifeboat.EINVALID,
				"The FHIR server accepted the export without a Content-Location."))
		}
		if job, err = resolve(u, loc); err != nil {
			return fmt.Errorf("bulk: kick-off: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	c.log().Info("bulk: export kicked off", "level", string(r.Level), "since", r.Since, "job", redact(job))
	return job, nil
}

// retry runs fn until it succeeds, fails for good or has failed
// temporarily MaxRetries+1 times in a row, waiting the server's
// Retry-After or a backoff in between.
func (c *Client) retry(ctx context.Context, op string, fn func() error) error {
	for n := 0; ; n++ {
		err := fn()
		if err == nil || !temporary(err) || n >= c.maxRetries() {
			return err
		}
		d := c.backoff(n)
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			d = se.RetryAfter
		}
		c.log().Warn("bulk: retrying", "op", op, "attempt", n+1, "delay", d, "err", err)
		if err := c.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Status is one answer of an export's status URL.
type Status struct {
	// Manifest is the completion manifest, or nil while the export runs.
	Manifest *Manifest
	// Progress is the server's X-Progress text (at most 100 characters).
	Progress string
	// RetryAfter is when the server asks to be polled again (0 if it
	// does not say).
	RetryAfter time.Duration
}

// Status polls an export once. A failed export is an error; a job the
// server no longer knows is a *StatusError whose Gone method is true
// (ENOTFOUND).
func (c *Client) Status(ctx context.Context, job string) (*Status, error) {
	resp, err := c.send(ctx, http.MethodGet, job, http.Header{"Accept": {"application/json"}}, true)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusAccepted:
		discard(resp)
		return &Status{
			Progress:   shortText(resp.Header.Get("X-Progress"), 100),
			RetryAfter: c.retryAfter(resp.Header),
		}, nil
	case http.StatusOK:
		defer resp.Body.Close()
		m, err := ParseManifest(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("bulk: status: %w", err)
		}
		return &Status{Manifest: m}, nil
	}
	return nil, c.statusError("status", resp)
}

// Wait polls an export until it completes and returns its manifest. It
// honours Retry-After, backs off exponentially without it, and retries
// 429, 5xx and transient outcomes up to MaxRetries times in a row. The
// context bounds how long it waits.
func (c *Client) Wait(ctx context.Context, job string) (*Manifest, error) {
	polls, fails := 0, 0
	for {
		st, err := c.Status(ctx, job)
		var d time.Duration
		switch {
		case err == nil && st.Manifest != nil:
			return st.Manifest, nil
		case err == nil:
			fails = 0
			if d = st.RetryAfter; d <= 0 {
				d = c.backoff(polls)
			}
			polls++
			c.log().Debug("bulk: export in progress", "job", redact(job), "progress", st.Progress, "next", d)
		case temporary(err) && fails < c.maxRetries():
			d = c.backoff(fails)
			var se *StatusError
			if errors.As(err, &se) && se.RetryAfter > 0 {
				d = se.RetryAfter
			}
			fails++
			c.log().Warn("bulk: status poll failed, retrying", "attempt", fails, "delay", d, "err", err)
		default:
			return nil, err
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// Cancel sends DELETE to an export's status URL: it cancels a running
// export, or tells the server a completed one's files may be removed.
func (c *Client) Cancel(ctx context.Context, job string) error {
	resp, err := c.send(ctx, http.MethodDelete, job, http.Header{"Accept": {"application/fhir+json"}}, true)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return c.statusError("delete", resp)
	}
	discard(resp)
	return nil
}

// validType reports whether s looks like a FHIR resource type name.
func validType(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
