package main

import (
	"context"
	"fmt"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "import", "import --data DIR PATH...")
	var sf storeFlags
	sf.register(fs)
	batch := fs.Int("batch", fhir.DefaultBatchSize, "resources per transaction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return lifeboat.Errorf(lifeboat.EINVALID, "give at least one file or folder to import")
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	im := &fhir.Importer{Store: db, Rejects: db, BatchSize: *batch}
	stats, err := im.Import(ctx, fs.Args())
	if stats != nil {
		if perr := stats.Print(env.stdout); perr != nil {
			return perr
		}
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}
