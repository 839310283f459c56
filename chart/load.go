package chart

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Chart returns a patient's chart summary, or ENOTFOUND. It reads the
// patient, their ten most recent encounters (and any in-progress one),
// allergies and conditions, active orders, administrations since admission
// (at least the MAR window), observations since a day before admission
// (the newest obsLimitOutpatient when not admitted), the newest notes,
// active Flags, open ServiceRequests and pending DiagnosticReports, in
// parallel, then builds the chart with BuildChart.
func (s *Service) Chart(ctx context.Context, patientID string) (*lifeboat.Chart, error) {
	now := s.now()
	p, err := s.patient(ctx, patientID)
	if err != nil {
		return nil, err
	}
	// A patient that replaces others (a merge: ADT A40) owns their records too.
	ids := append([]string{p.ID}, replaced(p)...)
	var encs []*lifeboat.Resource
	for _, id := range ids {
		got, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Patient: id, Limit: maxEncounters})
		if err != nil {
			return nil, fmt.Errorf("chart: load encounters: %w", err)
		}
		encs = mergeByID(encs, got)
	}
	admitted := admittedAt(encs)
	if admitted.IsZero() {
		for _, id := range ids {
			cur, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{
				Type: "Encounter", Patient: id, Status: []string{"in-progress"}, Limit: 5,
			})
			if err != nil {
				return nil, fmt.Errorf("chart: load encounters: %w", err)
			}
			encs = mergeByID(encs, cur)
			if a := admittedAt(cur); a.After(admitted) {
				admitted = a
			}
		}
	}

	from, _ := MARWindow(now)
	adminSince := adminsSince(now, from, admitted)
	var obsAfter time.Time
	if !admitted.IsZero() {
		obsAfter = obsSince(now, admitted)
	}

	rs := append([]*lifeboat.Resource{p}, encs...)
	var mu sync.Mutex
	var g group
	load := func(what string, get func() ([]*lifeboat.Resource, error)) {
		g.Go(func() error {
			got, err := get()
			if err != nil {
				return fmt.Errorf("chart: load %s: %w", what, err)
			}
			mu.Lock()
			rs = append(rs, got...)
			mu.Unlock()
			return nil
		})
	}
	query := func(f lifeboat.ResourceFilter) {
		load(f.Type, func() ([]*lifeboat.Resource, error) { return s.Store.Resources(ctx, f) })
	}
	for _, id := range ids {
		load("allergies, conditions, flags and orders", func() ([]*lifeboat.Resource, error) {
			return s.clinical(ctx, id)
		})
		query(lifeboat.ResourceFilter{Type: "MedicationRequest", Patient: id, Status: []string{"active"}})
		query(lifeboat.ResourceFilter{Type: "MedicationAdministration", Patient: id, Since: adminSince})
		// The newest observations (the chart shows the latest of each and a
		// short trend), and the code status on its own, however old.
		query(lifeboat.ResourceFilter{Type: "Observation", Patient: id, Since: obsAfter, Limit: obsLimitOutpatient})
		query(lifeboat.ResourceFilter{Type: "Observation", Patient: id, Code: "http://loinc.org|" + loincCodeStatus, Limit: 5})
		query(lifeboat.ResourceFilter{Type: "DocumentReference", Patient: id, Limit: maxNotes + 5})
	}
	var fresh lifeboat.Freshness
	g.Go(func() (err error) {
		fresh, err = s.freshness(ctx, now)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	rs = distinct(rs)

	dir := s.directory()
	c, missing := buildChart(now, dir, rs)
	if len(missing) > 0 {
		added, err := s.fetch(ctx, dir, missing)
		if err != nil {
			return nil, err
		}
		if added {
			c, _ = buildChart(now, dir, rs)
		}
	}
	c.Freshness = fresh
	return c, nil
}

// clinical loads a patient's allergies, conditions, flags and service
// requests in one query, and their pending DiagnosticReports: all of them
// when an open ServiceRequest needs the reports that may answer it, else
// only those not yet final. Flags and ServiceRequests not in force are
// dropped here, by their indexed status.
func (s *Service) clinical(ctx context.Context, patientID string) ([]*lifeboat.Resource, error) {
	rs, err := s.Store.PatientResources(ctx, patientID, "AllergyIntolerance", "Condition", "Flag", "ServiceRequest")
	if err != nil {
		return nil, err
	}
	out := rs[:0]
	open := false
	for _, r := range rs {
		switch r.Type {
		case "Flag":
			if r.Index.Status != "active" {
				continue
			}
		case "ServiceRequest":
			if r.Index.Status != "active" && r.Index.Status != "on-hold" {
				continue
			}
			open = true
		}
		out = append(out, r)
	}
	f := lifeboat.ResourceFilter{Type: "DiagnosticReport", Patient: patientID, Status: pendingReportStatuses}
	if open {
		f = lifeboat.ResourceFilter{Type: "DiagnosticReport", Patient: patientID, Limit: maxReports}
	}
	drs, err := s.Store.Resources(ctx, f)
	return append(out, drs...), err
}

// maxReports bounds the DiagnosticReports read to find the orders they answer.
const maxReports = 500

// adminsSince returns how far back to read administrations for a MAR from
// from: a little before it (so that doses near its start are matched as in
// any other window), and back to admission (at most adminMaxAge) so that
// the last given time of PRN and continuous lines is the same whatever the
// window.
func adminsSince(now, from, admitted time.Time) time.Time {
	chartFrom, _ := MARWindow(now)
	since := chartFrom
	if from.Before(since) {
		since = from
	}
	since = since.Add(-3 * DoseTolerance)
	if !admitted.IsZero() && admitted.Before(since) {
		since = admitted
		if limit := now.Add(-adminMaxAge); since.Before(limit) {
			since = limit
		}
	}
	return since
}

// patient loads a Patient, mapping absence to a PHI-free ENOTFOUND.
func (s *Service) patient(ctx context.Context, id string) (*lifeboat.Resource, error) {
	if id == "" {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	}
	p, err := s.Store.Resource(ctx, "Patient", id)
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND || (err == nil && (p == nil || p.Deleted)):
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	case err != nil:
		return nil, fmt.Errorf("chart: load patient: %w", err)
	}
	return p, nil
}

// admittedAt returns the start (Index.Date) of the newest in-progress
// encounter, or zero.
func admittedAt(encs []*lifeboat.Resource) time.Time {
	var t time.Time
	for _, e := range encs {
		if e.Index.Status == "in-progress" && !e.Deleted && e.Index.Date.After(t) {
			t = e.Index.Date
		}
	}
	return t
}

// replaced returns the ids of the patients that p replaces (Patient.link of
// type "replaces", written when records are merged).
func replaced(p *lifeboat.Resource) []string {
	var v struct {
		Link []struct {
			Other reference `json:"other"`
			Type  string    `json:"type"`
		} `json:"link"`
	}
	if !decode(p, &v) {
		return nil
	}
	var out []string
	for _, l := range v.Link {
		if id := l.Other.id("Patient"); l.Type == "replaces" && id != "" && id != p.ID {
			out = append(out, id)
		}
	}
	return out
}

// distinct drops repeated resources (the same type and id), keeping the first.
func distinct(rs []*lifeboat.Resource) []*lifeboat.Resource {
	type key struct{ typ, id string }
	seen := make(map[key]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		k := key{r.Type, r.ID}
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// mergeByID appends the resources of b not already in a.
func mergeByID(a, b []*lifeboat.Resource) []*lifeboat.Resource {
	seen := make(map[string]bool, len(a))
	for _, r := range a {
		seen[r.ID] = true
	}
	for _, r := range b {
		if !seen[r.ID] {
			a = append(a, r)
		}
	}
	return a
}

// maxQuery is the longest search string accepted.
const maxQuery = 100

// Search finds patients by birth date, MRN or name (see ParseQuery). A name
// of several words that the store does not match as a whole is searched by
// its longest word and filtered on all words; a name search that finds
// nothing is tried as an identifier. Results show the unit and bed of
// patients on the census. A blank query returns no results.
func (s *Service) Search(ctx context.Context, q string) ([]lifeboat.PatientMatch, error) {
	now := s.now()
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if len(q) > maxQuery {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Search text is too long.")
	}
	pq := ParseQuery(q)
	pats, err := s.searchPatients(ctx, pq)
	if err != nil {
		return nil, err
	}
	if len(pats) == 0 && pq.Name != "" {
		if words := nameWords(q); len(words) > 1 {
			cands, err := s.searchPatients(ctx, lifeboat.PatientQuery{Name: words[0], Limit: 10 * SearchLimit})
			if err != nil {
				return nil, err
			}
			for _, r := range cands {
				if matchesWords(r, words) && len(pats) < SearchLimit {
					pats = append(pats, r)
				}
			}
		}
		if len(pats) == 0 {
			if pats, err = s.searchPatients(ctx, lifeboat.PatientQuery{Identifier: q, Limit: SearchLimit}); err != nil {
				return nil, err
			}
		}
	}
	if len(pats) == 0 {
		return nil, nil
	}
	rs, err := s.currentEncounters(ctx, pats)
	if err != nil {
		return nil, err
	}
	rs = append(rs, pats...)
	dir := s.directory()
	ms, missing := buildMatches(now, dir, rs)
	if len(missing) > 0 {
		if added, err := s.fetch(ctx, dir, missing); err != nil {
			return nil, err
		} else if added {
			ms, _ = buildMatches(now, dir, rs)
		}
	}
	return ms, nil
}

func (s *Service) searchPatients(ctx context.Context, pq lifeboat.PatientQuery) ([]*lifeboat.Resource, error) {
	rs, err := s.Store.SearchPatients(ctx, pq)
	if err != nil {
		return nil, fmt.Errorf("chart: search patients: %w", err)
	}
	out := rs[:0:0]
	for _, r := range rs {
		if !r.Deleted {
			out = append(out, r)
		}
	}
	return out, nil
}

// currentEncounters returns the in-progress encounters of the patients:
// one query per patient for a few, one for all in-progress ones otherwise.
func (s *Service) currentEncounters(ctx context.Context, pats []*lifeboat.Resource) ([]*lifeboat.Resource, error) {
	if len(pats) > 5 {
		all, err := s.inProgress(ctx)
		if err != nil {
			return nil, err
		}
		want := make(map[string]bool, len(pats))
		for _, p := range pats {
			want[p.ID] = true
		}
		var out []*lifeboat.Resource
		for _, e := range all {
			if want[e.Index.Patient] {
				out = append(out, e)
			}
		}
		return out, nil
	}
	var out []*lifeboat.Resource
	for _, p := range pats {
		rs, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{
			Type: "Encounter", Patient: p.ID, Status: []string{"in-progress"}, Limit: 5,
		})
		if err != nil {
			return nil, fmt.Errorf("chart: load encounters: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}
