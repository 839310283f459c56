package ehr

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestFaultStatusPolls(t *testing.T) {
	for _, code := range []int{429, 503} {
		e := newEnv(t, Options{Seed: 1, Patients: 10, ReadyAfterPolls: 2, RetryAfter: 3,
			Faults: Faults{StatusEvery: 2, StatusCode: code}})
		status := e.kickoff(t, "/fhir/$export?_type=Patient")
		var got []int
		for range 6 {
			resp := e.do(t, "GET", status)
			got = append(got, resp.StatusCode)
			if resp.StatusCode == code {
				issue := expectOutcome(t, resp, code)
				if resp.Header.Get("Retry-After") != "3" || code == 503 && issue != "transient" || code == 429 && issue != "throttled" {
					t.Errorf("%d: Retry-After %q, issue %q", code, resp.Header.Get("Retry-After"), issue)
				}
				continue
			}
			body(t, resp)
			if resp.StatusCode == 200 {
				break
			}
		}
		// Polls 2 and 4 fail and do not count: 202, fault, 202, fault, 200.
		if want := []int{202, code, 202, code, 200}; !equalInts(got, want) {
			t.Errorf("status answers %v, want %v", got, want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaultFiles(t *testing.T) {
	e := newEnv(t, Options{Seed: 1, Patients: 10, Faults: Faults{FileEvery: 3, CutEvery: 2}})
	m, _ := e.poll(t, e.kickoff(t, "/fhir/$export?_type=Observation"))
	u := m.Output[0].URL
	// Download 1 is whole, 2 is cut, 3 is refused with 503, 4 is cut, 5 is whole.
	whole := body(t, e.do(t, "GET", u))
	for i, want := range []string{"cut", "503", "cut", "ok"} {
		hdr := []string{}
		if i == 2 {
			hdr = []string{"Accept-Encoding", "gzip"}
		}
		resp := e.do(t, "GET", u, hdr...)
		switch want {
		case "503":
			if issue := expectOutcome(t, resp, 503); issue != "transient" || resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 issue %q", issue)
			}
		case "cut":
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("download %d: status %d, %d bytes, error %v; want it cut", i+2, resp.StatusCode, len(b), err)
			}
			if i == 0 && (len(b) == 0 || len(b) >= len(whole) || !bytes.Equal(b, whole[:len(b)])) {
				t.Errorf("cut download has %d bytes of %d", len(b), len(whole))
			}
		case "ok":
			if b := body(t, resp); !bytes.Equal(b, whole) {
				t.Errorf("download after faults differs")
			}
		}
	}
}

func TestFaultKickoffAndFailedExport(t *testing.T) {
	e := newEnv(t, Options{Seed: 1, Patients: 10, Faults: Faults{KickoffEvery: 2, FailEvery: 2}})
	first := e.kickoff(t, "/fhir/$export?_type=Patient")
	resp := e.do(t, "GET", "/fhir/$export", "Prefer", "respond-async")
	if expectOutcome(t, resp, http.StatusTooManyRequests); resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	second := e.kickoff(t, "/fhir/$export?_type=Patient")
	e.poll(t, first)
	body(t, e.do(t, "GET", second)) // in progress
	if code := expectOutcome(t, e.do(t, "GET", second), 500); code != "exception" {
		t.Errorf("failed export issue %q", code)
	}
}
