package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultPrintTimeout bounds the print command for one file.
const DefaultPrintTimeout = 2 * time.Minute

// PrintConfig prints each new set through CUPS: the command (lp by
// default) is run once per file, as
//
//	lp [-d PRINTER] -t FILE-NAME [ARGS...]
//
// with the PDF on its standard input. The PDF printed is never encrypted:
// the printer could not open it otherwise, and it is never written to disk
// in clear.
type PrintConfig struct {
	Command string   // "lp" if empty; a full path, or a name looked up in PATH
	Printer string   // the destination (-d); "" for the default printer
	Args    []string // more options, e.g. "-o", "sides=two-sided-long-edge"
	// Kinds limits printing to these reports (all if empty), e.g. only
	// lifeboat.ReportCensus so that each run prints the census pages.
	Kinds []lifeboat.ReportKind
	// UnitPrinters sends a unit's files to its own printer (unit id to
	// destination); other files go to Printer.
	UnitPrinters map[string]string
	Timeout      time.Duration // per file; DefaultPrintTimeout if 0
}

// print prints the files Kinds selects, in order, and returns the first
// failure (the others are still tried).
func (c *PrintConfig) print(ctx context.Context, files []File) error {
	var errs []error
	for _, f := range files {
		if len(c.Kinds) > 0 && !slices.Contains(c.Kinds, f.Kind) {
			continue
		}
		if err := c.printFile(ctx, f); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("report: print: %d of the files failed, the first: %w", len(errs), errs[0])
	}
	return nil
}

// printFile runs the print command for one file.
func (c *PrintConfig) printFile(ctx context.Context, f File) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultPrintTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	printer := c.Printer
	if p, ok := c.UnitPrinters[f.Unit]; ok && f.Unit != "" {
		printer = p
	}
	var args []string
	if printer != "" {
		args = append(args, "-d", printer)
	}
	args = append(args, "-t", f.Name)
	args = append(args, c.Args...)
	cmd := exec.CommandContext(ctx, firstNonEmpty(c.Command, "lp"), args...)
	cmd.Stdin = bytes.NewReader(f.Data)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return fmt.Errorf("%s: %w (%s)", f.Name, err, msg)
	}
	return nil
}
