package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// BenchmarkFeedIngest measures end-to-end ingest: 8 connections each send
// lab results and wait for each acknowledgement, which comes only after the
// message and its resources are durable in the inbox (one sync shared
// across connections). It reports messages acknowledged per second, and
// messages applied to the store per second, counting until the last is.
func BenchmarkFeedIngest(b *testing.B) {
	key := make([]byte, sqlite.KeySize)
	db, err := sqlite.Open(context.Background(), b.TempDir(), key)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := newFeed(db, logger, newFeedMetrics(prometheus.NewRegistry()))
	f.verifyIndex = false // the tests' check of each Index against fhir.Parse
	if err := db.OpenInbox(context.Background(), f.remap); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &mllp.Server{Handler: f, Logger: logger}
	go srv.Serve(ctx, ln)

	conns := 8
	if n, err := strconv.Atoi(os.Getenv("LIFEBOAT_BENCH_CONNS")); err == nil && n > 0 {
		conns = n
	}
	var sent atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := (b.N + conns - 1) / conns
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := mllp.Dial(ctx, ln.Addr().String(), nil)
			if err != nil {
				b.Error(err)
				return
			}
			defer cl.Close()
			for i := range per {
				ack, err := cl.Send(ctx, labResult(c, i))
				if err != nil {
					b.Error(err)
					return
				}
				if code, _, _ := msa(ack); code != "AA" {
					b.Errorf("acknowledgement %s", code)
					return
				}
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(sent.Load())/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(sent.Load())/waitApplied(db).Sub(start).Seconds(), "applied-msgs/s")
}
