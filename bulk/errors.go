package bulk

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// StatusError is an error response from the FHIR server or its
// authorization server. It carries only the HTTP status, the issue codes
// of the OperationOutcome in the body (or the OAuth error code) and, for
// the authorization server, its short error description: never the
// outcome's free text, which may quote data.
type StatusError struct {
	Op         string        // "kick-off", "status", "download", "delete", "token", "discovery"
	StatusCode int           // HTTP status
	Issues     []string      // OperationOutcome issue codes, or the OAuth error code
	Detail     string        // OAuth error_description (token requests only), shortened
	RetryAfter time.Duration // the server's Retry-After, if any
}

// Error describes the failure.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Op, e.StatusCode)
	if len(e.Issues) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Issues, ", "))
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// Unwrap returns the domain error: EINVALID for 400 and 422, EUNAUTHORIZED
// for 401 (and any 4xx but 429 from the token endpoint), EFORBIDDEN for
// 403, ENOTFOUND for 404 and 410, EINTERNAL otherwise.
func (e *StatusError) Unwrap() error {
	code := lifeboat.EINTERNAL
	switch e.StatusCode {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		code = lifeboat.EINVALID
	case http.StatusUnauthorized:
		code = lifeboat.EUNAUTHORIZED
	case http.StatusForbidden:
		code = lifeboat.EFORBIDDEN
	case http.StatusNotFound, http.StatusGone:
		code = lifeboat.ENOTFOUND
	}
	if e.Op == "token" && e.StatusCode/100 == 4 && e.StatusCode != http.StatusTooManyRequests {
		code = lifeboat.EUNAUTHORIZED // the authorization server refused Lifeboat's credentials
	}
	msg := fmt.Sprintf("The FHIR server answered the %s request with HTTP %d", e.Op, e.StatusCode)
	if len(e.Issues) > 0 {
		msg += " (" + strings.Join(e.Issues, ", ") + ")"
	}
	return &lifeboat.Error{Code: code, Message: msg + "."}
}

// Temporary reports whether the request is worth repeating later: 429,
// 5xx, or an OperationOutcome with a transient issue code.
func (e *StatusError) Temporary() bool {
	if e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 {
		return true
	}
	if e.Op == "token" || e.Op == "discovery" {
		return false
	}
	for _, c := range e.Issues {
		if slices.Contains(transientIssues, c) {
			return true
		}
	}
	return false
}

// transientIssues are the IssueType codes under "transient": the server
// says the request may succeed if repeated later.
var transientIssues = []string{"transient", "lock-error", "no-store", "exception", "timeout", "incomplete", "throttled"}

// Gone reports whether the error says the export job (or its files) no
// longer exists: 404 or 410.
func (e *StatusError) Gone() bool {
	return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
}

// statusError reads an error response (closing its body) into a
// *StatusError, wrapped as the package's errors are.
func (c *Client) statusError(op string, resp *http.Response) error {
	defer discard(resp)
	e := &StatusError{Op: op, StatusCode: resp.StatusCode, RetryAfter: c.retryAfter(resp.Header)}
	e.Issues = outcomeCodes(io.LimitReader(resp.Body, 256<<10))
	return fmt.Errorf("bulk: %w", e)
}

// outcomeCodes returns the distinct issue codes of an OperationOutcome,
// or nil if r holds none.
func outcomeCodes(r io.Reader) []string {
	var oo operationOutcome
	if json.NewDecoder(r).Decode(&oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil
	}
	var codes []string
	for _, is := range oo.Issue {
		if c := safeCode(is.Code); c != "" && !slices.Contains(codes, c) && len(codes) < 8 {
			codes = append(codes, c)
		}
	}
	return codes
}

type operationOutcome struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
	} `json:"issue"`
}

// safeCode returns s if it looks like a code from a fixed value set (lower
// case letters, digits, '-' and '_', at most 40), and "" otherwise, so no
// free text from a server reaches a log or an error.
func safeCode(s string) string {
	if s == "" || len(s) > 40 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return s
}

// shortText returns at most n printable ASCII characters of s.
func shortText(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			b.WriteString("...")
			break
		}
		if r >= 0x20 && r < 0x7f {
			b.WriteRune(r)
		}
	}
	return b.String()
}
