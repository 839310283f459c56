package ehr

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Canonical URLs of the Bulk Data operations.
const (
	opExport        = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
	opPatientExport = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
	opGroupExport   = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
	groupSystem     = "urn:lifeboat:simulate:group"
)

// handleMetadata serves the CapabilityStatement.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	base := s.base(r)
	s.mu.RLock()
	types := append([]string(nil), s.st.types...)
	s.mu.RUnlock()
	read := []any{map[string]string{"code": "read"}}
	var res []any
	for _, t := range types {
		rs := map[string]any{"type": t, "interaction": read}
		if t == "Patient" {
			rs["operation"] = []any{map[string]string{"name": "export", "definition": opPatientExport}}
		}
		res = append(res, rs)
	}
	res = append(res, map[string]any{"type": "Group",
		"interaction": []any{map[string]string{"code": "read"}, map[string]string{"code": "search-type"}},
		"operation":   []any{map[string]string{"name": "export", "definition": opGroupExport}}})
	rest := map[string]any{"mode": "server", "resource": res,
		"operation": []any{map[string]string{"name": "export", "definition": opExport}}}
	if s.auth != nil {
		rest["security"] = map[string]any{
			"service": []any{map[string]any{"coding": []any{map[string]string{
				"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}}}},
			"extension": []any{map[string]any{
				"url":       "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				"extension": []any{map[string]string{"url": "token", "valueUri": base + TokenPath}},
			}},
		}
	}
	writeJSON(w, http.StatusOK, "application/fhir+json", map[string]any{
		"resourceType":   "CapabilityStatement",
		"status":         "active",
		"date":           s.started.UTC().Format(time.RFC3339),
		"kind":           "instance",
		"software":       map[string]string{"name": "Lifeboat simulated EHR"},
		"implementation": map[string]string{"description": "Aldermoor General Hospital (synthetic)", "url": base + FHIRPath},
		"fhirVersion":    "4.0.1",
		"format":         []string{"json"},
		"instantiates":   []string{"http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"},
		"rest":           []any{rest},
	})
}

// handleRead serves the current version of one resource.
func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	typ, id := r.PathValue("type"), r.PathValue("id")
	g, _ := s.bearer(r)
	if !g.allows(typ) {
		fail(w, lifeboat.Errorf(lifeboat.EFORBIDDEN, "The access token does not allow reading %s.", clip(typ)))
		return
	}
	if typ == "Group" {
		s.mu.RLock()
		o, err := s.groupResource(id)
		s.mu.RUnlock()
		if err != nil {
			fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		_, _ = w.Write(o.appendTo(nil))
		return
	}
	s.mu.RLock()
	e := s.st.lookup(typ, id)
	var line []byte
	var version int
	var updated time.Time
	gone := false
	if e != nil {
		line, version, updated = e.line, e.version, e.updated
	} else {
		for _, d := range s.st.dels {
			if d.id == id && s.st.types[d.typ] == typ {
				gone = true
			}
		}
	}
	s.mu.RUnlock()
	switch {
	case gone:
		outcome(w, http.StatusGone, "deleted", "This resource was deleted.")
		return
	case e == nil:
		fail(w, lifeboat.Errorf(lifeboat.ENOTFOUND, "This resource was not found."))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/fhir+json")
	h.Set("ETag", `W/"`+strconv.Itoa(version)+`"`)
	h.Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	_, _ = w.Write(line[:len(line)-1])
}

// handleGroups answers a search for Groups with every Group.
func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	ids := []string{groupAll}
	for _, u := range s.st.units {
		ids = append(ids, u.id)
	}
	var entries []object
	for _, id := range ids {
		o, _ := s.groupResource(id)
		entries = append(entries, object{{"fullUrl", encode(s.base(r) + FHIRPath + "/Group/" + id)},
			{"resource", encode(o)}, {"search", encode(map[string]string{"mode": "match"})}})
	}
	s.mu.RUnlock()
	b := object{{"resourceType", encode("Bundle")}, {"type", encode("searchset")},
		{"total", encode(len(entries))}, {"entry", encode(entries)}}.appendTo(nil)
	w.Header().Set("Content-Type", "application/fhir+json")
	_, _ = w.Write(b)
}

// groupResource builds a Group with its current members. The caller holds
// s.mu.
func (s *Server) groupResource(id string) (object, error) {
	st := s.st
	mask, name, err := st.group(id)
	if err != nil {
		return nil, err
	}
	var members []object
	for i, p := range st.pats {
		if mask == nil || mask[i] {
			members = append(members, object{{"entity", encode(ref("Patient/" + p.id))}})
		}
	}
	o := object{{"resourceType", encode("Group")}, {"id", encode(id)},
		{"meta", encode(object{{"lastUpdated", encode(instant(s.lastChange()))}})},
		{"identifier", encode([]any{map[string]string{"system": groupSystem, "value": id}})},
		{"active", encode(true)}, {"type", encode("person")}, {"actual", encode(true)},
		{"name", encode(name)}, {"quantity", encode(len(members))}}
	if len(members) > 0 {
		o.set("member", members)
	}
	return o, nil
}

// lastChange is when the hospital last changed (when it was generated if
// it has not). The caller holds s.mu.
func (s *Server) lastChange() time.Time {
	if s.lastStamp.IsZero() {
		return s.started.Truncate(time.Second)
	}
	return s.lastStamp
}
