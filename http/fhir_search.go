package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// Page sizes of searches and $everything.
const (
	defaultCount = 50
	maxCount     = 1000
)

// searchPlan is a parsed search: what to ask the store, and how to page.
type searchPlan struct {
	typ   string
	count int
	// patients is the query of a Patient search; ids, when there are
	// several, lists the ids asked for (each is looked up on its own).
	patients *lifeboat.PatientQuery
	ids      []string
	// filter is the query of any other search; keep, if set, checks what
	// the store cannot (the system of a category).
	filter lifeboat.ResourceFilter
	keep   func(*lifeboat.Resource) bool
	// patient is the patient the search is about, if it names one.
	patient string
	// countOnly is _summary=count: the number of matches, no entries.
	countOnly bool
}

// cursorKind is the kind of cursor that continues this search.
func (p *searchPlan) cursorKind() byte {
	switch {
	case p.patients != nil:
		return cursorPatient
	case p.filter.Order == lifeboat.OrderLastUpdated:
		return cursorUpdated
	}
	return cursorDate
}

// parseSearch reads a search of type typ. Unknown, repeated (except the
// date parameters) and empty parameters are refused rather than ignored, so
// that a client never mistakes an unfiltered result for a filtered one.
func parseSearch(typ string, q url.Values) (*searchPlan, error) {
	params := typeParams(typ)
	if params == nil {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "The FHIR API does not search %s resources.", typ)
	}
	p := &searchPlan{typ: typ}
	given := map[paramKey][]string{}
	names := map[paramKey]string{}
	var sort string
	var err error
	for k, vs := range q {
		switch k {
		case "_count", "_format", cursorParam, "_sort", "_summary", "_total":
			if len(vs) > 1 {
				return nil, fhirError("Repeated parameter %q is not supported.", k)
			}
			switch k {
			case "_sort":
				sort = vs[0]
			case "_summary":
				if p.countOnly, err = summaryParam(vs[0]); err != nil {
					return nil, err
				}
			case "_total":
				if err = totalParam(vs[0]); err != nil {
					return nil, err
				}
			}
			continue
		}
		i := slices.IndexFunc(params, func(sp searchParam) bool { return sp.Name == k })
		if i < 0 {
			return nil, fhirError("Unsupported search parameter %q for %s.", k, typ)
		}
		sp := params[i]
		if len(vs) > 1 && !sp.repeatable() {
			return nil, fhirError("Repeated search parameter %q is not supported.", k)
		}
		for _, v := range vs {
			if v == "" {
				return nil, fhirError("Search parameter %q has no value.", k)
			}
		}
		if prev, ok := names[sp.Key]; ok {
			return nil, fhirError("Parameters %q and %q search the same thing: give one.", prev, k)
		}
		names[sp.Key] = k
		given[sp.Key] = vs
	}
	if p.count, err = countParam(q.Get("_count"), defaultCount); err != nil {
		return nil, err
	}
	if typ == "Patient" {
		if sort != "" {
			return nil, fhirError("Patient results are ordered by id; _sort is not supported.")
		}
		err = p.patientQuery(given)
	} else {
		err = p.resourceFilter(given, sort)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// patientQuery fills the plan of a Patient search.
func (p *searchPlan) patientQuery(given map[paramKey][]string) error {
	pq := &lifeboat.PatientQuery{All: true}
	one := func(k paramKey) string {
		if vs := given[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	for _, k := range []paramKey{keyIdentifier, keyName, keyFamily, keyGiven} {
		if strings.Contains(one(k), ",") {
			return fhirError("Search alternatives (commas) are not supported for this parameter.")
		}
	}
	if v := one(keyIdentifier); v != "" {
		system, value, _ := splitToken(v)
		if value == "" {
			return fhirError("Parameter identifier needs a value.")
		}
		pq.Identifier, pq.IdentifierSystem = value, system
	}
	pq.Name, pq.Family, pq.Given = one(keyName), one(keyFamily), one(keyGiven)
	if vs := given[keyBirthdate]; len(vs) > 0 {
		var err error
		if pq.BirthFrom, pq.BirthBefore, err = birthRange(vs); err != nil {
			return err
		}
	}
	if vs := given[keyLastUpdated]; len(vs) > 0 {
		var err error
		if pq.LastUpdated, err = dateParam("_lastUpdated", vs); err != nil {
			return err
		}
	}
	if v := one(keyID); v != "" {
		ids, err := idList(v)
		if err != nil {
			return err
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) == 1 {
			pq.ID = ids[0]
			p.patient = ids[0]
		} else {
			p.ids = ids
		}
	}
	p.patients = pq
	return nil
}

// resourceFilter fills the plan of a search of any type but Patient.
func (p *searchPlan) resourceFilter(given map[paramKey][]string, sort string) error {
	f := lifeboat.ResourceFilter{Type: p.typ}
	switch sort {
	case "", "-date":
	case "_lastUpdated":
		f.Order = lifeboat.OrderLastUpdated
	default:
		return fhirError("Unsupported _sort: use -date (the default) or _lastUpdated.")
	}
	var err error
	for k, vs := range given {
		v := vs[0]
		switch k {
		case keyID:
			f.IDs, err = idList(v)
		case keyLastUpdated:
			f.LastUpdated, err = dateParam("_lastUpdated", vs)
		case keyDate:
			f.Date, err = dateParam("date", vs)
		case keyPatient:
			f.Patient, err = patientRef("patient", v)
			p.patient = f.Patient
		case keyCode:
			f.Codes, err = tokenValues("code", v)
		case keyStatus:
			f.Status, err = splitList(v)
		case keyCategory:
			var tokens []string
			if tokens, err = tokenValues("category", v); err == nil {
				f.Categories, p.keep = categoryFilter(tokens)
			}
		}
		if err != nil {
			return err
		}
	}
	p.filter = f
	return nil
}

// categoryFilter returns the category codes for the store and, when some
// token names a system, the check of that system on the resource.
func categoryFilter(tokens []string) ([]string, func(*lifeboat.Resource) bool) {
	codes := make([]string, 0, len(tokens))
	systems := false
	for _, t := range tokens {
		_, code, hasSystem := strings.Cut(t, "|")
		if !hasSystem {
			code = t
		}
		systems = systems || hasSystem
		codes = append(codes, code)
	}
	if !systems {
		return codes, nil
	}
	return codes, func(r *lifeboat.Resource) bool { return categoryMatches(r.JSON, tokens) }
}

// coding is a FHIR Coding, as far as category checks read it.
type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// categoryMatches reports whether a coding of a category of the resource
// matches one of the tokens. A category that is a plain code (as in
// AllergyIntolerance) has its system implied: it matches by code.
func categoryMatches(js []byte, tokens []string) bool {
	var doc struct {
		Category json.RawMessage `json:"category"`
	}
	if json.Unmarshal(js, &doc) != nil || len(doc.Category) == 0 {
		return false
	}
	var elems []json.RawMessage
	if doc.Category[0] == '[' {
		if json.Unmarshal(doc.Category, &elems) != nil {
			return false
		}
	} else {
		elems = []json.RawMessage{doc.Category}
	}
	var codings []coding
	implied := map[string]bool{}
	for _, e := range elems {
		var s string
		if json.Unmarshal(e, &s) == nil {
			implied[s] = true
			continue
		}
		var cc struct {
			Coding []coding `json:"coding"`
		}
		if json.Unmarshal(e, &cc) == nil {
			codings = append(codings, cc.Coding...)
		}
	}
	for _, t := range tokens {
		system, code, hasSystem := strings.Cut(t, "|")
		if !hasSystem {
			code = t
		}
		if implied[code] {
			return true
		}
		for _, c := range codings {
			if c.Code == code && (!hasSystem || c.System == system) {
				return true
			}
		}
	}
	return false
}

// fhirSearch answers GET /fhir/{type}?... with one page of a searchset
// Bundle.
func (s *Server) fhirSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typ := r.PathValue("type")
	if !validType(typ) {
		return fhirError("Invalid resource type.")
	}
	if !s.negotiate(w, r) {
		return nil
	}
	q := r.URL.Query()
	p, err := parseSearch(typ, q)
	if err != nil {
		return err
	}
	var cur *cursor
	if tok := q.Get(cursorParam); tok != "" {
		c, err := openCursor(tok, searchBinding(typ, q))
		if err != nil || c.kind != p.cursorKind() {
			return errCursor
		}
		cur = &c
	}
	if p.countOnly {
		return s.fhirCount(w, r, p) // a count has no pages: no cursor opens for it
	}
	rs, next, err := s.searchPage(ctx, p, cur)
	if err != nil {
		return fmt.Errorf("http: fhir search: %w", err)
	}
	patient := p.patient
	if patient == "" {
		patient = onePatient(rs)
	}
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, patient, auditQuery(typ, q), "ok")); err != nil {
		return err
	}
	page := s.pagedBundle(r, typ, q, cur, next, len(rs))
	for _, x := range rs {
		page.entries = append(page.entries, pageEntry{r: x, mode: modeMatch})
	}
	s.writeBundle(w, r, page)
	return nil
}

// searchPage reads one page of a search, resuming at cur, and returns the
// cursor of the next page (nil on the last).
func (s *Server) searchPage(ctx context.Context, p *searchPlan, cur *cursor) ([]*lifeboat.Resource, *cursor, error) {
	if p.patients == nil {
		f := p.filter
		if cur != nil {
			f.After = &cur.key
		}
		rs, more, err := collect(ctx, s.Resources, f, p.count, p.keep)
		if err != nil || !more {
			return rs, nil, err
		}
		next := resourceCursor(rs[len(rs)-1], f.Order)
		return rs, &next, nil
	}
	pq := *p.patients
	if cur != nil {
		pq.After = cur.id
	}
	var rs []*lifeboat.Resource
	if len(p.ids) == 0 {
		pq.Limit = p.count + 1
		var err error
		if rs, err = s.Resources.SearchPatients(ctx, pq); err != nil {
			return nil, nil, err
		}
	} else {
		// Several ids: each is one look-up, in id order.
		for _, id := range p.ids {
			if id <= pq.After {
				continue
			}
			q := pq
			q.ID, q.After, q.Limit = id, "", 1
			got, err := s.Resources.SearchPatients(ctx, q)
			if err != nil {
				return nil, nil, err
			}
			if rs = append(rs, got...); len(rs) > p.count {
				break
			}
		}
	}
	if len(rs) <= p.count {
		return rs, nil, nil
	}
	rs = rs[:p.count]
	return rs, &cursor{kind: cursorPatient, id: rs[len(rs)-1].ID}, nil
}

// collect reads up to n resources matching f that pass keep (all, if keep
// is nil), resuming after f.After, and reports whether more follow.
func collect(ctx context.Context, store lifeboat.ResourceStore, f lifeboat.ResourceFilter, n int, keep func(*lifeboat.Resource) bool) ([]*lifeboat.Resource, bool, error) {
	var out []*lifeboat.Resource
	f.Limit = n + 1
	for {
		rs, err := store.Resources(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, r := range rs {
			if keep != nil && !keep(r) {
				continue
			}
			if len(out) == n {
				return out, true, nil
			}
			out = append(out, r)
		}
		if len(rs) < f.Limit {
			return out, false, nil
		}
		k := lifeboat.KeyOf(rs[len(rs)-1], f.Order)
		if a := f.After; a != nil && a.Value.Equal(k.Value) && a.Type == k.Type && a.ID == k.ID {
			return nil, false, fmt.Errorf("http: search does not advance")
		}
		f.After = &k
	}
}

// onePatient returns the patient all of rs are about, or "" if they are
// about none or several.
func onePatient(rs []*lifeboat.Resource) string {
	id := ""
	for _, r := range rs {
		switch {
		case r.Index.Patient == "" || id != "" && r.Index.Patient != id:
			return ""
		default:
			id = r.Index.Patient
		}
	}
	return id
}

// auditQuery is the search as the audit trail records it: the type and the
// client's parameters, as the patient search page records its text; a
// cursor is recorded as "next" (it carries nothing a reader could use).
func auditQuery(path string, q url.Values) string {
	v := url.Values{}
	for k, vs := range q {
		if k == cursorParam {
			vs = []string{"next"}
		}
		v[k] = vs
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
