package http

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lifeboat-health/lifeboat"
)

// chart shows a patient's chart summary.
func (s *Server) chart(w http.ResponseWriter, r *http.Request) error {
	return s.serveChart(w, r, false)
}

// printChart shows the chart laid out for paper: no navigation, with who
// printed it and when.
func (s *Server) printChart(w http.ResponseWriter, r *http.Request) error {
	return s.serveChart(w, r, true)
}

// serveChart renders a chart after recording the access in the audit trail.
// An access that cannot be audited is refused: every view of a chart must
// leave a record.
func (s *Server) serveChart(w http.ResponseWriter, r *http.Request, print bool) error {
	ctx := r.Context()
	id := r.PathValue("id")
	action := lifeboat.AuditChartView
	if print {
		action = lifeboat.AuditPrint
	}
	if !lifeboat.ValidID(id) {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	}
	c, err := s.Charts.Chart(ctx, id)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		s.audit(ctx, s.auditEvent(r, action, id, "", "not_found"))
		return fmt.Errorf("http: chart: %w", err)
	} else if err != nil {
		return fmt.Errorf("http: chart: %w", err)
	}
	if c == nil {
		c = &lifeboat.Chart{}
	}
	if err := s.mustAudit(ctx, s.auditEvent(r, action, id, "", "ok")); err != nil {
		return err
	}
	title := "Chart"
	if c.Banner.Name != "" {
		title = c.Banner.Name
	}
	p := s.newPage(r, title, c).withFreshness(c.Freshness)
	p.Print = print
	s.render(w, r, "chart.html", p)
	return nil
}

// auditEvent builds the audit record of an access by the request's user.
func (s *Server) auditEvent(r *http.Request, action, patient, query, outcome string) *lifeboat.AuditEvent {
	e := &lifeboat.AuditEvent{
		Time:      s.Now(),
		Action:    action,
		PatientID: patient,
		Query:     query,
		Address:   s.clientAddr(r),
		Outcome:   outcome,
	}
	if a := authFrom(r); a != nil {
		e.User = a.User.Name
	}
	return e
}

// mustAudit records an access to PHI; its error refuses the access.
func (s *Server) mustAudit(ctx context.Context, e *lifeboat.AuditEvent) error {
	if err := s.Audit.AddAudit(ctx, e); err != nil {
		return fmt.Errorf("http: audit %s: %w", e.Action, err)
	}
	return nil
}
