package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	lbhttp "github.com/lifeboat-health/lifeboat/http"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// fhirClient talks to a server over loopback TCP with a bearer token.
type fhirClient struct {
	t     *testing.T
	base  string // http://127.0.0.1:port/fhir/
	token string
}

// serveFHIR serves db's FHIR API on a loopback port and returns a client
// with a token of a new user.
func serveFHIR(t *testing.T, db *sqlite.DB) *fhirClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := db.CreateUser(ctx, &lifeboat.User{Name: "fhir-client", Role: lifeboat.RoleViewer, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByName(ctx, "fhir-client")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := lbhttp.NewToken()
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: lbhttp.HashToken(tok), UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	s := &lbhttp.Server{Charts: newService(db, hospitalNow), Users: db, Audit: db, Rejects: db, Sources: db, Resources: db,
		Now: time.Now, Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &fhirClient{t: t, base: "http://" + ln.Addr().String() + "/fhir/", token: tok}
}

// bundle is the part of a searchset Bundle the tests read.
type bundle struct {
	ResourceType string
	Total        *int
	Link         []struct{ Relation, URL string }
	Entry        []struct {
		FullURL  string
		Resource struct {
			ResourceType, ID string
		}
		Search struct{ Mode string }
	}
}

func (c *fhirClient) get(link string) *bundle {
	c.t.Helper()
	if !strings.HasPrefix(link, "http") {
		link = c.base + link
	}
	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var b bundle
	if resp.StatusCode != 200 || json.Unmarshal(body, &b) != nil || b.ResourceType != "Bundle" {
		c.t.Fatalf("%s: %d %.500s", link, resp.StatusCode, body)
	}
	return &b
}

// pages follows the next links from link, calling between after each
// page, and returns the "Type/id" of every entry of mode match.
func (c *fhirClient) pages(link string, between func()) []string {
	c.t.Helper()
	var out []string
	for link != "" {
		b := c.get(link)
		link = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				link = l.URL
			}
		}
		for _, e := range b.Entry {
			if e.Search.Mode == "match" {
				out = append(out, e.Resource.ResourceType+"/"+e.Resource.ID)
			}
		}
		if between != nil && link != "" {
			between()
		}
	}
	return out
}

// TestFHIRAPIDemoHospital reads the whole demo hospital through the FHIR
// API over TCP, page by page, and checks that every stored resource comes
// once, and that each admitted patient's $everything holds exactly the
// resources about the patient.
func TestFHIRAPIDemoHospital(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	loadHospital(t, db, demoOptions(40))
	c := serveFHIR(t, db)
	counts, err := db.CountResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for typ, n := range counts {
		for _, q := range []string{"?_count=97", "?_count=211&_sort=_lastUpdated"} {
			if typ == "Patient" && strings.Contains(q, "_sort") {
				continue
			}
			got := c.pages(typ+q, nil)
			if len(got) != n || len(slices.Compact(slices.Sorted(slices.Values(got)))) != n {
				t.Errorf("%s%s: %d entries (%d distinct), %d stored", typ, q, len(got),
					len(slices.Compact(slices.Sorted(slices.Values(got)))), n)
			}
		}
	}
	encs, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range encs[:10] {
		pid := enc.Index.Patient
		about, err := db.PatientResources(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range about {
			want = append(want, r.Type+"/"+r.ID) // the Patient too: it is the first match
		}
		got := c.pages("Patient/"+pid+"/$everything?_count=31", nil)
		if got[0] != "Patient/"+pid {
			t.Errorf("%s: $everything starts with %s", pid, got[0])
		}
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: $everything %d matches, %d resources about the patient", pid, len(got), len(want))
		}
	}
}

// TestFHIRAPIPagingWhileWriting pages through the hospital's Observations
// while new ones are written at every position of the order: each one
// stored before paging began comes exactly once, in the order of an
// unpaged read.
func TestFHIRAPIPagingWhileWriting(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	loadHospital(t, db, demoOptions(20))
	c := serveFHIR(t, db)
	n := 0 // new observations have new ids throughout
	for _, q := range []string{"Observation?_count=50", "Observation?_count=50&_sort=_lastUpdated",
		"Observation?_count=50&category=vital-signs"} {
		stored := c.pages(strings.Replace(q, "_count=50", "_count=1000", 1), nil)
		before := map[string]bool{}
		for _, id := range stored {
			before[id] = true
		}
		write := func() {
			var rs []*lifeboat.Resource
			for i := range 5 {
				n++
				// Dates before, among and after the observations already
				// read; one without a category, date or patient.
				at := hospitalNow.Add(time.Duration((n*37)%(30*24)-15*24) * time.Hour)
				js := fmt.Sprintf(`{"resourceType":"Observation","id":"new-%d","status":"final",`+
					`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],`+
					`"code":{"text":"x"},"effectiveDateTime":%q}`, n, at.Format(time.RFC3339))
				if i == 4 {
					js = fmt.Sprintf(`{"resourceType":"Observation","id":"new-%d","status":"final","code":{"text":"x"}}`, n)
				}
				idx, err := fhir.Index("Observation", []byte(js))
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, &lifeboat.Resource{Type: "Observation", ID: fmt.Sprintf("new-%d", n), JSON: []byte(js),
					LastUpdated: at, Index: idx, Source: lifeboat.Source{Kind: "test", Name: "paging"}})
			}
			if _, err := db.PutResources(ctx, rs); err != nil {
				t.Fatal(err)
			}
		}
		var old []string
		seen := map[string]int{}
		for _, id := range c.pages(q, write) {
			if seen[id]++; seen[id] == 2 {
				t.Errorf("%s: %s came twice", q, id)
			}
			if before[id] {
				old = append(old, id)
			}
		}
		if !slices.Equal(old, stored) {
			t.Errorf("%s: %d of the %d resources stored before paging came, in another order or not at all", q, len(old), len(stored))
		}
	}
}
