package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/lifeboat-health/lifeboat/bulk"
	"github.com/lifeboat-health/lifeboat/simulate/ehr"
)

// benchSync serves a synthetic hospital of patients from the EHR simulator
// on loopback and times one full Bulk Data sync of it into a new store:
// kick-off, manifest, parallel downloads, validation, indexing, commits.
// Files travel uncompressed unless gzip is set: the simulator shares the
// machine, and compressing is the EHR's work, not Lifeboat's.
func benchSync(ctx context.Context, env *environment, patients, concurrency int, gzip bool) error {
	fmt.Fprintf(env.stdout, "generating a hospital of %d patients for the EHR simulator...\n", patients)
	srv, err := ehr.New(ehr.Options{Seed: 1, Patients: patients, ReadyAfterPolls: -1, RetryAfter: -1})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	db, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	cfg := bulk.Config{Name: "bench", URL: "http://" + ln.Addr().String() + ehr.FHIRPath, Concurrency: concurrency,
		NoCompression: !gzip}
	res, err := syncOnce(ctx, db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	printSyncResult(env.stdout, res)
	return nil
}
