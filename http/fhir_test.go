package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// apiToken creates an API token for user and returns the raw token.
func (e *env) apiToken(user string) string {
	e.t.Helper()
	tok, err := NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := e.users.UserByName(context.Background(), user)
	_ = e.users.CreateAPIToken(context.Background(), &lifeboat.APIToken{TokenHash: HashToken(tok), UserID: u.ID})
	return tok
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return m
}

func TestFHIRMetadata(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do(e.client(), "GET", "/fhir/metadata", nil)
	m := decode(t, body)
	if resp.StatusCode != 200 || m["resourceType"] != "CapabilityStatement" || m["fhirVersion"] != "4.0.1" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") {
		t.Errorf("metadata: %d %v", resp.StatusCode, m["resourceType"])
	}
}

func TestFHIRRead(t *testing.T) {
	e := newEnv(t)
	bearer := []string{"Authorization", "Bearer " + e.apiToken("nurse")}
	c := e.client()
	resp, body := e.do(c, "GET", "/fhir/Patient/"+patID, nil, bearer...)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") ||
		body != string(e.s.Resources.(*fakeResources).m["Patient/"+patID].JSON) || resp.Header.Get("ETag") != `W/"3"` {
		t.Fatalf("read: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	ev := e.audit.find(lifeboat.AuditFHIRRead)
	if len(ev) != 1 || ev[0].User != "nurse" || ev[0].PatientID != patID || ev[0].Outcome != "ok" {
		t.Errorf("fhir read audit = %+v", ev)
	}
	// The patient of a non-Patient resource comes from its index.
	e.do(c, "GET", "/fhir/Observation/obs1", nil, bearer...)
	if ev := e.audit.find(lifeboat.AuditFHIRRead); ev[1].PatientID != patID || ev[1].Query != "Observation/obs1" {
		t.Errorf("observation audit = %+v", ev[1])
	}
	for _, tc := range []struct {
		path string
		hdr  []string
		code int
		ooc  string
	}{
		{"/fhir/Patient/" + patID, nil, 401, "login"},
		{"/fhir/Patient/" + patID, []string{"Authorization", "Basic bnVyc2U6eA=="}, 401, "login"},
		{"/fhir/Patient/none", bearer, 404, "not-found"},
		{"/fhir/Observation/gone", bearer, 410, "deleted"},
		{"/fhir/patient/" + patID, bearer, 400, "invalid"},
		{"/fhir/Patient/" + patID + "/$everything", bearer, 404, "not-found"},
	} {
		resp, body := e.do(c, "GET", tc.path, nil, tc.hdr...)
		m := decode(t, body)
		issue, _ := m["issue"].([]any)
		if resp.StatusCode != tc.code || m["resourceType"] != "OperationOutcome" || len(issue) != 1 ||
			issue[0].(map[string]any)["code"] != tc.ooc {
			t.Errorf("%s: %d %s; want %d %s", tc.path, resp.StatusCode, body, tc.code, tc.ooc)
		}
		if tc.code == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.path)
		}
	}
	// A session works as well as a token; writes are refused.
	s := e.session("nurse")
	if resp, _ := e.do(s, "GET", "/fhir/Patient/"+patID, nil); resp.StatusCode != 200 {
		t.Errorf("read with a session: %d", resp.StatusCode)
	}
	if resp, _ := e.do(c, "DELETE", "/fhir/Patient/"+patID, nil, bearer...); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d; want 405", resp.StatusCode)
	}
}

func TestFHIRSearch(t *testing.T) {
	e := newEnv(t)
	bearer := []string{"Authorization", "Bearer " + e.apiToken("nurse")}
	c := e.client()
	resp, body := e.do(c, "GET", "/fhir/Observation?patient="+patID, nil, bearer...)
	m := decode(t, body)
	entries, _ := m["entry"].([]any)
	if resp.StatusCode != 200 || m["resourceType"] != "Bundle" || m["type"] != "searchset" || len(entries) != 1 {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	entry := entries[0].(map[string]any)
	if !strings.HasSuffix(entry["fullUrl"].(string), "/fhir/Observation/obs1") ||
		entry["resource"].(map[string]any)["id"] != "obs1" {
		t.Errorf("entry = %v", entry)
	}
	ev := e.audit.find(lifeboat.AuditFHIRSearch)
	if len(ev) != 1 || ev[0].PatientID != patID || ev[0].User != "nurse" {
		t.Errorf("fhir search audit = %+v", ev)
	}
	_, body = e.do(c, "GET", "/fhir/Patient?identifier=urn:mrn|"+patMRN, nil, bearer...)
	if m := decode(t, body); m["total"] != 1.0 {
		t.Errorf("Patient by identifier: %s", body)
	}
	_, body = e.do(c, "GET", "/fhir/Patient?identifier=urn:other|"+patMRN, nil, bearer...)
	if m := decode(t, body); m["total"] != 0.0 || m["entry"] != nil {
		t.Errorf("Patient by identifier of another system: %s", body)
	}
	for _, q := range []string{"/fhir/Observation", "/fhir/Observation?patient=" + patID + "&code=x",
		"/fhir/Observation?name=x", "/fhir/Patient", "/fhir/Observation?patient=a/b",
		"/fhir/Observation?patient=" + patID + "&_count=0"} {
		resp, body := e.do(c, "GET", q, nil, bearer...)
		if resp.StatusCode != 400 || !strings.Contains(body, `"invalid"`) {
			t.Errorf("%s: %d; want 400", q, resp.StatusCode)
		}
	}
}
