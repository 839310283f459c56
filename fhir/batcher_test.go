package fhir_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
)

// batchStore records the batches written to it; only PutResources is
// implemented.
type batchStore struct {
	lifeboat.ResourceStore
	mu      sync.Mutex
	batches [][]*lifeboat.Resource
	err     error         // returned by every PutResources if set
	gate    chan struct{} // if set, each PutResources waits for a value
	// delay, if set, holds a batch before it is stored, as compressing a
	// big batch holds it before the store's writer queues it.
	delay func(rs []*lifeboat.Resource) time.Duration
}

func (s *batchStore) PutResources(ctx context.Context, rs []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	if s.gate != nil {
		<-s.gate
	}
	if s.delay != nil {
		time.Sleep(s.delay(rs))
	}
	if s.err != nil {
		return nil, s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, rs)
	out := make([]lifeboat.PutOutcome, len(rs))
	for i := range out {
		out[i] = lifeboat.Created
	}
	return out, nil
}

// lines returns n NDJSON resources of type typ with ids typ-0 to typ-(n-1).
func lines(typ string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"resourceType":%q,"id":"%s-%d"}`+"\n", typ, typ, i)
	}
	return b.String()
}

// TestBatcherSharedImports: concurrent streams share batches; each import
// counts its own outcomes, every resource is stored once and batches stay
// within BatchSize.
func TestBatcherSharedImports(t *testing.T) {
	store := &batchStore{}
	b := &fhir.Batcher{Store: store, BatchSize: 64}
	types := []string{"Patient", "Practitioner", "Organization", "Location"}
	sizes := []int{500, 37, 1, 260}
	stats := make([]*fhir.Stats, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, typ := range types {
		wg.Go(func() {
			im := &fhir.Importer{Store: store, Workers: 2, Batcher: b}
			stats[i], errs[i] = im.ImportNDJSON(context.Background(), typ+".000.ndjson", strings.NewReader(lines(typ, sizes[i])))
		})
	}
	wg.Wait()
	b.Close()
	for i, typ := range types {
		if errs[i] != nil {
			t.Fatalf("%s: %v", typ, errs[i])
		}
		st := stats[i]
		if st.Read != sizes[i] || len(st.Types) != 1 || st.Types[typ] == nil || st.Types[typ].Created != sizes[i] {
			t.Errorf("%s: read %d, outcomes %+v; want %d created of its own type only", typ, st.Read, st.Types, sizes[i])
		}
	}
	seen := map[string]bool{}
	for _, batch := range store.batches {
		if len(batch) > 64 {
			t.Errorf("a batch of %d resources, want at most 64", len(batch))
		}
		for _, r := range batch {
			if seen[r.Type+"/"+r.ID] {
				t.Errorf("%s/%s stored twice", r.Type, r.ID)
			}
			seen[r.Type+"/"+r.ID] = true
		}
	}
	if want := 500 + 37 + 1 + 260; len(seen) != want {
		t.Errorf("%d resources stored, want %d", len(seen), want)
	}
}

// TestBatcherKeepsVersionOrder: two versions of a resource in one stream
// reach the store in the order they were read, even when the batch holding
// the first is slower to reach it.
func TestBatcherKeepsVersionOrder(t *testing.T) {
	store := &batchStore{delay: func(rs []*lifeboat.Resource) time.Duration {
		for _, r := range rs {
			if r.ID == "twice" && strings.Contains(string(r.JSON), "first") {
				return 200 * time.Millisecond
			}
		}
		return 0
	}}
	// A batch holds 40; with nothing in flight a quarter (10) is handed
	// over: the first version goes in a batch of 10, held back, while the
	// second fills the next batch of 40, handed over as soon as it is full.
	b := &fhir.Batcher{Store: store, BatchSize: 40}
	twice := func(v string) string {
		return `{"resourceType":"Patient","id":"twice","meta":{"versionId":"1"},"gender":"other","name":[{"text":"` + v + `"}]}` + "\n"
	}
	others := strings.SplitAfter(lines("Patient", 70), "\n")
	body := twice("first") + strings.Join(others[:14], "") + twice("second") + strings.Join(others[14:], "")
	im := &fhir.Importer{Store: store, Workers: 2, Batcher: b}
	if _, err := im.ImportNDJSON(context.Background(), "Patient.000.ndjson", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	var order []string
	for _, batch := range store.batches {
		for _, r := range batch {
			if r.ID == "twice" {
				order = append(order, string(r.JSON))
			}
		}
	}
	if len(order) != 2 || !strings.Contains(order[0], "first") || !strings.Contains(order[1], "second") {
		t.Errorf("versions stored in the order %q, want first then second", order)
	}
}

// TestBatcherStoreError: a store error fails the imports whose resources it
// held.
func TestBatcherStoreError(t *testing.T) {
	boom := errors.New("disk full")
	store := &batchStore{err: boom}
	b := &fhir.Batcher{Store: store, BatchSize: 8}
	var wg sync.WaitGroup
	for _, typ := range []string{"Patient", "Practitioner"} {
		wg.Go(func() {
			im := &fhir.Importer{Store: store, Batcher: b}
			if _, err := im.ImportNDJSON(context.Background(), typ+".000.ndjson", strings.NewReader(lines(typ, 100))); !errors.Is(err, boom) {
				t.Errorf("%s: err = %v, want the store error", typ, err)
			}
		})
	}
	wg.Wait()
	b.Close()
}

// TestBatcherCanceled: an import waiting for a busy store returns when its
// context ends; Close waits for the batches handed to the store.
func TestBatcherCanceled(t *testing.T) {
	store := &batchStore{gate: make(chan struct{})}
	b := &fhir.Batcher{Store: store, BatchSize: 4}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		im := &fhir.Importer{Store: store, Batcher: b}
		_, err := im.ImportNDJSON(ctx, "Patient.000.ndjson", strings.NewReader(lines("Patient", 100)))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	closed := make(chan struct{})
	go func() {
		b.Close()
		close(closed)
	}()
	close(store.gate) // let the batches in flight through
	<-closed
	im := &fhir.Importer{Store: store, Batcher: b}
	if _, err := im.ImportNDJSON(context.Background(), "Patient.001.ndjson", strings.NewReader(lines("Patient", 1))); err == nil {
		t.Error("an import into a closed batcher succeeded")
	}
}
