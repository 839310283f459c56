package fhir

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Stats counts what an import did.
type Stats struct {
	Types      map[string]*TypeStats // store outcomes per resource type
	Read       int                   // entries read: lines, bundle entries, lone resources
	Rejected   int                   // invalid entries, kept in the reject store
	Skipped    int                   // OperationOutcome resources and entries without a resource
	Superseded int                   // entries replaced by a later entry for the same resource in this import
	Unresolved int                   // references that could not be resolved and were kept as they were
	Files      int                   // input files found
	FileErrors int                   // files that could not be opened or read to the end
	Elapsed    time.Duration
	Problems   []Problem // the first MaxProblems rejects and file errors, for the operator
}

// MaxProblems bounds Stats.Problems.
const MaxProblems = 20

// Problem says where an input was rejected and why. Where names the file
// and the line or entry; it is for the operator's terminal, not for logs
// (file names can contain patient names).
type Problem struct {
	Where  string
	Reason string
}

// TypeStats counts the store outcomes for one resource type.
type TypeStats struct {
	Created, Updated, Unchanged, Stale int
}

// Total is the number of resources written.
func (t TypeStats) Total() int { return t.Created + t.Updated + t.Unchanged + t.Stale }

func newStats() *Stats { return &Stats{Types: map[string]*TypeStats{}} }

// add counts one store outcome.
func (s *Stats) add(typ string, o lifeboat.PutOutcome) {
	t := s.Types[typ]
	if t == nil {
		t = &TypeStats{}
		s.Types[typ] = t
	}
	switch o {
	case lifeboat.Created:
		t.Created++
	case lifeboat.Updated:
		t.Updated++
	case lifeboat.Unchanged:
		t.Unchanged++
	case lifeboat.Stale:
		t.Stale++
	}
}

// Total sums the outcomes of every type.
func (s *Stats) Total() TypeStats {
	var sum TypeStats
	for _, t := range s.Types {
		sum.Created += t.Created
		sum.Updated += t.Updated
		sum.Unchanged += t.Unchanged
		sum.Stale += t.Stale
	}
	return sum
}

// Print writes the per-type table and the totals, as the CLI shows them.
func (s *Stats) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tCREATED\tUPDATED\tUNCHANGED\tSTALE\t")
	types := make([]string, 0, len(s.Types))
	for t := range s.Types {
		types = append(types, t)
	}
	sort.Strings(types)
	row := func(name string, t TypeStats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", name, t.Created, t.Updated, t.Unchanged, t.Stale)
	}
	for _, t := range types {
		row(t, *s.Types[t])
	}
	row("Total", s.Total())
	if err := tw.Flush(); err != nil {
		return err
	}
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Read) / s.Elapsed.Seconds()
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "rejected: %s: %s\n", p.Where, p.Reason)
	}
	if n := s.Rejected + s.FileErrors; n > len(s.Problems) {
		fmt.Fprintf(w, "rejected: %d more; an admin sees them all under /admin/rejects\n", n-len(s.Problems))
	}
	_, err := fmt.Fprintf(w, "read %d entries from %d files in %s (%.0f/s): %d rejected, %d skipped, %d superseded by later entries, %d unresolved references, %d file errors\n",
		s.Read, s.Files, s.Elapsed.Round(time.Millisecond), rate, s.Rejected, s.Skipped, s.Superseded, s.Unresolved, s.FileErrors)
	return err
}
