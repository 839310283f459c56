package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/password"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// demoUser is the demo account's login name.
const demoUser = "demo"

func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "demo", "demo [--addr 127.0.0.1:8080] [--data DIR] [--seed N]")
	addr := fs.String("addr", "127.0.0.1:8080", "HTTP listen `address`")
	data := fs.String("data", "", "data `DIR`ectory (a temporary one if empty)")
	seed := fs.Uint64("seed", 1, "selects the synthetic hospital")
	patients := fs.Int("patients", simulate.DefaultPatients, "admitted patients to generate")
	mllpAddr := fs.String("mllp", "", "also receive HL7 v2 on this MLLP `address`")
	withFeed := fs.Bool("feed", false, "keep the hospital alive: send it its own HL7 v2 feed (admissions, results, administrations) in real time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	started := time.Now()
	dir := *data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lifeboat-demo-")
		if err != nil {
			return fmt.Errorf("create demo directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	key, err := demoKey(dir)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, dir, key)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := newLogger(env.stderr, "info")

	n, err := loadDemo(ctx, db, simulate.Options{Seed: *seed, Now: started, Patients: *patients})
	if err != nil {
		return err
	}
	pw, err := demoPassword(ctx, db)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	var mllpLn net.Listener
	if *withFeed && *mllpAddr == "" {
		*mllpAddr = "127.0.0.1:0"
	}
	if *mllpAddr != "" {
		if mllpLn, err = net.Listen("tcp", *mllpAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", *mllpAddr, err)
		}
		fmt.Fprintf(env.stdout, "MLLP: %s\n", mllpLn.Addr())
	}
	if *withFeed {
		go func() {
			// The feed speaks of the demo's own patients: the store matches
			// them by MRN, visit number and bed.
			out := &lockedWriter{w: env.stderr}
			fenv := &environment{stdin: env.stdin, stdout: out, stderr: out, getenv: env.getenv}
			if err := runSimulate(ctx, fenv, []string{"hl7", "--to", mllpLn.Addr().String(), "--seed", fmt.Sprint(*seed),
				"--patients", fmt.Sprint(*patients), "--census", "shared"}); err != nil && ctx.Err() == nil {
				logger.Error("demo feed stopped", "error", err.Error())
			}
		}()
	}
	logger.Info("demo hospital ready", "resources", n, "seconds", time.Since(started).Seconds())
	fmt.Fprintf(env.stdout, "Lifeboat demo: a synthetic hospital (seed %d), data in %s\n", *seed, dir)
	fmt.Fprintf(env.stdout, "URL: http://%s/\nUser: %s\nPassword: %s\n", ln.Addr(), demoUser, pw)
	cfg := defaultConfig()
	cfg.HospitalName = "Aldermoor General Hospital (demo)"
	return serve(ctx, db, cfg, logger, ln, mllpLn)
}

// lockedWriter serialises writes from two goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// demoKey reads DIR/demo.key, creating it on first use. Demo use only: a
// real deployment keeps its key away from its data.
func demoKey(dir string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "demo.key")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		k, err := newKey()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(k), 0o600); err != nil {
			return nil, fmt.Errorf("write demo key: %w", err)
		}
	}
	return readKey(path)
}

// loadDemo generates the synthetic hospital into the store and returns how
// many resources it wrote. Generation and writing overlap.
func loadDemo(ctx context.Context, db *sqlite.DB, opts simulate.Options) (int, error) {
	const batchSize = 2000
	batches := make(chan []*lifeboat.Resource, 2)
	werr := make(chan error, 1)
	go func() {
		var err error
		for b := range batches {
			if err == nil {
				_, err = db.PutResources(ctx, b)
			}
		}
		werr <- err
	}()
	src := lifeboat.Source{Kind: "demo", Name: "demo hospital"}
	batch := make([]*lifeboat.Resource, 0, batchSize)
	n := 0
	gerr := simulate.Generate(opts, func(typ, id string, js []byte) error {
		idx, err := fhir.Index(typ, js)
		if err != nil {
			return fmt.Errorf("demo %s: %w", typ, err)
		}
		n++
		batch = append(batch, &lifeboat.Resource{Type: typ, ID: id, JSON: js, Received: opts.Now, LastUpdated: opts.Now,
			Source: lifeboat.Source{Kind: src.Kind, Name: src.Name, Ref: fmt.Sprint(n)}, Index: idx})
		if len(batch) == batchSize {
			batches <- batch
			batch = make([]*lifeboat.Resource, 0, batchSize)
		}
		return nil
	})
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	if err := <-werr; err != nil {
		return n, err
	}
	return n, gerr
}

// demoPassword gives the demo account a fresh random password.
func demoPassword(ctx context.Context, db *sqlite.DB) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	if _, err := db.UserByName(ctx, demoUser); lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		return pw, addUser(ctx, db, demoUser, lifeboat.RoleAdmin, pw)
	} else if err != nil {
		return "", err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return "", err
	}
	return pw, db.UpdatePassword(ctx, demoUser, hash)
}
