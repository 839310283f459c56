package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/simulate/ehr"
)

// runSimulateFHIR serves the synthetic hospital as an EHR's FHIR server
// with Bulk Data $export, changing over time, for `lifeboat sync` to sync from.
func runSimulateFHIR(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "simulate fhir", "simulate fhir --addr ADDR [--seed N] [--patients N] [--change-every D] [--auth-jwks FILE]")
	addr := fs.String("addr", "127.0.0.1:8090", "listen `address`")
	seed := fs.Uint64("seed", 1, "selects the synthetic hospital")
	patients := fs.Int("patients", simulate.DefaultPatients, "admitted patients")
	every := fs.Duration("change-every", 10*time.Second, "how often the hospital changes (0: never)")
	jwks := fs.String("auth-jwks", "", "require SMART Backend Services auth from the client whose public JWKS is in `FILE`")
	clientID := fs.String("client-id", ehr.DefaultClientID, "the client id registered with --auth-jwks")
	ready := fs.Int("ready-after-polls", 1, "status polls answered 202 before the manifest")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	logger := newLogger(env.stderr, "info")
	opts := ehr.Options{Seed: *seed, Patients: *patients, Logger: logger, ReadyAfterPolls: *ready}
	if *ready == 0 {
		opts.ReadyAfterPolls = -1
	}
	if *jwks != "" {
		b, err := os.ReadFile(*jwks)
		if err != nil {
			return lifeboat.Errorf(lifeboat.EINVALID, "cannot read --auth-jwks file")
		}
		opts.Auth = &ehr.Auth{Clients: []ehr.Client{{ID: *clientID, JWKS: b}}}
	}
	srv, err := ehr.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *every > 0 {
		go srv.Run(ctx, *every)
	}
	fmt.Fprintf(env.stdout, "FHIR: http://%s%s\n", ln.Addr(), ehr.FHIRPath)
	// No write timeout: a full export of a large hospital streams for a while.
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
