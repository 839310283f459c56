package http

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// apiNow is the fixed "now" of the store-backed API tests.
var apiNow = time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)

// apiEnv is a server over a real encrypted store holding a small demo
// hospital and a few patients of the test's own.
type apiEnv struct {
	t     *testing.T
	db    *sqlite.DB
	ts    *httptest.Server
	token string
}

// apiResource indexes js as a resource received at apiNow.
func apiResource(js string) (*lifeboat.Resource, error) {
	p, err := fhir.Parse([]byte(js))
	if err != nil {
		return nil, err
	}
	return &lifeboat.Resource{Type: p.Type, ID: p.ID, JSON: []byte(js), Received: apiNow, LastUpdated: apiNow,
		Source: lifeboat.Source{Kind: "demo", Name: "api test"}, Index: p.Index}, nil
}

// apiPatients are the test's own patients: accents, shared words between
// family and given names, two identifier systems, partial birth dates.
var apiPatients = []string{
	`{"resourceType":"Patient","id":"zz-1","identifier":[{"system":"urn:mrn","value":"Z100"}],"name":[{"family":"Ångström","given":["Zoë","Lumi"]}],"birthDate":"1948-03-17"}`,
	`{"resourceType":"Patient","id":"zz-2","identifier":[{"system":"urn:mrn","value":"Z200"},{"system":"urn:other","value":"Z100"}],"name":[{"family":"Lumière","given":["Angstrom"]}],"birthDate":"1948-11-02"}`,
	`{"resourceType":"Patient","id":"zz-3","identifier":[{"system":"urn:mrn","value":"Z300"}],"name":[{"family":"Angstrand","given":["Oskar"]}],"birthDate":"1950"}`,
}

// openAPIStore builds a store with a small demo hospital (12 admitted
// patients) and apiPatients.
func openAPIStore(t *testing.T) *sqlite.DB {
	t.Helper()
	key := make([]byte, sqlite.KeySize)
	rand.Read(key)
	db, err := sqlite.Open(context.Background(), t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var batch []*lifeboat.Resource
	err = simulate.Generate(simulate.Options{Seed: 5, Now: apiNow, Patients: 12}, func(typ, id string, js []byte) error {
		r, err := apiResource(string(js))
		batch = append(batch, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, js := range apiPatients {
		r, err := apiResource(js)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, r)
	}
	if _, err := db.PutResources(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	return db
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	db := openAPIStore(t)
	ctx := context.Background()
	name := "api-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if err := db.CreateUser(ctx, &lifeboat.User{Name: name, Role: lifeboat.RoleClinician, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := NewToken()
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: HashToken(tok), UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	s := &Server{Charts: fixtureCharts(), Users: db, Audit: db, Rejects: db, Sources: db, Resources: db,
		CheckPassword: fakeCheck, Now: func() time.Time { return apiNow }, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := &apiEnv{t: t, db: db, ts: httptest.NewServer(s.Handler()), token: tok}
	t.Cleanup(e.ts.Close)
	return e
}

// get fetches a path (or an absolute link) with the env's token.
func (e *apiEnv) get(path string) (int, map[string]any, string) {
	e.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = e.ts.URL + path
	}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("%s: not JSON: %s", path, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/fhir+json; charset=utf-8" {
		e.t.Errorf("%s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, m, string(b)
}

// entry is one Bundle entry, decoded.
type entry struct {
	Type, ID, Mode, Patient string
}

// bundle fetches a searchset and returns its entries and next link.
func (e *apiEnv) bundle(path string) ([]entry, string, map[string]any) {
	e.t.Helper()
	code, m, body := e.get(path)
	if code != 200 || m["resourceType"] != "Bundle" || m["type"] != "searchset" {
		e.t.Fatalf("%s: %d %s", path, code, body)
	}
	var out []entry
	es, _ := m["entry"].([]any)
	for _, x := range es {
		en := x.(map[string]any)
		r := en["resource"].(map[string]any)
		var ref string
		for _, k := range []string{"subject", "patient"} {
			if s, ok := r[k].(map[string]any); ok {
				ref, _ = s["reference"].(string)
			}
		}
		out = append(out, entry{Type: r["resourceType"].(string), ID: r["id"].(string),
			Mode: en["search"].(map[string]any)["mode"].(string), Patient: strings.TrimPrefix(ref, "Patient/")})
		if !strings.HasSuffix(en["fullUrl"].(string), "/fhir/"+out[len(out)-1].Type+"/"+out[len(out)-1].ID) {
			e.t.Errorf("%s: fullUrl %v", path, en["fullUrl"])
		}
	}
	next := ""
	for _, l := range m["link"].([]any) {
		if l := l.(map[string]any); l["relation"] == "next" {
			next = l["url"].(string)
		}
	}
	return out, next, m
}

// all follows next links from path and returns every entry, checking that
// each link carries only the client's parameters and an opaque cursor.
func (e *apiEnv) all(path string) []entry {
	e.t.Helper()
	var out []entry
	first, _ := url.Parse(e.ts.URL + path)
	for link := path; link != ""; {
		es, next, _ := e.bundle(link)
		out = append(out, es...)
		if next != "" {
			u, err := url.Parse(next)
			if err != nil {
				e.t.Fatal(err)
			}
			want := first.Query()
			want.Del(cursorParam)
			got := u.Query()
			tok := got.Get(cursorParam)
			got.Del(cursorParam)
			if u.Path != first.Path || got.Encode() != want.Encode() || tok == "" {
				e.t.Fatalf("next link %s for %s", next, path)
			}
			raw, _ := base64.RawURLEncoding.DecodeString(tok)
			for _, x := range es {
				if strings.Contains(string(raw), x.ID) {
					e.t.Fatalf("cursor %s shows an id in clear", tok)
				}
			}
		}
		link = next
	}
	return out
}

func keys(es []entry) []string {
	var out []string
	for _, x := range es {
		out = append(out, x.Type+"/"+x.ID)
	}
	return out
}

func TestFHIRPatientSearchStore(t *testing.T) {
	e := newAPIEnv(t)
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"family=angstr", []string{"zz-1", "zz-3"}},
		{"family=%C3%85NGSTR%C3%96M", []string{"zz-1"}},
		{"given=angstrom", []string{"zz-2"}},
		{"name=angstrom", []string{"zz-1", "zz-2"}},
		{"family=lumi", []string{"zz-2"}},
		{"given=lumi", []string{"zz-1"}},
		{"identifier=Z100", []string{"zz-1", "zz-2"}},
		{"identifier=urn:other|Z100", []string{"zz-2"}},
		{"identifier=urn:mrn|Z100", []string{"zz-1"}},
		{"birthdate=1948&family=an,", nil},
		{"birthdate=1948&name=zo", []string{"zz-1"}},
		{"birthdate=1948-03&name=a", []string{"zz-1"}},
		{"birthdate=ge1948-11-01&birthdate=lt1949&_id=zz-1,zz-2,zz-3", []string{"zz-2"}},
		{"birthdate=gt1948&_id=zz-1,zz-2,zz-3", []string{"zz-3"}},
		{"_id=zz-3", []string{"zz-3"}},
		{"_id=zz-3,zz-1,nope", []string{"zz-1", "zz-3"}},
		{"_lastUpdated=ge2026-02-10&_id=zz-2", []string{"zz-2"}},
		{"_lastUpdated=gt2026-02-10&_id=zz-2", nil},
	} {
		if c.want == nil && strings.HasSuffix(c.q, ",") {
			continue // a malformed list, checked with the errors
		}
		es, next, m := e.bundle("/fhir/Patient?" + c.q)
		var got []string
		for _, x := range es {
			got = append(got, x.ID)
		}
		if !slices.Equal(got, c.want) || next != "" || m["total"] != float64(len(c.want)) {
			t.Errorf("%s: got %v (total %v), want %v", c.q, got, m["total"], c.want)
		}
	}
	// Every patient, a few per page, each once and in id order.
	es := e.all("/fhir/Patient?_count=4")
	ids := keys(es)
	if len(ids) < 15 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("paged patients: %v", ids)
	}
}

func TestFHIRClinicalSearchStore(t *testing.T) {
	e := newAPIEnv(t)
	pats, _, _ := e.bundle("/fhir/Patient?_count=1000")
	var pid string
	for _, p := range pats {
		if !strings.HasPrefix(p.ID, "zz-") {
			pid = p.ID
			break
		}
	}
	// Paging covers the unpaged result exactly, in order.
	whole, next, _ := e.bundle("/fhir/Observation?patient=" + pid + "&_count=1000")
	if next != "" || len(whole) < 20 {
		t.Fatalf("observations of %s: %d, next %q", pid, len(whole), next)
	}
	for _, q := range []string{"patient=" + pid + "&_count=7", "subject=Patient/" + pid + "&_count=1"} {
		if got := keys(e.all("/fhir/Observation?" + q)); !slices.Equal(got, keys(whole)) {
			t.Errorf("%s: paged %d, whole %d", q, len(got), len(whole))
		}
	}
	// Every Observation of the hospital, page by page.
	everyObs := e.all("/fhir/Observation?_count=250")
	if n := len(everyObs); n <= len(whole) || len(slices.Compact(slices.Sorted(slices.Values(keys(everyObs))))) != n {
		t.Errorf("all observations: %d", n)
	}
	sortedUpdate := e.all("/fhir/Observation?_sort=_lastUpdated&_count=300")
	if len(sortedUpdate) != len(everyObs) {
		t.Errorf("by last update: %d, by date: %d", len(sortedUpdate), len(everyObs))
	}

	// Filters, checked against the resources themselves.
	check := func(q string, ok func(r map[string]any) bool) {
		t.Helper()
		_, m, body := e.get("/fhir/Observation?patient=" + pid + "&_count=1000&" + q)
		es, _ := m["entry"].([]any)
		if len(es) == 0 {
			t.Errorf("%s: no results\n%.300s", q, body)
		}
		for _, x := range es {
			if r := x.(map[string]any)["resource"].(map[string]any); !ok(r) {
				t.Errorf("%s: %v does not match", q, r["id"])
			}
		}
	}
	firstCoding := func(r map[string]any, k string) (string, string) {
		cc := r[k]
		if l, ok := cc.([]any); ok {
			cc = l[0]
		}
		c := cc.(map[string]any)["coding"].([]any)[0].(map[string]any)
		s, _ := c["system"].(string)
		return s, c["code"].(string)
	}
	check("category=laboratory", func(r map[string]any) bool { _, c := firstCoding(r, "category"); return c == "laboratory" })
	check("category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs", func(r map[string]any) bool {
		s, c := firstCoding(r, "category")
		return c == "vital-signs" && s == "http://terminology.hl7.org/CodeSystem/observation-category"
	})
	if _, m, _ := e.get("/fhir/Observation?patient=" + pid + "&category=urn:wrong|vital-signs"); m["entry"] != nil {
		t.Errorf("category of another system matched")
	}
	sys, code := firstCoding(firstResource(t, e, "/fhir/Observation?patient="+pid+"&category=laboratory"), "code")
	check("code="+code, func(r map[string]any) bool { _, c := firstCoding(r, "code"); return c == code })
	check("code="+url.QueryEscape(sys+"|"+code)+",nothing", func(r map[string]any) bool { s, c := firstCoding(r, "code"); return c == code && s == sys })
	check("status=final,amended,corrected", func(r map[string]any) bool {
		return slices.Contains([]string{"final", "amended", "corrected"}, r["status"].(string))
	})
	// Split the patient's observations at the date of one in the middle.
	var dates []time.Time
	_, m, _ := e.get("/fhir/Observation?patient=" + pid + "&_count=1000")
	for _, x := range m["entry"].([]any) {
		d, err := time.Parse(time.RFC3339, x.(map[string]any)["resource"].(map[string]any)["effectiveDateTime"].(string))
		if err != nil {
			t.Fatal(err)
		}
		dates = append(dates, d)
	}
	mid := dates[len(dates)/2].UTC()
	effective := func(r map[string]any) time.Time {
		t, _ := time.Parse(time.RFC3339, r["effectiveDateTime"].(string))
		return t
	}
	check("date=ge"+mid.Format("2006-01-02T15:04:05Z"), func(r map[string]any) bool { return !effective(r).Before(mid) })
	check("date=lt"+mid.Format("2006-01-02T15:04:05Z")+"&date=ge2000", func(r map[string]any) bool { return effective(r).Before(mid) })
	check("date=eq"+mid.Format("2006-01-02"), func(r map[string]any) bool {
		return effective(r).UTC().Format("2006-01-02") == mid.Format("2006-01-02")
	})
	check("date=sa"+mid.Add(-time.Minute).Format("2006-01-02T15:04")+"Z", func(r map[string]any) bool {
		return !effective(r).Before(mid.Truncate(time.Minute))
	})
	check("_lastUpdated=le"+apiNow.Format(time.RFC3339), func(map[string]any) bool { return true })
	if _, m, _ := e.get("/fhir/Observation?patient=" + pid + "&_lastUpdated=gt" + url.QueryEscape(apiNow.Format(time.RFC3339))); m["entry"] != nil {
		t.Errorf("_lastUpdated after every update matched")
	}
	// Other types.
	for _, q := range []string{"Condition?patient=" + pid, "Encounter?patient=" + pid + "&class=IMP",
		"MedicationRequest?patient=" + pid + "&status=active", "Practitioner?_count=3", "Location?_count=2",
		"Organization", "AllergyIntolerance?patient=" + pid, "AllergyIntolerance?clinical-status=active&_count=5"} {
		if es, _, _ := e.bundle("/fhir/" + q); len(es) == 0 {
			t.Errorf("%s: no results", q)
		}
	}
	// A cursor belongs to its search.
	_, next, _ = e.bundle("/fhir/Observation?patient=" + pid + "&_count=2")
	u, _ := url.Parse(next)
	tok := u.Query().Get(cursorParam)
	for _, q := range []string{"Observation?patient=" + pid + "&status=final", "Condition?patient=" + pid, "Patient?family=x"} {
		if code, _, _ := e.get("/fhir/" + q + "&_cursor=" + tok); code != 400 {
			t.Errorf("cursor of another search on %s: %d", q, code)
		}
	}
	if code, _, _ := e.get("/fhir/Observation?patient=" + pid + "&_count=5&_cursor=" + tok); code != 200 {
		t.Errorf("cursor with another _count: %d", code)
	}
	bad := []byte(tok)
	bad[len(bad)/2] ^= 1
	if code, _, _ := e.get("/fhir/Observation?patient=" + pid + "&_count=2&_cursor=" + string(bad)); code != 400 {
		t.Errorf("tampered cursor: %d", code)
	}
}

func firstResource(t *testing.T, e *apiEnv, path string) map[string]any {
	t.Helper()
	_, m, body := e.get(path)
	es, _ := m["entry"].([]any)
	if len(es) == 0 {
		t.Fatalf("%s: no results\n%s", path, body)
	}
	return es[0].(map[string]any)["resource"].(map[string]any)
}
