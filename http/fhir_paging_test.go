package http

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// link returns the URL of the link of a Bundle with the given relation.
func link(m map[string]any, relation string) string {
	ls, _ := m["link"].([]any)
	for _, l := range ls {
		if l := l.(map[string]any); l["relation"] == relation {
			return l["url"].(string)
		}
	}
	return ""
}

// TestCursorBack checks the stack of page starts a cursor carries: each
// previous cursor is the one that started the page before, the first page
// is reached from the second, and the stack stops at maxBack pages.
func TestCursorBack(t *testing.T) {
	at := func(i int) cursor {
		return cursor{kind: cursorDate, key: lifeboat.PageKey{Value: time.UnixMilli(int64(1000 * i)).UTC(), Type: "Observation", ID: "o-" + strings.Repeat("x", i)}}
	}
	var (
		cur   *cursor
		pages = []*cursor{nil} // pages[i] started page i+1
	)
	bind := searchBinding("Observation", url.Values{"patient": {"p1"}})
	for i := 1; i <= maxBack+5; i++ {
		n := following(cur, at(i))
		got, err := openCursor(sealCursor(n, bind), bind)
		if err != nil || got.page != i+1 || got.key.ID != n.key.ID || len(got.back) != min(i-1, maxBack) {
			t.Fatalf("page %d: %+v %v", i+1, got, err)
		}
		cur = &got
		pages = append(pages, cur)
	}
	// Back from the last page, as far as it remembers.
	steps := 0
	for c := cur; ; steps++ {
		prev, first, ok := c.previous()
		if !ok {
			break
		}
		want := pages[c.page-2]
		if first {
			if want != nil {
				t.Fatalf("page %d: first page, want %+v", c.page, want)
			}
			steps++
			break
		}
		if prev.page != want.page || prev.key.ID != want.key.ID || !prev.key.Value.Equal(want.key.Value) {
			t.Fatalf("previous of page %d: %+v, want %+v", c.page, prev, want)
		}
		c = &prev
	}
	if steps != maxBack {
		t.Errorf("went back %d pages from page %d, want %d", steps, cur.page, maxBack)
	}
	// From a page near the start, back to the first page.
	c := pages[3]
	for range 2 {
		p, first, ok := c.previous()
		if !ok || first {
			t.Fatalf("page %d: previous %v %v", c.page, first, ok)
		}
		c = &p
	}
	if _, first, ok := c.previous(); c.page != 2 || !first || !ok {
		t.Errorf("page %d: previous is not the first page", c.page)
	}

	// Long ids: the token stays within maxCursor, keeping the newest pages.
	long := cursor{kind: cursorPatient, id: strings.Repeat("p", 64), page: maxBack + 2}
	for range maxBack {
		long.back = append(long.back, cursorPos{key: lifeboat.PageKey{Value: time.Now(), Type: strings.Repeat("T", 64), ID: strings.Repeat("i", 64)}, id: strings.Repeat("q", 64)})
	}
	long.back[len(long.back)-1].id = "newest"
	tok := sealCursor(long, bind)
	got, err := openCursor(tok, bind)
	if len(tok) > maxCursor || err != nil || len(got.back) == 0 || len(got.back) == maxBack || got.back[len(got.back)-1].id != "newest" {
		t.Errorf("long cursor: %d bytes, %d pages back, %v", len(tok), len(got.back), err)
	}
}

// walk follows the next links of path for n pages (fewer if the result
// ends) and returns each page's entries and Bundle.
func walk(e *apiEnv, path string, n int) ([][]entry, []map[string]any) {
	e.t.Helper()
	var pages [][]entry
	var bundles []map[string]any
	for l := path; l != "" && len(pages) < n; {
		es, next, m := e.bundle(l)
		pages, bundles = append(pages, es), append(bundles, m)
		l = next
	}
	return pages, bundles
}

// TestFHIRPreviousLinks walks three pages forward and two back by the
// previous links, which must give exactly the pages seen going forward.
func TestFHIRPreviousLinks(t *testing.T) {
	e := newAPIEnv(t)
	pats, _, _ := e.bundle("/fhir/Patient?_count=1000")
	pid := pats[0].ID
	for _, path := range []string{
		"/fhir/Observation?_count=5",
		"/fhir/Observation?patient=" + pid + "&_count=3",
		"/fhir/Observation?_sort=_lastUpdated&_count=4",
		"/fhir/Observation?category=" + url.QueryEscape("http://terminology.hl7.org/CodeSystem/observation-category|vital-signs") + "&_count=6",
		"/fhir/Patient?_count=4",
		"/fhir/Patient?_id=" + pats[0].ID + "," + pats[1].ID + "," + pats[2].ID + "," + pats[3].ID + "&_count=1",
		"/fhir/Patient/" + pid + "/$everything?_count=7",
	} {
		pages, bundles := walk(e, path, 3)
		if len(pages) != 3 {
			t.Fatalf("%s: %d pages", path, len(pages))
		}
		if p := link(bundles[0], "previous"); p != "" {
			t.Errorf("%s: the first page links back to %s", path, p)
		}
		// Page 3 back to page 2, then page 2 back to page 1.
		l := link(bundles[2], "previous")
		for i := 1; i >= 0; i-- {
			if l == "" {
				t.Fatalf("%s: page %d has no previous link", path, i+2)
			}
			es, _, m := e.bundle(l)
			if !slices.Equal(es, pages[i]) {
				t.Errorf("%s: back to page %d: %v, want %v", path, i+1, keys(es), keys(pages[i]))
			}
			if i == 0 {
				u, _ := url.Parse(l)
				if u.Query().Has(cursorParam) || link(m, "previous") != "" {
					t.Errorf("%s: back to the first page by %s", path, l)
				}
			}
			// Forward again from the page reached back.
			if es, _, _ := e.bundle(link(m, "next")); !slices.Equal(es, pages[i+1]) {
				t.Errorf("%s: forward from page %d again: %v, want %v", path, i+1, keys(es), keys(pages[i+1]))
			}
			l = link(m, "previous")
		}
	}
}

// TestFHIRPreviousBound checks that previous links reach back maxBack
// pages from a page far into a result, each page as it was.
func TestFHIRPreviousBound(t *testing.T) {
	e := newAPIEnv(t)
	const n = maxBack + 5
	pages, bundles := walk(e, "/fhir/Observation?_count=2", n)
	if len(pages) != n {
		t.Fatalf("%d pages", len(pages))
	}
	steps := 0
	for i, l := n-1, link(bundles[n-1], "previous"); l != ""; i-- {
		es, _, m := e.bundle(l)
		steps++
		if !slices.Equal(es, pages[i-1]) {
			t.Fatalf("back to page %d: %v, want %v", i, keys(es), keys(pages[i-1]))
		}
		l = link(m, "previous")
	}
	if steps != maxBack {
		t.Errorf("went back %d pages from page %d, want %d", steps, n, maxBack)
	}
}

// TestFHIRSummaryCount checks _summary=count: a searchset Bundle with the
// number of matches of the same search and nothing else, audited.
func TestFHIRSummaryCount(t *testing.T) {
	e := newAPIEnv(t)
	pats, _, _ := e.bundle("/fhir/Patient?_count=1000")
	pid := pats[0].ID
	for _, q := range []string{
		"Observation?_count=300",
		"Observation?patient=" + pid,
		"Observation?patient=" + pid + "&category=laboratory",
		"Observation?category=" + url.QueryEscape("http://terminology.hl7.org/CodeSystem/observation-category|vital-signs") + "&_count=50",
		"Observation?category=urn:wrong|vital-signs",
		"Observation?_sort=_lastUpdated&_count=7",
		"Condition?patient=" + pid,
		"Patient?_count=5",
		"Patient?family=angstr",
		"Patient?_id=zz-3,zz-1,nope",
		"Patient?identifier=urn:mrn|Z100",
		"Practitioner?_count=20",
	} {
		want := len(e.all("/fhir/" + q))
		// _count does not limit a count.
		u, _ := url.Parse("/fhir/" + q)
		one := u.Query()
		one.Set("_count", "1")
		for _, path := range []string{"/fhir/" + q + "&_summary=count", "/fhir/" + q + "&_summary=count&_total=accurate",
			u.Path + "?" + one.Encode() + "&_summary=count"} {
			code, m, body := e.get(path)
			if code != 200 || m["resourceType"] != "Bundle" || m["type"] != "searchset" || m["total"] != float64(want) ||
				m["entry"] != nil || link(m, "next") != "" || link(m, "previous") != "" || link(m, "self") == "" {
				t.Errorf("%s: %d, want total %d\n%.400s", path, code, want, body)
			}
		}
	}
	// _summary=false is the whole result; _total is accepted and ignored.
	for _, q := range []string{"Observation?patient=" + pid + "&_summary=false", "Observation?patient=" + pid + "&_total=none"} {
		if es, _, _ := e.bundle("/fhir/" + q); len(es) == 0 {
			t.Errorf("%s: no entries", q)
		}
	}
	// Other _summary values are refused, naming the parameter.
	for _, q := range []string{"_summary=true", "_summary=text", "_summary=data", "_summary=COUNT", "_summary=count&_summary=count", "_total=exact"} {
		code, m, body := e.get("/fhir/Observation?patient=" + pid + "&" + q)
		name, _, _ := strings.Cut(q, "=")
		if code != 400 || m["resourceType"] != "OperationOutcome" || !strings.Contains(body, name) {
			t.Errorf("%s: %d\n%s", q, code, body)
		}
	}
	// A cursor does not page a count.
	_, next, _ := e.bundle("/fhir/Observation?patient=" + pid + "&_count=2")
	u, _ := url.Parse(next)
	if code, _, _ := e.get("/fhir/Observation?patient=" + pid + "&_summary=count&_cursor=" + u.Query().Get(cursorParam)); code != 400 {
		t.Errorf("count with a cursor: %d", code)
	}

	// Audited as searches: the patient, and the query with _summary.
	evs, err := e.db.AuditEvents(context.Background(), lifeboat.AuditFilter{PatientID: pid, Action: lifeboat.AuditFHIRSearch, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if strings.Contains(ev.Query, "_summary=count") && ev.Outcome == "ok" {
			n++
		}
	}
	if n != 9 { // Observation by patient, by patient and category, and Condition by patient: three ways each
		t.Errorf("%d count audit records for the patient", n)
	}
}
