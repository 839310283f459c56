package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// The feeds of the tests check every Index hl7fhir returns against
// fhir.Parse's (BenchmarkFeedIngest turns it off for its own feed).
func init() { verifyIndex = true }

// TestReconcileRenamesIndex: when reconcile points a message at stored
// records (here a patient, an encounter and a bed found by identifier), the
// Index of every resource reads the new ids, as fhir.Parse reads them from
// the rewritten JSON.
func TestReconcileRenamesIndex(t *testing.T) {
	raw := []byte("MSH|^~\\&|LAB|GH|LB|GH|20250314120000||ORU^R01^ORU_R01|R1|P|2.5.1\r" +
		"PID|1||RC-0001^^^GH^MR||QUENBY^ADA||19610405|F\r" +
		"PV1|1|I|4W^12^A^GH||||1234^ATTENDING^ANN||||||||||||V42^^^GH^VN\r" +
		"OBR|1|P1|F1|2823-3^Potassium^LN|||20250314110000|||||||||||||||20250314113000||CH|F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||3.1|mmol/L|3.5-5.1|L|||F|||20250314110000\r")
	msg, err := hl7v2.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hl7fhir.Map(msg, hl7fhir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &feed{}
	now := time.Now()
	f.ids.m = map[string]cachedID{}
	for _, o := range res.Resources {
		if !reconciled[o.Type] {
			continue
		}
		existing := map[string]string{"Patient": "ehr-42", "Encounter": "ehr-visit-7", "Location": "ehr-bed-4w-12-a"}[o.Type]
		if o.Type == "Location" && o.Index.Code != "http://terminology.hl7.org/CodeSystem/location-physical-type|bd" {
			existing = "" // only the bed is known
		}
		if !o.Indexed || existing != "" && len(o.Index.Identifiers) == 0 {
			t.Fatalf("%s/%s: no identifiers to match", o.Type, o.ID)
		}
		for _, id := range o.Index.Identifiers { // the cache stands in for the store
			f.ids.m[o.Type+"\x00"+id.System+"\x00"+id.Value] = cachedID{id: existing, at: now}
		}
	}
	if err := f.reconcile(context.Background(), res.Resources); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range res.Resources {
		p, err := fhir.Parse(o.JSON)
		if err != nil {
			t.Fatalf("%s/%s: %v", o.Type, o.ID, err)
		}
		if p.ID != o.ID || !reflect.DeepEqual(p.Index, o.Index) {
			t.Errorf("%s/%s: index after reconcile:\n got %+v\nwant %+v", o.Type, o.ID, o.Index, p.Index)
		}
		seen[o.Index.Patient+"/"+o.Index.Encounter+"/"+o.Index.Location] = true
	}
	for _, want := range []string{"ehr-42//", "ehr-42/ehr-visit-7/", "ehr-42//ehr-bed-4w-12-a"} {
		if !seen[want] {
			t.Errorf("no resource indexed as patient/encounter/location %s; have %v", want, seen)
		}
	}
}
