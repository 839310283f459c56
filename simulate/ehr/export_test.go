package ehr

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/simulate"
)

// generated counts the resources simulate.Generate makes, by type.
func generated(t testing.TB, seed uint64, n int) map[string]int {
	t.Helper()
	m := map[string]int{}
	err := simulate.Generate(simulate.Options{Seed: seed, Now: t0, Patients: n}, func(typ, id string, b []byte) error {
		m[typ]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExportFlow(t *testing.T) {
	e := newEnv(t, Options{Seed: 7, ReadyAfterPolls: 2, FileResources: 5000})
	status := e.kickoff(t, "/fhir/$export")
	m, waits := e.poll(t, status)
	if waits != 2 {
		t.Errorf("%d polls answered 202, want 2", waits)
	}
	if !m.TransactionTime.Equal(t0) {
		t.Errorf("transactionTime %v, want %v", m.TransactionTime, t0)
	}
	if m.Request != e.ts.URL+"/fhir/$export" || m.RequiresAccessToken || m.Error == nil || len(m.Error) != 0 || m.Deleted != nil {
		t.Errorf("manifest request %q requiresAccessToken %v error %v deleted %v", m.Request, m.RequiresAccessToken, m.Error, m.Deleted)
	}
	want := generated(t, 7, 0)
	got := map[string]int{}
	files := map[string]int{}
	for _, it := range m.Output {
		got[it.Type] += it.Count
		files[it.Type]++
		if it.Count > 5000 || it.Count == 0 {
			t.Errorf("%s has %d resources", it.URL, it.Count)
		}
	}
	if files["Observation"] != (want["Observation"]+4999)/5000 {
		t.Errorf("%d Observation files for %d resources of at most 5000", files["Observation"], want["Observation"])
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: manifest counts %d, generated %d", typ, got[typ], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("manifest types %v, generated %v", got, want)
	}
	// The files hold what the manifest says, each resource once, with meta.
	_, out := e.export(t, "/fhir/$export")
	seen := map[string]bool{}
	for typ, rs := range out {
		if len(rs) != want[typ] {
			t.Errorf("%s: %d in files, generated %d", typ, len(rs), want[typ])
		}
		for _, r := range rs {
			k := typ + "/" + r.ID
			if seen[k] {
				t.Fatalf("%s exported twice", k)
			}
			seen[k] = true
			if r.Meta.VersionID != "1" || r.Meta.LastUpdated.IsZero() || r.Meta.LastUpdated.After(t0) {
				t.Fatalf("%s: meta %+v", k, r.Meta)
			}
		}
	}
	if st := e.srv.Stats(); st.Exports != 2 || st.Resources != len(seen) || st.Patients != simulate.DefaultPatients {
		t.Errorf("stats %+v", st)
	}
}

func TestExportReadyImmediately(t *testing.T) {
	e := newEnv(t, Options{Seed: 1, Patients: 20, ReadyAfterPolls: -1})
	if _, waits := e.poll(t, e.kickoff(t, "/fhir/Patient/$export")); waits != 0 {
		t.Errorf("%d polls answered 202, want none", waits)
	}
}

func TestExportTypeFilter(t *testing.T) {
	e := newEnv(t, Options{Seed: 3, Patients: 30})
	counts := e.srv.Counts()
	m, out := e.export(t, "/fhir/$export?_type=Patient,Encounter&_type=Patient,MedicationRequest&_outputFormat=ndjson")
	if len(out) != 3 || len(out["Patient"]) != counts["Patient"] || len(out["Encounter"]) != counts["Encounter"] ||
		len(out["MedicationRequest"]) != counts["MedicationRequest"] {
		t.Errorf("_type export has %d types: Patient %d Encounter %d MedicationRequest %d", len(out),
			len(out["Patient"]), len(out["Encounter"]), len(out["MedicationRequest"]))
	}
	if !strings.Contains(m.Request, "_type=Patient,Encounter") {
		t.Errorf("request %q", m.Request)
	}
	// An unknown type is refused, unless the client asks for leniency.
	expectOutcome(t, e.do(t, "GET", "/fhir/$export?_type=Patient,Spaceship", "Prefer", "respond-async"), 400)
	resp := e.do(t, "GET", "/fhir/$export?_type=Patient,Spaceship&_elements=id", "Prefer", "respond-async, handling=lenient")
	body(t, resp)
	if resp.StatusCode != 202 {
		t.Fatalf("lenient kick-off: %d", resp.StatusCode)
	}
	m, _ = e.poll(t, resp.Header.Get("Content-Location"))
	if len(m.Output) != 1 || m.Output[0].Type != "Patient" || len(m.Error) != 1 || m.Error[0].Type != "OperationOutcome" {
		t.Fatalf("lenient manifest %+v", m)
	}
	if lines := e.download(t, m.Error[0].URL); len(lines) != 2 || !bytes.Contains(lines[1], []byte("Spaceship")) {
		t.Errorf("error file %s", bytes.Join(lines, []byte("\n")))
	}
}

func TestExportRefusals(t *testing.T) {
	e := newEnv(t, Options{Seed: 3, Patients: 10})
	async := []string{"Prefer", "respond-async"}
	for _, q := range []string{
		"_outputFormat=application/fhir%2Bjson", "_elements=id", "_typeFilter=Observation%3Fstatus%3Dfinal",
		"includeAssociatedData=LatestProvenanceResources", "color=blue", "_since=yesterday", "_since=2025-01-01T00:00:00Z&_since=2025-01-02T00:00:00Z",
	} {
		if code := expectOutcome(t, e.do(t, "GET", "/fhir/$export?"+q, async...), 400); code != "invalid" {
			t.Errorf("%s: issue code %q", q, code)
		}
	}
	expectOutcome(t, e.do(t, "GET", "/fhir/$export"), 400)                                                   // no Prefer
	expectOutcome(t, e.do(t, "GET", "/fhir/$export", "Prefer", "respond-async", "Accept", "text/html"), 400) // wrong Accept
	expectOutcome(t, e.do(t, "POST", "/fhir/$export", async...), 405)
	expectOutcome(t, e.do(t, "GET", "/fhir/Group/nowhere/$export", async...), 404)
	expectOutcome(t, e.do(t, "GET", "/fhir/bulk/0123456789abcdef"), 404)
	expectOutcome(t, e.do(t, "GET", "/fhir/nothing/here/at/all"), 404)
	for _, f := range []string{"application/fhir+ndjson", "application/ndjson", "ndjson"} {
		e.kickoff(t, "/fhir/$export?_type=Patient&_outputFormat="+url.QueryEscape(f))
	}
	// A time zone offset with an unescaped '+' still parses.
	e.kickoff(t, "/fhir/$export?_since=2025-03-01T13:00:00+01:00")
}

func TestGroupExport(t *testing.T) {
	e := newEnv(t, Options{Seed: 5})
	groups := e.srv.Groups()
	if len(groups) < 10 || groups[0] != "all" {
		t.Fatalf("groups %v", groups)
	}
	var g struct {
		Name     string
		Quantity int
		Member   []struct{ Entity struct{ Reference string } }
	}
	if err := json.Unmarshal(body(t, e.do(t, "GET", "/fhir/Group/unit-micu")), &g); err != nil || g.Quantity == 0 || len(g.Member) != g.Quantity {
		t.Fatalf("Group/unit-micu: %v %+v", err, g)
	}
	members := map[string]bool{}
	for _, m := range g.Member {
		members[m.Entity.Reference] = true
	}
	_, out := e.export(t, "/fhir/Group/unit-micu/$export")
	if len(out["Patient"]) != g.Quantity {
		t.Errorf("group export has %d patients, the group %d", len(out["Patient"]), g.Quantity)
	}
	for typ, rs := range out {
		for _, r := range rs {
			ref := ""
			switch {
			case typ == "Patient":
				ref = "Patient/" + r.ID
			case r.Subject != nil:
				ref = r.Subject.Reference
			case r.Patient != nil:
				ref = r.Patient.Reference
			default:
				if typ != "Location" && typ != "Practitioner" && typ != "Organization" {
					t.Fatalf("%s/%s has no patient", typ, r.ID)
				}
				continue
			}
			if !members[ref] {
				t.Fatalf("%s/%s belongs to %s, not in the unit", typ, r.ID, ref)
			}
		}
	}
	_, all := e.export(t, "/fhir/Patient/$export?_type=Patient")
	if len(all["Patient"]) != simulate.DefaultPatients {
		t.Errorf("Patient/$export has %d patients", len(all["Patient"]))
	}
	_, all = e.export(t, "/fhir/Group/all/$export?_type=Patient")
	if len(all["Patient"]) != simulate.DefaultPatients {
		t.Errorf("Group/all has %d patients", len(all["Patient"]))
	}
	var bundle struct{ Total int }
	if json.Unmarshal(body(t, e.do(t, "GET", "/fhir/Group")), &bundle); bundle.Total != len(groups) {
		t.Errorf("Group search has %d, want %d", bundle.Total, len(groups))
	}
}

func TestDeleteJob(t *testing.T) {
	e := newEnv(t, Options{Seed: 2, Patients: 10})
	status := e.kickoff(t, "/fhir/$export?_type=Patient")
	m, _ := e.poll(t, status)
	resp := e.do(t, "DELETE", status)
	if body(t, resp); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	expectOutcome(t, e.do(t, "GET", status), 404)
	expectOutcome(t, e.do(t, "GET", m.Output[0].URL), 404)
	expectOutcome(t, e.do(t, "DELETE", status), 404)
	// A job can also be cancelled before it is ready.
	status = e.kickoff(t, "/fhir/$export")
	resp = e.do(t, "DELETE", status)
	if body(t, resp); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	expectOutcome(t, e.do(t, "GET", status), 404)
}

func TestDownloadGzipAndRange(t *testing.T) {
	e := newEnv(t, Options{Seed: 2, Patients: 15})
	m, _ := e.poll(t, e.kickoff(t, "/fhir/$export?_type=Observation"))
	u := m.Output[0].URL
	resp := e.do(t, "GET", u)
	plain := body(t, resp)
	if resp.Header.Get("Content-Encoding") != "" || resp.ContentLength != int64(len(plain)) {
		t.Errorf("identity download: encoding %q length %d of %d", resp.Header.Get("Content-Encoding"), resp.ContentLength, len(plain))
	}
	resp = e.do(t, "GET", u, "Accept-Encoding", "gzip")
	zipped := body(t, resp)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(zipped) >= len(plain)/3 {
		t.Fatalf("gzip download: encoding %q, %d bytes for %d", resp.Header.Get("Content-Encoding"), len(zipped), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, plain) {
		t.Fatalf("gunzipped file differs (%v)", err)
	}
	resp = e.do(t, "GET", u, "Accept-Encoding", "gzip;q=0, identity")
	if body(t, resp); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 was compressed")
	}
	resp = e.do(t, "GET", u, "Range", "bytes=1000-4999")
	if part := body(t, resp); resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, plain[1000:5000]) {
		t.Errorf("range: %d, %d bytes", resp.StatusCode, len(part))
	}
}

func TestReadAndMetadata(t *testing.T) {
	e := newEnv(t, Options{Seed: 9, Patients: 12})
	_, out := e.export(t, "/fhir/$export?_type=Patient")
	id := out["Patient"][0].ID
	resp := e.do(t, "GET", "/fhir/Patient/"+id)
	b := body(t, resp)
	var r res
	if err := json.Unmarshal(b, &r); err != nil || r.ID != id || resp.Header.Get("ETag") != `W/"1"` {
		t.Fatalf("read: %v %s %v", err, b, resp.Header)
	}
	expectOutcome(t, e.do(t, "GET", "/fhir/Patient/nobody"), 404)
	expectOutcome(t, e.do(t, "PUT", "/fhir/Patient/"+id), 405)

	var cs struct {
		ResourceType string
		Rest         []struct {
			Operation []struct{ Name, Definition string }
			Resource  []struct {
				Type      string
				Operation []struct{ Name, Definition string }
			}
		}
	}
	if err := json.Unmarshal(body(t, e.do(t, "GET", "/fhir/metadata")), &cs); err != nil || cs.ResourceType != "CapabilityStatement" {
		t.Fatalf("metadata: %v", err)
	}
	ops := map[string]bool{}
	for _, o := range cs.Rest[0].Operation {
		ops[o.Definition] = true
	}
	for _, r := range cs.Rest[0].Resource {
		for _, o := range r.Operation {
			ops[o.Definition] = true
		}
	}
	for _, d := range []string{opExport, opPatientExport, opGroupExport} {
		if !ops[d] {
			t.Errorf("metadata does not name %s", d)
		}
	}
	// Without authorization there is no SMART configuration.
	expectOutcome(t, e.do(t, "GET", "/fhir/.well-known/smart-configuration"), 404)
}

func TestDeterministic(t *testing.T) {
	run := func(seed uint64) []byte {
		e := newEnv(t, Options{Seed: seed, Patients: 25})
		var all []byte
		m, _ := e.poll(t, e.kickoff(t, "/fhir/$export"))
		for _, it := range m.Output {
			all = append(all, bytes.Join(e.download(t, it.URL), []byte("\n"))...)
		}
		for i := range 6 {
			e.srv.Advance(t0.Add(time.Duration(i+1) * time.Minute))
		}
		m, _ = e.poll(t, e.kickoff(t, "/fhir/$export?_since="+m.TransactionTime.Format(time.RFC3339Nano)))
		for _, it := range append(m.Output, m.Deleted...) {
			all = append(all, bytes.Join(e.download(t, it.URL), []byte("\n"))...)
		}
		return all
	}
	a, b, c := run(11), run(11), run(12)
	if !bytes.Equal(a, b) {
		t.Error("the same seed and clock gave different exports")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same export")
	}
}

func TestJobLimits(t *testing.T) {
	e := newEnv(t, Options{Seed: 2, Patients: 5, MaxJobs: 2})
	first := e.kickoff(t, "/fhir/$export?_type=Patient")
	second := e.kickoff(t, "/fhir/$export?_type=Patient")
	e.kickoff(t, "/fhir/$export?_type=Patient")
	expectOutcome(t, e.do(t, "GET", first), 404) // the oldest made room
	e.poll(t, second)
	e.clock.Add(2 * time.Hour)
	e.kickoff(t, "/fhir/$export?_type=Patient")
	expectOutcome(t, e.do(t, "GET", second), 404) // expired
}
