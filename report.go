package lifeboat

import (
	"context"
	"io"
	"time"
)

// MARService builds a patient's medication administration record for any
// window, by the same rules (due times, matching, statuses) as the MAR of
// the chart summary: for the same patient and moment, a dose due in both
// windows has the same due time and status.
type MARService interface {
	// MAR returns the MAR for [from, to) at the service's current time, or
	// ENOTFOUND for an unknown patient, or EINVALID for an empty window or
	// one longer than MaxMARWindow.
	MAR(ctx context.Context, patientID string, from, to time.Time) (*MAR, error)
}

// MaxMARWindow is the longest window a MARService builds.
const MaxMARWindow = 7 * 24 * time.Hour

// ReportKind names one of the printed downtime reports.
type ReportKind string

// Report kinds.
const (
	// ReportCensus is a unit's census with its pending and critical
	// results, or the hospital census (every unit).
	ReportCensus ReportKind = "census"
	// ReportPatients is, per patient, the face sheet, the MAR for the next
	// 24 hours and the blank downtime forms, identifiers on every page.
	ReportPatients ReportKind = "patients"
	// ReportLabels is a sheet of labels per patient, with a Code 128
	// barcode of the MRN.
	ReportLabels ReportKind = "labels"
)

// ReportService renders the downtime reports as PDF, on demand. Each
// method returns the ids of the patients the report shows, so that the
// access can be audited for exactly those patients.
type ReportService interface {
	// HospitalReport writes the hospital census (every unit and its
	// patients) to w.
	HospitalReport(ctx context.Context, w io.Writer) (patients []string, err error)
	// UnitReport writes one report of a unit to w, or ENOTFOUND.
	UnitReport(ctx context.Context, w io.Writer, unitID string, kind ReportKind) (patients []string, err error)
	// PatientReport writes one patient's pack (ReportPatients) or label
	// sheet (ReportLabels) to w, or ENOTFOUND.
	PatientReport(ctx context.Context, w io.Writer, patientID string, kind ReportKind) (patients []string, err error)
}

// ReportStatus is what the scheduled downtime pack says about itself, for
// the admin pages and metrics. It holds no PHI.
type ReportStatus struct {
	LastGood    time.Time // when the last good set was generated (zero if none)
	DataAsOf    time.Time // how fresh its data was
	Set         string    // the last good set's folder name
	Files       int       // files in the last good set
	Bytes       int64     // their total size
	LastRun     time.Time // when the last run started
	LastError   string    // why the last run failed; "" if it succeeded
	LastErrorAt time.Time
	PrintError  string    // why printing the last good set failed; "" if it did not
	Next        time.Time // when the next run starts (zero if not scheduled)
}
