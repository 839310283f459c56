package lifeboat

import (
	"context"
	"time"
)

// Audit actions.
const (
	AuditChartView   = "chart.view"
	AuditSearch      = "patient.search"
	AuditLogin       = "login"
	AuditLoginFailed = "login.failed"
	AuditLogout      = "logout"
	AuditFHIRRead    = "fhir.read"
	AuditFHIRSearch  = "fhir.search"
	AuditPrint       = "chart.print"
	AuditReport      = "report.download" // a printed report (PDF) was downloaded
	AuditMessageView = "message.view"    // an admin read a kept feed message
	AuditReplay      = "message.replay"  // an admin replayed a dead letter
)

// AuditEvent records one access to PHI or one security event. Every chart
// view and search is audited: who, when, which patient, from where.
type AuditEvent struct {
	ID        int64
	Time      time.Time
	User      string // login name
	Action    string
	PatientID string // the patient whose data was accessed, if any
	Query     string // the search text, for searches (stored encrypted, never logged)
	Address   string // client address
	Outcome   string // "ok", "denied", ...
}

// AuditFilter selects audit events.
type AuditFilter struct {
	User      string
	PatientID string
	Action    string
	Limit     int
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	AddAudit(ctx context.Context, e *AuditEvent) error
	AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
}
