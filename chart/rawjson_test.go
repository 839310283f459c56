package chart

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRawMatchesEncodingJSON checks the fast Observation reader against
// encoding/json on every observation of the fixtures.
func TestRawMatchesEncodingJSON(t *testing.T) {
	rs := append(load(t, "smith.json"), realisticPatient(t, smithNow(t))...)
	n := 0
	for _, r := range rs {
		if r.Type != "Observation" {
			continue
		}
		n++
		var want obsDoc
		if err := json.Unmarshal(r.JSON, &want); err != nil {
			t.Fatal(err)
		}
		var got obsDoc
		got.read(raw(r.JSON))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nraw  %+v\njson %+v", r.ID, got, want)
		}
	}
	if n < 100 {
		t.Errorf("only %d observations compared", n)
	}
}

func TestRawValues(t *testing.T) {
	doc := raw(` { "a" : "x\"y\\\\" , "b":[1, {"c":"}"} ,"]"], "code": {"coding":[{"system":"s","code":"c1"},{"code":"c2","display":"D"}],"text":"T\u00e9"},
		"n": -1.50e2, "t": true, "f": false, "z": null, "q": {"value": 0.5, "unit": "mg"} } `)
	got := map[string]raw{}
	doc.members(func(k, v raw) bool {
		got[string(k)] = v
		return true
	})
	if s := got["a"].str(); s != `x"y\\` {
		t.Errorf("a = %q", s)
	}
	var elems []string
	got["b"].elements(func(v raw) { elems = append(elems, string(v)) })
	if strings.Join(elems, "|") != `1|{"c":"}"}|"]"` {
		t.Errorf("b = %q", elems)
	}
	c := got["code"].concept()
	if c.Text != "Té" || len(c.Coding) != 2 || c.Coding[1].Display != "D" || c.key() != "s|c1" {
		t.Errorf("code = %+v", c)
	}
	if got["n"].number() != "-1.50e2" || got["a"].number() != "" {
		t.Errorf("n = %q", got["n"].number())
	}
	if b := got["t"].boolean(); b == nil || !*b {
		t.Error("t")
	}
	if b := got["f"].boolean(); b == nil || *b {
		t.Error("f")
	}
	if got["z"].boolean() != nil || got["z"].str() != "" || got["z"].quantity() != nil {
		t.Error("null read as a value")
	}
	if q := got["q"].quantity(); q.String() != "0.5 mg" {
		t.Errorf("q = %v", q)
	}
	// Stopping early.
	count := 0
	doc.members(func(k, v raw) bool { count++; return count < 2 })
	if count != 2 {
		t.Errorf("stopped after %d", count)
	}
}

// FuzzRaw checks that no input makes the reader panic or loop; the seeds
// run with go test, the fuzzer with go test -fuzz FuzzRaw.
func FuzzRaw(f *testing.F) {
	for _, s := range []string{
		`{"status":"final","code":{"coding":[{"code":"x"}]},"valueQuantity":{"value":1}}`,
		`{"a":`, `{"a":"`, `{"a":"\`, `{"a" "b"}`, `{"a":,}`, `{"a":}`, `[`, `{"a":[1,,2]}`,
		`{"a":{"b":[}}`, `{"component":[{"code":{"coding":[{]}]}`, `"x"`, ``, `{`, `}`, `{"a":1}}`,
		`{"referenceRange":[{"low":{"value":"3"}}],"interpretation":[[]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o obsDoc
		o.read(raw(b))
		o.time = time.Unix(0, 0)
		o.readValue()
		raw(b).dosage()
		raw(b).concept()
		raw(b).elements(func(v raw) { v.str() })
	})
}
