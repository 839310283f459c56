package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// fakeReports writes a small fake PDF naming what it was asked for.
type fakeReports struct{ charts *fakeCharts }

func (f *fakeReports) HospitalReport(_ context.Context, w io.Writer) ([]string, error) {
	var ids []string
	for _, u := range f.charts.units {
		ids = append(ids, unitPatients(u)...)
	}
	_, err := io.WriteString(w, "%PDF-1.7 hospital")
	return ids, err
}
func (f *fakeReports) UnitReport(_ context.Context, w io.Writer, unit string, kind lifeboat.ReportKind) ([]string, error) {
	u, ok := f.charts.units[unit]
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
	}
	_, err := fmt.Fprintf(w, "%%PDF-1.7 unit %s %s", unit, kind)
	return unitPatients(u), err
}
func (f *fakeReports) PatientReport(_ context.Context, w io.Writer, patient string, kind lifeboat.ReportKind) ([]string, error) {
	if _, ok := f.charts.charts[patient]; !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	}
	_, err := fmt.Fprintf(w, "%%PDF-1.7 patient %s", kind)
	return []string{patient}, err
}

// unitPatients lists the patients of a unit census.
func unitPatients(uc *lifeboat.UnitCensus) []string {
	var ids []string
	for _, row := range uc.Rows {
		if row.PatientID != "" {
			ids = append(ids, row.PatientID)
		}
	}
	return ids
}

func TestReportDownloads(t *testing.T) {
	e := newEnv(t)
	c := e.session("nurse")
	if resp, _ := e.do(c, "GET", "/reports", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reports without a report service: %d, want 404", resp.StatusCode)
	}

	e = newEnv(t)
	e.s.Reports = &fakeReports{charts: e.charts}
	e.s.ReportStatus = func() lifeboat.ReportStatus {
		return lifeboat.ReportStatus{LastGood: t0.Add(-20 * 60e9), Files: 28, LastRun: t0.Add(-20 * 60e9), Next: t0.Add(40 * 60e9)}
	}
	c = e.session("nurse")
	resp, body := e.do(c, "GET", "/reports", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/units/"+unitID+"/report/patients") || !strings.Contains(body, "28 files") {
		t.Fatalf("reports page: %d", resp.StatusCode)
	}
	if _, body := e.do(c, "GET", "/units/"+unitID, nil); !strings.Contains(body, "/units/"+unitID+"/report/labels") {
		t.Errorf("the unit page has no print buttons")
	}
	if _, body := e.do(c, "GET", "/patients/"+patID, nil); !strings.Contains(body, "/patients/"+patID+"/report/patients") {
		t.Errorf("the chart has no downtime pack button")
	}

	want := len(unitPatients(e.charts.units[unitID]))
	before := len(e.audit.find(lifeboat.AuditReport))
	resp, body = e.do(c, "GET", "/units/"+unitID+"/report/patients", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
		body != "%PDF-1.7 unit "+unitID+" patients" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("unit pack: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if got := len(e.audit.find(lifeboat.AuditReport)) - before; got != want || want == 0 {
		t.Errorf("unit pack audited %d times, want once for each of its %d patients", got, want)
	}
	if strings.Contains(resp.Header.Get("Content-Disposition"), patFamily) {
		t.Errorf("a download's file name carries a patient name")
	}
	resp, body = e.do(c, "GET", "/patients/"+patID+"/report/labels", nil)
	if resp.StatusCode != http.StatusOK || body != "%PDF-1.7 patient labels" {
		t.Errorf("patient labels: %d %q", resp.StatusCode, body)
	}
	if ev := e.audit.find(lifeboat.AuditReport); len(ev) == 0 || ev[len(ev)-1].PatientID != patID {
		t.Errorf("the patient's labels were not audited for the patient")
	}
	if resp, body = e.do(c, "GET", "/reports/hospital-census.pdf", nil); resp.StatusCode != http.StatusOK || body != "%PDF-1.7 hospital" {
		t.Errorf("hospital census: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/units/" + unitID + "/report/forms", "/units/nope/report/census", "/patients/nope/report/patients", "/patients/" + patID + "/report/census"} {
		if resp, _ := e.do(c, "GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	e.audit.err = fmt.Errorf("disk full")
	if resp, body := e.do(c, "GET", "/patients/"+patID+"/report/patients", nil); resp.StatusCode < 500 || strings.HasPrefix(body, "%PDF") {
		t.Errorf("a report that cannot be audited was sent (%d)", resp.StatusCode)
	}
}

// The chart shows isolation, pending results and contacts; the unit page
// shows isolation.
func TestChartIsolationPendingContacts(t *testing.T) {
	e := newEnv(t)
	c := e.charts.charts[patID]
	c.Banner.Isolation = "Droplet precautions"
	c.Pending = []lifeboat.PendingResult{{Name: "Blood culture", Category: "Laboratory", Status: "Preliminary", Time: t0}}
	c.Contacts = []lifeboat.Contact{{Name: "Ann Example", Relationship: "Spouse", Phone: "555-0100"}}
	e.charts.units[unitID].Rows[0].Isolation = "Contact precautions"
	s := e.session("nurse")
	_, body := e.do(s, "GET", "/patients/"+patID, nil)
	for _, want := range []string{"ISOLATION:</strong> Droplet precautions", "Blood culture", "Preliminary", "Ann Example", "555-0100"} {
		if !strings.Contains(body, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if _, body := e.do(s, "GET", "/units/"+unitID, nil); !strings.Contains(body, "Contact precautions") {
		t.Errorf("the unit page lacks the isolation")
	}
}
