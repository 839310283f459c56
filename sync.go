package lifeboat

import (
	"context"
	"time"
)

// SyncState is what Lifeboat keeps about one FHIR Bulk Data source between
// sync runs: where the next incremental sync starts, an export in progress
// to resume, and how the last runs went. It holds no PHI.
type SyncState struct {
	Source string // the source's name in the configuration, e.g. "ehr"
	URL    string // the FHIR base URL

	// Since is the transactionTime of the last completed export: the next
	// export asks for changes since then. Zero means a full export.
	Since time.Time
	// Job is the status URL of an export kicked off but not yet fully
	// imported ("" if none). A restarted sync resumes it.
	Job string
	// JobStarted is when Job was kicked off.
	JobStarted time.Time
	// JobTransactionTime is the transactionTime of Job's manifest, once known.
	JobTransactionTime time.Time
	// Done lists the output and deleted file URLs of Job already imported.
	Done []string

	LastAttempt time.Time // when the last run started
	LastSuccess time.Time // when the last run completed
	LastError   string    // why the last run failed ("" if it succeeded); no PHI
	Resources   int64     // resources received by the last completed run
	Deleted     int64     // deletions applied by the last completed run
	Total       int64     // resources received from this source in all
}

// SyncStateStore keeps SyncStates.
type SyncStateStore interface {
	// SyncState returns the state of a source, or ENOTFOUND if it never synced.
	SyncState(ctx context.Context, source string) (*SyncState, error)
	// PutSyncState saves the state of a source, durably.
	PutSyncState(ctx context.Context, s *SyncState) error
	// SyncStates returns the state of every source, by name.
	SyncStates(ctx context.Context) ([]*SyncState, error)
}
