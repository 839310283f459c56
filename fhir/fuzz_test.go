package fhir

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// sampleLines returns the lines of testdata/sample.ndjson, as fuzz seeds.
func sampleLines(f *testing.F) [][]byte {
	b, err := os.ReadFile("testdata/sample.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(b), []byte("\n"))
}

func FuzzReadBundle(f *testing.F) {
	for _, l := range sampleLines(f)[:3] {
		f.Add([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":` + string(l) + `}]}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		var prev int
		err := ReadJSON(bytes.NewReader(data), func(e *Entry) error {
			if e.Resource != nil && valid && !json.Valid(e.Resource) {
				t.Fatalf("%s of valid input is not valid JSON: %q", e.Pos, e.Resource)
			}
			if e.Pos != "resource" {
				n, ok := entryNumber(e.Pos)
				if !ok || n != prev+1 {
					t.Fatalf("position %q after %d", e.Pos, prev)
				}
				prev = n
			}
			return nil
		})
		if valid && err != nil && strings.Contains(err.Error(), "invalid JSON") &&
			!strings.Contains(err.Error(), "expected") && !strings.Contains(err.Error(), "data after") {
			t.Fatalf("valid JSON rejected: %v", err)
		}
	})
}

func FuzzReadNDJSON(f *testing.F) {
	f.Add(bytes.Join(sampleLines(f)[:3], []byte("\n")))
	f.Add([]byte("\xef\xbb\xbf{}\r\n\n \t\n{\"a\":1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		n := 0
		err := ReadNDJSON(bytes.NewReader(data), func(e *Entry) error {
			n++
			if bytes.IndexByte(e.Resource, '\n') >= 0 || len(bytes.Trim(e.Resource, " \t\r")) == 0 { // JSON white space
				t.Fatalf("%s: bad line %q", e.Pos, e.Resource)
			}
			return nil
		})
		if err != nil || n > lines {
			t.Fatalf("%d entries of %d lines, %v", n, lines, err)
		}
	})
}

func FuzzIndex(f *testing.F) {
	for _, l := range sampleLines(f) {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err == nil {
			if !json.Valid(data) {
				t.Fatalf("Parse accepts invalid JSON")
			}
			if typ, id := peekTypeID(data); typ != p.Type || id != p.ID {
				t.Fatalf("peekTypeID = %q, %q; Parse = %q, %q", typ, id, p.Type, p.ID)
			}
			if p.ID != "" && !lifeboat.ValidID(p.ID) || p.Index.Patient != "" && !lifeboat.ValidID(p.Index.Patient) {
				t.Fatalf("bad ids %q %q", p.ID, p.Index.Patient)
			}
			if p.ID == "" {
				out := insertID(data, &p, "new-id")
				if _, id, err := Validate(out); err != nil || id != "new-id" {
					t.Fatalf("insertID: %q, %v", id, err)
				}
			}
			return
		}
		if json.Valid(data) && utf8.Valid(data) && strings.Contains(err.Error(), "invalid JSON") &&
			!strings.Contains(err.Error(), "nesting too deep") {
			t.Fatalf("valid JSON rejected: %v", err)
		}
	})
}

func FuzzRewriteReferences(f *testing.F) {
	for _, l := range sampleLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"a":"reference","reference":"x","b":{"refer\u0065nce":"y\"z"},"c":["reference",{"reference":"#c"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var seen []string
		out := RewriteReferences(data, func(ref string) (string, bool) {
			seen = append(seen, ref)
			return "R/" + ref, true
		})
		if none := RewriteReferences(data, func(string) (string, bool) { return "", false }); !bytes.Equal(none, data) {
			t.Fatalf("declined rewrite changed the input")
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("rewrite of valid JSON is invalid: %q", out)
		}
		want := tokenRefs(data)
		if strings.Join(seen, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("visited %q, want %q", seen, want)
		}
		for i, r := range tokenRefs(out) {
			if r != "R/"+want[i] {
				t.Fatalf("reference %d = %q, want %q", i, r, "R/"+want[i])
			}
		}
	})
}

// tokenRefs lists the string values of "reference" members, in order, by
// walking encoding/json tokens (an independent oracle for the rewriter).
func tokenRefs(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var refs []string
	type frame struct{ object, wantKey bool }
	var stack []frame
	lastKey := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return refs
		}
		inObjKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
				stack = append(stack, frame{object: d == '{', wantKey: true})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if inObjKey {
			lastKey, _ = tok.(string)
			stack[len(stack)-1].wantKey = false
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			if s, ok := tok.(string); ok && lastKey == "reference" && !strings.HasPrefix(s, "#") {
				refs = append(refs, s)
			}
			stack[len(stack)-1].wantKey = true
		}
	}
}

// entryNumber parses "entry N".
func entryNumber(pos string) (int, bool) {
	rest, ok := strings.CutPrefix(pos, "entry ")
	if !ok || rest == "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0 && rest[0] != '+'
}

// TestTokenRefs checks the oracle itself.
func TestTokenRefs(t *testing.T) {
	got := tokenRefs([]byte(`{"reference":"a","x":["reference",{"reference":"b"}],"y":{"z":{"reference":"#c"},"reference":{"reference":"d"}}}`))
	if strings.Join(got, ",") != "a,b,d" {
		t.Errorf("tokenRefs = %v", got)
	}
}
