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

// ResourceFilter selects resources of one type (or, with a Patient, of
// several). Fields are combined with AND; a list matches any of its values.
type ResourceFilter struct {
	// Type is the resource type. It may be empty only when Patient is set:
	// then resources of every type (or of Types) about the patient match.
	Type    string
	Patient string   // only resources about this patient
	Status  []string // only these statuses (any)
	Code    string   // only this Index.Code ("system|code")
	// Locations, if set, keeps resources at one of these Location ids.
	Locations []string
	Since     time.Time // Index.Date at or after
	Limit     int       // 0 means no limit

	// Types, with Type empty, keeps only these types.
	Types []string
	// Categories keeps resources whose Index.Category is one of these codes.
	Categories []string
	// Codes keeps resources whose Index.Code matches one of these tokens:
	// "system|code" exactly ("|code" for a code without a system), or a bare
	// "code" in any system.
	Codes []string
	// IDs keeps only resources with one of these logical ids.
	IDs []string
	// Date bounds Index.Date; resources without a date never match a
	// bounded range.
	Date TimeRange
	// LastUpdated bounds the resource's LastUpdated.
	LastUpdated TimeRange
	// Order is the order of the results (OrderDate by default).
	Order ResourceOrder
	// After, if set, keeps only the resources that come after this position
	// in Order: the next page of a keyset-paged result.
	After *PageKey
}

// ResourceOrder is the order in which resources are returned.
type ResourceOrder int

// Resource orders. Ties keep the order in which the store received the
// resources, in the same direction.
const (
	// OrderDate is Index.Date newest first, resources without a date last.
	OrderDate ResourceOrder = iota
	// OrderLastUpdated is LastUpdated oldest first, for clients that follow
	// changes.
	OrderLastUpdated
)

// PageKey is a position in a result order: the sort value, type and id of
// the last resource of a page. A zero Value in OrderDate stands for "no
// date".
type PageKey struct {
	Value    time.Time
	Type, ID string
}

// KeyOf returns the position of r in order o.
func KeyOf(r *Resource, o ResourceOrder) PageKey {
	v := r.Index.Date
	if o == OrderLastUpdated {
		v = r.LastUpdated
	}
	return PageKey{Value: v, Type: r.Type, ID: r.ID}
}

// TimeRange bounds a time. A zero bound is open. From is inclusive unless
// FromExclusive; To is exclusive unless ToInclusive.
type TimeRange struct {
	From, To      time.Time
	FromExclusive bool
	ToInclusive   bool
}

// IsZero reports whether the range is unbounded.
func (r TimeRange) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// Contains reports whether t is within the range.
func (r TimeRange) Contains(t time.Time) bool {
	if !r.From.IsZero() && (t.Before(r.From) || r.FromExclusive && t.Equal(r.From)) {
		return false
	}
	if !r.To.IsZero() && (t.After(r.To) || !r.ToInclusive && t.Equal(r.To)) {
		return false
	}
	return true
}

// PatientQuery searches patients. Fields are combined with AND. Results are
// ordered by id. A PatientQuery is comparable (it may be a map key).
type PatientQuery struct {
	Name       string // partial, case- and accent-insensitive
	Identifier string // exact value of any identifier (MRN, ...)
	BirthDate  string // YYYY-MM-DD
	Limit      int

	// Family and Given match the family and the given names: every word of
	// the text must start a word of the same part of one of the patient's
	// names (case- and accent-insensitive).
	Family, Given string
	// IdentifierSystem, with Identifier, keeps identifiers of this system.
	IdentifierSystem string
	// BirthFrom and BirthBefore bound birthDate compared as text (YYYY,
	// YYYY-MM or YYYY-MM-DD): at or after BirthFrom, before BirthBefore.
	BirthFrom, BirthBefore string
	// ID keeps only the patient with this id.
	ID string
	// LastUpdated bounds the patient's LastUpdated.
	LastUpdated TimeRange
	// All makes a query without any other criterion match every patient
	// (without it, an empty query matches none).
	All bool
	// After keeps only patients whose id sorts after it (keyset paging).
	After string
}

// ResourceStore keeps resources.
type ResourceStore interface {
	// PutResources writes a batch of resources in one transaction, keeping
	// the newer of the stored and the incoming version of each.
	PutResources(ctx context.Context, rs []*Resource) ([]PutOutcome, error)
	// Resource returns the current version of a resource, or ENOTFOUND.
	Resource(ctx context.Context, typ, id string) (*Resource, error)
	// Resources returns resources matching f in f.Order (Index.Date newest
	// first by default), after f.After if it is set, at most f.Limit.
	Resources(ctx context.Context, f ResourceFilter) ([]*Resource, error)
	// PatientResources returns all current resources about a patient of the
	// given types (all types if none are given).
	PatientResources(ctx context.Context, patient string, types ...string) ([]*Resource, error)
	// SearchPatients finds Patient resources, ordered by id.
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
