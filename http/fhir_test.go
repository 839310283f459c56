package http

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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

func TestFHIRCapabilityStatement(t *testing.T) {
	e := newEnv(t)
	_, body := e.do(e.client(), "GET", "/fhir/metadata", nil)
	var cs struct {
		Kind           string
		Implementation struct{ URL string }
		Format         []string
		Rest           []struct {
			Security struct{ Description string }
			Resource []struct {
				Type        string
				Interaction []struct{ Code string }
				SearchParam []struct{ Name, Type string }
				Operation   []struct{ Name, Definition string }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &cs); err != nil {
		t.Fatal(err)
	}
	if cs.Kind != "instance" || !strings.HasSuffix(cs.Implementation.URL, "/fhir/") || len(cs.Format) != 1 ||
		len(cs.Rest) != 1 || !strings.Contains(cs.Rest[0].Security.Description, "Bearer") {
		t.Fatalf("capability statement: %s", body)
	}
	params := map[string]string{}
	for _, r := range cs.Rest[0].Resource {
		if len(r.Interaction) != 2 || r.Interaction[0].Code != "read" || r.Interaction[1].Code != "search-type" {
			t.Errorf("%s interactions %v", r.Type, r.Interaction)
		}
		for _, p := range r.SearchParam {
			params[r.Type+"."+p.Name] = p.Type
		}
		if (len(r.Operation) == 1 && r.Operation[0].Name == "everything") != (r.Type == "Patient") {
			t.Errorf("%s operations %v", r.Type, r.Operation)
		}
		// Every listed parameter is accepted by the search.
		for _, p := range r.SearchParam {
			v := "x"
			switch p.Type {
			case "date":
				v = "ge2024-01-01"
			case "reference":
				v = "Patient/x"
			}
			resp, body := e.do(e.client(), "GET", "/fhir/"+r.Type+"?"+p.Name+"="+v, nil, "Authorization", "Bearer "+e.apiToken("nurse"))
			if resp.StatusCode != 200 {
				t.Errorf("%s?%s=%s: %d %s", r.Type, p.Name, v, resp.StatusCode, body)
			}
		}
	}
	for k, want := range map[string]string{"Patient.identifier": "token", "Patient.name": "string", "Patient.family": "string",
		"Patient.given": "string", "Patient.birthdate": "date", "Patient._id": "token", "Observation.patient": "reference",
		"Observation.subject": "reference", "Observation.category": "token", "Observation.code": "token", "Observation.date": "date",
		"Observation.status": "token", "Observation._lastUpdated": "date", "Encounter.class": "token", "Condition.clinical-status": "token",
		"Immunization.vaccine-code": "token", "Appointment.date": "date", "Flag.patient": "reference", "Practitioner._id": "token"} {
		if params[k] != want {
			t.Errorf("%s: %q, want %q", k, params[k], want)
		}
	}
	if resp, body := e.do(e.client(), "GET", "/fhir/metadata?_format=xml", nil); resp.StatusCode != 406 || !strings.Contains(body, "OperationOutcome") {
		t.Errorf("metadata as XML: %d %s", resp.StatusCode, body)
	}
}

func TestFHIRNegotiation(t *testing.T) {
	e := newEnv(t)
	bearer := "Bearer " + e.apiToken("nurse")
	for _, c := range []struct {
		accept, format string
		code           int
	}{
		{"", "", 200},
		{"application/fhir+json", "", 200},
		{"application/json", "", 200},
		{"application/fhir+json; fhirVersion=4.0", "", 200},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", 200},
		{"application/fhir+xml", "", 406},
		{"application/fhir+json;q=0, application/xml", "", 406},
		{"application/fhir+xml", "json", 200},
		{"", "application/fhir+json", 200},
		{"", "xml", 406},
		{"", "text/turtle", 406},
	} {
		path := "/fhir/Observation?patient=" + patID
		if c.format != "" {
			path += "&_format=" + url.QueryEscape(c.format)
		}
		resp, body := e.do(e.client(), "GET", path, nil, "Authorization", bearer, "Accept", c.accept)
		if resp.StatusCode != c.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") {
			t.Errorf("Accept %q _format %q: %d %s", c.accept, c.format, resp.StatusCode, body)
		}
		if c.code == 406 && !strings.Contains(body, `"not-supported"`) {
			t.Errorf("406 body %s", body)
		}
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
		{"/fhir/Patient/none/$everything", bearer, 404, "not-found"},
		{"/fhir/Observation/obs1/$everything", bearer, 404, "not-found"},
		{"/fhir/Patient/" + patID + "?_format=xml", bearer, 406, "not-supported"},
		{"/fhir/Patient/" + patID + "?_elements=id", bearer, 400, "invalid"},
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
	for _, q := range []string{"/fhir/Observation?name=x", "/fhir/Observation?patient=a/b",
		"/fhir/Observation?patient=" + patID + "&_count=0", "/fhir/Observation?foo=1",
		"/fhir/Observation?patient=", "/fhir/Observation?patient=a&subject=b", "/fhir/Observation?patient=a,b",
		"/fhir/Observation?date=xx2024", "/fhir/Observation?date=2024-13", "/fhir/Observation?date=ne2024",
		"/fhir/Observation?date=2024-01-01T10", "/fhir/Observation?code=http://loinc.org|",
		"/fhir/Observation?status=a&status=b", "/fhir/Observation?_sort=code", "/fhir/Observation?_id=a/b",
		"/fhir/Observation?code=a\\x", "/fhir/Observation?_cursor=AAAA", "/fhir/Observation?code=a,,b",
		"/fhir/Patient?_sort=-date", "/fhir/Patient?name=a,b", "/fhir/Patient?birthdate=1948-02-30",
		"/fhir/Patient?code=x", "/fhir/Patient/" + patID + "/$everything?start=2020",
		"/fhir/Patient/" + patID + "/$everything?_type=Foo", "/fhir/Patient/" + patID + "/$everything?_since=yesterday",
		"/fhir/patient?_id=x"} {
		resp, body := e.do(c, "GET", q, nil, bearer...)
		if resp.StatusCode != 400 || !strings.Contains(body, `"invalid"`) {
			t.Errorf("%s: %d; want 400\n%s", q, resp.StatusCode, body)
		}
	}
	// A type the API does not search is not found.
	if resp, body := e.do(c, "GET", "/fhir/Basic?_id=x", nil, bearer...); resp.StatusCode != 404 || !strings.Contains(body, `"not-found"`) {
		t.Errorf("Basic search: %d %s", resp.StatusCode, body)
	}
}

// failingResources is a store whose reads fail with internal detail.
type failingResources struct{ fakeResources }

func (failingResources) Resources(context.Context, lifeboat.ResourceFilter) ([]*lifeboat.Resource, error) {
	return nil, errors.New("sqlite: disk I/O error, internal-detail-xyz")
}

func TestFHIRInternalError(t *testing.T) {
	e := newEnv(t)
	e.s.Resources = &failingResources{*fixtureResources()}
	resp, body := e.do(e.client(), "GET", "/fhir/Observation?patient="+patID, nil, "Authorization", "Bearer "+e.apiToken("nurse"))
	m := decode(t, body)
	if resp.StatusCode != 500 || m["resourceType"] != "OperationOutcome" || strings.Contains(body, "sqlite") ||
		strings.Contains(body, "internal-detail") {
		t.Errorf("store failure: %d %s", resp.StatusCode, body)
	}
	if ev := e.audit.find(lifeboat.AuditFHIRSearch); len(ev) != 0 {
		t.Errorf("a failed search was audited as ok: %+v", ev)
	}
	if strings.Contains(e.logs.String(), patID) {
		t.Errorf("the log shows the patient id")
	}
}
