package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

func runBench(ctx context.Context, env *environment, args []string) error {
	usage := "Usage: lifeboat bench import [--batch N] PATH... | bench hl7 [--conns N] [--messages N] [--rate N] | bench chart [--patients N] | bench sync [--patients N]"
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, usage)
		return lifeboat.Errorf(lifeboat.EINVALID, "name a benchmark: import, hl7, chart or sync")
	}
	switch args[0] {
	case "import":
		fs := newFlagSet(env, "bench import", "bench import [--batch N] PATH...")
		batch := fs.Int("batch", fhir.DefaultBatchSize, "resources per transaction")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			return lifeboat.Errorf(lifeboat.EINVALID, "give the files or folders to import")
		}
		return benchImport(ctx, env, fs.Args(), *batch)
	case "hl7":
		fs := newFlagSet(env, "bench hl7", "bench hl7 [--conns N] [--messages N] [--rate N]")
		conns := fs.Int("conns", 8, "MLLP connections sending at once")
		n := fs.Int("messages", 5000, "lab result messages to send in all")
		rate := fs.Float64("rate", 0, "messages a second to send in all (0: as fast as they are acknowledged)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *n < 1 || *rate < 0 {
			return lifeboat.Errorf(lifeboat.EINVALID, "bench hl7: --messages must be at least 1 and --rate not negative")
		}
		return benchHL7(ctx, env, *conns, *n, *rate)
	case "chart":
		fs := newFlagSet(env, "bench chart", "bench chart [--patients N] [--charts N]")
		patients := fs.Int("patients", 10000, "admitted patients in the store")
		charts := fs.Int("charts", 500, "chart summaries to build")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return benchChart(ctx, env, *patients, *charts)
	case "sync":
		fs := newFlagSet(env, "bench sync", "bench sync [--patients N] [--concurrency N] [--gzip]")
		patients := fs.Int("patients", 2000, "admitted patients of the simulated EHR")
		conc := fs.Int("concurrency", 2, "files downloaded at once")
		gzip := fs.Bool("gzip", false, "download the files gzip-compressed (the simulator compresses on this machine too)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return benchSync(ctx, env, *patients, *conc, *gzip)
	}
	fmt.Fprintln(env.stderr, usage)
	return lifeboat.Errorf(lifeboat.EINVALID, "unknown benchmark %q (import, hl7, chart or sync)", args[0])
}

// benchStore opens a new encrypted store in a temporary directory; the
// returned function closes and removes it.
func benchStore(ctx context.Context) (*sqlite.DB, func(), error) {
	dir, err := os.MkdirTemp("", "lifeboat-bench-")
	if err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	k, err := newKey()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	key, _ := decodeKey(k)
	db, err := sqlite.Open(ctx, dir, key)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}

// benchImport imports paths into a fresh encrypted store in a temporary
// directory and prints the throughput.
func benchImport(ctx context.Context, env *environment, paths []string, batch int) error {
	db, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	im := &fhir.Importer{Store: db, Rejects: db, BatchSize: batch}
	start := time.Now()
	stats, err := im.Import(ctx, paths)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	n := stats.Total().Total()
	fmt.Fprintf(env.stdout, "imported %d resources in %.2f s into an encrypted store: %.0f resources/s\n", n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	return nil
}

// percentiles returns the median and 95th percentile of ds, which it sorts.
func percentiles(ds []time.Duration) (median, p95 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], ds[len(ds)*95/100]
}
