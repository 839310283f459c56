package fhir

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadNDJSON(t *testing.T) {
	in := "\xef\xbb\xbf{\"resourceType\":\"Patient\",\"id\":\"1\"}\r\n" +
		"\n" +
		"   \t\r\n" +
		"{not json}\n" +
		"{\"resourceType\":\"Patient\",\"id\":\"2\"}" // no final newline
	entries, err := readAll(t, ReadNDJSON, iotest.HalfReader(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ pos, res string }{
		{"line 1", `{"resourceType":"Patient","id":"1"}`},
		{"line 4", `{not json}`},
		{"line 5", `{"resourceType":"Patient","id":"2"}`},
	}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(entries), len(want))
	}
	for i, w := range want {
		if entries[i].Pos != w.pos || string(entries[i].Resource) != w.res || entries[i].Err != nil {
			t.Errorf("entry %d = %s %q %v, want %s %q", i, entries[i].Pos, entries[i].Resource, entries[i].Err, w.pos, w.res)
		}
	}
	// The callee owns each line: later lines do not overwrite it.
	if &entries[0].Resource[0] == &entries[2].Resource[0] {
		t.Errorf("lines share memory")
	}
}

func TestReadNDJSONLongLine(t *testing.T) {
	defer func(n int) { maxLine = n }(maxLine)
	maxLine = 100
	in := `{"a":1}` + "\n" + strings.Repeat("x", 150000) + "\n" + `{"b":2}` + "\n"
	entries, err := readAll(t, ReadNDJSON, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[1].Err == nil || entries[1].Resource != nil || entries[1].Pos != "line 2" ||
		string(entries[2].Resource) != `{"b":2}` {
		t.Fatalf("entries = %+v", entries)
	}
	// A line just under the limit is read whole, across buffer refills.
	maxLine = 200000
	entries, err = readAll(t, ReadNDJSON, strings.NewReader(in))
	if err != nil || len(entries) != 3 || len(entries[1].Resource) != 150000 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
}

func TestReadNDJSONGzipFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Patient.000.ndjson.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n"))
	zw.Close()
	f.Close()
	in := fileInput(p, false)
	if in.format != formatNDJSON || in.typ != "Patient" {
		t.Fatalf("input = %+v", in)
	}
	n := 0
	if err := readInput(&in, func(*Entry) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("%d entries, %v", n, err)
	}
}
