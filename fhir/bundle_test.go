package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func readAll(t *testing.T, read func(io.Reader, func(*Entry) error) error, in io.Reader) ([]Entry, error) {
	t.Helper()
	var out []Entry
	err := read(in, func(e *Entry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

func TestReadBundleSynthea(t *testing.T) {
	f, err := os.Open("fhirtest/testdata/bundles/Antony_Anderson_88fedc82.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// One byte at a time, to exercise every refill path.
	entries, err := readAll(t, ReadBundle, iotest.OneByteReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 10 {
		t.Fatalf("%d entries, want 10", len(entries))
	}
	e := entries[0]
	if e.Pos != "entry 1" || e.FullURL != "urn:uuid:cc74fae7-b8e8-4e77-af46-fb7c3177bf1c" ||
		e.Request != (Request{Method: "POST", URL: "Patient"}) || e.Err != nil {
		t.Errorf("entry 1 = %+v", e)
	}
	for _, e := range entries {
		if typ, _, err := Validate(e.Resource); err != nil || typ == "" {
			t.Errorf("%s: %v", e.Pos, err)
		}
	}
	if entries[9].Pos != "entry 10" {
		t.Errorf("last position %q", entries[9].Pos)
	}
}

func TestReadBundleShapes(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		n        int    // entries delivered
		errs     int    // entries with Err
		err      string // read error, "" for none
	}{
		{"searchset", `{"resourceType":"Bundle","type":"searchset","total":2,"link":[{"relation":"self","url":"x"}],
			"entry":[{"fullUrl":"https://x/Patient/1","resource":{"resourceType":"Patient","id":"1"},"search":{"mode":"match"}},
			{"resource":{"resourceType":"OperationOutcome"},"search":{"mode":"outcome"}}]}`, 2, 0, ""},
		{"entry before type", `{"entry":[{"resource":{"resourceType":"Patient"}}],"resourceType":"Bundle"}`, 1, 0, ""},
		{"no entries", `{"resourceType":"Bundle","type":"collection"}`, 0, 0, ""},
		{"byte order mark", "\xef\xbb\xbf" + `{"resourceType":"Bundle","entry":[{"resource":{}}]}`, 1, 0, ""},
		{"empty input", ``, 0, 0, "unexpected end"},
		{"null entries", `{"resourceType":"Bundle","entry":null}`, 0, 0, ""},
		{"empty entries", `{"resourceType":"Bundle","entry":[ ]}`, 0, 0, ""},
		{"delete entry", `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Patient/1"}}]}`, 1, 0, ""},
		{"bad entries", `{"resourceType":"Bundle","entry":[1,"x",[{"a":[]}],{"fullUrl":5},{"resource":"x"},{"request":{"method":1}},{"resource":null}]}`, 7, 6, ""},
		{"truncated", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType"`, 1, 0, "unexpected end"},
		{"missing comma", `{"resourceType":"Bundle","entry":[{"resource":{}} {"resource":{}}]}`, 1, 0, "expected ','"},
		{"trailing", `{"resourceType":"Bundle"} x`, 0, 0, "data after"},
		{"not object", `["resourceType"]`, 0, 0, "expected '{'"},
		{"unterminated string", `{"resourceType":"Bundle","entry":[{"fullUrl":"abc}]}`, 0, 0, "unterminated string"},
		{"not a bundle", `{"resourceType":"Patient","id":"1"}`, 0, 0, "not a Bundle"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := readAll(t, ReadBundle, strings.NewReader(tt.in))
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if err != nil && lifeboat.ErrorCode(err) != lifeboat.EINVALID {
				t.Errorf("error code %s", lifeboat.ErrorCode(err))
			}
			errs := 0
			for _, e := range entries {
				if e.Err != nil {
					errs++
				}
			}
			if len(entries) != tt.n || errs != tt.errs {
				t.Errorf("%d entries (%d with errors), want %d (%d)", len(entries), errs, tt.n, tt.errs)
			}
		})
	}
}

func TestReadJSONLoneResource(t *testing.T) {
	in := `{"resourceType":"Patient","id":"p1","name":[{"family":"A\"b"}],"entry":[1]}`
	entries, err := readAll(t, ReadJSON, strings.NewReader(in))
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	if entries[0].Pos != "resource" {
		t.Errorf("position %q", entries[0].Pos)
	}
	var a, b any
	json.Unmarshal([]byte(in), &a)
	if err := json.Unmarshal(entries[0].Resource, &b); err != nil || !jsonEqual(a, b) {
		t.Errorf("resource %s differs from the input (%v)", entries[0].Resource, err)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestReadBundleStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	in := `{"resourceType":"Bundle","entry":[{"resource":{}},{"resource":{}}]}`
	n := 0
	err := ReadBundle(strings.NewReader(in), func(*Entry) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("err %v after %d entries", err, n)
	}
}

// ReadBundle delivers each entry as soon as its bytes have arrived, before
// the rest of the bundle is written: it streams.
func TestReadBundleStreams(t *testing.T) {
	pr, pw := io.Pipe()
	got := make(chan string)
	done := make(chan error, 1)
	go func() {
		done <- ReadBundle(pr, func(e *Entry) error {
			got <- e.FullURL
			return nil
		})
	}()
	write := func(s string) {
		if _, err := pw.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i, url := range []string{"urn:uuid:1", "urn:uuid:2", "urn:uuid:3"} {
		if i > 0 {
			write(",")
		}
		write(`{"fullUrl":"` + url + `","resource":{"resourceType":"Basic","text":"` + strings.Repeat("x", 100000) + `"}}`)
		select {
		case u := <-got:
			if u != url {
				t.Fatalf("got %s, want %s", u, url)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("entry %d not delivered before the rest of the bundle was written", i+1)
		}
	}
	write("]}")
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
