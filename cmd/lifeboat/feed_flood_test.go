package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// TestFeedFlood: in a flood, messages are only checked before their
// acknowledgement and the store maps them as it applies them. Every
// message gets the answer it gets outside a flood, and the store ends up
// with the same resources, byte for byte, and the same dead letters, for
// every golden mapping input and feed fixture.
func TestFeedFlood(t *testing.T) {
	names, raws := readHL7(t, fixtureHL7(t))
	// And messages that do not map: a type and an event Lifeboat does not
	// take (AR), a result without its patient (AE), and a time FHIR
	// cannot represent, which only mapping in full finds (AE).
	for i, s := range []string{
		"MSH|^~\\&|LAB|GH|LB|GH|20250314120000||QRY^A19|X1|P|2.5.1\rQRD|20250314120000|R|I|Q1\r",
		"MSH|^~\\&|ADT|GH|LB|GH|20250314120000||ADT^A99|X2|P|2.5.1\rPID|1||42^^^GH^MR||DOE^JO\r",
		"MSH|^~\\&|LAB|GH|LB|GH|20250314120000||ORU^R01|X3|P|2.5.1\rOBR|1|P1|F1|2823-3^Potassium^LN\rOBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|||||F\r",
		"MSH|^~\\&|LAB|GH|LB|GH|20250314120000||ORU^R01|X4|P|2.5.1\rPID|1||42^^^GH^MR||DOE^JO||00000101\r" +
			"OBR|1|P1|F1|2823-3^Potassium^LN|||20250314110000\rOBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|||||F|||00010101\r",
	} {
		names, raws = append(names, fmt.Sprintf("unmapped %d", i+1)), append(raws, []byte(s))
	}
	if refused := checkFlood(t, names, raws); refused < 4 {
		t.Fatalf("%d messages refused, want at least the 4 that do not map", refused)
	}
}

// TestFeedFloodCorpus: the same over the corpus.
func TestFeedFloodCorpus(t *testing.T) {
	names, raws := readHL7(t, corpusHL7(t))
	checkFlood(t, names, raws)
}

// floodRun is what a feed made of some messages: each answer, and the
// store's resources and dead letters.
type floodRun struct {
	answers   []string
	accepted  []bool
	resources map[string]string // "type/id" -> JSON
	dead      []string          // feed, control id and error of each dead letter
	mappedBy  int64             // messages the store mapped (Remap)
	queued    int64             // messages accepted and not duplicates
}

// checkFlood feeds the messages in a flood and outside one, compares, and
// returns how many were refused (AE or AR).
func checkFlood(t *testing.T, names []string, raws [][]byte) (refused int) {
	t.Helper()
	calm, flood := feedRun(t, raws, false), feedRun(t, raws, true)
	for i := range raws {
		if calm.answers[i] != flood.answers[i] {
			t.Errorf("%s: answered %s in a flood, %s outside one", names[i], flood.answers[i], calm.answers[i])
		}
		if !calm.accepted[i] {
			refused++
		}
	}
	if len(calm.resources) == 0 || len(calm.resources) != len(flood.resources) {
		t.Errorf("%d resources stored in a flood, %d outside one", len(flood.resources), len(calm.resources))
	}
	for k, v := range calm.resources {
		if flood.resources[k] != v {
			t.Errorf("%s in a flood:\n%s\noutside one:\n%s", k, flood.resources[k], v)
		}
	}
	if fmt.Sprint(calm.dead) != fmt.Sprint(flood.dead) {
		t.Errorf("dead letters in a flood %v, outside one %v", flood.dead, calm.dead)
	}
	// Outside a flood every message is mapped before it is acknowledged;
	// in one, the store maps those it queued (all but those whose index
	// Check could not vouch for, mapped before their acknowledgement).
	if calm.mappedBy != 0 || flood.mappedBy == 0 || flood.mappedBy > flood.queued {
		t.Errorf("the store mapped %d messages outside a flood and %d of %d queued in one", calm.mappedBy, flood.mappedBy, flood.queued)
	}
	t.Logf("%d messages (%d refused), %d resources; the store mapped %d of the %d queued in the flood", len(raws), refused, len(calm.resources), flood.mappedBy, flood.queued)
	return refused
}

// feedRun feeds raws one at a time, each applied before the next, so that
// mapping sees the same store in either run.
func feedRun(t *testing.T, raws [][]byte, flooding bool) floodRun {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir(), make([]byte, sqlite.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newFeed(db, slog.New(slog.NewTextHandler(io.Discard, nil)), newFeedMetrics(prometheus.NewRegistry()))
	f.flooding = func() bool { return flooding }
	clock := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	f.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	var run floodRun
	var mappedBy atomic.Int64
	if err := db.OpenInbox(ctx, func(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
		mappedBy.Add(1)
		return f.remap(ctx, m)
	}); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		res := f.process(ctx, raw, "127.0.0.1:1", 0)
		run.answers = append(run.answers, fmt.Sprint(res.outcome, res.errs, res.dup))
		run.accepted = append(run.accepted, res.outcome == hl7v2.Accepted)
		if res.outcome == hl7v2.Accepted && !res.dup {
			run.queued++
		}
		waitApplied(db)
	}
	run.mappedBy = mappedBy.Load()
	counts, err := db.CountResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run.resources = map[string]string{}
	for typ := range counts {
		rs, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			run.resources[r.Type+"/"+r.ID] = string(r.JSON)
		}
	}
	dead, err := db.DeadLetters(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range dead {
		run.dead = append(run.dead, m.Feed+"|"+m.ControlID+"|"+m.Error)
	}
	sort.Strings(run.dead)
	return run
}
