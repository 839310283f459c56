package http

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// fhirJSON is the FHIR JSON media type.
const fhirJSON = "application/fhir+json"

// Bundle sizes: this first slice of the API does not page.
const (
	defaultCount = 500
	maxCount     = 1000
)

// fhirTypes are the resource types listed in the CapabilityStatement.
var fhirTypes = []string{
	"AllergyIntolerance", "Condition", "DocumentReference", "Encounter", "Location",
	"Medication", "MedicationAdministration", "MedicationRequest", "Observation",
	"Patient", "Practitioner",
}

// validType reports whether t looks like a FHIR resource type name.
func validType(t string) bool {
	if len(t) < 2 || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// fhirError is an EINVALID error for the API.
func fhirError(format string, args ...any) error {
	return lifeboat.Errorf(lifeboat.EINVALID, format, args...)
}

// writeOutcome writes an OperationOutcome with one issue.
func (s *Server) writeOutcome(w http.ResponseWriter, status int, msg string) {
	code := "exception"
	switch status {
	case http.StatusBadRequest:
		code = "invalid"
	case http.StatusUnauthorized:
		code = "login"
	case http.StatusForbidden:
		code = "forbidden"
	case http.StatusNotFound:
		code = "not-found"
	case http.StatusMethodNotAllowed:
		code = "not-supported"
	case http.StatusGone:
		code = "deleted"
	case http.StatusTooManyRequests:
		code = "throttled"
	}
	oo := map[string]any{
		"resourceType": "OperationOutcome",
		"issue": []map[string]string{{
			"severity": "error", "code": code, "diagnostics": msg,
		}},
	}
	writeJSON(w, status, oo)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhirJSON+"; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fhirMetadata answers the CapabilityStatement; it needs no login.
func (s *Server) fhirMetadata(w http.ResponseWriter, r *http.Request) error {
	var res []map[string]any
	for _, t := range fhirTypes {
		params := []map[string]string{{"name": "patient", "type": "reference"}}
		if t == "Patient" {
			params = []map[string]string{
				{"name": "identifier", "type": "token"},
				{"name": "name", "type": "string"},
				{"name": "birthdate", "type": "date"},
			}
		}
		res = append(res, map[string]any{
			"type":        t,
			"interaction": []map[string]string{{"code": "read"}, {"code": "search-type"}},
			"searchParam": params,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         s.Now().UTC().Format("2006-01-02"),
		"kind":         "instance",
		"software":     map[string]string{"name": "Lifeboat", "version": lifeboat.Version},
		"fhirVersion":  "4.0.1",
		"format":       []string{"json"},
		"rest": []map[string]any{{
			"mode": "server",
			"security": map[string]any{
				"description": "Bearer token (lifeboat token) or a Lifeboat session.",
			},
			"resource": res,
		}},
	})
	return nil
}

// fhirRead returns the stored JSON of one resource.
func (s *Server) fhirRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typ, id := r.PathValue("type"), r.PathValue("id")
	if !validType(typ) || !validID(id) {
		return fhirError("Invalid resource type or id.")
	}
	res, err := s.Resources.Resource(ctx, typ, id)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		patient := ""
		if typ == "Patient" {
			patient = id
		}
		s.audit(ctx, s.auditEvent(r, lifeboat.AuditFHIRRead, patient, typ+"/"+id, "not_found"))
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Resource not found.")
	} else if err != nil {
		return fmt.Errorf("http: fhir read: %w", err)
	}
	patient := res.Index.Patient
	if typ == "Patient" {
		patient = id
	}
	if res.Deleted {
		s.audit(ctx, s.auditEvent(r, lifeboat.AuditFHIRRead, patient, typ+"/"+id, "deleted"))
		return lifeboat.Errorf(errGone, "Resource deleted.")
	}
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditFHIRRead, patient, typ+"/"+id, "ok")); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", fhirJSON+"; charset=utf-8")
	if res.Version > 0 {
		h.Set("ETag", `W/"`+strconv.FormatInt(res.Version, 10)+`"`)
	}
	if !res.LastUpdated.IsZero() {
		h.Set("Last-Modified", res.LastUpdated.UTC().Format(http.TimeFormat))
	}
	_, _ = w.Write(res.JSON)
	return nil
}

// searchParams are the search parameters this slice understands.
var searchParams = []string{"patient", "identifier", "name", "birthdate", "_count", "_format"}

// fhirSearch answers {type}?patient=ID, and Patient?identifier=&name=&birthdate=,
// as a searchset Bundle. Unknown parameters are refused rather than ignored,
// so a client never mistakes an unfiltered result for a filtered one.
func (s *Server) fhirSearch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typ := r.PathValue("type")
	if !validType(typ) {
		return fhirError("Invalid resource type.")
	}
	q := r.URL.Query()
	for k, vs := range q {
		if !slices.Contains(searchParams, k) {
			return fhirError("Unsupported search parameter %q.", k)
		}
		if len(vs) > 1 {
			return fhirError("Repeated search parameter %q is not supported.", k)
		}
	}
	if f := q.Get("_format"); f != "" && f != "json" && !strings.Contains(f, "json") {
		return fhirError("Only JSON is supported.")
	}
	limit := defaultCount
	if c := q.Get("_count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			return fhirError("Invalid _count.")
		}
		limit = min(n, maxCount)
	}
	patient := strings.TrimPrefix(q.Get("patient"), "Patient/")
	if q.Has("patient") && !validID(patient) {
		return fhirError("Invalid patient id.")
	}
	var (
		rs  []*lifeboat.Resource
		err error
	)
	switch {
	case typ == "Patient" && q.Has("patient"):
		var p *lifeboat.Resource
		p, err = s.Resources.Resource(ctx, "Patient", patient)
		if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
			err = nil
		} else if err == nil {
			rs = []*lifeboat.Resource{p}
		}
	case typ == "Patient" && (q.Has("identifier") || q.Has("name") || q.Has("birthdate")):
		rs, err = s.searchPatients(r, q, limit)
	case typ == "Patient":
		return fhirError("Patient search needs identifier, name, birthdate or patient.")
	case q.Has("identifier") || q.Has("name") || q.Has("birthdate"):
		return fhirError("Only Patient supports identifier, name and birthdate.")
	case !q.Has("patient"):
		return fhirError("Search needs the patient parameter.")
	default:
		rs, err = s.Resources.Resources(ctx, lifeboat.ResourceFilter{Type: typ, Patient: patient, Limit: limit})
	}
	if err != nil {
		return fmt.Errorf("http: fhir search: %w", err)
	}
	canon := typ + "?" + q.Encode()
	if err := s.mustAudit(ctx, s.auditEvent(r, lifeboat.AuditFHIRSearch, patient, canon, "ok")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.bundle(r, canon, rs))
	return nil
}

// searchPatients runs a Patient search; an identifier "system|value" keeps
// only matches with that system.
func (s *Server) searchPatients(r *http.Request, q url.Values, limit int) ([]*lifeboat.Resource, error) {
	system, value, hasSystem := strings.Cut(q.Get("identifier"), "|")
	if !hasSystem {
		system, value = "", q.Get("identifier")
	}
	rs, err := s.Resources.SearchPatients(r.Context(), lifeboat.PatientQuery{
		Name: q.Get("name"), Identifier: value, BirthDate: q.Get("birthdate"), Limit: limit,
	})
	if err != nil || !hasSystem || system == "" {
		return rs, err
	}
	return slices.DeleteFunc(rs, func(x *lifeboat.Resource) bool {
		return !slices.Contains(x.Index.Identifiers, lifeboat.Identifier{System: system, Value: value})
	}), nil
}

// bundleEntry is one entry of a searchset Bundle.
type bundleEntry struct {
	FullURL  string            `json:"fullUrl"`
	Resource json.RawMessage   `json:"resource"`
	Search   map[string]string `json:"search"`
}

// bundle wraps resources in a searchset Bundle, leaving out tombstones and
// anything whose stored JSON is not valid.
func (s *Server) bundle(r *http.Request, self string, rs []*lifeboat.Resource) map[string]any {
	base := "http://" + r.Host + "/fhir/"
	if s.isTLS(r) {
		base = "https://" + r.Host + "/fhir/"
	}
	var entries []bundleEntry
	for _, x := range rs {
		if x == nil || x.Deleted {
			continue
		}
		if !json.Valid(x.JSON) {
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "stored resource is not valid JSON",
				slog.String("type", x.Type))
			continue
		}
		entries = append(entries, bundleEntry{
			FullURL:  base + x.Type + "/" + x.ID,
			Resource: x.JSON,
			Search:   map[string]string{"mode": "match"},
		})
	}
	b := map[string]any{
		"resourceType": "Bundle",
		"type":         "searchset",
		"total":        len(entries),
		"link":         []map[string]string{{"relation": "self", "url": base + self}},
	}
	if len(entries) > 0 { // FHIR JSON has no empty arrays
		b["entry"] = entries
	}
	return b
}

// fhirUnsupported answers API paths and methods this slice does not serve.
func (s *Server) fhirUnsupported(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeOutcome(w, http.StatusMethodNotAllowed, "The FHIR API is read-only.")
		return nil
	}
	return lifeboat.Errorf(lifeboat.ENOTFOUND, "Unknown FHIR endpoint.")
}
