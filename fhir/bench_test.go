package fhir

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// sample returns the sample line of a type (testdata/sample.ndjson).
func sample(b *testing.B, typ string) []byte {
	data, err := os.ReadFile("testdata/sample.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(`{"resourceType":"`+typ+`"`)) {
			return l
		}
	}
	b.Fatalf("no %s sample", typ)
	return nil
}

// BenchmarkIndex measures Parse (validation and index extraction, one pass)
// on a 1.6 KB Synthea Encounter.
func BenchmarkIndex(b *testing.B) {
	for _, typ := range []string{"Encounter", "Patient", "Observation"} {
		b.Run(typ, func(b *testing.B) {
			raw := sample(b, typ)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRewriteReferences rewrites the conditional references of a
// Synthea Encounter (participant, location, serviceProvider).
func BenchmarkRewriteReferences(b *testing.B) {
	raw := sample(b, "Encounter")
	fn := func(ref string) (string, bool) {
		if i := strings.IndexByte(ref, '?'); i >= 0 {
			return ref[:i] + "/0b9875ba-9310-313d-93d4-bf552585d527", true
		}
		return "", false
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		RewriteReferences(raw, fn)
	}
}

// BenchmarkProcess is the importer's whole per-resource work on an
// Encounter: resolve and rewrite references, compact, validate, index and
// build the resource.
func BenchmarkProcess(b *testing.B) {
	raw := sample(b, "Encounter")
	rs := newResolver(nil)
	// Register every conditional target of the sample so all resolve.
	RewriteReferences(raw, func(ref string) (string, bool) {
		if typ, q, ok := strings.Cut(ref, "?identifier="); ok {
			sys, val, _ := strings.Cut(q, "|")
			rs.register(typ, "id-"+typ, []lifeboat.Identifier{{System: sys, Value: val}})
		}
		return "", false
	})
	im := &Importer{}
	in := &input{name: "Encounter.000.ndjson"}
	now := time.Now()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		j := job{in: in, e: Entry{Pos: "line 1", Resource: raw}, recv: now}
		r := im.process(context.Background(), rs, &j)
		if r.res == nil || r.unresolved != 0 {
			b.Fatalf("result %+v", r)
		}
	}
}

// BenchmarkReadNDJSON reads the sample lines repeated to 2 MB.
func BenchmarkReadNDJSON(b *testing.B) {
	line, err := os.ReadFile("testdata/sample.ndjson")
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat(line, 100)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ReadNDJSON(bytes.NewReader(data), func(*Entry) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBundle reads a pretty-printed Synthea transaction bundle.
func BenchmarkReadBundle(b *testing.B) {
	data, err := os.ReadFile("fhirtest/testdata/bundles/Antony_Anderson_88fedc82.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ReadBundle(bytes.NewReader(data), func(*Entry) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
