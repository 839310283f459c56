package fhir

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestRewriteReferences(t *testing.T) {
	upper := func(ref string) (string, bool) {
		if strings.HasPrefix(ref, "keep") {
			return "", false
		}
		return "X/" + strings.ToUpper(ref), true
	}
	for _, tt := range []struct{ name, in, want string }{
		{"top", `{"reference":"a"}`, `{"reference":"X/A"}`},
		{"nested", `{"subject":{"reference":"a","display":"b"},"x":[{"y":{"reference": "c"}}]}`,
			`{"subject":{"reference":"X/A","display":"b"},"x":[{"y":{"reference": "X/C"}}]}`},
		{"spaces", "{\"reference\" :\n\t\"a\"}", "{\"reference\" :\n\t\"X/A\"}"},
		{"value not key", `{"text":"reference","reference":"a"}`, `{"text":"reference","reference":"X/A"}`},
		{"inside string", `{"note":"{\"reference\":\"a\"}"}`, `{"note":"{\"reference\":\"a\"}"}`},
		{"array of strings", `{"a":["reference","b"],"c":"d"}`, `{"a":["reference","b"],"c":"d"}`},
		{"escaped quote before", `{"x":"\\","reference":"a"}`, `{"x":"\\","reference":"X/A"}`},
		{"escaped value", `{"reference":"a\"b\u00e9"}`, `{"reference":"X/A\"BÉ"}`},
		{"escaped key", `{"refer\u0065nce":"a"}`, `{"refer\u0065nce":"X/A"}`},
		{"contained", `{"reference":"#med1"}`, `{"reference":"#med1"}`},
		{"not a string", `{"reference":{"reference":"a"}}`, `{"reference":{"reference":"X/A"}}`},
		{"number", `{"reference":5,"b":{"reference":"a"}}`, `{"reference":5,"b":{"reference":"X/A"}}`},
		{"declined", `{"reference":"keep1","r":{"reference":"a"}}`, `{"reference":"keep1","r":{"reference":"X/A"}}`},
		{"other key", `{"references":"a","referenceX":"b"}`, `{"references":"a","referenceX":"b"}`},
		{"unterminated", `{"reference":"a`, `{"reference":"a`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := RewriteReferences([]byte(tt.in), upper)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRewriteReferencesNoChange(t *testing.T) {
	in := []byte(`{"subject":{"reference":"Patient/1"}}`)
	out := RewriteReferences(in, func(ref string) (string, bool) { return ref, true })
	if &out[0] != &in[0] {
		t.Errorf("unchanged input was copied")
	}
	calls := 0
	RewriteReferences(in, func(ref string) (string, bool) { calls++; return "", false })
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
}

// Replacement values are escaped so the result stays valid JSON.
func TestRewriteReferencesEscapes(t *testing.T) {
	in := []byte(`{"a":{"reference":"x"}}`)
	out := RewriteReferences(in, func(string) (string, bool) { return "q\"\\\n\x01\xff", true })
	var v struct{ A struct{ Reference string } }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if v.A.Reference != "q\"\\\n\x01\uFFFD" {
		t.Errorf("reference = %q", v.A.Reference)
	}
}

func TestCompact(t *testing.T) {
	in := "{\n  \"a\" : [ 1, 2 ],\n  \"b\": \"x  y\\\" ,\\n\"\n}"
	want := `{"a":[1,2],"b":"x  y\" ,\n"}`
	if got := string(compact([]byte(in))); got != want {
		t.Errorf("compact = %s, want %s", got, want)
	}
	c := []byte(`{"a":"b c"}`)
	if out := compact(c); &out[0] != &c[0] {
		t.Errorf("compact input copied")
	}
}

func TestRefID(t *testing.T) {
	for _, tt := range []struct{ ref, typ, want string }{
		{"Patient/1", "Patient", "1"},
		{"Patient/1/_history/3", "Patient", "1"},
		{"https://x.org/fhir/Patient/a.b-c", "Patient", "a.b-c"},
		{"Practitioner/1", "Patient", ""},
		{"Patient?identifier=x|1", "Patient", ""},
		{"#p1", "Patient", ""},
		{"urn:uuid:1", "Patient", ""},
		{"Patient/", "Patient", ""},
		{"Patient/a b", "Patient", ""},
		{"1", "Patient", ""},
	} {
		if got := refID(tt.ref, tt.typ); got != tt.want {
			t.Errorf("refID(%q, %q) = %q, want %q", tt.ref, tt.typ, got, tt.want)
		}
	}
}

func TestEntryID(t *testing.T) {
	raw := []byte(`{"resourceType":"Patient"}`)
	for _, tt := range []struct {
		name string
		e    Entry
		id   string
		want string
	}{
		{"own id", Entry{FullURL: "urn:uuid:abc"}, "own", "own"},
		{"urn:uuid", Entry{FullURL: "urn:uuid:6f122869-a856-3d65-8db9-099bf4f5bbb8"}, "", "6f122869-a856-3d65-8db9-099bf4f5bbb8"},
		{"urn:oid", Entry{FullURL: "urn:oid:1.2.3"}, "", "1.2.3"},
		{"PUT url", Entry{Request: Request{Method: "PUT", URL: "Patient/p9"}}, "", "p9"},
		{"POST url ignored, fullUrl", Entry{FullURL: "https://x/fhir/Patient/p8", Request: Request{Method: "POST", URL: "Patient/p9"}}, "", "p8"},
		{"hash", Entry{FullURL: "urn:uuid:not valid!"}, "", "4c0e4dd0a8bd9e7f5f7e3bc0b1dbb0e2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Resource = raw
			got := entryID(&tt.e, "Patient", tt.id)
			if tt.name == "hash" {
				if !lifeboat.ValidID(got) || len(got) != 32 || got != entryID(&Entry{Resource: raw}, "Patient", "") {
					t.Errorf("hash id %q is not a stable valid id", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("entryID = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInsertID(t *testing.T) {
	for in, want := range map[string]string{
		`{"resourceType":"Patient","active":true}`: `{"resourceType":"Patient","id":"x1","active":true}`,
		`{"resourceType":"Patient"}`:               `{"resourceType":"Patient","id":"x1"}`,
		`{"active":true,"resourceType":"Patient"}`: `{"id":"x1","active":true,"resourceType":"Patient"}`,
	} {
		p, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		got := insertID([]byte(in), &p, "x1")
		if string(got) != want {
			t.Errorf("insertID(%s) = %s, want %s", in, got, want)
		}
		if _, id, err := Validate(got); err != nil || id != "x1" {
			t.Errorf("Validate(%s) = %q, %v", got, id, err)
		}
	}
}

func TestResolver(t *testing.T) {
	r := newResolver(nil)
	r.addFullURL("urn:uuid:u1", "Patient", "u1")
	r.addFullURL("urn:uuid:u2", "Practitioner", "other")
	r.addFullURL("https://x/fhir/Organization/o1", "Organization", "o1")
	r.register("Practitioner", "d1", []lifeboat.Identifier{{System: "npi", Value: "123"}})
	r.register("Practitioner", "d2", []lifeboat.Identifier{{System: "local", Value: "123"}})
	r.register("Observation", "x", []lifeboat.Identifier{{System: "npi", Value: "9"}}) // not a shared type
	for _, tt := range []struct {
		ref, want  string
		unresolved bool
	}{
		{"urn:uuid:u1", "Patient/u1", false},
		{"urn:uuid:u2", "Practitioner/other", false},
		{"urn:uuid:u3", "", true},
		{"https://x/fhir/Organization/o1", "Organization/o1", false},
		{"https://y/fhir/Organization/o1", "", false},
		{"Practitioner?identifier=npi|123", "Practitioner/d1", false},
		{"Practitioner?identifier=npi%7C123", "Practitioner/d1", false},
		{"Practitioner?identifier=123", "", true}, // ambiguous across systems
		{"Practitioner?identifier=local|123", "Practitioner/d2", false},
		{"Practitioner?identifier=npi|999", "", true},
		{"Observation?identifier=npi|9", "", true},
		{"Practitioner?name=x", "", true},
		{"Nope?identifier=npi|123", "", true},
		{"Patient/1", "", false},
		{"urn:oid:1.2", "", true},
	} {
		got, ok, unres, err := r.resolve(t.Context(), tt.ref)
		if err != nil || ok != (tt.want != "") || got != tt.want || unres != tt.unresolved {
			t.Errorf("resolve(%q) = %q, %v, unresolved %v, %v; want %q, unresolved %v", tt.ref, got, ok, unres, err, tt.want, tt.unresolved)
		}
	}
}

func TestPeekTypeID(t *testing.T) {
	typ, id := peekTypeID([]byte(`{"n":-1.5e3,"b":true,"meta":{"x":[1,"]"]},"id":"a1", "z" : null ,"resourceType":"Patient"}`))
	if typ != "Patient" || id != "a1" {
		t.Errorf("peekTypeID = %q, %q", typ, id)
	}
	if typ, id := peekTypeID([]byte(`{"resourceType":"Patient","id":"a b"}`)); typ != "Patient" || id != "" {
		t.Errorf("peekTypeID with bad id = %q, %q", typ, id)
	}
}
