package chart

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultStaleAfter is the freshness threshold when Service.StaleAfter is 0.
const DefaultStaleAfter = 15 * time.Minute

// cacheTTL is how long (in real time) a Service keeps the Locations,
// Practitioners and Medications it has read before reading them again.
// References missing from the store are not cached: each chart asks again,
// so a practitioner that arrives after their encounter shows at once.
const cacheTTL = 2 * time.Minute

// Store query bounds for a chart.
const (
	obsBeforeAdmission = 24 * time.Hour      // observations read from this long before admission
	obsWindow          = 72 * time.Hour      // and never older than this for an admitted patient
	obsLimitOutpatient = 300                 // the newest observations read for a chart
	adminMaxAge        = 14 * 24 * time.Hour // administrations read back to admission, at most this far
)

// Service implements lifeboat.ChartService: it queries the store and calls
// the builders of this package. It caches Locations, Practitioners and
// Medications for cacheTTL; Census and Unit always reread the Locations.
type Service struct {
	Store      lifeboat.ResourceStore
	Sources    lifeboat.SourceStore
	Now        func() time.Time // defaults to time.Now
	StaleAfter time.Duration    // defaults to DefaultStaleAfter
	Location   *time.Location   // the hospital's time zone; defaults to time.Local

	mu       sync.Mutex
	dir      *Directory
	dirBorn  time.Time  // real time, not Now: the cache ages even with a fixed clock
	locDir   *Directory // dir, when it holds every Location as of locStamp
	locStamp stamp
}

var _ lifeboat.ChartService = (*Service)(nil)

// now returns the current time in the hospital's zone.
func (s *Service) now() time.Time {
	t := time.Now()
	if s.Now != nil {
		t = s.Now()
	}
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc)
}

// Invalidate drops the cached names, for use after a large import.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.dir = nil
	s.mu.Unlock()
}

// directory returns the cached Directory, renewed after cacheTTL.
func (s *Service) directory() *Directory {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == nil || time.Since(s.dirBorn) > cacheTTL {
		s.dir, s.dirBorn = &Directory{}, time.Now()
	}
	return s.dir
}

// withLocations returns a Directory of all stored Locations, keeping the
// cached names. It rereads the Locations only when the store has changed
// since (its sources' delivery counts and times say so) or the cache aged
// past cacheTTL: on a big hospital, reading every bed costs more than the
// rest of a unit's page.
func (s *Service) withLocations(ctx context.Context) (*Directory, error) {
	st, known, err := s.storeStamp(ctx)
	if err != nil {
		return nil, err
	}
	old := s.directory()
	s.mu.Lock()
	if known && s.locDir != nil && s.locDir == old && s.locStamp == st {
		s.mu.Unlock()
		return old, nil
	}
	s.mu.Unlock()
	locs, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{Type: "Location"})
	if err != nil {
		return nil, fmt.Errorf("chart: load locations: %w", err)
	}
	dir := NewDirectory(locs)
	dir.copyNames(old)
	s.mu.Lock()
	if s.dir == old {
		s.dir, s.locDir, s.locStamp = dir, dir, st
	}
	s.mu.Unlock()
	return dir, nil
}

// stamp identifies a state of the store: every write that creates or
// changes a resource adds to its source's count and moves its time.
type stamp struct {
	resources int64
	last      time.Time
}

// storeStamp returns the store's stamp, and false without a SourceStore.
func (s *Service) storeStamp(ctx context.Context) (stamp, bool, error) {
	if s.Sources == nil {
		return stamp{}, false, nil
	}
	srcs, err := s.Sources.Sources(ctx)
	if err != nil {
		return stamp{}, false, fmt.Errorf("chart: load sources: %w", err)
	}
	var st stamp
	for _, src := range srcs {
		st.resources += src.Resources
		if src.LastReceived.After(st.last) {
			st.last = src.LastReceived
		}
	}
	return st, true, nil
}

// fetch loads the missing references ("Type/id") into dir, and the parents
// of Locations, reporting whether it added any.
func (s *Service) fetch(ctx context.Context, dir *Directory, keys []string) (bool, error) {
	added := false
	for n := 0; len(keys) > 0 && n < 64; n++ {
		key := keys[0]
		keys = keys[1:]
		typ, id := splitRef(key)
		if dir.has(key) {
			continue
		}
		r, err := s.Store.Resource(ctx, typ, id)
		switch {
		case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND || (err == nil && r.Deleted):
			continue
		case err != nil:
			return added, fmt.Errorf("chart: load %s: %w", typ, err)
		}
		dir.Add(r)
		added = true
		if p := dir.parent(key); p != "" {
			keys = append(keys, p)
		}
	}
	return added, nil
}

// freshness reads the sources.
func (s *Service) freshness(ctx context.Context, now time.Time) (lifeboat.Freshness, error) {
	if s.Sources == nil {
		return FreshnessOf(now, nil, s.StaleAfter), nil
	}
	srcs, err := s.Sources.Sources(ctx)
	if err != nil {
		return lifeboat.Freshness{}, fmt.Errorf("chart: load sources: %w", err)
	}
	return FreshnessOf(now, srcs, s.StaleAfter), nil
}

// FreshnessOf says how fresh the data is at now: as of the most recent
// LastReceived of the sources (in now's location), from that source (its name, else its kind),
// stale when older than staleAfter (DefaultStaleAfter if 0). With no data
// received at all it is stale.
func FreshnessOf(now time.Time, sources []lifeboat.SourceStatus, staleAfter time.Duration) lifeboat.Freshness {
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	var f lifeboat.Freshness
	for _, src := range sources {
		if src.LastReceived.After(f.AsOf) {
			f.AsOf, f.Source = src.LastReceived, firstNonEmpty(src.Name, src.Kind)
		}
	}
	if f.AsOf.IsZero() {
		f.Stale = true
		return f
	}
	f.AsOf = f.AsOf.In(now.Location())
	if f.Age = now.Sub(f.AsOf); f.Age < 0 {
		f.Age = 0
	}
	f.Stale = f.Age > staleAfter
	return f
}

// Census returns every unit with its occupancy.
func (s *Service) Census(ctx context.Context) (*lifeboat.Census, error) {
	now := s.now()
	dir, err := s.withLocations(ctx)
	if err != nil {
		return nil, err
	}
	encs, err := s.inProgress(ctx)
	if err != nil {
		return nil, err
	}
	c := BuildCensus(now, dir, encs)
	if c.Freshness, err = s.freshness(ctx, now); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) inProgress(ctx context.Context) ([]*lifeboat.Resource, error) {
	encs, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}})
	if err != nil {
		return nil, fmt.Errorf("chart: load encounters: %w", err)
	}
	return encs, nil
}

// onUnit returns the in-progress encounters at the unit's locations, and
// every other in-progress encounter of their patients: a patient is placed
// by their newest encounter, which may be elsewhere.
func (s *Service) onUnit(ctx context.Context, dir *Directory, unitID string) ([]*lifeboat.Resource, error) {
	here, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{
		Type: "Encounter", Status: []string{"in-progress"}, Locations: dir.within(unitID),
	})
	if err != nil {
		return nil, fmt.Errorf("chart: load encounters: %w", err)
	}
	out := here
	seen := map[string]bool{}
	for _, e := range here {
		seen[e.ID] = true
	}
	for _, e := range here {
		p := e.Index.Patient
		if p == "" || seen["patient/"+p] {
			continue
		}
		seen["patient/"+p] = true
		theirs, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Patient: p, Status: []string{"in-progress"}})
		if err != nil {
			return nil, fmt.Errorf("chart: load encounters: %w", err)
		}
		for _, t := range theirs {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// Unit returns the census of one unit, or ENOTFOUND.
func (s *Service) Unit(ctx context.Context, id string) (*lifeboat.UnitCensus, error) {
	now := s.now()
	dir, err := s.withLocations(ctx)
	if err != nil {
		return nil, err
	}
	if l := dir.location(id); l == nil || l.Kind != kindUnit {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
	}
	encs, err := s.onUnit(ctx, dir, id)
	if err != nil {
		return nil, err
	}
	rs := append([]*lifeboat.Resource(nil), encs...)
	var mu sync.Mutex
	var g group
	for _, a := range admissions(newResolver(dir, nil), decodeEncounters(now.Location(), encs), id, false) {
		g.Go(func() error {
			prs, err := s.censusResources(ctx, now, a)
			mu.Lock()
			rs = append(rs, prs...)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	uc, missing, ok := buildUnitCensus(now, dir, id, rs)
	if len(missing) > 0 {
		if added, err := s.fetch(ctx, dir, missing); err != nil {
			return nil, err
		} else if added {
			uc, _, ok = buildUnitCensus(now, dir, id, rs)
		}
	}
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
	}
	if uc.Freshness, err = s.freshness(ctx, now); err != nil {
		return nil, err
	}
	return uc, nil
}

// censusResources loads what a unit census row needs about one patient.
func (s *Service) censusResources(ctx context.Context, now time.Time, a Admission) ([]*lifeboat.Resource, error) {
	var out []*lifeboat.Resource
	p, err := s.Store.Resource(ctx, "Patient", a.PatientID)
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND:
	case err != nil:
		return nil, fmt.Errorf("chart: load patient: %w", err)
	default:
		out = append(out, p)
	}
	// Allergies and flags (isolation) in one query: they are few.
	af, err := s.Store.PatientResources(ctx, a.PatientID, "AllergyIntolerance", "Flag")
	if err != nil {
		return nil, fmt.Errorf("chart: load allergies and flags: %w", err)
	}
	out = append(out, af...)
	for _, f := range []lifeboat.ResourceFilter{
		{Type: "MedicationRequest", Patient: a.PatientID, Status: []string{"active"}},
		{Type: "MedicationAdministration", Patient: a.PatientID, Since: now.Add(-4 * time.Hour)},
		{Type: "Observation", Patient: a.PatientID, Code: "http://loinc.org|" + loincCodeStatus, Limit: 5},
	} {
		rs, err := s.Store.Resources(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("chart: load %s: %w", f.Type, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// obsSince is how far back observations are read for an admitted patient:
// from a day before admission, at most obsWindow (the chart shows the latest
// value of each and a short trend; the code status is read on its own).
func obsSince(now, admitted time.Time) time.Time {
	since := admitted.Add(-obsBeforeAdmission)
	if admitted.IsZero() || since.Before(now.Add(-obsWindow)) {
		since = now.Add(-obsWindow)
	}
	return since
}

// maxParallel bounds the store queries a request runs at once.
const maxParallel = 8

// group runs functions concurrently, at most maxParallel at a time, and
// keeps the first error.
type group struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	sem chan struct{}
	err error
}

// Go runs f in a new goroutine once a slot is free.
func (g *group) Go(f func() error) {
	g.mu.Lock()
	if g.sem == nil {
		g.sem = make(chan struct{}, maxParallel)
	}
	sem := g.sem
	g.mu.Unlock()
	g.wg.Go(func() {
		sem <- struct{}{}
		defer func() { <-sem }()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	})
}

// Wait waits for every function and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}
