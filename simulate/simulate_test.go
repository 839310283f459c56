package simulate

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

var testNow = time.Date(2024, 7, 19, 10, 37, 12, 0, time.FixedZone("EDT", -4*3600))

type res struct {
	typ, id string
	raw     []byte
	m       map[string]any
}

// hospital generates a hospital and parses every resource.
func hospital(t testing.TB, opts Options) []*res {
	t.Helper()
	var out []*res
	err := Generate(opts, func(typ, id string, b []byte) error {
		r := &res{typ: typ, id: id, raw: b}
		if err := json.Unmarshal(b, &r.m); err != nil {
			return errors.New(typ + "/" + id + ": " + err.Error())
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func digest(t *testing.T, opts Options) [32]byte {
	h := sha256.New()
	if err := Generate(opts, func(typ, id string, b []byte) error {
		h.Write([]byte(typ + "/" + id + "\n"))
		h.Write(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	a := digest(t, Options{Seed: 7, Now: testNow})
	if b := digest(t, Options{Seed: 7, Now: testNow}); a != b {
		t.Fatal("same seed and time gave different output")
	}
	if b := digest(t, Options{Seed: 8, Now: testNow}); a == b {
		t.Fatal("different seeds gave the same output")
	}
	if b := digest(t, Options{Seed: 7, Now: testNow.Add(time.Hour)}); a == b {
		t.Fatal("different times gave the same output")
	}
}

func TestInvalidOptions(t *testing.T) {
	nop := func(string, string, []byte) error { return nil }
	if err := Generate(Options{}, nop); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("zero Now: got %v", err)
	}
	if err := Generate(Options{Now: testNow, Patients: -1}, nop); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("negative patients: got %v", err)
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("disk full")
	n := 0
	err := Generate(Options{Now: testNow}, func(string, string, []byte) error {
		if n++; n == 500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 500 {
		t.Fatalf("got %v after %d resources", err, n)
	}
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// TestValidResources checks every resource: valid JSON with resourceType
// and id, unique valid ids, references to resources emitted before,
// well-formed times, none in the future.
func TestValidResources(t *testing.T) {
	for _, opts := range []Options{{Seed: 1, Now: testNow}, {Seed: 2, Now: testNow.UTC(), Patients: 30}, {Seed: 3, Now: testNow, Patients: 400}} {
		rs := hospital(t, opts)
		ids := map[string]string{}
		for _, r := range rs {
			if r.m["resourceType"] != r.typ || r.m["id"] != r.id {
				t.Fatalf("%s/%s: resourceType or id mismatch", r.typ, r.id)
			}
			if !idRE.MatchString(r.id) {
				t.Fatalf("invalid id %q", r.id)
			}
			if typ, dup := ids[r.id]; dup {
				t.Fatalf("id %s used by %s and %s", r.id, typ, r.typ)
			}
			ids[r.id] = r.typ
		}
		seen := map[string]bool{}
		for _, r := range rs {
			seen[r.typ+"/"+r.id] = true
			walk(r.m, func(key string, v any) {
				s, ok := v.(string)
				if !ok {
					return
				}
				switch {
				case key == "reference":
					if !seen[s] { // emitted, and before this resource
						t.Fatalf("%s/%s: reference %s to a resource not emitted before it", r.typ, r.id, s)
					}
				case strings.HasSuffix(key, "DateTime") || key == "issued" || key == "authoredOn" || key == "lastUpdated" || key == "start" || key == "end" || key == "date" && r.typ == "DocumentReference":
					if len(s) <= 10 {
						return // a date
					}
					tm, err := time.Parse(time.RFC3339, s)
					if err != nil {
						t.Fatalf("%s/%s: %s %q: %v", r.typ, r.id, key, s, err)
					}
					if tm.After(opts.Now) && !(r.typ == "Encounter" && key == "end") {
						t.Fatalf("%s/%s: %s %s is in the future", r.typ, r.id, key, s)
					}
				}
			})
		}
	}
}

// walk calls f for every member of every object in v.
func walk(v any, f func(key string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			f(k, e)
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// get follows a path of keys and array indexes through decoded JSON.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }

func TestNamesAreText(t *testing.T) {
	for _, g := range nameGroups {
		for _, n := range slices.Concat(g.male, g.female, g.family) {
			if !bytes.Equal([]byte(n), bytes.TrimSpace([]byte(n))) || n == "" {
				t.Fatalf("bad name %q", n)
			}
		}
	}
	if npi(0, 0) != "1000000004" && len(npi(0, 0)) != 10 {
		t.Fatal("npi length")
	}
}

func BenchmarkGenerate(b *testing.B) {
	n, size := 0, 0
	for b.Loop() {
		n, size = 0, 0
		if err := Generate(Options{Seed: 1, Now: testNow}, func(_, _ string, j []byte) error {
			n++
			size += len(j)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "resources/op")
	b.ReportMetric(float64(size)/1e6, "MB/op")
}
