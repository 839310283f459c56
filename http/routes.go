package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// access says who may use a route.
type access int

const (
	accessPublic access = iota // anyone; the route never shows PHI
	accessUser                 // a session; pages redirect to /login without one
	accessAdmin                // a session of a user with role admin
	accessAPI                  // a bearer token or a session; 401 without one
)

// handlerFunc is a route handler. A returned error is rendered as an error
// page (or OperationOutcome under /fhir/) with the status of its code.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	Pattern string // a net/http ServeMux pattern, also the metrics and log label
	Access  access
	Handle  handlerFunc
}

// routes is the route table: every route the server answers, in one place so
// that tests can walk it.
func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", accessPublic, s.healthz},
		{"GET /metrics", accessPublic, s.serveMetrics},
		{"GET /static/", accessPublic, s.static},
		{"GET /login", accessPublic, s.loginForm},
		{"POST /login", accessPublic, s.login},
		{"POST /logout", accessUser, s.logout},

		{"GET /{$}", accessUser, s.census},
		{"GET /units/{id}", accessUser, s.unit},
		{"GET /patients/{id}", accessUser, s.chart},
		{"GET /patients/{id}/print", accessUser, s.printChart},
		{"GET /search", accessUser, s.search},
		{"GET /reports", accessUser, s.reports},
		{"GET /reports/hospital-census.pdf", accessUser, s.hospitalReport},
		{"GET /units/{id}/report/{kind}", accessUser, s.unitReport},
		{"GET /patients/{id}/report/{kind}", accessUser, s.patientReport},

		{"GET /admin/audit", accessAdmin, s.adminAudit},
		{"GET /admin/rejects", accessAdmin, s.adminRejects},
		{"GET /admin/rejects/{id}", accessAdmin, s.adminReject},
		{"GET /admin/rejects/{id}/raw", accessAdmin, s.adminRejectRaw},
		{"GET /admin/sources", accessAdmin, s.adminSources},
		{"GET /admin/feeds", accessAdmin, s.adminFeeds},
		{"GET /admin/dead-letters", accessAdmin, s.adminDeadLetters},
		{"GET /admin/dead-letters/{id}", accessAdmin, s.adminDeadLetter},
		{"POST /admin/dead-letters/{id}/replay", accessAdmin, s.adminReplay},

		{"GET /fhir/metadata", accessPublic, s.fhirMetadata},
		{"GET /fhir/{type}/{id}", accessAPI, s.fhirRead},
		{"GET /fhir/{type}", accessAPI, s.fhirSearch},
		{"GET /fhir/Patient/{id}/$everything", accessAPI, s.fhirEverything},
		{"/fhir/", accessAPI, s.fhirUnsupported},

		{"/", accessPublic, s.notFound},
	}
}

// reqInfo travels with a request so that the outer wrapper can log and
// count what the inner handlers learnt (who the user is).
type reqInfo struct {
	id   string
	auth *authInfo
}

type ctxKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// authFrom returns the authenticated caller of a request, or nil.
func authFrom(r *http.Request) *authInfo { return infoFrom(r.Context()).auth }

// wrap turns a route into a handler that authenticates, checks CSRF on
// state-changing requests, renders errors, and logs and counts the request
// by its route pattern (never its path or query, which can carry PHI).
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: newRequestID()}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p == http.ErrAbortHandler {
				s.finish(r, rt, rec, start)
				panic(p)
			} else if p != nil {
				s.Logger.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("route", rt.Pattern), slog.String("request_id", ri.id),
					slog.String("panic", fmt.Sprintf("%T", p)))
				if rec.status == 0 {
					s.renderError(rec, r, fmt.Errorf("http: panic in %s", rt.Pattern))
				}
			}
			s.finish(r, rt, rec, start)
		}()
		if err := s.serveRoute(rec, r, rt); err != nil {
			s.renderError(rec, r, err)
		}
	})
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt route) error {
	ri := infoFrom(r.Context())
	// Browsers mark cross-origin requests (Sec-Fetch-Site, Origin); refuse
	// every state-changing one before anything else.
	if err := s.cop.Check(r); err != nil {
		return lifeboat.Errorf(lifeboat.EFORBIDDEN, "Cross-site request refused.")
	}
	switch rt.Access {
	case accessUser, accessAdmin:
		a, expired, err := s.sessionAuth(w, r)
		if err != nil {
			return err
		}
		if a == nil {
			s.redirectToLogin(w, r, expired)
			return nil
		}
		ri.auth = a
		if rt.Access == accessAdmin && a.User.Role != lifeboat.RoleAdmin {
			return lifeboat.Errorf(lifeboat.EFORBIDDEN, "This page is for administrators.")
		}
		if !isSafeMethod(r.Method) {
			if err := s.checkCSRF(w, r, a); err != nil {
				return err
			}
		}
	case accessAPI:
		a, err := s.apiAuth(w, r)
		if err != nil {
			return err
		}
		if a == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lifeboat"`)
			return lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "Authentication required.")
		}
		ri.auth = a
	}
	return rt.Handle(w, r)
}

// finish logs and counts a request. The log carries the route pattern, never
// the path or query string.
func (s *Server) finish(r *http.Request, rt route, rec *statusRecorder, start time.Time) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	d := time.Since(start)
	s.metrics.observe(rt.Pattern, r.Method, status, d)
	level := slog.LevelInfo
	if rt.Pattern == "GET /healthz" || rt.Pattern == "GET /metrics" || rt.Pattern == "GET /static/" {
		level = slog.LevelDebug
	}
	ri := infoFrom(r.Context())
	user := ""
	if ri.auth != nil {
		user = ri.auth.User.Name
	}
	s.Logger.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method),
		slog.String("route", rt.Pattern),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.String("user", user),
		slog.String("request_id", ri.id))
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and passes it on.
func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes the bytes on.
func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// securityHeaders sets the headers every response carries. PHI pages are
// never cached; only /static/ may be.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; style-src 'self'; img-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "public, max-age=3600")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// httpStatus maps a domain error code to an HTTP status.
func httpStatus(err error) int {
	switch lifeboat.ErrorCode(err) {
	case lifeboat.ENOTFOUND:
		return http.StatusNotFound
	case lifeboat.EINVALID:
		return http.StatusBadRequest
	case lifeboat.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case lifeboat.EFORBIDDEN:
		return http.StatusForbidden
	case lifeboat.ECONFLICT:
		return http.StatusConflict
	case errTooManyRequests:
		return http.StatusTooManyRequests
	case errGone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// Codes used only inside this package, for statuses the domain lacks.
const (
	errTooManyRequests = "too_many_requests"
	errGone            = "gone"
)

// renderError writes err as an error page, or as an OperationOutcome under
// /fhir/. Internal errors are logged with detail and shown generically.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpStatus(err)
	msg := lifeboat.ErrorMessage(err)
	ri := infoFrom(r.Context())
	if status == http.StatusInternalServerError {
		msg = "Something went wrong. Please try again; if it persists, tell IT the reference below."
		if r.Context().Err() == nil {
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
				slog.String("request_id", ri.id), slog.String("error", err.Error()))
		}
	}
	if strings.HasPrefix(r.URL.Path, "/fhir/") {
		s.writeOutcome(w, status, msg)
		return
	}
	p := s.newPage(r, http.StatusText(status), errorView{Status: status, Message: msg, Reference: ri.id})
	s.renderStatus(w, r, status, "error.html", p)
}

// errorView is the data of the error page.
type errorView struct {
	Status    int
	Message   string
	Reference string
}

// notFound answers every path no other route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return lifeboat.Errorf(lifeboat.ENOTFOUND, "Page not found.")
}
