package simulate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

var feedStart = time.Date(2025, 3, 14, 12, 0, 0, 0, time.FixedZone("EDT", -4*3600))

func newTestFeed(t testing.TB, mode CensusMode, seed uint64) *Feed {
	t.Helper()
	f, err := NewFeed(FeedOptions{Seed: seed, Start: feedStart, Census: mode})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// at is the simulated time of message i: a little over the real pace.
func at(i int) time.Time { return feedStart.Add(time.Duration(i) * 15 * time.Second) }

func TestFeedDeterministic(t *testing.T) {
	a, b := newTestFeed(t, CensusShared, 7), newTestFeed(t, CensusShared, 7)
	c := newTestFeed(t, CensusShared, 8)
	same := 0
	for i := range 300 {
		x, kx, err := a.Next(at(i))
		if err != nil {
			t.Fatal(err)
		}
		y, ky, _ := b.Next(at(i))
		z, _, _ := c.Next(at(i))
		if !bytes.Equal(x, y) || kx != ky {
			t.Fatalf("message %d differs for the same seed:\n%q\n%q", i, x, y)
		}
		if bytes.Equal(x, z) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d messages identical for another seed", same)
	}
}

// TestFeedMapsCleanly checks the census of a bootstrapped feed and the
// 2,000 messages that follow: each parses and maps without error or warning, control ids are
// unique, beds hold one patient at a time as the ADT messages tell it,
// administrations name active orders, and the mix is as intended.
func TestFeedMapsCleanly(t *testing.T) {
	f := newTestFeed(t, CensusBootstrap, 1)
	bootMsgs := len(f.boot)
	ids := map[string]bool{}
	bedOf := map[string]string{}  // MRN -> bed label, from ADT
	inBed := map[string]string{}  // bed label -> MRN
	orders := map[string]string{} // placer -> MRN of the active orders
	stopped := map[string]bool{}  // discontinued placers
	kinds := map[string]int{}
	const live = 2000
	n := bootMsgs + live
	for i := range n {
		now := at(i)
		data, kind, err := f.Next(now)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			t.Fatalf("message %d (%s) does not parse: %v\n%s", i, kind, err, data)
		}
		res, err := hl7fhir.Map(msg, hl7fhir.Options{})
		if err != nil {
			t.Fatalf("message %d (%s) does not map: %v\n%s", i, kind, err, data)
		}
		if len(res.Warnings) > 0 {
			t.Errorf("message %d (%s): warnings %v\n%s", i, kind, res.Warnings, bytes.ReplaceAll(data, []byte("\r"), []byte("\n")))
		}
		if res.MessageType != kind {
			t.Errorf("message %d: kind %s, mapped as %s", i, kind, res.MessageType)
		}
		h := msg.Header()
		if ids[h.ControlID] || len(h.ControlID) > 20 {
			t.Fatalf("message %d: control id %q repeated or too long", i, h.ControlID)
		}
		ids[h.ControlID] = true
		if tm, err := h.Time(nil); err != nil || !tm.Equal(now.Truncate(time.Second)) {
			t.Errorf("message %d: MSH-7 %v, want %v", i, tm.Time, now)
		}
		if i >= bootMsgs {
			kinds[kind]++
		}
		mrn := msg.Get("PID-3-1").Text()
		bedLabel := msg.Get("PV1-3-3").Text()
		admit := func() {
			if who, ok := inBed[bedLabel]; ok && who != mrn {
				t.Fatalf("message %d (%s): bed %s already holds another patient", i, kind, bedLabel)
			}
			if _, ok := bedOf[mrn]; ok && kind != "ADT^A02" {
				t.Fatalf("message %d (%s): patient admitted twice", i, kind)
			}
			delete(inBed, bedOf[mrn])
			inBed[bedLabel], bedOf[mrn] = mrn, bedLabel
		}
		switch kind {
		case "ADT^A01", "ADT^A13":
			admit()
			checkOnCensus(t, i, res, bedLabel)
		case "ADT^A02":
			if bedOf[mrn] != msg.Get("PV1-6-3").Text() {
				t.Fatalf("message %d: transfer from a bed the patient is not in", i)
			}
			admit()
			checkOnCensus(t, i, res, bedLabel)
		case "ADT^A03", "ADT^A11":
			if bedOf[mrn] != bedLabel {
				t.Fatalf("message %d (%s): discharge of a patient not admitted there", i, kind)
			}
			delete(inBed, bedLabel)
			delete(bedOf, mrn)
		case "RDE^O11":
			placer := msg.Get("ORC-2-1").Text()
			if msg.Get("ORC-1").Text() == "DC" {
				stopped[placer] = true
			} else {
				orders[placer] = mrn
			}
		case "RAS^O17":
			placer := msg.Get("ORC-2-1").Text()
			if orders[placer] != mrn || stopped[placer] {
				t.Fatalf("message %d: administration of an order that is not active", i)
			}
		}
		if kind != "ADT^A03" && kind != "ADT^A11" {
			if _, ok := bedOf[mrn]; !ok {
				t.Fatalf("message %d (%s) about a patient not admitted", i, kind)
			}
		}
	}
	// The feed's own view of the census agrees with itself.
	if len(f.occ) != len(f.pats) {
		t.Errorf("%d beds occupied by %d patients", len(f.occ), len(f.pats))
	}
	for _, p := range f.pats {
		if f.occ[p.bed] != p {
			t.Errorf("patient %s not in their bed", p.mrn)
		}
	}
	adt := 0
	for k, c := range kinds {
		if strings.HasPrefix(k, "ADT") {
			adt += c
		}
	}
	t.Logf("boot %d, then %v", bootMsgs, kinds)
	if !(kinds["RAS^O17"] > kinds["ORU^R01"] && kinds["ORU^R01"] > kinds["RDE^O11"] && kinds["RDE^O11"] > adt) {
		t.Errorf("mix out of order: %v", kinds)
	}
	if share := float64(adt) / float64(live); share < 0.02 || share > 0.12 {
		t.Errorf("ADT share %.3f, want 2-12%%", share)
	}
	for _, k := range []string{"ADT^A01", "ADT^A02", "ADT^A03", "ADT^A08", "MDM^T02"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in %d messages", k, live)
		}
	}
}

// checkOnCensus checks that an admission maps to an in-progress encounter
// whose bed Location is named as Generate names it.
func checkOnCensus(t *testing.T, i int, res *hl7fhir.Result, bedLabel string) {
	t.Helper()
	var enc, bed bool
	for _, o := range res.Resources {
		if o.Type != "Encounter" && o.Type != "Location" {
			continue
		}
		var v struct {
			Status string `json:"status"`
			Name   string `json:"name"`
		}
		if err := json.Unmarshal(o.JSON, &v); err != nil {
			t.Fatal(err)
		}
		enc = enc || o.Type == "Encounter" && v.Status == "in-progress"
		bed = bed || o.Type == "Location" && v.Name == bedLabel
	}
	if !enc || !bed {
		t.Errorf("message %d: in-progress encounter %v, bed location %v", i, enc, bed)
	}
}

// TestFeedSharedIdentifiers checks that messages about the starting census
// carry Generate's MRNs and beds, and that CensusSilent never names them.
func TestFeedSharedIdentifiers(t *testing.T) {
	beds := map[string]string{} // MRN -> bed label of the demo store
	var mrn string
	err := Generate(Options{Seed: 3, Now: feedStart}, func(typ, id string, data []byte) error {
		var v fhirJSON
		switch typ {
		case "Patient":
			if err := json.Unmarshal(data, &v); err != nil {
				return err
			}
			mrn = v.Identifier[0].Value
		case "Encounter":
			var e struct {
				Status   string `json:"status"`
				Location []struct {
					Location struct{ Display string } `json:"location"`
					Status   string                   `json:"status"`
				} `json:"location"`
			}
			if err := json.Unmarshal(data, &e); err != nil {
				return err
			}
			for _, l := range e.Location {
				if e.Status == "in-progress" && l.Status == "active" {
					beds[mrn] = l.Location.Display
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	shared, silent := newTestFeed(t, CensusShared, 3), newTestFeed(t, CensusSilent, 3)
	known := 0
	moved := map[string]bool{}
	for i := range 400 {
		data, kind, _ := shared.Next(at(i))
		msg, _ := hl7v2.Parse(data)
		m := msg.Get("PID-3-1").Text()
		if b, ok := beds[m]; ok && !moved[m] {
			known++
			if got := msg.Get("PV1-3-3").Text(); got != b && kind != "ADT^A02" {
				t.Errorf("message %d: patient in bed %s, Generate has %s", i, got, b)
			}
		}
		if kind == "ADT^A02" {
			moved[m] = true
		}
		data, _, _ = silent.Next(at(i))
		msg, _ = hl7v2.Parse(data)
		if _, ok := beds[msg.Get("PID-3-1").Text()]; ok {
			t.Fatalf("silent feed message %d names a starting patient", i)
		}
	}
	if known < 300 {
		t.Errorf("only %d of 400 messages about the starting census", known)
	}
}

// TestFeedCancels checks A11 and A13, too rare to count on in a short run.
func TestFeedCancels(t *testing.T) {
	f := newTestFeed(t, CensusShared, 5)
	now := feedStart
	status := func(kind string) string {
		t.Helper()
		data, ok, err := f.event(now, kind)
		if !ok || err != nil {
			t.Fatalf("%s: ok %v, %v", kind, ok, err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := hl7fhir.Map(msg, hl7fhir.Options{})
		if err != nil || len(res.Warnings) > 0 {
			t.Fatalf("%s: %v %v", kind, err, res)
		}
		for _, o := range res.Resources {
			if o.Type == "Encounter" {
				var v struct{ Status string }
				_ = json.Unmarshal(o.JSON, &v)
				return v.Status
			}
		}
		return ""
	}
	census := f.Census()
	if s := status(KindAdmit); s != "in-progress" || f.Census() != census+1 {
		t.Fatalf("admit: %s, census %d", s, f.Census())
	}
	now = now.Add(20 * time.Minute)
	if s := status(KindCancelAdmit); s != "cancelled" || f.Census() != census {
		t.Fatalf("cancel admit: %s, census %d", s, f.Census())
	}
	if s := status(KindDischarge); s != "finished" || f.Census() != census-1 {
		t.Fatalf("discharge: %s, census %d", s, f.Census())
	}
	now = now.Add(30 * time.Minute)
	if s := status(KindCancelDischarge); s != "in-progress" || f.Census() != census {
		t.Fatalf("cancel discharge: %s, census %d", s, f.Census())
	}
	if _, ok, _ := f.event(now, KindCancelDischarge); ok {
		t.Error("a discharge cancelled twice")
	}
}

func BenchmarkFeedNext(b *testing.B) {
	f := newTestFeed(b, CensusShared, 1)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, _, err := f.Next(at(i)); err != nil {
			b.Fatal(err)
		}
	}
}
