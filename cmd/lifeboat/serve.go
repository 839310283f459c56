package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/chart"
	lbhttp "github.com/lifeboat-health/lifeboat/http"
	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/password"
	"github.com/lifeboat-health/lifeboat/report"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// config is the server configuration, read from --config FILE (JSON).
type config struct {
	Addr         string   `json:"addr"`
	HospitalName string   `json:"hospital_name"`
	StaleAfter   duration `json:"stale_after"`
	IdleTimeout  duration `json:"idle_timeout"`
	TLSCert      string   `json:"tls_cert"`
	TLSKey       string   `json:"tls_key"`
	LogLevel     string   `json:"log_level"`
	TrustProxy   bool     `json:"trust_proxy"`
	// MLLPAddr is where HL7 v2 feeds connect ("" for none).
	MLLPAddr string `json:"mllp_addr"`
	// MLLPTLSCert and MLLPTLSKey make the MLLP listener speak TLS;
	// MLLPClientCA, if set, requires senders to present a certificate it
	// signed (mutual TLS).
	MLLPTLSCert  string `json:"mllp_tls_cert"`
	MLLPTLSKey   string `json:"mllp_tls_key"`
	MLLPClientCA string `json:"mllp_client_ca"`
	// FeedSilence flags a feed ("APP^FACILITY", or "*" for all) silent for longer.
	FeedSilence map[string]duration `json:"feed_silence"`
	// AppAckRoutes gives, per feed ("APP^FACILITY"), the MLLP address
	// ("host:port") of the sender's listener that receives the application
	// acknowledgements it asks for in enhanced mode (MSH-15 and MSH-16).
	AppAckRoutes map[string]string `json:"app_ack_routes"`
	// BulkSources are the EHR FHIR servers to sync from with Bulk Data
	// $export, each on its own schedule.
	BulkSources []syncSource `json:"bulk_sources"`
	// The scheduled downtime pack (report_* keys).
	reportConfig
}

func defaultConfig() config {
	return config{
		Addr:         "127.0.0.1:8080",
		HospitalName: "Lifeboat",
		StaleAfter:   duration(30 * time.Minute),
		IdleTimeout:  duration(lbhttp.DefaultIdleTimeout),
		LogLevel:     "info",
		reportConfig: reportConfig{Every: duration(report.DefaultEvery), Keep: report.DefaultKeep},
	}
}

// duration is a time.Duration written as "30m" in JSON.
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"30m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q", s)
	}
	*d = duration(v)
	return nil
}

// loadConfig reads a JSON config file over the defaults; unknown keys are errors.
func loadConfig(path string) (config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cfg, lifeboat.Errorf(lifeboat.EINVALID, "cannot read config: %s", errorText(err))
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, lifeboat.Errorf(lifeboat.EINVALID, "config %s: %v", path, err)
	}
	return cfg, nil
}

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "serve", "serve --data DIR [--addr ADDR] [--config FILE]")
	var sf storeFlags
	sf.register(fs)
	cfgPath := fs.String("config", "", "JSON configuration `FILE`")
	addr := fs.String("addr", "", "HTTP listen `address` (default 127.0.0.1:8080)")
	mllpAddr := fs.String("mllp", "", "HL7 v2 MLLP listen `address` (none by default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *mllpAddr != "" {
		cfg.MLLPAddr = *mllpAddr
	}
	logger := newLogger(env.stderr, cfg.LogLevel)
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	logger.Info("serving", "addr", ln.Addr().String(), "version", lifeboat.Version)
	var mllpLn net.Listener
	if cfg.MLLPAddr != "" {
		if mllpLn, err = net.Listen("tcp", cfg.MLLPAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", cfg.MLLPAddr, err)
		}
		logger.Info("receiving HL7 v2", "mllp", mllpLn.Addr().String())
	}
	return serve(ctx, db, cfg, logger, ln, mllpLn)
}

// serve runs the web server on ln, and the HL7 v2 listener on mllpLn if it
// is not nil, until ctx ends.
func serve(ctx context.Context, db *sqlite.DB, cfg config, logger *slog.Logger, ln, mllpLn net.Listener) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerStoreMetrics(reg, db)
	charts := &chart.Service{
		Store:      db,
		Sources:    db,
		Now:        time.Now,
		StaleAfter: time.Duration(cfg.StaleAfter),
		Location:   time.Local,
	}
	pw, err := readPassword(cfg.reportConfig.PasswordFile)
	if err != nil {
		return err
	}
	gen := newGenerator(charts, cfg.HospitalName, cfg.reportConfig.PageSize, pw)
	srv := &lbhttp.Server{
		Charts:        charts,
		Reports:       gen,
		Users:         db,
		Audit:         db,
		Rejects:       db,
		Sources:       db,
		Resources:     db,
		CheckPassword: password.Verify,
		Now:           time.Now,
		IdleTimeout:   time.Duration(cfg.IdleTimeout),
		Logger:        logger,
		Registry:      reg,
		Health:        db.Ping,
		HospitalName:  cfg.HospitalName,
		TrustProxy:    cfg.TrustProxy,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if sched := startReports(ctx, cfg, gen, reg, logger); sched != nil {
		srv.ReportStatus = sched.Status
	}
	if len(cfg.BulkSources) > 0 {
		for i := range cfg.BulkSources {
			if err := cfg.BulkSources[i].check(); err != nil {
				return err
			}
		}
		srv.Syncs = db
		reg.MustRegister(newSyncCollector(db))
		syncCtx, stopSyncs := context.WithCancel(ctx)
		wait := runSyncs(syncCtx, db, cfg.BulkSources, logger)
		defer func() { stopSyncs(); wait() }()
	}
	if mllpLn == nil {
		return srv.ServeTLS(ctx, ln, cfg.TLSCert, cfg.TLSKey)
	}
	tlsConfig, err := mllpTLS(cfg)
	if err != nil {
		return err
	}
	// This process receives the feeds: it owns the inbox, and applies what
	// a crash left in it before it listens.
	f := newFeed(db, logger, newFeedMetrics(reg))
	f.appAcks = newAppAcks(cfg.AppAckRoutes, logger, reg)
	db.OnApplied = f.appAcks.applied
	go f.appAcks.run(ctx)
	if err := db.OpenInbox(ctx, f.remap); err != nil {
		return err
	}
	ms := &mllp.Server{Handler: f, OnOversize: f.oversize, Logger: logger, TLSConfig: tlsConfig}
	reg.MustRegister(newMLLPCollector(ms), newBacklogCollector(db))
	srv.Messages, srv.Replay = db, f.replay
	srv.FeedSilence = map[string]time.Duration{}
	for k, v := range cfg.FeedSilence {
		srv.FeedSilence[k] = time.Duration(v)
	}
	errs := make(chan error, 2)
	go func() { errs <- ms.Serve(ctx, mllpLn) }()
	go func() { errs <- srv.ServeTLS(ctx, ln, cfg.TLSCert, cfg.TLSKey) }()
	first := <-errs
	cancel()
	return errors.Join(first, <-errs)
}

// mllpTLS returns the MLLP listener's TLS configuration, nil for plain TCP.
func mllpTLS(cfg config) (*tls.Config, error) {
	if cfg.MLLPTLSCert == "" && cfg.MLLPTLSKey == "" {
		if cfg.MLLPClientCA != "" {
			return nil, lifeboat.Errorf(lifeboat.EINVALID, "mllp_client_ca needs mllp_tls_cert and mllp_tls_key")
		}
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.MLLPTLSCert, cfg.MLLPTLSKey)
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "cannot load the MLLP TLS certificate and key: %v", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.MLLPClientCA != "" {
		pem, err := os.ReadFile(cfg.MLLPClientCA)
		if err != nil {
			return nil, lifeboat.Errorf(lifeboat.EINVALID, "cannot read mllp_client_ca: %s", errorText(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, lifeboat.Errorf(lifeboat.EINVALID, "mllp_client_ca holds no PEM certificate")
		}
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// newLogger returns a JSON slog logger at the given level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// registerStoreMetrics exposes store-wide gauges: resources by type,
// rejects kept, what each kind of source delivered and when, and each HL7
// feed's last message and counts (for alerting on a silent feed). Labels
// are FHIR type names, source kinds and feed names (sending application and
// facility), never PHI. Counting walks an index, so
// a scrape reuses figures up to storeMetricsTTL old.
func registerStoreMetrics(reg prometheus.Registerer, db *sqlite.DB) {
	reg.MustRegister(&storeCollector{db: db,
		resources: prometheus.NewDesc("lifeboat_store_resources", "Current resources in the store by FHIR type.", []string{"type"}, nil),
		rejects:   prometheus.NewDesc("lifeboat_store_rejects", "Rejected inputs kept for inspection.", nil, nil),
		received:  prometheus.NewDesc("lifeboat_source_resources_received_total", "Resources created or updated from each kind of source.", []string{"kind"}, nil),
		lastData:  prometheus.NewDesc("lifeboat_source_last_received_timestamp_seconds", "When each kind of source last delivered.", []string{"kind"}, nil),
		feedLast:  prometheus.NewDesc("lifeboat_feed_last_message_timestamp_seconds", "When each HL7 v2 feed (sending application^facility) last sent a message.", []string{"feed"}, nil),
		feedMsgs:  prometheus.NewDesc("lifeboat_feed_received_total", "Messages received from each HL7 v2 feed, re-sends included.", []string{"feed"}, nil),
		feedRej:   prometheus.NewDesc("lifeboat_feed_rejected_total", "Messages of each HL7 v2 feed kept as dead letters.", []string{"feed"}, nil),
	})
}

// storeMetricsTTL is how long store figures are reused between scrapes.
const storeMetricsTTL = 15 * time.Second

type storeCollector struct {
	db                                     *sqlite.DB
	resources, rejects, received, lastData *prometheus.Desc
	feedLast, feedMsgs, feedRej            *prometheus.Desc

	mu      sync.Mutex
	at      time.Time
	metrics []prometheus.Metric
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.resources
	ch <- c.rejects
	ch <- c.received
	ch <- c.lastData
	ch <- c.feedLast
	ch <- c.feedMsgs
	ch <- c.feedRej
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > storeMetricsTTL {
		c.metrics = c.gather()
		c.at = time.Now()
	}
	for _, m := range c.metrics {
		ch <- m
	}
}

func (c *storeCollector) gather() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []prometheus.Metric
	if counts, err := c.db.CountResources(ctx); err == nil {
		for t, n := range counts {
			out = append(out, prometheus.MustNewConstMetric(c.resources, prometheus.GaugeValue, float64(n), t))
		}
	}
	if n, err := c.db.CountRejects(ctx); err == nil {
		out = append(out, prometheus.MustNewConstMetric(c.rejects, prometheus.GaugeValue, float64(n)))
	}
	if srcs, err := c.db.Sources(ctx); err == nil {
		latest := map[string]time.Time{}
		total := map[string]int64{}
		for _, s := range srcs {
			total[s.Kind] += s.Resources
			if s.LastReceived.After(latest[s.Kind]) {
				latest[s.Kind] = s.LastReceived
			}
		}
		for k, t := range latest {
			out = append(out, prometheus.MustNewConstMetric(c.lastData, prometheus.GaugeValue, float64(t.Unix()), k),
				prometheus.MustNewConstMetric(c.received, prometheus.CounterValue, float64(total[k]), k))
		}
	}
	if feeds, err := c.db.Feeds(ctx); err == nil {
		for _, f := range feeds {
			out = append(out, prometheus.MustNewConstMetric(c.feedLast, prometheus.GaugeValue, float64(f.LastMessage.Unix()), f.Feed),
				prometheus.MustNewConstMetric(c.feedMsgs, prometheus.CounterValue, float64(f.Messages), f.Feed),
				prometheus.MustNewConstMetric(c.feedRej, prometheus.CounterValue, float64(f.Rejected), f.Feed))
		}
	}
	return out
}
