package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/bulk"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// defaultSyncInterval is how often serve syncs a Bulk Data source when its
// configuration gives no interval.
const defaultSyncInterval = 15 * time.Minute

// syncSource is one Bulk Data source in serve's configuration: the bulk
// package's settings, how often to sync, and the CA that signs the EHR's
// certificate if it is not a public one.
type syncSource struct {
	bulk.Config
	Interval duration `json:"interval"` // default 15m
	CAFile   string   `json:"ca_file"`
}

// check validates a source before serve starts.
func (s *syncSource) check() error {
	if s.Name == "" || s.URL == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "every bulk_sources entry needs a name and a url")
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return lifeboat.Errorf(lifeboat.EINVALID, "cannot read ca_file of source %q", s.Name)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return lifeboat.Errorf(lifeboat.EINVALID, "ca_file of source %q holds no certificate", s.Name)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		s.HTTP = &http.Client{Transport: tr}
	}
	if _, err := s.Syncer(nil, nil, nil, nil); err != nil {
		return err
	}
	return nil
}

// runSyncs syncs each source at start and then every interval, one run at a
// time per source, until ctx ends. Failures are logged and kept in the sync
// state (shown on the sources page and in metrics); the next run retries.
// The returned wait blocks until every run has stopped after ctx ended.
func runSyncs(ctx context.Context, db *sqlite.DB, sources []syncSource, logger *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	for _, src := range sources {
		wg.Go(func() {
			every := time.Duration(src.Interval)
			if every <= 0 {
				every = defaultSyncInterval
			}
			wait := time.Duration(rand.Int64N(int64(5 * time.Second))) // spread the first runs
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				start := time.Now()
				res, err := syncOnce(ctx, db, src.Config, logger)
				switch {
				case ctx.Err() != nil:
					return
				case err != nil:
					logger.Warn("bulk data sync failed", "source", src.Name, "error", err.Error())
				default:
					logger.Info("bulk data sync done", "source", src.Name, "resources", res.Total(),
						"deleted", res.Deleted, "elapsed", time.Since(start).Round(time.Millisecond).String())
				}
				wait = every
			}
		})
	}
	return wg.Wait
}

// syncCollector exposes each source's sync state at scrape time. Source
// names come from the configuration and carry no PHI.
type syncCollector struct {
	db                                       *sqlite.DB
	lastSuccess, lastAttempt, failing, total *prometheus.Desc
}

func newSyncCollector(db *sqlite.DB) *syncCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"source"}, nil)
	}
	return &syncCollector{db: db,
		lastSuccess: d("lifeboat_sync_last_success_timestamp_seconds", "When the source's last Bulk Data sync completed."),
		lastAttempt: d("lifeboat_sync_last_attempt_timestamp_seconds", "When the source's last Bulk Data sync started."),
		failing:     d("lifeboat_sync_failing", "1 if the source's last Bulk Data sync failed."),
		total:       d("lifeboat_sync_resources_total", "Resources received from the source by Bulk Data syncs."),
	}
}

func (c *syncCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lastSuccess, c.lastAttempt, c.failing, c.total} {
		ch <- d
	}
}

func (c *syncCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	states, err := c.db.SyncStates(ctx)
	if err != nil {
		return
	}
	unix := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixMilli()) / 1000
	}
	for _, s := range states {
		failing := 0.0
		if s.LastError != "" {
			failing = 1
		}
		ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, unix(s.LastSuccess), s.Source)
		ch <- prometheus.MustNewConstMetric(c.lastAttempt, prometheus.GaugeValue, unix(s.LastAttempt), s.Source)
		ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, failing, s.Source)
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(s.Total), s.Source)
	}
}
