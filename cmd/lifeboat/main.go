// Command lifeboat is the Lifeboat downtime system: one binary that receives
// a hospital's clinical data, keeps it encrypted, and shows it to clinicians
// when the EHR is down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/lifeboat-health/lifeboat"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment carries the process's standard streams and environment, so
// subcommands can be tested in-process.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"demo":      {"generate a synthetic hospital and serve it", runDemo},
		"serve":     {"run the server", runServe},
		"import":    {"import FHIR R4 bundles and NDJSON", runImport},
		"sync":      {"one FHIR Bulk Data sync from the EHR", runSync},
		"report":    {"write the printed downtime pack (PDF)", runReport},
		"reindex":   {"index every stored resource again as an import would today", runReindex},
		"smart-key": {"make a SMART Backend Services signing key, print its JWKS", runSmartKey},
		"keygen":    {"print a new database key", runKeygen},
		"user":      {"manage local accounts (user add)", runUser},
		"token":     {"make, list and revoke bearer tokens for the FHIR API", runToken},
		"bench":     {"whole-system benchmarks", runBench},
		"simulate":  {"the synthetic hospital as a live HL7 v2 feed (simulate hl7) or an EHR FHIR server (simulate fhir)", runSimulate},
		"version":   {"print the version", runVersion},
		"help":      {"list commands", runHelp},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(ctx, env, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "lifeboat:", userMessage(err))
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		runHelp(ctx, env, nil)
		return flag.ErrHelp
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		name = "help"
	}
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q (try 'lifeboat help')", name)
	}
	return cmd.run(ctx, env, args[1:])
}

func runHelp(_ context.Context, env *environment, _ []string) error {
	fmt.Fprintln(env.stdout, "Lifeboat keeps patient care going when the EHR is down.")
	fmt.Fprintln(env.stdout, "\nUsage: lifeboat COMMAND [flags]   (each command has -h)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(env.stdout, "  %-9s %s\n", n, commands[n].summary)
	}
	return nil
}

func runVersion(_ context.Context, env *environment, _ []string) error {
	fmt.Fprintln(env.stdout, "lifeboat", lifeboat.Version)
	return nil
}

// newFlagSet returns a flag set that writes its usage to env.stderr.
func newFlagSet(env *environment, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: lifeboat %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// userMessage turns an error into one line for the operator: domain errors
// carry their safe message, others their text.
func userMessage(err error) string {
	var e *lifeboat.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return strings.TrimPrefix(err.Error(), "lifeboat: ")
}
