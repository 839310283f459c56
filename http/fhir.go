package http

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// The FHIR read API under /fhir/: the CapabilityStatement
// (fhir_capability.go), read (here), search (fhir_search.go) and Patient
// $everything (fhir_everything.go). Every answer is FHIR JSON; every error
// is an OperationOutcome.

// fhirJSON is the FHIR JSON media type.
const fhirJSON = "application/fhir+json"

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
	case http.StatusMethodNotAllowed, http.StatusNotAcceptable:
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

// jsonTypes are the media types (and _format values) answered with FHIR
// JSON.
var jsonTypes = []string{fhirJSON, "application/json", "application/json+fhir", "json", "*/*", "application/*"}

// negotiate checks that the client accepts FHIR JSON, from its _format
// parameter or else its Accept header; if not, it answers 406 with an
// OperationOutcome and returns false.
func (s *Server) negotiate(w http.ResponseWriter, r *http.Request) bool {
	if f := r.URL.Query().Get("_format"); f != "" {
		if acceptsJSON(f) {
			return true
		}
		s.writeOutcome(w, http.StatusNotAcceptable, "Only JSON is supported (_format=json).")
		return false
	}
	if a := r.Header.Get("Accept"); a != "" && !acceptsJSON(a) {
		s.writeOutcome(w, http.StatusNotAcceptable, "Only FHIR JSON is supported (Accept: application/fhir+json).")
		return false
	}
	return true
}

// acceptsJSON reports whether an Accept header or _format value lists a
// media type answered with JSON (and not with q=0).
func acceptsJSON(h string) bool {
	for _, part := range strings.Split(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			// _format values such as "json" are not media types.
			mt = strings.ToLower(strings.TrimSpace(part))
		}
		if q, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				continue
			}
		}
		for _, t := range jsonTypes {
			if mt == t {
				return true
			}
		}
	}
	return false
}

// fhirRead returns the stored JSON of one resource.
func (s *Server) fhirRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typ, id := r.PathValue("type"), r.PathValue("id")
	if !validType(typ) || !lifeboat.ValidID(id) {
		return fhirError("Invalid resource type or id.")
	}
	if !s.negotiate(w, r) {
		return nil
	}
	for k := range r.URL.Query() {
		if k != "_format" {
			return fhirError("Unsupported parameter %q for a read.", k)
		}
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
	h.Set("Content-Length", strconv.Itoa(len(res.JSON)))
	if res.Version > 0 {
		h.Set("ETag", `W/"`+strconv.FormatInt(res.Version, 10)+`"`)
	}
	if !res.LastUpdated.IsZero() {
		h.Set("Last-Modified", res.LastUpdated.UTC().Format(http.TimeFormat))
	}
	_, _ = w.Write(res.JSON)
	return nil
}

// fhirUnsupported answers API paths and methods this API does not serve.
func (s *Server) fhirUnsupported(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeOutcome(w, http.StatusMethodNotAllowed, "The FHIR API is read-only.")
		return nil
	}
	return lifeboat.Errorf(lifeboat.ENOTFOUND, "Unknown FHIR endpoint.")
}
