package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/simulate"
)

func runSimulate(ctx context.Context, env *environment, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "hl7":
		return runSimulateHL7(ctx, env, args)
	case len(args) > 0 && args[0] == "fhir":
		return runSimulateFHIR(ctx, env, args)
	}
	fmt.Fprintln(env.stderr, "Usage: lifeboat simulate hl7 --to HOST:PORT [flags]\n       lifeboat simulate fhir --addr ADDR [flags]")
	return lifeboat.Errorf(lifeboat.EINVALID, "unknown or missing simulation (try 'simulate hl7' or 'simulate fhir')")
}

func runSimulateHL7(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "simulate hl7", "simulate hl7 --to HOST:PORT [--rate N] [--count N] [--seed N] [--census MODE]")
	to := fs.String("to", "", "MLLP `address` of the receiver (required)")
	rate := fs.Float64("rate", 0, "messages per second (0: the pace of a real hospital of this size)")
	count := fs.Int("count", 0, "stop after this many messages (0: run until interrupted)")
	seed := fs.Uint64("seed", 1, "selects the synthetic hospital")
	patients := fs.Int("patients", simulate.DefaultPatients, "size of the starting census")
	census := fs.String("census", "bootstrap", "what the feed does with the starting patients: shared, bootstrap (admit them first) or silent (leave them out)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *to == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "--to HOST:PORT is required")
	}
	modes := map[string]simulate.CensusMode{"shared": simulate.CensusShared, "bootstrap": simulate.CensusBootstrap, "silent": simulate.CensusSilent}
	mode, ok := modes[*census]
	if !ok {
		return lifeboat.Errorf(lifeboat.EINVALID, "unknown --census %q (shared, bootstrap or silent)", *census)
	}
	start := time.Now()
	feed, err := simulate.NewFeed(simulate.FeedOptions{Seed: *seed, Start: start, Patients: *patients, Census: mode})
	if err != nil {
		return err
	}
	perSecond := *rate
	if perSecond <= 0 {
		perSecond = feed.HourlyRate() / 3600
	}
	cl := &mllp.Client{Addr: *to, Resend: true, Logger: newLogger(env.stderr, "warn")}
	defer cl.Close()
	fmt.Fprintf(env.stdout, "sending the synthetic hospital's HL7 v2 feed to %s at %.1f messages/s\n", *to, perSecond)
	stats := map[string]int{}
	interval := time.Duration(float64(time.Second) / perSecond)
	next := time.Now()
	sent := 0
	report := func() {
		keys := make([]string, 0, len(stats))
		for k := range stats {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(env.stdout, "sent %d messages in %s:", sent, time.Since(start).Round(time.Second))
		for _, k := range keys {
			fmt.Fprintf(env.stdout, " %s %d", k, stats[k])
		}
		fmt.Fprintln(env.stdout)
	}
	defer report()
	for *count == 0 || sent < *count {
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil
			}
		}
		next = next.Add(interval)
		msg, _, err := feed.Next(time.Now())
		if err != nil {
			return err
		}
		ack, err := cl.Send(ctx, msg)
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil
		} else if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		code, _, _ := msa(ack)
		stats[code]++
		sent++
	}
	return nil
}

// msa returns MSA-1 and MSA-2 of an acknowledgement, whatever its field
// separator (MSH-1).
func msa(ack []byte) (code, control string, ok bool) {
	if len(ack) < 4 {
		return "", "", false
	}
	sep := string(ack[3])
	for _, seg := range strings.Split(string(ack), "\r") {
		if f := strings.Split(seg, sep); len(f) > 1 && f[0] == "MSA" {
			f = append(f, "") // MSA-2 is empty for a message without a control id
			return f[1], f[2], true
		}
	}
	return "", "", false
}
