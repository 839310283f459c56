package http

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestDateRange(t *testing.T) {
	day := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		in       string
		from, to string // RFC 3339, "" for open
	}{
		{"2024", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"eq2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"},
		{"2024-12-31", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"ge2024-03-01", "2024-03-01T00:00:00Z", ""},
		{"gt2024-03-01", "2024-03-02T00:00:00Z", ""},
		{"sa2024-03-01", "2024-03-02T00:00:00Z", ""},
		{"le2024-03-01", "", "2024-03-02T00:00:00Z"},
		{"lt2024-03-01", "", "2024-03-01T00:00:00Z"},
		{"eb2024-03-01", "", "2024-03-01T00:00:00Z"},
		{"2024-03-01T10:15", "2024-03-01T10:15:00Z", "2024-03-01T10:16:00Z"},
		{"2024-03-01T10:15:30Z", "2024-03-01T10:15:30Z", "2024-03-01T10:15:31Z"},
		{"2024-03-01T10:15:30.5Z", "2024-03-01T10:15:30.5Z", "2024-03-01T10:15:30.6Z"},
		{"2024-03-01T10:15:30.123456+02:00", "2024-03-01T08:15:30.123456Z", "2024-03-01T08:15:30.124456Z"},
		{"ge2024-03-01T10:15:30-05:00", "2024-03-01T15:15:30Z", ""},
		{"ge2024-03-01T10:15:30 02:00", "2024-03-01T08:15:30Z", ""}, // an unescaped "+"
	} {
		r, err := dateRange(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var want lifeboat.TimeRange
		if c.from != "" {
			want.From = day(c.from)
		}
		if c.to != "" {
			want.To = day(c.to)
		}
		if !r.From.Equal(want.From) || !r.To.Equal(want.To) || r.FromExclusive || r.ToInclusive {
			t.Errorf("%s: got %v..%v, want %v..%v", c.in, r.From, r.To, want.From, want.To)
		}
	}
	for _, bad := range []string{"", "24", "2024-1", "2024-13", "2024-02-30", "xx2024", "ne2024", "ap2024",
		"2024-03-01T10", "2024-03-01T25:00", "2024-03-01T10:15:30+25:00", "2024-03-01T10:15:30.1234567890Z",
		"2024-03-01 10:15", strings.Repeat("9", 50)} {
		if _, err := dateRange(bad); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("%q: %v, want EINVALID", bad, err)
		}
	}
	// Repeated values narrow the range.
	r, err := dateParam("date", []string{"ge2024-01-01", "lt2024-02-01", "ge2023"})
	if err != nil || !r.From.Equal(day("2024-01-01T00:00:00Z")) || !r.To.Equal(day("2024-02-01T00:00:00Z")) {
		t.Errorf("intersection: %v %v", r, err)
	}
	if !r.Contains(day("2024-01-31T23:59:59Z")) || r.Contains(day("2024-02-01T00:00:00Z")) || r.Contains(day("2023-12-31T23:59:59Z")) {
		t.Errorf("Contains of %v", r)
	}
}

func TestBirthRange(t *testing.T) {
	for _, c := range []struct {
		in           []string
		from, before string
	}{
		{[]string{"1948"}, "1948", "1949"},
		{[]string{"1948-12"}, "1948-12", "1949-01"},
		{[]string{"eq1948-12-31"}, "1948-12-31", "1949-01-01"},
		{[]string{"ge1948-03"}, "1948-03", ""},
		{[]string{"gt1948-03"}, "1948-04", ""},
		{[]string{"le1948"}, "", "1949"},
		{[]string{"lt1948-03-17"}, "", "1948-03-17"},
		{[]string{"ge1940", "lt1950", "le1960"}, "1940", "1950"},
	} {
		from, before, err := birthRange(c.in)
		if err != nil || from != c.from || before != c.before {
			t.Errorf("%v: %q %q %v, want %q %q", c.in, from, before, err, c.from, c.before)
		}
	}
	for _, bad := range []string{"1948-02-30", "9999", "1948-03-17T10:00Z", "ne1948", "48"} {
		if _, _, err := birthRange([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"8480-6", []string{"8480-6"}},
		{"http://loinc.org|8480-6,x", []string{"http://loinc.org|8480-6", "x"}},
		{"|local", []string{"|local"}},
		{`a\,b,c\|d,e\\f`, []string{"a,b", "c|d", `e\f`}},
		{`urn:a\|b|c`, []string{"urn:a|b|c"}},
	} {
		got, err := tokenValues("code", c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %q %v, want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "a,", ",a", "sys|", `a\x`, `a\`} {
		if _, err := tokenValues("code", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A category with a system is checked on the resource.
	js := []byte(`{"resourceType":"Observation","category":[{"coding":[{"system":"urn:c","code":"lab"}]}]}`)
	codes, keep := categoryFilter([]string{"urn:c|lab", "vital"})
	if !slices.Equal(codes, []string{"lab", "vital"}) || keep == nil || !keep(&lifeboat.Resource{JSON: js}) {
		t.Errorf("category filter: %v", codes)
	}
	if _, keep := categoryFilter([]string{"urn:other|lab"}); keep(&lifeboat.Resource{JSON: js}) {
		t.Errorf("category of another system kept")
	}
	if _, keep := categoryFilter([]string{"lab"}); keep != nil {
		t.Errorf("category without a system is checked on the resource")
	}
	allergy := []byte(`{"resourceType":"AllergyIntolerance","category":["food"]}`)
	if _, keep := categoryFilter([]string{"http://hl7.org/fhir/allergy-intolerance-category|food"}); !keep(&lifeboat.Resource{JSON: allergy}) {
		t.Errorf("plain code category not matched")
	}
}

func TestCursor(t *testing.T) {
	q := url.Values{"patient": {"p1"}, "_count": {"10"}}
	bind := searchBinding("Observation", q)
	for _, c := range []cursor{
		{kind: cursorDate, key: lifeboat.PageKey{Value: time.UnixMilli(1_700_000_000_123).UTC(), Type: "Observation", ID: "observation-1"}},
		{kind: cursorDate, key: lifeboat.PageKey{Type: "Observation", ID: "undated-observation"}},
		{kind: cursorDate, key: lifeboat.PageKey{Value: time.UnixMilli(0).UTC(), Type: "Observation", ID: "epoch-observation"}},
		{kind: cursorUpdated, key: lifeboat.PageKey{Value: time.UnixMilli(-86_400_000).UTC(), Type: "Condition", ID: "condition-77"}},
		{kind: cursorPatient, id: "patient-00042"},
	} {
		tok := sealCursor(c, bind)
		if c.key.ID != "" && strings.Contains(tok, c.key.ID) || c.id != "" && strings.Contains(tok, c.id) || strings.Contains(tok, "Observation") || len(tok) > maxCursor {
			t.Errorf("token %s", tok)
		}
		got, err := openCursor(tok, bind)
		if err != nil || got.kind != c.kind || got.id != c.id || got.key.ID != c.key.ID || got.key.Type != c.key.Type ||
			!got.key.Value.Equal(c.key.Value) || got.key.Value.IsZero() != c.key.Value.IsZero() {
			t.Errorf("round trip of %+v: %+v %v", c, got, err)
		}
		// Another _count keeps the binding; another filter does not.
		if _, err := openCursor(tok, searchBinding("Observation", url.Values{"patient": {"p1"}, "_count": {"99"}})); err != nil {
			t.Errorf("other _count: %v", err)
		}
		if _, err := openCursor(tok, searchBinding("Observation", url.Values{"patient": {"p2"}})); err == nil {
			t.Errorf("cursor opened for another patient")
		}
		b := []byte(tok)
		b[len(b)/3] ^= 2
		if _, err := openCursor(string(b), bind); err == nil {
			t.Errorf("tampered cursor opened")
		}
	}
	for _, bad := range []string{"", "!!", strings.Repeat("A", maxCursor+1)} {
		if _, err := openCursor(bad, bind); err == nil {
			t.Errorf("%q opened", bad)
		}
	}
}

func TestReferences(t *testing.T) {
	js := []byte(`{"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Practitioner/dr-1","display":"x"},` +
		`{"reference" : "Organization/org-1/_history/3"},{"reference":"urn:uuid:1234"},{"reference":"http://x/fhir/Location/l"},` +
		`{"reference":"Location/a\"b"},{"reference":"Medication?code=1"}],"note":[{"text":"\"reference\":\"Practitioner/fake\""}]}`)
	var got []string
	references(js, func(typ, id string) { got = append(got, typ+"/"+id) })
	if want := []string{"Patient/p1", "Practitioner/dr-1", "Organization/org-1"}; !slices.Equal(got, want) {
		t.Errorf("references %v, want %v", got, want)
	}
}
