package http

import (
	"fmt"
	"net/http"

	"github.com/lifeboat-health/lifeboat"
)

// census shows every unit with its occupied and total beds.
func (s *Server) census(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Charts.Census(r.Context())
	if err != nil {
		return fmt.Errorf("http: census: %w", err)
	}
	if c == nil {
		c = &lifeboat.Census{}
	}
	s.render(w, r, "census.html", s.newPage(r, "Census", c).withFreshness(c.Freshness))
	return nil
}

// unit lists a unit's patients by bed.
func (s *Server) unit(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !lifeboat.ValidID(id) {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
	}
	u, err := s.Charts.Unit(r.Context(), id)
	if err != nil {
		return fmt.Errorf("http: unit: %w", err)
	}
	if u == nil {
		u = &lifeboat.UnitCensus{}
	}
	title := u.Unit.Name
	if title == "" {
		title = "Unit"
	}
	s.render(w, r, "unit.html", s.newPage(r, title, u).withFreshness(u.Freshness))
	return nil
}
