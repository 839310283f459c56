package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

func runBench(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(env.stderr, "Usage: lifeboat bench import [--batch N] PATH...")
		return lifeboat.Errorf(lifeboat.EINVALID, "unknown or missing benchmark (try 'bench import PATH')")
	}
	fs := newFlagSet(env, "bench import", "bench import [--batch N] PATH...")
	batch := fs.Int("batch", fhir.DefaultBatchSize, "resources per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return lifeboat.Errorf(lifeboat.EINVALID, "give the files or folders to import")
	}
	return benchImport(ctx, env, fs.Args(), *batch)
}

// benchImport imports paths into a fresh encrypted store in a temporary
// directory and prints the throughput.
func benchImport(ctx context.Context, env *environment, paths []string, batch int) error {
	dir, err := os.MkdirTemp("", "lifeboat-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	k, err := newKey()
	if err != nil {
		return err
	}
	key, _ := decodeKey(k)
	db, err := sqlite.Open(ctx, dir, key)
	if err != nil {
		return err
	}
	defer db.Close()
	im := &fhir.Importer{Store: db, Rejects: db, BatchSize: batch}
	start := time.Now()
	stats, err := im.Import(ctx, paths)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	total := stats.Total()
	n := total.Total()
	fmt.Fprintf(env.stdout, "imported %d resources in %.2f s into an encrypted store: %.0f resources/s\n", n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	return nil
}
