package http

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestFHIREverythingStore(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	enc, err := e.db.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}, Limit: 1})
	if err != nil || len(enc) == 0 {
		t.Fatal(enc, err)
	}
	pid := enc[0].Index.Patient
	about, err := e.db.PatientResources(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range about {
		if r.Type != "Patient" {
			want = append(want, r.Type+"/"+r.ID)
		}
	}
	slices.Sort(want)

	es, _, m := e.bundle("/fhir/Patient/" + pid + "/$everything?_count=1000")
	if len(es) == 0 || es[0].Type != "Patient" || es[0].ID != pid || es[0].Mode != "match" {
		t.Fatalf("first entry %+v", es)
	}
	var matches, includes []string
	for _, x := range es[1:] {
		switch {
		case x.Mode == "match":
			matches = append(matches, x.Type+"/"+x.ID)
		case slices.Contains(sharedTypes, x.Type):
			includes = append(includes, x.Type)
		default:
			t.Errorf("included %s/%s", x.Type, x.ID)
		}
	}
	if slices.Sort(matches); !slices.Equal(matches, want) {
		t.Errorf("matches %d, want %d", len(matches), len(want))
	}
	for _, typ := range []string{"Practitioner", "Location", "Organization"} {
		if !slices.Contains(includes, typ) {
			t.Errorf("no %s included: %v", typ, includes)
		}
	}
	if m["total"] != float64(len(want)+1) {
		t.Errorf("total %v, want %d", m["total"], len(want)+1)
	}

	// Paged: every match exactly once, the Patient only first.
	var paged []string
	for i, x := range e.all("/fhir/Patient/" + pid + "/$everything?_count=9") {
		if x.Type == "Patient" && i != 0 {
			t.Errorf("Patient again at %d", i)
		}
		if x.Mode == "match" && x.Type != "Patient" {
			paged = append(paged, x.Type+"/"+x.ID)
		}
	}
	if slices.Sort(paged); !slices.Equal(paged, want) {
		t.Errorf("paged matches %d, want %d", len(paged), len(want))
	}

	// _type and _since.
	es, _, _ = e.bundle("/fhir/Patient/" + pid + "/$everything?_type=Observation,Practitioner&_count=1000")
	for _, x := range es {
		if x.Type != "Observation" && x.Type != "Practitioner" {
			t.Errorf("_type: got %s", x.Type)
		}
	}
	es, _, _ = e.bundle("/fhir/Patient/" + pid + "/$everything?_since=" + url.QueryEscape(apiNow.Add(time.Hour).Format(time.RFC3339)))
	for i, x := range es {
		if i == 0 && x.Type != "Patient" || i > 0 && x.Mode != "include" {
			t.Errorf("_since after every update: %+v", es)
		}
	}

	// Audited with the patient, without the cursor.
	evs, err := e.db.AuditEvents(ctx, lifeboat.AuditFilter{PatientID: pid, Action: lifeboat.AuditFHIRSearch, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if strings.Contains(ev.Query, "$everything") {
			n++
			if strings.Contains(ev.Query, cursorParam) && !strings.Contains(ev.Query, cursorParam+"=next") {
				t.Errorf("audit query %q", ev.Query)
			}
		}
	}
	if n < 3 {
		t.Errorf("%d $everything audit records", n)
	}
}

// TestFHIRNoCredentials checks that every API route answers 401 without a
// token or session, with no patient data in the answer.
func TestFHIRNoCredentials(t *testing.T) {
	e := newAPIEnv(t)
	for _, path := range []string{"/fhir/Patient/zz-1", "/fhir/Patient?family=angstrom", "/fhir/Patient/zz-1/$everything",
		"/fhir/Observation", "/fhir/Patient?identifier=Z100"} {
		for _, auth := range []string{"", "Bearer " + strings.Repeat("A", 43), "Bearer nonsense"} {
			req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(b), `"OperationOutcome"`) {
				t.Errorf("%s (%q): %d %s", path, auth, resp.StatusCode, b)
			}
			for _, phi := range []string{"Ångström", "Angstr", "Z100", "1948", "zz-1"} {
				if strings.Contains(string(b), phi) {
					t.Errorf("%s: 401 body shows %q", path, phi)
				}
			}
		}
	}
}
