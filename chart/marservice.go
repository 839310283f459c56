package chart

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

var _ lifeboat.MARService = (*Service)(nil)

// MAR returns a patient's MAR for the window [from, to) at the service's
// current time, built by BuildMARRange from the patient's active orders and
// administrations, so that its doses agree with the chart summary's MAR
// (same due times and statuses where the windows overlap, same last given
// times). It returns ENOTFOUND for an unknown patient and EINVALID for an
// empty window or one longer than lifeboat.MaxMARWindow.
func (s *Service) MAR(ctx context.Context, patientID string, from, to time.Time) (*lifeboat.MAR, error) {
	if !to.After(from) || to.Sub(from) > lifeboat.MaxMARWindow {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "The MAR window must be longer than zero and at most %d days.", int(lifeboat.MaxMARWindow/(24*time.Hour)))
	}
	now := s.now()
	p, err := s.patient(ctx, patientID)
	if err != nil {
		return nil, err
	}
	ids := append([]string{p.ID}, replaced(p)...)
	var admitted time.Time
	for _, id := range ids {
		cur, err := s.Store.Resources(ctx, lifeboat.ResourceFilter{
			Type: "Encounter", Patient: id, Status: []string{"in-progress"}, Limit: 5,
		})
		if err != nil {
			return nil, fmt.Errorf("chart: load encounters: %w", err)
		}
		if a := admittedAt(cur); a.After(admitted) {
			admitted = a
		}
	}
	since := adminsSince(now, from, admitted)

	var rs []*lifeboat.Resource
	var mu sync.Mutex
	var g group
	query := func(f lifeboat.ResourceFilter) {
		g.Go(func() error {
			got, err := s.Store.Resources(ctx, f)
			if err != nil {
				return fmt.Errorf("chart: load %s: %w", f.Type, err)
			}
			mu.Lock()
			rs = append(rs, got...)
			mu.Unlock()
			return nil
		})
	}
	for _, id := range ids {
		query(lifeboat.ResourceFilter{Type: "MedicationRequest", Patient: id, Status: []string{"active"}})
		query(lifeboat.ResourceFilter{Type: "MedicationAdministration", Patient: id, Since: since})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	rs = distinct(rs)

	dir := s.directory()
	m, missing := buildMARRange(now, from, to, dir, rs)
	if len(missing) > 0 {
		added, err := s.fetch(ctx, dir, missing)
		if err != nil {
			return nil, err
		}
		if added {
			m, _ = buildMARRange(now, from, to, dir, rs)
		}
	}
	return &m, nil
}
