package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/lifeboat-health/lifeboat"
)

// everythingPlan is a parsed $everything request.
type everythingPlan struct {
	count int
	since lifeboat.TimeRange
	types []string // _type, or nil for every type
}

// wants reports whether the plan includes resources of type t.
func (p *everythingPlan) wants(t string) bool {
	return p.types == nil || slices.Contains(p.types, t)
}

// parseEverything reads the parameters of $everything.
func parseEverything(q map[string][]string) (*everythingPlan, error) {
	p := &everythingPlan{}
	for k, vs := range q {
		switch k {
		case "_count", "_since", "_type", "_format", cursorParam:
		default:
			return nil, fhirError("Unsupported parameter %q for $everything.", k)
		}
		if len(vs) > 1 {
			return nil, fhirError("Repeated parameter %q is not supported.", k)
		}
		if vs[0] == "" {
			return nil, fhirError("Parameter %q has no value.", k)
		}
	}
	get := func(k string) string {
		if vs := q[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	var err error
	if p.count, err = countParam(get("_count"), defaultCount); err != nil {
		return nil, err
	}
	if v := get("_since"); v != "" {
		lo, _, err := parseInterval(v)
		if err != nil {
			return nil, err
		}
		p.since = lifeboat.TimeRange{From: lo}
	}
	if v := get("_type"); v != "" {
		ts, err := splitList(v)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if !validType(t) || typeParams(t) == nil {
				return nil, fhirError("Unsupported type %q in _type.", t)
			}
		}
		p.types = ts
	}
	return p, nil
}

// fhirEverything answers GET /fhir/Patient/{id}/$everything: a searchset
// Bundle with the Patient first (on the first page), then the resources
// about the patient, newest first, paged; each page also includes the
// shared resources (practitioners, locations, organizations, medications)
// its entries refer to.
func (s *Server) fhirEverything(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if !lifeboat.ValidID(id) {
		return fhirError("Invalid patient id.")
	}
	if !s.negotiate(w, r) {
		return nil
	}
	q := r.URL.Query()
	p, err := parseEverything(q)
	if err != nil {
		return err
	}
	path := "Patient/" + id + "/$everything"
	var cur *cursor
	if tok := q.Get(cursorParam); tok != "" {
		c, err := openCursor(tok, searchBinding(path, q))
		if err != nil || c.kind != cursorDate {
			return errCursor
		}
		cur = &c
	}
	query := auditQuery(path, q)
	pat, err := s.Resources.Resource(ctx, "Patient", id)
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND:
		s.audit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, id, query, "not_found"))
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	case err != nil:
		return fmt.Errorf("http: fhir everything: %w", err)
	case pat.Deleted:
		s.audit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, id, query, "deleted"))
		return lifeboat.Errorf(errGone, "Patient deleted.")
	}

	var matches []*lifeboat.Resource
	if cur == nil && p.wants("Patient") {
		matches = append(matches, pat)
	}
	rs, next, err := s.compartmentPage(ctx, id, p, cur)
	if err != nil {
		return fmt.Errorf("http: fhir everything: %w", err)
	}
	matches = append(matches, rs...)
	includes, err := s.referenced(ctx, matches, p)
	if err != nil {
		return fmt.Errorf("http: fhir everything: %w", err)
	}
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, id, query, "ok")); err != nil {
		return err
	}
	page := s.pagedBundle(r, path, q, cur, next, len(matches))
	page.entries = make([]pageEntry, 0, len(matches)+len(includes))
	for _, x := range matches {
		page.entries = append(page.entries, pageEntry{r: x, mode: modeMatch})
	}
	for _, x := range includes {
		page.entries = append(page.entries, pageEntry{r: x, mode: modeInclude})
	}
	s.writeBundle(w, r, page)
	return nil
}

// compartmentPage reads one page of the resources about a patient (the
// Patient itself aside) and returns the cursor of the next page.
func (s *Server) compartmentPage(ctx context.Context, patient string, p *everythingPlan, cur *cursor) ([]*lifeboat.Resource, *cursor, error) {
	f := lifeboat.ResourceFilter{Patient: patient, LastUpdated: p.since}
	if p.types != nil {
		for _, t := range p.types {
			if t != "Patient" && !slices.Contains(sharedTypes, t) {
				f.Types = append(f.Types, t)
			}
		}
		if len(f.Types) == 0 {
			return nil, nil, nil
		}
	}
	if cur != nil {
		f.After = &cur.key
	}
	rs, more, err := collect(ctx, s.Resources, f, p.count, func(x *lifeboat.Resource) bool { return x.Type != "Patient" })
	if err != nil || !more {
		return rs, nil, err
	}
	next := resourceCursor(rs[len(rs)-1], lifeboat.OrderDate)
	return rs, &next, nil
}

// referenced returns the shared resources (those of sharedTypes) that the
// resources rs refer to, each once.
func (s *Server) referenced(ctx context.Context, rs []*lifeboat.Resource, p *everythingPlan) ([]*lifeboat.Resource, error) {
	ids := map[string][]string{}
	seen := map[string]bool{}
	for _, r := range rs {
		references(r.JSON, func(typ, id string) {
			if !slices.Contains(sharedTypes, typ) || !p.wants(typ) || seen[typ+"/"+id] {
				return
			}
			seen[typ+"/"+id] = true
			ids[typ] = append(ids[typ], id)
		})
	}
	var out []*lifeboat.Resource
	for _, typ := range sharedTypes {
		if len(ids[typ]) == 0 {
			continue
		}
		got, err := s.Resources.Resources(ctx, lifeboat.ResourceFilter{Type: typ, IDs: ids[typ]})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// referenceKey is the member name of a Reference's reference.
var referenceKey = []byte(`"reference"`)

// references calls fn with the type and id of every relative reference
// ("Type/id", optionally with "/_history/version") in the JSON js. It
// scans the bytes rather than decoding the resource; a reference with
// escapes in it is skipped.
func references(js []byte, fn func(typ, id string)) {
	for {
		i := bytes.Index(js, referenceKey)
		if i < 0 {
			return
		}
		js = bytes.TrimLeft(js[i+len(referenceKey):], " \t\r\n")
		if len(js) == 0 || js[0] != ':' {
			continue // "reference" as a value, not a member name
		}
		js = bytes.TrimLeft(js[1:], " \t\r\n")
		if len(js) == 0 || js[0] != '"' {
			continue
		}
		end := bytes.IndexByte(js[1:], '"')
		if end < 0 {
			return
		}
		ref := js[1 : 1+end]
		js = js[2+end:]
		if bytes.IndexByte(ref, '\\') >= 0 {
			continue
		}
		typ, rest, ok := bytes.Cut(ref, []byte{'/'})
		if !ok || !validType(string(typ)) {
			continue
		}
		id, _, _ := bytes.Cut(rest, []byte{'/'})
		if lifeboat.ValidID(id) {
			fn(string(typ), string(id))
		}
	}
}
