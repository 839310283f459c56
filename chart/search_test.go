package chart

import (
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestParseQuery(t *testing.T) {
	for _, c := range []struct {
		q    string
		want lifeboat.PatientQuery
	}{
		{"1958-06-16", lifeboat.PatientQuery{BirthDate: "1958-06-16"}},
		{" 06/16/1958 ", lifeboat.PatientQuery{BirthDate: "1958-06-16"}},
		{"6/9/1958", lifeboat.PatientQuery{BirthDate: "1958-06-09"}},
		{"MRN001234", lifeboat.PatientQuery{Identifier: "MRN001234"}},
		{"001234", lifeboat.PatientQuery{Identifier: "001234"}},
		{"1958-02-30", lifeboat.PatientQuery{Identifier: "1958-02-30"}}, // not a date
		{"smith", lifeboat.PatientQuery{Name: "smith"}},
		{"Smith, Jane", lifeboat.PatientQuery{Name: "Smith, Jane"}},
		{"room 12", lifeboat.PatientQuery{Name: "room 12"}},
		{"   ", lifeboat.PatientQuery{}},
	} {
		c.want.Limit = SearchLimit
		if got := ParseQuery(c.q); got != c.want {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", c.q, got, c.want)
		}
	}
}

func TestNameMatching(t *testing.T) {
	p := patientRes(t, "p1", "Nuñez-García", "José", "male", "1980-01-01", "M1")
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"jose nunez", true},
		{"NUÑEZ, José", true},
		{"garcia jose", true},
		{"nunez maria", false},
	} {
		if got := matchesWords(p, nameWords(c.q)); got != c.want {
			t.Errorf("%q: %v", c.q, got)
		}
	}
	if w := nameWords("Li, Christopher"); !reflect.DeepEqual(w, []string{"christopher", "li"}) {
		t.Errorf("nameWords = %q", w)
	}
}

func TestBuildMatches(t *testing.T) {
	now := smithNow(t)
	rs := append(load(t, "smith.json"), ward(t)...)
	rs = append(rs,
		patientRes(t, "pat-amb", "Adams", "Zoe", "female", "1990-02-03", "MRN000555"),
		patientRes(t, "pat-nka", "Doe", "Baby", "male", "2025-04-10", "MRN000777"),
	)
	got := BuildMatches(now, hospital(t), rs)
	want := []lifeboat.PatientMatch{
		{PatientID: "pat-amb", Name: "ADAMS, Zoe", MRN: "MRN000555", BirthDate: "1990-02-03", Sex: "F"},
		{PatientID: "pat-nka", Name: "DOE, Baby", MRN: "MRN000777", BirthDate: "2025-04-10", Sex: "M", Location: "4 West / 4W-10"},
		{PatientID: "pat-smith", Name: "SMITH, Jane Q", MRN: "MRN001234", BirthDate: "1958-06-16", Sex: "F", Location: "4 West / 4W-2A"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("matches:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestFreshnessOf(t *testing.T) {
	now := smithNow(t)
	srcs := []lifeboat.SourceStatus{
		{Kind: "hl7v2", Name: "adt-feed", LastReceived: now.Add(-20 * time.Minute)},
		{Kind: "bulk", Name: "", LastReceived: now.Add(-5 * time.Minute)},
		{Kind: "file", Name: "Patient.000.ndjson", LastReceived: now.Add(-48 * time.Hour)},
	}
	f := FreshnessOf(now, srcs, 10*time.Minute)
	if !f.AsOf.Equal(now.Add(-5*time.Minute)) || f.Source != "bulk" || f.Age != 5*time.Minute || f.Stale {
		t.Errorf("fresh = %+v", f)
	}
	f = FreshnessOf(now, srcs, 2*time.Minute)
	if !f.Stale {
		t.Errorf("stale = %+v", f)
	}
	if f = FreshnessOf(now, srcs[:1], 0); !f.Stale || f.Source != "adt-feed" {
		t.Errorf("default threshold = %+v", f) // 20 min > DefaultStaleAfter
	}
	if f = FreshnessOf(now, nil, time.Hour); !f.Stale || !f.AsOf.IsZero() {
		t.Errorf("no data = %+v", f)
	}
}
