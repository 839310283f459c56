package ehr

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSinceAfterAdvance(t *testing.T) {
	e := newEnv(t, Options{Seed: 4, FileResources: 1000})
	m0, _ := e.export(t, "/fhir/$export")
	tx := m0.TransactionTime

	changed, deleted := map[string]bool{}, map[string]bool{}
	var admissions, discharges, transfers int
	for i := 1; i <= 60 && (len(deleted) == 0 || admissions == 0 || discharges == 0 || transfers == 0); i++ {
		st := e.srv.Advance(tx.Add(time.Duration(i) * time.Minute))
		if !st.Time.After(tx) {
			t.Fatalf("step %d at %v, not after %v", i, st.Time, tx)
		}
		for _, k := range append(st.Created, st.Updated...) {
			changed[k] = true
		}
		for _, k := range st.Deleted {
			deleted[k] = true
			delete(changed, k)
		}
		for _, k := range st.Created {
			if strings.HasPrefix(k, "Patient/") {
				admissions++
			}
		}
		for _, k := range st.Updated {
			if !strings.HasPrefix(k, "Encounter/") {
				continue
			}
			var enc struct {
				Status   string
				Location []struct{ Status string }
			}
			if err := json.Unmarshal(body(t, e.do(t, "GET", "/fhir/"+k)), &enc); err != nil {
				t.Fatal(err)
			}
			if enc.Status == "finished" {
				discharges++
			} else if n := len(enc.Location); n > 1 && enc.Location[n-1].Status == "active" && enc.Location[n-2].Status == "completed" {
				transfers++
			}
		}
	}
	if len(deleted) == 0 || admissions == 0 || discharges == 0 || transfers == 0 {
		t.Fatalf("in 60 steps: %d deletions, %d admissions, %d discharges, %d transfers", len(deleted), admissions, discharges, transfers)
	}
	e.clock.Set(tx.Add(2 * time.Hour))
	m, out := e.export(t, "/fhir/$export?_since="+tx.Format(time.RFC3339Nano))
	if !m.TransactionTime.Equal(tx.Add(2 * time.Hour)) {
		t.Errorf("transactionTime %v", m.TransactionTime)
	}
	got := map[string]bool{}
	for typ, rs := range out {
		for _, r := range rs {
			k := typ + "/" + r.ID
			got[k] = true
			if !changed[k] {
				t.Errorf("%s is in the _since export but did not change", k)
			}
			if !r.Meta.LastUpdated.After(tx) {
				t.Errorf("%s: lastUpdated %v, not after _since", k, r.Meta.LastUpdated)
			}
		}
	}
	for k := range changed {
		if !got[k] {
			t.Errorf("%s changed but is not in the _since export", k)
		}
	}
	dels := e.deletedURLs(t, m)
	if len(dels) != len(deleted) {
		t.Errorf("deleted files list %d, want %d", len(dels), len(deleted))
	}
	for _, u := range dels {
		if !deleted[u] {
			t.Errorf("%s is listed as deleted but was not", u)
		}
		expectOutcome(t, e.do(t, "GET", "/fhir/"+u), 410)
	}
	// An updated Encounter reads back as exported, with a higher version.
	for _, r := range out["Encounter"] {
		var enc struct {
			Status string
			Meta   struct{ VersionID string }
		}
		if err := json.Unmarshal(body(t, e.do(t, "GET", "/fhir/Encounter/"+r.ID)), &enc); err != nil {
			t.Fatal(err)
		}
		if enc.Meta.VersionID != r.Meta.VersionID || enc.Status != "in-progress" && enc.Status != "finished" {
			t.Errorf("Encounter/%s reads version %s status %s, exported version %s", r.ID, enc.Meta.VersionID, enc.Status, r.Meta.VersionID)
		}
	}
	// Nothing changed since the second export.
	m2, out2 := e.export(t, "/fhir/$export?_since="+m.TransactionTime.Format(time.RFC3339Nano))
	if len(out2) != 0 || m2.Deleted == nil || len(m2.Deleted) != 0 {
		t.Errorf("export since the last one has %d types and deleted %v", len(out2), m2.Deleted)
	}
	// A _type filter applies to deletions too.
	m3, _ := e.export(t, "/fhir/$export?_type=Patient&_since="+tx.Format(time.RFC3339Nano))
	if len(m3.Deleted) != 0 {
		t.Errorf("Patient export lists deleted observations")
	}
}

func TestAdvanceAfterExportAtSameTime(t *testing.T) {
	e := newEnv(t, Options{Seed: 6, Patients: 40})
	m, _ := e.poll(t, e.kickoff(t, "/fhir/$export?_type=Patient"))
	st := e.srv.Advance(e.clock.Now()) // the clock has not moved since the export
	if !st.Time.After(m.TransactionTime) {
		t.Fatalf("changes at %v, not after the export's transactionTime %v", st.Time, m.TransactionTime)
	}
	_, out := e.export(t, "/fhir/$export?_since="+m.TransactionTime.Format(time.RFC3339Nano))
	n := 0
	for _, rs := range out {
		n += len(rs)
	}
	if n != len(st.Created)+len(st.Updated) {
		t.Errorf("_since export has %d resources, the step changed %d", n, len(st.Created)+len(st.Updated))
	}
}

func TestAdvanceKeepsHospitalConsistent(t *testing.T) {
	e := newEnv(t, Options{Seed: 8, Patients: 60})
	s := e.srv
	before := s.Stats()
	for i := range 150 {
		s.Advance(t0.Add(time.Duration(i+1) * time.Minute))
	}
	st := s.Stats()
	if st.Resources != before.Resources+int(st.Created-st.Deleted) || st.Changes != st.Created+st.Updated+st.Deleted || st.Steps != 150 {
		t.Errorf("stats before %+v after %+v", before, st)
	}
	if st.Admitted < before.Admitted/2 || st.Admitted > before.Admitted*3/2 {
		t.Errorf("census went from %d to %d", before.Admitted, st.Admitted)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	admitted := 0
	for _, p := range s.st.pats {
		if p.enc == nil {
			continue
		}
		admitted++
		if p.bed == nil || p.bed.occupant != p {
			t.Fatalf("patient %s is admitted without a bed of their own", p.id)
		}
		var enc struct{ Status string }
		if json.Unmarshal(p.enc.line, &enc); enc.Status != "in-progress" {
			t.Fatalf("patient %s's current encounter is %q", p.id, enc.Status)
		}
		// Nobody is moved into pediatrics or maternity, nor out of them.
		if k := p.bed.unit.kind; (k == "Pediatrics" || k == "Maternity") && p.enc.version != 1 {
			t.Errorf("patient %s was moved on %s", p.id, k)
		}
	}
	kinds := map[string]bool{}
	for _, u := range s.st.units {
		kinds[u.kind] = true
	}
	if !kinds["Pediatrics"] || !kinds["Maternity"] || !kinds["ICU"] {
		t.Errorf("unit kinds %v", kinds)
	}
	if admitted != s.st.admitted || admitted != st.Admitted {
		t.Errorf("%d admitted, store says %d", admitted, s.st.admitted)
	}
	for _, b := range s.st.beds {
		if b.occupant != nil && b.occupant.bed != b {
			t.Fatalf("bed %s holds a patient who is elsewhere", b.id)
		}
	}
	for kk, en := range s.st.byKey {
		k := s.st.types[kk.typ] + "/" + kk.id
		var r res
		if err := json.Unmarshal(en.line, &r); err != nil || r.Meta.VersionID != itoa(en.version) || !r.Meta.LastUpdated.Equal(en.updated) {
			t.Fatalf("%s: %v meta %+v, stored version %d at %v", k, err, r.Meta, en.version, en.updated)
		}
		if en.version == 1 && !strings.Contains(en.id, "-live-") {
			continue
		}
		// What Advance wrote has the shapes FHIR gives it.
		var x shapes
		if err := json.Unmarshal(en.line, &x); err != nil {
			t.Fatalf("%s: %v: %s", k, err, en.line)
		}
		if strings.Contains(en.id, "-live-") && strings.HasPrefix(k, "Observation/") && !strings.Contains(string(en.line),
			`"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"`) {
			t.Fatalf("%s: interpretation %s", k, en.line)
		}
	}
}

// shapes are elements Advance writes, typed so that a wrong JSON type fails
// to decode.
type shapes struct {
	ValueQuantity *quantity `json:"valueQuantity"`
	Component     []struct {
		ValueQuantity  *quantity `json:"valueQuantity"`
		Interpretation []cc      `json:"interpretation"`
	} `json:"component"`
	Interpretation []cc `json:"interpretation"`
	Location       []struct {
		Location     struct{ Reference string }  `json:"location"`
		Status       string                      `json:"status"`
		PhysicalType *cc                         `json:"physicalType"`
		Period       struct{ Start, End string } `json:"period"`
	} `json:"location"`
	Period            *struct{ Start, End string }            `json:"period"`
	OperationalStatus *struct{ System, Code, Display string } `json:"operationalStatus"`
	Dosage            *struct {
		Dose  *quantity `json:"dose"`
		Route *cc       `json:"route"`
	} `json:"dosage"`
	Hospitalization *struct {
		DischargeDisposition *cc `json:"dischargeDisposition"`
	} `json:"hospitalization"`
}

type quantity struct {
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
}

type cc struct {
	Coding []struct{ System, Code, Display string } `json:"coding"`
	Text   string                                   `json:"text"`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestRun(t *testing.T) {
	e := newEnv(t, Options{Seed: 1, Patients: 20})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx, 2*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.Stats().Steps < 3 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := e.srv.Stats(); st.Steps < 3 || st.Changes == 0 {
		t.Errorf("after Run: %+v", st)
	}
	if err := e.srv.Run(context.Background(), 0); err == nil {
		t.Error("Run with no interval did not fail")
	}
}
