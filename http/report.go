package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
)

// reportKinds are the report kinds a download may ask for, per scope.
var (
	unitKinds    = map[string]lifeboat.ReportKind{"census": lifeboat.ReportCensus, "patients": lifeboat.ReportPatients, "labels": lifeboat.ReportLabels}
	patientKinds = map[string]lifeboat.ReportKind{"patients": lifeboat.ReportPatients, "labels": lifeboat.ReportLabels}
)

// reportsView is the data of the reports page.
type reportsView struct {
	Units     []lifeboat.UnitSummary
	Scheduled *lifeboat.ReportStatus // nil when serve prints no scheduled pack
}

// reports lists the downtime reports to download, and how the scheduled
// pack is doing.
func (s *Server) reports(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Printed reports are not enabled on this server.")
	}
	c, err := s.Charts.Census(r.Context())
	if err != nil {
		return fmt.Errorf("http: reports: %w", err)
	}
	v := &reportsView{Units: c.Units}
	if s.ReportStatus != nil {
		st := s.ReportStatus()
		v.Scheduled = &st
	}
	s.render(w, r, "reports.html", s.newPage(r, "Printed reports", v).withFreshness(c.Freshness))
	return nil
}

// hospitalReport sends the hospital census as PDF.
func (s *Server) hospitalReport(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Printed reports are not enabled on this server.")
	}
	return s.sendReport(w, r, "hospital-census.pdf", "hospital census", func(ctx context.Context, buf *bytes.Buffer) ([]string, error) {
		return s.Reports.HospitalReport(ctx, buf)
	})
}

// unitReport sends one report of a unit as PDF.
func (s *Server) unitReport(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	kind, ok := unitKinds[r.PathValue("kind")]
	if s.Reports == nil || !ok || !lifeboat.ValidID(id) {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Report not found.")
	}
	return s.sendReport(w, r, id+"-"+string(kind)+".pdf", "unit "+id+" "+string(kind),
		func(ctx context.Context, buf *bytes.Buffer) ([]string, error) {
			return s.Reports.UnitReport(ctx, buf, id, kind)
		})
}

// patientReport sends one patient's pack or labels as PDF.
func (s *Server) patientReport(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	kind, ok := patientKinds[r.PathValue("kind")]
	if s.Reports == nil || !ok || !lifeboat.ValidID(id) {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Report not found.")
	}
	return s.sendReport(w, r, "patient-"+string(kind)+".pdf", "patient "+string(kind),
		func(ctx context.Context, buf *bytes.Buffer) ([]string, error) {
			return s.Reports.PatientReport(ctx, buf, id, kind)
		})
}

// sendReport renders a report, records one audit event for each patient it
// shows (a report that cannot be audited is not sent), and sends it as a
// PDF download. File names carry unit ids and report kinds, never patient
// data.
func (s *Server) sendReport(w http.ResponseWriter, r *http.Request, name, what string, render func(context.Context, *bytes.Buffer) ([]string, error)) error {
	ctx := r.Context()
	var buf bytes.Buffer
	patients, err := render(ctx, &buf)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		s.audit(ctx, s.auditEvent(r, lifeboat.AuditReport, "", what, "not_found"))
		return fmt.Errorf("http: report: %w", err)
	} else if err != nil {
		return fmt.Errorf("http: report: %w", err)
	}
	if len(patients) == 0 {
		patients = []string{""}
	}
	for _, p := range patients {
		if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditReport, p, what, "ok")); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	return nil
}
