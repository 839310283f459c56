package http

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// maxQuery bounds the search text.
const maxQuery = 200

// searchView is the data of the search page.
type searchView struct {
	Q        string
	Searched bool
	Matches  []lifeboat.PatientMatch
}

// search finds patients by name, MRN or birth date. Each search is audited
// with its text; the text is never logged.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery || !utf8.ValidString(q) {
		return lifeboat.Errorf(lifeboat.EINVALID, "The search text is too long.")
	}
	v := searchView{Q: q}
	p := s.newPage(r, "Search", &v)
	p.Query = q
	if q == "" {
		s.render(w, r, "search.html", p)
		return nil
	}
	ms, err := s.Charts.Search(ctx, q)
	if err != nil {
		return fmt.Errorf("http: search: %w", err)
	}
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditSearch, "", q, "ok")); err != nil {
		return err
	}
	v.Searched, v.Matches = true, ms
	// Search results carry no freshness of their own: take the census's.
	if c, err := s.Charts.Census(ctx); err == nil && c != nil {
		p.withFreshness(c.Freshness)
	} else {
		if err != nil {
			s.Logger.LogAttrs(ctx, slog.LevelWarn, "freshness for search failed", slog.String("error", err.Error()))
		}
		p.withFreshness(lifeboat.Freshness{})
	}
	s.render(w, r, "search.html", p)
	return nil
}
