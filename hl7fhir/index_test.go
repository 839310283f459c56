package hl7fhir_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// The Index that Map returns must be what the store would otherwise get
// from fhir.Parse. These tests live outside the package: hl7fhir itself
// does not import fhir.

// indexOptions are the options the messages are mapped with: the golden
// tests' (a fixed clock, a zone five hours behind UTC) and the corpus
// test's (UTC).
func indexOptions() []hl7fhir.Options {
	return []hl7fhir.Options{
		{Now: func() time.Time { return time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC) },
			Location: time.FixedZone("EST", -5*3600), MRNSystem: "urn:oid:2.16.840.1.113883.3.9999.1"},
		{MRNSystem: "urn:test:mrn"},
	}
}

// checkIndex compares the Index of each output with fhir.Parse's. With
// strict, every output must be indexed; otherwise an output may be left
// unindexed only when fhir.Parse refuses it.
func checkIndex(t testing.TB, name string, res *hl7fhir.Result, strict bool) int {
	t.Helper()
	for _, o := range res.Resources {
		p, err := fhir.Parse(o.JSON)
		switch {
		case err != nil && (o.Indexed || strict):
			t.Errorf("%s: %s/%s: fhir.Parse refuses it (indexed %v): %v", name, o.Type, o.ID, o.Indexed, err)
		case err != nil:
		case !o.Indexed:
			t.Errorf("%s: %s/%s: not indexed, though fhir.Parse accepts it", name, o.Type, o.ID)
		case p.Type != o.Type || p.ID != o.ID:
			t.Errorf("%s: %s/%s: fhir.Parse reads %s/%s", name, o.Type, o.ID, p.Type, p.ID)
		case !reflect.DeepEqual(p.Index, o.Index):
			t.Errorf("%s: %s/%s: index differs from fhir.Parse's:\n got %+v\nwant %+v", name, o.Type, o.ID, o.Index, p.Index)
		}
	}
	return len(res.Resources)
}

// TestIndex: on every test message (and corpus message, with
// LIFEBOAT_CORPUS), each mapped resource is valid for fhir.Parse and its
// Index equals fhir.Parse's exactly.
func TestIndex(t *testing.T) {
	n := 0
	for _, f := range hl7fhir.TestMessages(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			continue // TestCorpus reports it
		}
		for _, opts := range indexOptions() {
			if res, err := hl7fhir.Map(msg, opts); err == nil {
				n += checkIndex(t, filepath.Base(f), res, true)
			}
		}
	}
	t.Logf("%d resources compared", n)
}

// invalidTimes are messages with times that FHIR cannot represent.
var invalidTimes = []string{
	"MSH|^~\\&|LAB|GH|LB|GH|20250314120000||ORU^R01|1|P|2.5.1\rPID|1||42^^^GH^MR||DOE^JO||00000101\r" +
		"OBR|1|P1|F1|2823-3^Potassium^LN|||20250314110000\rOBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|||||F|||00010101\r",
	"MSH|^~\\&|LAB|GH|LB|GH|20250314120000+2300||ORU^R01|1|P|2.5.1\rPID|1||42^^^GH^MR||DOE^JO\r" +
		"OBR|1|P1|F1|2823-3^Potassium^LN\rOBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|||||F\r",
}

// TestIndexInvalidTime: a time FHIR cannot represent (year 0000, an offset
// beyond 14 hours) leaves the resource unindexed, so that the feed checks
// it with fhir.Parse and refuses it as before.
func TestIndexInvalidTime(t *testing.T) {
	for _, msgText := range invalidTimes {
		msg, err := hl7v2.Parse([]byte(msgText))
		if err != nil {
			t.Fatal(err)
		}
		res, err := hl7fhir.Map(msg, hl7fhir.Options{})
		if err != nil {
			t.Fatal(err)
		}
		unindexed := 0
		for _, o := range res.Resources {
			if !o.Indexed {
				unindexed++
			}
		}
		if unindexed == 0 {
			t.Errorf("every resource indexed")
		}
		checkIndex(t, "invalid time", res, false)
	}
}

// FuzzIndex checks the Index of whatever Map maps against fhir.Parse.
func FuzzIndex(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.hl7")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, m := range invalidTimes {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := hl7v2.Parse(data)
		if err != nil {
			return
		}
		for _, opts := range indexOptions() {
			if res, err := hl7fhir.Map(msg, opts); err == nil {
				checkIndex(t, "fuzz", res, false)
			}
		}
	})
}
