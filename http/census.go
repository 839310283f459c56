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
	if !validID(id) {
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

// validID reports whether id is a plausible FHIR logical id
// ([A-Za-z0-9\-\.]{1,64}), so junk never reaches the store.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
