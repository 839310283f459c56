package hl7v2

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// rebuild reassembles a segment from its fields, repetitions, components and
// subcomponents through the public API; it must give back the segment's text.
func rebuild(seg Segment) string {
	d := seg.Field(1).Delimiters()
	var b strings.Builder
	b.WriteString(seg.Name())
	for n, f := range seg.Fields() {
		if n == 1 && seg.isHeader() {
			b.WriteString(f.Raw())
			continue
		}
		if n > 1 || !seg.isHeader() {
			if !(n == 2 && seg.isHeader()) {
				b.WriteByte(d.Field)
			}
		}
		if n == 2 && seg.isHeader() {
			b.WriteString(f.Raw())
			continue
		}
		ri := 0
		for r := range f.Reps() {
			if ri++; ri > 1 {
				b.WriteByte(d.Repetition)
			}
			ci := 0
			for c := range r.Comps() {
				if ci++; ci > 1 {
					b.WriteByte(d.Component)
				}
				si := 0
				for s := range c.Subs() {
					if si++; si > 1 {
						b.WriteByte(d.Subcomponent)
					}
					b.WriteString(s.Raw())
				}
			}
		}
	}
	return b.String()
}

// checkMessage runs the checks every well-formed message must pass: byte-exact
// re-encoding, decomposition and reassembly of every segment, valid UTF-8 text for
// every value, a header, and an acknowledgement that parses and refers to it.
func checkMessage(t *testing.T, name string, data []byte) *Message {
	t.Helper()
	m, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got := m.Encode(); !bytes.Equal(got, data) {
		t.Fatalf("%s: encode differs from input", name)
	}
	n := 0
	for seg := range m.Segments() {
		n++
		if got := rebuild(seg); got != seg.Raw() {
			t.Fatalf("%s: segment %d (%s) reassembles differently:\n got %q\nwant %q", name, n, seg.Name(), got, seg.Raw())
		}
		if seg.FieldCount() != countFields(seg) {
			t.Fatalf("%s: segment %d FieldCount %d, iterated %d", name, n, seg.FieldCount(), countFields(seg))
		}
		for i, f := range seg.Fields() {
			if f.Raw() != seg.Field(i).Raw() {
				t.Fatalf("%s: segment %d field %d differs between Field and Fields", name, n, i)
			}
			for r := range f.Reps() {
				for c := range r.Comps() {
					for s := range c.Subs() {
						if txt := s.Text(); !utf8.ValidString(txt) {
							t.Fatalf("%s: segment %d field %d: invalid UTF-8 text", name, n, i)
						}
					}
				}
			}
		}
	}
	if n != m.SegmentCount() {
		t.Fatalf("%s: iterated %d segments, SegmentCount %d", name, n, m.SegmentCount())
	}
	h := m.Header()
	ack, err := BuildAck(m, Ack{Code: AppAccept, ControlID: "ACK1", Time: time.Date(2024, 7, 19, 4, 9, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("%s: ack: %v", name, err)
	}
	am, err := Parse(ack)
	if err != nil {
		t.Fatalf("%s: ack does not parse: %v\n%q", name, err, ack)
	}
	if am.Delimiters() != m.Delimiters() || am.EncodingCharacters() != m.EncodingCharacters() {
		t.Fatalf("%s: ack delimiters differ", name)
	}
	ah := am.Header()
	if ah.SendingApplication != h.ReceivingApplication || ah.ReceivingFacility != h.SendingFacility {
		t.Fatalf("%s: ack sender/receiver not swapped", name)
	}
	if am.Get("MSA-2").Raw() != m.Get("MSH-10").Raw() || ah.Version != h.Version || ah.Type.Code != "ACK" {
		t.Fatalf("%s: ack MSA-2/version/type wrong: %q", name, ack)
	}
	return m
}

func countFields(seg Segment) int {
	n := 0
	for range seg.Fields() {
		n++
	}
	return n
}

// manifest reads MANIFEST.tsv: file -> columns by name.
func manifest(t *testing.T, dir string) map[string]map[string]string {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols []string
	out := map[string]map[string]string{}
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = parts
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			if i < len(parts) {
				row[c] = parts[i]
			}
		}
		out[row["file"]] = row
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorpus parses every message of the shared corpus (LIFEBOAT_CORPUS/hl7v2),
// checks that it re-encodes byte for byte, that each segment reassembles from its
// parts, that MSH-9, MSH-12 and MSH-18 match the manifest, and that the segment
// count matches, also with LF and CRLF terminators.
func TestCorpus(t *testing.T) {
	root := os.Getenv("LIFEBOAT_CORPUS")
	if root == "" {
		t.Skip("LIFEBOAT_CORPUS not set")
	}
	dir := filepath.Join(root, "hl7v2")
	man := manifest(t, dir)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(man) || len(files) == 0 {
		t.Fatalf("%d files, manifest lists %d", len(files), len(man))
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		row, ok := man[rel]
		if !ok {
			t.Fatalf("%s: not in manifest", rel)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := checkMessage(t, rel, data)
		msh := m.Segment(1)
		if got := msh.Field(9).Raw(); got != row["type"] {
			t.Errorf("%s: MSH-9 %q, manifest %q", rel, got, row["type"])
		}
		if got := msh.Field(12).Raw(); got != row["version"] {
			t.Errorf("%s: MSH-12 %q, manifest %q", rel, got, row["version"])
		}
		if got := msh.Field(18).Raw(); got != row["charset"] {
			t.Errorf("%s: MSH-18 %q, manifest %q", rel, got, row["charset"])
		}
		if got := m.SegmentCount(); row["segments"] != "" && itoa(got) != row["segments"] {
			t.Errorf("%s: %d segments, manifest %s", rel, got, row["segments"])
		}
		for _, eol := range []string{"\n", "\r\n"} {
			alt := bytes.ReplaceAll(data, []byte("\r"), []byte(eol))
			am := checkMessage(t, rel+" with "+strings.ReplaceAll(strings.ReplaceAll(eol, "\r", "CR"), "\n", "LF"), alt)
			if am.SegmentCount() != m.SegmentCount() || am.Terminator() != eol {
				t.Errorf("%s: %q terminators: %d segments, terminator %q", rel, eol, am.SegmentCount(), am.Terminator())
			}
		}
	}
	t.Logf("%d corpus messages round-tripped byte for byte (and with LF and CRLF terminators)", len(files))
}

func itoa(n int) string {
	var b []byte
	return string(appendInt(b, n))
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// fixtures returns the test fixtures by file name.
func fixtures(t testing.TB) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "*.hl7"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}

func TestFixturesRoundTrip(t *testing.T) {
	for name, data := range fixtures(t) {
		checkMessage(t, name, data)
	}
}
