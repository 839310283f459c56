package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/chart"
	"github.com/lifeboat-health/lifeboat/report"
)

// reportConfig is the scheduled downtime pack in serve's configuration.
type reportConfig struct {
	Dir          string              `json:"report_dir"`           // where sets are written; none: no schedule
	Every        duration            `json:"report_every"`         // default 60m
	Keep         int                 `json:"report_keep"`          // sets kept; default 3
	PageSize     string              `json:"report_page_size"`     // letter (default) or a4
	PasswordFile string              `json:"report_password_file"` // AES-256 password, one line
	Print        *report.PrintConfig `json:"report_print"`         // print each new set through CUPS
}

// readPassword reads a report password from the first line of a file.
func readPassword(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "cannot read the report password file")
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimRight(pw, "\r")
	if len(pw) < 8 {
		return "", lifeboat.Errorf(lifeboat.EINVALID, "the report password must be at least 8 characters")
	}
	return pw, nil
}

// newGenerator renders reports from charts in the hospital's time zone.
func newGenerator(charts *chart.Service, hospital, pageSize, password string) *report.Generator {
	return &report.Generator{Charts: charts, MAR: charts, Now: time.Now, Location: charts.Location,
		PageSize: pageSize, Hospital: hospital, Password: password}
}

func runReport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "report", "report --data DIR --out DIR [--unit ID] [--page-size letter|a4] [--password-file FILE]")
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "output `DIR`ectory for the PDFs (required)")
	unit := fs.String("unit", "", "only this unit (its Location `id`)")
	pageSize := fs.String("page-size", report.PageLetter, "letter or a4")
	pwFile := fs.String("password-file", "", "protect the PDFs with the password in `FILE` (AES-256)")
	hospital := fs.String("hospital", "", "hospital name printed on every page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "--out DIR is required")
	}
	pw, err := readPassword(*pwFile)
	if err != nil {
		return err
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	charts := &chart.Service{Store: db, Sources: db, Now: time.Now, Location: time.Local}
	g := newGenerator(charts, *hospital, *pageSize, pw)
	start := time.Now()
	var p *report.Pack
	if *unit != "" {
		p, err = g.UnitPack(ctx, *unit)
	} else {
		p, err = g.Pack(ctx)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := p.WriteDir(*out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, f := range p.Files {
		fmt.Fprintf(env.stdout, "  %-40s %8d bytes\n", f.Name, len(f.Data))
	}
	asOf := "no data received yet"
	if !p.DataAsOf.IsZero() {
		asOf = "data as of " + p.DataAsOf.Format("2006-01-02 15:04")
	}
	fmt.Fprintf(env.stdout, "Wrote %d PDFs (%.1f MB) to %s in %s; %s\n", len(p.Files), float64(p.Size())/1e6, *out,
		time.Since(start).Round(time.Millisecond), asOf)
	return nil
}

// startReports runs the scheduled downtime pack of cfg, if it has a
// report_dir, and returns its scheduler (nil if none).
func startReports(ctx context.Context, cfg config, g *report.Generator, reg prometheus.Registerer, logger *slog.Logger) *report.Scheduler {
	if cfg.reportConfig.Dir == "" {
		logger.Info("no scheduled downtime pack (report_dir is not set); reports are printed on demand")
		return nil
	}
	s := &report.Scheduler{Generator: g, Dir: cfg.reportConfig.Dir, Every: time.Duration(cfg.reportConfig.Every),
		Keep: cfg.reportConfig.Keep, Print: cfg.reportConfig.Print, Logger: logger}
	reg.MustRegister(newReportCollector(s))
	go s.Run(ctx)
	return s
}

// reportCollector exposes the scheduled pack's status.
type reportCollector struct {
	s                        *report.Scheduler
	lastGood, failing, files *prometheus.Desc
}

func newReportCollector(s *report.Scheduler) *reportCollector {
	return &reportCollector{s: s,
		lastGood: prometheus.NewDesc("lifeboat_report_last_good_timestamp_seconds", "When the last good downtime pack was generated.", nil, nil),
		failing:  prometheus.NewDesc("lifeboat_report_failing", "1 if the last downtime pack run (or its printing) failed.", nil, nil),
		files:    prometheus.NewDesc("lifeboat_report_files", "PDFs in the last good downtime pack.", nil, nil),
	}
}

func (c *reportCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastGood
	ch <- c.failing
	ch <- c.files
}

func (c *reportCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Status()
	last := 0.0
	if !st.LastGood.IsZero() {
		last = float64(st.LastGood.UnixMilli()) / 1000
	}
	failing := 0.0
	if st.LastError != "" || st.PrintError != "" {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(c.lastGood, prometheus.GaugeValue, last)
	ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(c.files, prometheus.GaugeValue, float64(st.Files))
}
