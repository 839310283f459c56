package lifeboat

import (
	"context"
	"time"
)

// Resource is one FHIR R4 resource as stored: its raw JSON plus the
// provenance and index fields extracted when it was received. Views read the
// index fields to find resources and the JSON to show them.
type Resource struct {
	Type string // FHIR resourceType, e.g. "Patient"
	ID   string // logical id

	// Version is the store's own version counter (1, 2, ...), assigned on write.
	Version int64
	// SourceVersion is meta.versionId as received, if any.
	SourceVersion string
	// LastUpdated is meta.lastUpdated as received, or the receive time.
	LastUpdated time.Time
	// Received is when Lifeboat received this version.
	Received time.Time
	// Source says where this version came from.
	Source Source
	// Deleted marks a tombstone (the resource was deleted at its source).
	Deleted bool
	// Placeholder marks a stand-in made from partial data (a patient first
	// seen in a lab result, a bed first seen in a transfer): it is written
	// only if the store has no version of the resource, and any real
	// version replaces it.
	Placeholder bool

	// JSON is the resource as FHIR R4 JSON.
	JSON []byte

	// Index holds the fields extracted for search and views.
	Index Index
}

// Source is the provenance of a resource version.
type Source struct {
	Kind string // "file", "hl7v2", "bulk", "demo", "ui", ...
	Name string // feed or file name (no PHI), e.g. "Patient.000.ndjson"
	Ref  string // position in the source: line, entry or message control id
}

// Index holds the search and view fields extracted from a resource.
type Index struct {
	Patient     string       // id of the Patient this resource is about ("" if none)
	Encounter   string       // id of the Encounter it belongs to, if any
	Location    string       // id of the Location it is at: an Encounter's current bed or unit
	Status      string       // status / clinicalStatus code
	Category    string       // first category code
	Code        string       // first code as "system|code"
	Date        time.Time    // the clinically relevant time (effective, authored, period start, ...)
	Identifiers []Identifier // business identifiers (MRN, NPI, ...)
	// Names are normalised (lower case, accents removed) name strings for
	// search, for Patient, Practitioner and similar.
	Names     []string
	BirthDate string // YYYY-MM-DD for Patient
}

// Identifier is a FHIR business identifier.
type Identifier struct {
	System string
	Value  string
}

// PutOutcome is the result of writing one resource.
type PutOutcome int

// Put outcomes.
const (
	Created   PutOutcome = iota // a resource new to the store
	Updated                     // a newer version replaced the stored one
	Unchanged                   // the same version was already stored
	Stale                       // an older version was ignored; the store keeps the newer
)

// String returns the outcome's name.
func (o PutOutcome) String() string {
	return [...]string{"created", "updated", "unchanged", "stale"}[o]
}

// ResourceFilter selects resources of one type.
type ResourceFilter struct {
	Type    string
	Patient string   // only resources about this patient
	Status  []string // only these statuses (any)
	Code    string   // only this Index.Code ("system|code")
	// Locations, if set, keeps resources at one of these Location ids.
	Locations []string
	Since     time.Time // Index.Date at or after
	Limit     int       // 0 means no limit
}

// PatientQuery searches patients. Fields are combined with AND.
type PatientQuery struct {
	Name       string // partial, case- and accent-insensitive
	Identifier string // exact value of any identifier (MRN, ...)
	BirthDate  string // YYYY-MM-DD
	Limit      int
}

// ResourceStore keeps resources.
type ResourceStore interface {
	// PutResources writes a batch of resources in one transaction, keeping
	// the newer of the stored and the incoming version of each.
	PutResources(ctx context.Context, rs []*Resource) ([]PutOutcome, error)
	// Resource returns the current version of a resource, or ENOTFOUND.
	Resource(ctx context.Context, typ, id string) (*Resource, error)
	// Resources returns resources matching f, ordered by Index.Date descending.
	Resources(ctx context.Context, f ResourceFilter) ([]*Resource, error)
	// PatientResources returns all current resources about a patient of the
	// given types (all types if none are given).
	PatientResources(ctx context.Context, patient string, types ...string) ([]*Resource, error)
	// SearchPatients finds Patient resources.
	SearchPatients(ctx context.Context, q PatientQuery) ([]*Resource, error)
	// ResolveIdentifier returns the id of the resource of type typ with the
	// identifier system|value (system may be empty to match any), or ENOTFOUND.
	ResolveIdentifier(ctx context.Context, typ, system, value string) (string, error)
	// ResolveID returns the type of the stored resource with logical id id,
	// ENOTFOUND if there is none, or ECONFLICT if several types share it.
	ResolveID(ctx context.Context, id string) (string, error)
	// CountResources returns the number of current resources per type.
	CountResources(ctx context.Context) (map[string]int, error)
}

// SourceStatus tells how fresh the data from one source is.
type SourceStatus struct {
	Kind         string
	Name         string
	LastReceived time.Time // when Lifeboat last received data from it
	Resources    int64     // resources received from it in all
}

// Freshness is what a page says about the age of its data.
type Freshness struct {
	AsOf   time.Time // the last time data was received
	Source string    // where it came from
	Stale  bool      // older than the configured threshold
	Age    time.Duration
}

// SourceStore tracks data sources.
type SourceStore interface {
	Sources(ctx context.Context) ([]SourceStatus, error)
}

// Reject is input that could not be accepted, kept for an admin to inspect.
type Reject struct {
	ID       int64
	Received time.Time
	Source   Source // where it came from: file and line or entry
	Reason   string // why it was rejected (no PHI)
	Raw      []byte // the input as received
}

// RejectStore keeps rejected input.
type RejectStore interface {
	AddReject(ctx context.Context, r *Reject) error
	Rejects(ctx context.Context, limit int) ([]*Reject, error)
	CountRejects(ctx context.Context) (int, error)
}
