package http

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lifeboat-health/lifeboat"
)

// summaryParam reads _summary: count asks for the number of matches only;
// false (the whole resources) is what every search returns. The other
// values (true, text, data) ask for parts of each resource, which this API
// does not make: they are refused, as unknown parameters are, rather than
// answered with whole resources.
func summaryParam(v string) (countOnly bool, err error) {
	switch v {
	case "count":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fhirError("Unsupported _summary: use count (the number of matches only) or false.")
}

// totalParam checks _total (none, estimate or accurate). The API gives
// Bundle.total when it is known without further work (a result that fits
// on its first page, and every _summary=count) and otherwise leaves it
// out, as FHIR allows: counting a large result costs reading all of it,
// so _total=accurate is not honoured on paged results (use
// _summary=count).
func totalParam(v string) error {
	switch v {
	case "none", "estimate", "accurate":
		return nil
	}
	return fhirError("Invalid _total: use none, estimate or accurate.")
}

// countPageSize is the page size at which fhirCount reads a result.
const countPageSize = maxCount

// fhirCount answers a search with _summary=count: a searchset Bundle with
// the number of matches as its total and no entries (nor next link). It
// is audited as the search is, naming the patient the search or all of
// its matches are about.
func (s *Server) fhirCount(w http.ResponseWriter, r *http.Request, p *searchPlan) error {
	ctx := r.Context()
	n, patient, err := s.countMatches(ctx, p)
	if err != nil {
		return fmt.Errorf("http: fhir count: %w", err)
	}
	if p.patient != "" {
		patient = p.patient
	}
	q := r.URL.Query()
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, patient, auditQuery(p.typ, q), "ok")); err != nil {
		return err
	}
	s.writeBundle(w, r, &bundlePage{self: s.pageLink(r, p.typ, q, ""), total: n})
	return nil
}

// countMatches counts the matches of a search and returns the patient
// they are all about ("" if none or several). The store has no count
// that applies every filter of a search (a category's system is checked
// on the resource, family and given names on the Patient), so the result
// is read as the search reads it, page by page through searchPage, and
// counted: the same filters by construction, at the cost of reading the
// result once.
func (s *Server) countMatches(ctx context.Context, p *searchPlan) (int, string, error) {
	plan := *p
	plan.count = countPageSize
	var (
		n       int
		cur     *cursor
		patient string
		several bool
	)
	for {
		rs, next, err := s.searchPage(ctx, &plan, cur)
		if err != nil {
			return 0, "", err
		}
		for _, x := range rs {
			if x.Deleted {
				continue // as writeBundle leaves them out
			}
			n++
			switch {
			case x.Index.Patient == "" || patient != "" && x.Index.Patient != patient:
				several = true
			default:
				patient = x.Index.Patient
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	if several {
		patient = ""
	}
	return n, patient, nil
}
