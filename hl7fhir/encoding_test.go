package hl7fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// testMessages returns the test messages and, with LIFEBOAT_CORPUS set,
// the corpus messages.
func testMessages(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.hl7")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata")
	}
	if root := os.Getenv("LIFEBOAT_CORPUS"); root != "" {
		corpus, err := filepath.Glob(filepath.Join(root, "hl7v2", "*", "*.hl7"))
		if err != nil || len(corpus) == 0 {
			t.Fatalf("no corpus messages under %s: %v", root, err)
		}
		files = append(files, corpus...)
	}
	return files
}

// stdJSON encodes v as encoding/json does from the struct tags: the
// specification of what appendJSON writes.
func stdJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkEncoding checks that each resource's JSON is what encoding/json
// writes for the value it was written from.
func checkEncoding(t testing.TB, name string, m *mapper) {
	t.Helper()
	if len(m.emitted) != len(m.res.Resources) {
		t.Fatalf("%s: %d values for %d resources", name, len(m.emitted), len(m.res.Resources))
	}
	for i, e := range m.emitted {
		o := m.res.Resources[i]
		if want := stdJSON(t, e.v); !bytes.Equal(o.JSON, want) {
			t.Errorf("%s: %s/%s differs from encoding/json:\n got %s\nwant %s", name, o.Type, o.ID, o.JSON, want)
		}
	}
}

// TestEncoding: the hand-written JSON of every resource mapped from the test
// messages (and the corpus) is byte for byte what encoding/json writes.
func TestEncoding(t *testing.T) {
	n := 0
	for _, f := range testMessages(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			continue // TestCorpus reports it
		}
		for _, opts := range []Options{testOptions(), {MRNSystem: "urn:test:mrn"}} {
			if m, err := mapMessage(msg, opts); err == nil {
				checkEncoding(t, filepath.Base(f), m)
				n += len(m.emitted)
			}
		}
	}
	t.Logf("%d resources compared", n)
}
