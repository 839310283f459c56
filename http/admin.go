package http

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// Limits of the admin lists.
const (
	auditPageLimit  = 500
	rejectPageLimit = 200
	rejectScanLimit = 10000 // how far back the reject detail page looks
)

// auditView is the data of the audit page.
type auditView struct {
	User, Patient, Action string
	Actions               []string
	Events                []*lifeboat.AuditEvent
	Limit                 int
}

// adminAudit lists audit events, filtered by user, patient and action.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := auditView{
		User:    strings.TrimSpace(q.Get("user")),
		Patient: strings.TrimSpace(q.Get("patient")),
		Action:  strings.TrimSpace(q.Get("action")),
		Limit:   auditPageLimit,
		Actions: []string{lifeboat.AuditChartView, lifeboat.AuditPrint, lifeboat.AuditSearch,
			lifeboat.AuditFHIRRead, lifeboat.AuditFHIRSearch, lifeboat.AuditLogin,
			lifeboat.AuditLoginFailed, lifeboat.AuditLogout},
	}
	if len(v.User) > maxUsername || len(v.Patient) > 64 || len(v.Action) > 64 {
		return lifeboat.Errorf(lifeboat.EINVALID, "Filter too long.")
	}
	evs, err := s.Audit.AuditEvents(r.Context(), lifeboat.AuditFilter{
		User: v.User, PatientID: v.Patient, Action: v.Action, Limit: auditPageLimit,
	})
	if err != nil {
		return fmt.Errorf("http: audit events: %w", err)
	}
	v.Events = evs
	s.render(w, r, "admin_audit.html", s.newPage(r, "Audit trail", &v))
	return nil
}

// rejectsView is the data of the rejects page.
type rejectsView struct {
	Rejects []*lifeboat.Reject
	Total   int
	Limit   int
}

// adminRejects lists rejected input, newest first.
func (s *Server) adminRejects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rs, err := s.Rejects.Rejects(ctx, rejectPageLimit)
	if err != nil {
		return fmt.Errorf("http: rejects: %w", err)
	}
	n, err := s.Rejects.CountRejects(ctx)
	if err != nil {
		return fmt.Errorf("http: count rejects: %w", err)
	}
	v := &rejectsView{Rejects: rs, Total: n, Limit: rejectPageLimit}
	s.render(w, r, "admin_rejects.html", s.newPage(r, "Rejected input", v))
	return nil
}

// rejectView is the data of one reject's page.
type rejectView struct {
	Reject *lifeboat.Reject
	Text   string // the raw input as text, when it is text
	Binary bool
}

// findReject returns the reject with the id in the path.
func (s *Server) findReject(r *http.Request) (*lifeboat.Reject, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Rejected input not found.")
	}
	// RejectStore has no lookup by id: scan the most recent.
	rs, err := s.Rejects.Rejects(r.Context(), rejectScanLimit)
	if err != nil {
		return nil, fmt.Errorf("http: rejects: %w", err)
	}
	i := slices.IndexFunc(rs, func(x *lifeboat.Reject) bool { return x != nil && x.ID == id })
	if i < 0 {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Rejected input not found.")
	}
	return rs[i], nil
}

// adminReject shows one reject with its raw input.
func (s *Server) adminReject(w http.ResponseWriter, r *http.Request) error {
	rj, err := s.findReject(r)
	if err != nil {
		return err
	}
	v := &rejectView{Reject: rj}
	if utf8.Valid(rj.Raw) {
		v.Text = string(rj.Raw)
	} else {
		v.Binary = true
	}
	s.render(w, r, "admin_reject.html", s.newPage(r, "Rejected input "+strconv.FormatInt(rj.ID, 10), v))
	return nil
}

// adminRejectRaw downloads a reject's raw bytes as received.
func (s *Server) adminRejectRaw(w http.ResponseWriter, r *http.Request) error {
	rj, err := s.findReject(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reject-%d.bin"`, rj.ID))
	h.Set("Content-Length", strconv.Itoa(len(rj.Raw)))
	_, _ = w.Write(rj.Raw)
	return nil
}

// sourcesView is the data of the sources page.
type sourcesView struct {
	Sources []lifeboat.SourceStatus
	Syncs   []*lifeboat.SyncState // Bulk Data sources and how their syncs went
	Counts  []typeCount
	Rejects int
}

// typeCount is the number of stored resources of one type.
type typeCount struct {
	Type  string
	Count int
}

// adminSources lists the data sources with when each last sent data, and
// what the store holds.
func (s *Server) adminSources(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ss, err := s.Sources.Sources(ctx)
	if err != nil {
		return fmt.Errorf("http: sources: %w", err)
	}
	counts, err := s.Resources.CountResources(ctx)
	if err != nil {
		return fmt.Errorf("http: count resources: %w", err)
	}
	n, err := s.Rejects.CountRejects(ctx)
	if err != nil {
		return fmt.Errorf("http: count rejects: %w", err)
	}
	v := &sourcesView{Sources: ss, Rejects: n}
	if s.Syncs != nil {
		if v.Syncs, err = s.Syncs.SyncStates(ctx); err != nil {
			return fmt.Errorf("http: sync states: %w", err)
		}
	}
	for t, c := range counts {
		v.Counts = append(v.Counts, typeCount{t, c})
	}
	slices.SortFunc(v.Counts, func(a, b typeCount) int { return strings.Compare(a.Type, b.Type) })
	s.render(w, r, "admin_sources.html", s.newPage(r, "Data sources", v))
	return nil
}
