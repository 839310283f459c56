package http

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestChartViewAudited(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	resp, body := e.do(c, "GET", "/patients/"+patID, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("chart: %d", resp.StatusCode)
	}
	for _, want := range []string{patFamily, patMRN, patBirth, "76 y", "4 West 12A", "DNR/DNI", "72.4 kg",
		"Penicillin", "Anaphylaxis", "Community-acquired pneumonia", "Ceftriaxone",
		"Heparin infusion", "18 units/kg/h", "Paracetamol", "Data as of " + fmtTime(fresh.AsOf) + ", from hl7v2 ADT feed",
		"dose-given", "dose-missed", "dose-notgiven", "dose-due", "Missed", "Not given", "patient refused",
		"3.5-5.1", fmtTime(t0.Add(-6 * 3600e9)), "Progress note", `href="/patients/pat-4711/print"`} {
		if !strings.Contains(body, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "STALE DATA") {
		t.Error("chart has an unescaped note or a stale banner")
	}
	ev := e.audit.find(lifeboat.AuditChartView)
	if len(ev) != 1 {
		t.Fatalf("chart.view events = %d; want 1", len(ev))
	}
	want := lifeboat.AuditEvent{Time: t0, User: "nurse", Action: lifeboat.AuditChartView, PatientID: patID, Address: "127.0.0.1", Outcome: "ok"}
	if *ev[0] != want {
		t.Errorf("audit = %+v; want %+v", *ev[0], want)
	}

	resp, body = e.do(c, "GET", "/patients/"+patID+"/print", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "print-view") || strings.Contains(body, `action="/logout"`) ||
		!strings.Contains(body, "Printed "+fmtTime(t0)+" by nurse") {
		t.Errorf("print view: %d", resp.StatusCode)
	}
	if ev := e.audit.find(lifeboat.AuditPrint); len(ev) != 1 || ev[0].PatientID != patID {
		t.Errorf("print audit = %+v", ev)
	}
}

func TestChartRefusedWhenAuditFails(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	e.audit.err = errors.New("disk full")
	resp, body := e.do(c, "GET", "/patients/"+patID, nil)
	if resp.StatusCode != 500 {
		t.Errorf("chart with a broken audit: %d; want 500", resp.StatusCode)
	}
	assertNoPHI(t, "500 page", body)
	if strings.Contains(body, "disk full") {
		t.Error("the 500 page shows internal detail")
	}
	if !strings.Contains(e.logs.String(), "disk full") {
		t.Error("the detail was not logged")
	}
}

func TestSearchAudited(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	resp, body := e.do(c, "GET", "/search?q=zebedee+1948", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/patients/pat-4711"`) || !strings.Contains(body, patMRN) ||
		!strings.Contains(body, "Data as of") {
		t.Fatalf("search: %d", resp.StatusCode)
	}
	ev := e.audit.find(lifeboat.AuditSearch)
	if len(ev) != 1 || ev[0].Query != "zebedee 1948" || ev[0].User != "nurse" || ev[0].Address != "127.0.0.1" || !ev[0].Time.Equal(t0) {
		t.Errorf("search audit = %+v", ev)
	}
	if _, _ = e.do(c, "GET", "/search", nil); len(e.audit.find(lifeboat.AuditSearch)) != 1 {
		t.Error("an empty search form was audited")
	}
}

func TestStaleBanner(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	_, body := e.do(c, "GET", "/patients/pat-stale", nil)
	if !strings.Contains(body, "STALE DATA") || !strings.Contains(body, `class="stale-banner"`) ||
		!strings.Contains(body, "Data as of "+fmtTime(t0.Add(-3*3600e9))+", from bulk export") {
		t.Error("stale chart has no stale banner")
	}
	e.charts.census.Freshness = lifeboat.Freshness{}
	if _, body := e.do(c, "GET", "/", nil); !strings.Contains(body, "NO DATA RECEIVED") {
		t.Error("census with no data received has no warning")
	}
}

func TestAllergyStatusesDistinct(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	_, unit := e.do(c, "GET", "/units/"+unitID, nil)
	rows := regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(unit, -1)
	if len(rows) != 4 {
		t.Fatalf("unit rows = %d; want header + 3", len(rows))
	}
	for i, want := range []string{"badge-allergy", "badge-nka", "badge-unknown"} {
		if !strings.Contains(rows[i+1], want) {
			t.Errorf("row %d lacks %s", i+1, want)
		}
	}
	if !strings.Contains(rows[2], ">NKA<") || !strings.Contains(rows[3], ">NOT RECORDED<") ||
		!strings.Contains(rows[1], "2 due") || !strings.Contains(rows[1], "DNR/DNI") {
		t.Errorf("unit rows:\n%s", strings.Join(rows, "\n"))
	}
	_, nka := e.do(c, "GET", "/patients/pat-nka", nil)
	_, unrec := e.do(c, "GET", "/patients/pat-unrec", nil)
	if !strings.Contains(nka, "alert-nka") || strings.Contains(nka, "ALLERGIES NOT RECORDED") {
		t.Error("NKA chart does not say NKA")
	}
	if !strings.Contains(unrec, "ALLERGIES NOT RECORDED") || strings.Contains(unrec, "alert-nka") {
		t.Error("unrecorded chart does not say NOT RECORDED")
	}
}

func TestCriticalLabsMarked(t *testing.T) {
	e := newEnv(t)
	_, body := e.do(e.session("nurse"), "GET", "/patients/"+patID, nil)
	crit := regexp.MustCompile(`(?s)<tr class="critical-row">\s*<th scope="row">Potassium</th>.*?</tr>`).FindString(body)
	if crit == "" || !strings.Contains(crit, "CRITICAL") || !strings.Contains(crit, `class="value critical"`) ||
		!strings.Contains(crit, "Critical high") {
		t.Errorf("potassium 6.9 HH is not marked critical:\n%s", crit)
	}
	if regexp.MustCompile(`(?s)<tr class="critical-row">\s*<th scope="row">Sodium`).MatchString(body) {
		t.Error("a normal sodium is marked critical")
	}
	if !strings.Contains(body, `class="value abnormal">112 <span class="flag">High</span>`) {
		t.Error("a high heart rate is not marked abnormal")
	}
}

// zeroCharts answers every view with empty values.
type zeroCharts struct{}

func (zeroCharts) Census(context.Context) (*lifeboat.Census, error) { return &lifeboat.Census{}, nil }
func (zeroCharts) Unit(context.Context, string) (*lifeboat.UnitCensus, error) {
	return &lifeboat.UnitCensus{Rows: []lifeboat.CensusRow{{}}}, nil
}
func (zeroCharts) Chart(context.Context, string) (*lifeboat.Chart, error) {
	return &lifeboat.Chart{MAR: lifeboat.MAR{Scheduled: []lifeboat.MARLine{{}}, PRN: []lifeboat.MARLine{{}},
		Continuous: []lifeboat.MARLine{{}}}, Labs: []lifeboat.ResultSeries{{}}, Notes: []lifeboat.Note{{}}}, nil
}
func (zeroCharts) Search(context.Context, string) ([]lifeboat.PatientMatch, error) {
	return []lifeboat.PatientMatch{{}}, nil
}

// TestZeroValueViews renders every page with empty views and nil slices.
func TestZeroValueViews(t *testing.T) {
	e := newEnv(t)
	e.s.Charts = zeroCharts{}
	e.rejects.rs = []*lifeboat.Reject{{ID: 7}}
	e.s.Sources = &fakeSources{}
	c := e.session("admin")
	for _, path := range []string{"/", "/units/u1", "/patients/p1", "/patients/p1/print", "/search?q=x",
		"/admin/audit", "/admin/rejects", "/admin/rejects/7", "/admin/sources", "/login"} {
		resp, body := e.do(c, "GET", path, nil)
		if resp.StatusCode >= 400 && path != "/login" {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(body, "0001-01-01") || strings.Contains(body, "<no value>") {
			t.Errorf("%s renders a zero time or a missing value", path)
		}
	}
	// And straight through every template: zero-value data, nil data, a
	// zero page.
	zero := map[string]any{
		"census.html": &lifeboat.Census{}, "unit.html": &lifeboat.UnitCensus{}, "chart.html": &lifeboat.Chart{},
		"search.html": &searchView{Searched: true}, "login.html": loginView{}, "error.html": errorView{},
		"admin_audit.html": &auditView{}, "admin_rejects.html": &rejectsView{}, "admin_reject.html": &rejectView{},
		"admin_sources.html": &sourcesView{}, "admin_feeds.html": &feedsView{Enabled: true, Feeds: []feedView{{}}},
		"admin_dead_letters.html": &deadLettersView{Messages: []*lifeboat.Message{{}}},
		"admin_dead_letter.html":  &messageView{Message: &lifeboat.Message{}, Segments: []string{""}, CanReplay: true},
		"reports.html":            &reportsView{Units: []lifeboat.UnitSummary{{}}, Scheduled: &lifeboat.ReportStatus{}},
	}
	for name, tmpl := range e.s.tmpl {
		if _, ok := zero[name]; !ok {
			t.Errorf("template %s has no zero-value test", name)
		}
		for _, p := range []*page{{Data: zero[name], Freshness: &lifeboat.Freshness{}}, {}, {Print: true}} {
			rec := httptest.NewRecorder()
			if err := tmpl.ExecuteTemplate(rec, "layout", p); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func TestAdminPages(t *testing.T) {
	e := newEnv(t)
	nurse, admin := e.session("nurse"), e.session("admin")
	e.do(nurse, "GET", "/patients/"+patID, nil)
	e.do(admin, "GET", "/patients/pat-nka", nil)
	_, body := e.do(admin, "GET", "/admin/audit?patient="+patID, nil)
	if !strings.Contains(body, "chart.view") || !strings.Contains(body, ">nurse<") || strings.Contains(body, "pat-nka") {
		t.Errorf("audit filtered by patient:\n%s", body)
	}
	_, body = e.do(admin, "GET", "/admin/audit?user=admin&action=chart.view", nil)
	if !strings.Contains(body, "pat-nka") || strings.Contains(body, ">"+patID+"<") {
		t.Error("audit filtered by user shows other users' events")
	}
	_, body = e.do(admin, "GET", "/admin/rejects", nil)
	if !strings.Contains(body, "missing resourceType") || !strings.Contains(body, `href="/admin/rejects/7"`) {
		t.Error("rejects page lacks the reject")
	}
	_, body = e.do(admin, "GET", "/admin/rejects/7", nil)
	if !strings.Contains(body, "&lt;b&gt;x&lt;/b&gt;") || strings.Contains(body, "<b>x</b>") {
		t.Error("raw input is not shown escaped")
	}
	resp, raw := e.do(admin, "GET", "/admin/rejects/7/raw", nil)
	if raw != `{"name":"<b>x</b>"}` || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("raw download: %q %q", raw, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := e.do(admin, "GET", "/admin/rejects/99", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown reject: %d", resp.StatusCode)
	}
	_, body = e.do(admin, "GET", "/admin/sources", nil)
	if !strings.Contains(body, "bulk") || !strings.Contains(body, "1 h 0 min ago") || !strings.Contains(body, "Observation") {
		t.Errorf("sources page:\n%s", body)
	}
}
