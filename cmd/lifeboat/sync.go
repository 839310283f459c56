package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/bulk"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// bulkSink imports what a Bulk Data sync downloads into the store: each
// NDJSON file as it streams, and deletions as tombstones. The files
// downloading at once share their batches (see fhir.Batcher), so the
// store's writer is not left waiting when a file starts or ends.
type bulkSink struct {
	db      *sqlite.DB
	source  lifeboat.Source
	now     func() time.Time
	batcher *fhir.Batcher
}

func newBulkSink(db *sqlite.DB, source string) *bulkSink {
	return &bulkSink{db: db, source: lifeboat.Source{Kind: "bulk", Name: source}, now: time.Now,
		batcher: &fhir.Batcher{Store: db, BatchSize: syncBatch}}
}

// syncBatch is the most resources a sync writes in one transaction (or
// fhir.MaxBatchBytes of JSON). A sync writes into indexes that grow to
// hundreds of thousands of entries, where a batch dirties most of the leaf
// pages of the (type, date) and (type, status, date) indexes whatever its
// size: 24,000 instead of 8,000 wrote a quarter fewer bytes to the WAL and
// the database and took about a tenth off the writer's CPU on the
// 315,000-resource benchmark sync (docs/PERFORMANCE.md).
const syncBatch = 3 * fhir.DefaultBatchSize

// close waits for the batch being written; call it once the sync returned.
func (s *bulkSink) close() { s.batcher.Close() }

// Resources imports one NDJSON output file; it returns the resources read.
func (s *bulkSink) Resources(ctx context.Context, typ, name string, r io.Reader) (int64, error) {
	im := &fhir.Importer{Store: s.db, Rejects: s.db, Now: s.now, Source: s.source, Batcher: s.batcher}
	st, err := im.ImportNDJSON(ctx, name, r)
	if st == nil {
		return 0, err
	}
	return int64(st.Read), err
}

// Delete stores a tombstone for each deleted resource, dated when it was
// deleted: an older version arriving later cannot bring it back.
func (s *bulkSink) Delete(ctx context.Context, refs []bulk.Deleted) error {
	now := s.now()
	rs := make([]*lifeboat.Resource, 0, len(refs))
	for _, d := range refs {
		rs = append(rs, &lifeboat.Resource{Type: d.Type, ID: d.ID, Deleted: true, LastUpdated: d.When,
			Received: now, Source: lifeboat.Source{Kind: s.source.Kind, Name: s.source.Name, Ref: "deleted"}})
	}
	_, err := s.db.PutResources(ctx, rs)
	return err
}

// syncOnce runs one sync of one source, holding the source's lock.
func syncOnce(ctx context.Context, db *sqlite.DB, cfg bulk.Config, logger *slog.Logger) (*bulk.Result, error) {
	release, err := db.LockSync(cfg.Name)
	if err != nil {
		return nil, err
	}
	defer release()
	sink := newBulkSink(db, cfg.Name)
	defer sink.close()
	s, err := cfg.Syncer(sink, db, logger, nil)
	if err != nil {
		return nil, err
	}
	return s.Run(ctx)
}

func runSync(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "sync", "sync --data DIR --from URL [flags]")
	var sf storeFlags
	sf.register(fs)
	var cfg bulk.Config
	fs.StringVar(&cfg.URL, "from", "", "the EHR's FHIR base `URL` (required)")
	fs.StringVar(&cfg.Name, "name", "ehr", "the source's `name`, which keeps its sync state")
	level := fs.String("level", "system", "export level: system, patient or group")
	fs.StringVar(&cfg.Group, "group", "", "the Group `id` for --level group")
	types := fs.String("types", "", "comma-separated resource `types` to export (default: all)")
	fs.StringVar(&cfg.ClientID, "client-id", "", "SMART Backend Services client `id` (none: no authorization)")
	fs.StringVar(&cfg.KeyFile, "signing-key", "", "the client's private key `FILE` (PEM, from lifeboat smart-key)")
	fs.StringVar(&cfg.TokenURL, "token-url", "", "the token endpoint `URL` (default: discovered)")
	fs.StringVar(&cfg.Scope, "scope", "", "the `scope` to ask for (default "+bulk.DefaultScope+")")
	fs.IntVar(&cfg.Concurrency, "concurrency", bulk.DefaultConcurrency, "files downloaded at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.URL == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "--from URL is required")
	}
	cfg.Level = bulk.Level(*level)
	if *types != "" {
		cfg.Types = strings.Split(*types, ",")
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := syncOnce(ctx, db, cfg, newLogger(env.stderr, "warn"))
	if res != nil {
		printSyncResult(env.stdout, res)
	}
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// printSyncResult prints what a sync did, by type.
func printSyncResult(w io.Writer, r *bulk.Result) {
	kind := "full"
	if !r.Since.IsZero() {
		kind = "changes since " + r.Since.UTC().Format(time.RFC3339)
	}
	if r.Resumed {
		kind += ", resumed"
	}
	fmt.Fprintf(w, "Source %s: %s export\n", r.Source, kind)
	for _, t := range slices.Sorted(maps.Keys(r.Resources)) {
		fmt.Fprintf(w, "  %-26s %8d\n", t, r.Resources[t])
	}
	fmt.Fprintf(w, "Resources: %d in %d files (%d already done), %.1f MB, %s (%.0f resources/s)\n",
		r.Total(), r.Files, r.SkippedFiles, float64(r.Bytes)/1e6, r.Elapsed.Round(time.Millisecond),
		float64(r.Total())/max(r.Elapsed.Seconds(), 1e-9))
	fmt.Fprintf(w, "Deleted: %d\n", r.Deleted)
	if r.Outcomes.Issues > 0 {
		fmt.Fprintf(w, "Issues reported by the server: %d %v\n", r.Outcomes.Issues, r.Outcomes.Codes)
	}
	if !r.TransactionTime.IsZero() {
		fmt.Fprintf(w, "Next sync: changes since %s\n", r.TransactionTime.UTC().Format(time.RFC3339))
	}
}

func runSmartKey(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "smart-key", "smart-key --out FILE [--alg ES384] | smart-key --jwks FILE")
	out := fs.String("out", "", "write a new private key to `FILE` and print its public JWKS")
	alg := fs.String("alg", "ES384", "signing algorithm: ES384 or RS384")
	jwks := fs.String("jwks", "", "print the public JWKS of the private key in `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var key *bulk.Key
	var err error
	switch {
	case *out != "" && *jwks == "":
		if key, err = bulk.GenerateKey(*alg); err != nil {
			return err
		}
		if err := bulk.WriteKeyFile(*out, key); err != nil {
			return err
		}
	case *jwks != "" && *out == "":
		if key, err = bulk.ReadKeyFile(*jwks); err != nil {
			return err
		}
	default:
		return lifeboat.Errorf(lifeboat.EINVALID, "give either --out FILE or --jwks FILE")
	}
	b, err := bulk.JWKS(key)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.stdout, "%s\n", b)
	return err
}
