// Package http serves Lifeboat's web UI (census, unit, chart, search, admin
// pages), its FHIR read API, health and metrics, with local-account login,
// sessions, CSRF protection and an audit record of every access to PHI.
//
// Server holds its dependencies in exported fields; cmd/lifeboat fills them
// and calls Handler, or ListenAndServe / Serve to run it.
package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultIdleTimeout is the session idle timeout when Server.IdleTimeout is 0.
const DefaultIdleTimeout = 15 * time.Minute

// ShutdownTimeout bounds how long Serve waits for requests in flight after
// its context is cancelled.
const ShutdownTimeout = 10 * time.Second

// Server is Lifeboat's HTTP front end. Set the fields, then call Handler (or
// ListenAndServe / Serve). The fields must not change after that.
type Server struct {
	// Charts builds the census, unit, chart and search views.
	Charts lifeboat.ChartService
	// Users keeps accounts, sessions and API tokens.
	Users lifeboat.UserStore
	// Audit receives a record of every access to PHI and every login.
	Audit lifeboat.AuditStore
	// Rejects, Sources and Resources back the admin pages and the FHIR API.
	Rejects   lifeboat.RejectStore
	Sources   lifeboat.SourceStore
	Resources lifeboat.ResourceStore
	// Syncs keeps the state of Bulk Data syncs, shown on the sources page;
	// nil when the server syncs from no FHIR source.
	Syncs lifeboat.SyncStateStore
	// Reports renders the printed downtime reports on demand; nil hides them.
	Reports lifeboat.ReportService
	// ReportStatus tells how the scheduled downtime pack is doing; nil when
	// the server prints no scheduled pack.
	ReportStatus func() lifeboat.ReportStatus
	// Messages keeps inbound feed messages; nil when the server receives no feeds.
	Messages lifeboat.MessageStore
	// Replay runs a dead letter through the feed pipeline again; nil hides the button.
	Replay func(ctx context.Context, id int64) error
	// FeedSilence is how long each feed ("APP^FACILITY") may stay silent
	// before it is flagged; "*" sets the default (DefaultFeedSilence if absent).
	FeedSilence map[string]time.Duration

	// CheckPassword verifies a password against a stored PHC hash; wire it
	// to password.Verify. If nil, every login fails.
	CheckPassword func(password, encodedHash string) (bool, error)

	// Now returns the current time (default time.Now).
	Now func() time.Time
	// IdleTimeout ends a session unused for this long (default 15 min).
	IdleTimeout time.Duration
	// Logger receives structured request and error logs (default slog.Default()).
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics
	// (default: a new registry with the Go and process collectors).
	Registry Registry
	// Health reports whether the server can serve (e.g. the store answers);
	// nil means always healthy.
	Health func(context.Context) error
	// HospitalName is shown in the page header.
	HospitalName string
	// TrustProxy makes the server take the client address from the last
	// X-Forwarded-For entry and the scheme from X-Forwarded-Proto. Set it
	// only behind a reverse proxy that sets those headers.
	TrustProxy bool

	once    sync.Once
	handler http.Handler
	metrics *metrics
	limiter *limiter
	cop     *http.CrossOriginProtection
	tmpl    map[string]*templateSet
	purged  lastRun
}

// lastRun remembers when a periodic chore last ran.
type lastRun struct {
	mu sync.Mutex
	at time.Time
}

// due reports whether every has passed since the chore last ran, and if so
// records now as the last run.
func (l *lastRun) due(now time.Time, every time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.at) < every {
		return false
	}
	l.at = now
	return true
}

// Handler returns the server's HTTP handler, building it on first use.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.init)
	return s.handler
}

func (s *Server) init() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = DefaultIdleTimeout
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Registry == nil {
		s.Registry = newDefaultRegistry()
	}
	if s.HospitalName == "" {
		s.HospitalName = "Lifeboat"
	}
	s.limiter = newLimiter()
	s.cop = http.NewCrossOriginProtection()
	s.metrics = newMetrics(s.Registry)
	s.tmpl = mustParseTemplates()

	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern, s.wrap(rt))
	}
	s.handler = securityHeaders(mux)
}

// ListenAndServe listens on addr and serves plain HTTP until ctx is
// cancelled, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	return s.ListenAndServeTLS(ctx, addr, "", "")
}

// ListenAndServeTLS listens on addr and serves HTTPS with the certificate
// and key in PEM files (plain HTTP when both are empty) until ctx is
// cancelled.
func (s *Server) ListenAndServeTLS(ctx context.Context, addr, certFile, keyFile string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("http: listen: %w", err)
	}
	return s.ServeTLS(ctx, ln, certFile, keyFile)
}

// Serve serves plain HTTP on ln until ctx is cancelled, then shuts down
// gracefully. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeTLS(ctx, ln, "", "")
}

// ServeTLS serves HTTPS on ln with the certificate and key in PEM files
// (plain HTTP when both are empty) until ctx is cancelled, then shuts down
// gracefully, waiting at most ShutdownTimeout for requests in flight. It
// returns nil after a clean shutdown.
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener, certFile, keyFile string) error {
	h := s.Handler()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" || keyFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("http: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: serve: %w", err)
	}
	return nil
}

// clientAddr returns the client's IP address: the connection's remote
// address, or with TrustProxy the last X-Forwarded-For entry.
func (s *Server) clientAddr(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = last[strings.LastIndexByte(last, ',')+1:]
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isTLS reports whether the client reached us over TLS.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https"
}
