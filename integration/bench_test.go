package integration

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// writeNDJSON writes the demo hospital as a Bulk Data export folder (one
// NDJSON file per type) and returns the folder and the resource count.
func writeNDJSON(tb testing.TB, dir string, patients int) int {
	tb.Helper()
	files := map[string]*os.File{}
	n := 0
	err := simulate.Generate(simulate.Options{Seed: 21, Now: hospitalNow, Patients: patients}, func(typ, id string, js []byte) error {
		f := files[typ]
		if f == nil {
			var err error
			if f, err = os.Create(filepath.Join(dir, typ+".000.ndjson")); err != nil {
				return err
			}
			files[typ] = f
		}
		n++
		_, err := f.Write(append(js, '\n'))
		return err
	})
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkImportNDJSON imports a Bulk Data folder of the demo hospital
// (about 27,000 resources) into a new encrypted store: reading, validation,
// indexing, reference resolution, compression, encryption and commit.
func BenchmarkImportNDJSON(b *testing.B) {
	src := b.TempDir()
	n := writeNDJSON(b, src, simulate.DefaultPatients)
	total := 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db, _ := openStore(b)
		b.StartTimer()
		start := time.Now()
		st, err := (&fhir.Importer{Store: db, Rejects: db, BatchSize: benchBatch()}).Import(context.Background(), []string{src})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		if got := st.Total().Created; got != n {
			b.Fatalf("created %d of %d", got, n)
		}
		total += n
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "resources/s")
}

// benchBatch is the import batch size: LIFEBOAT_BENCH_BATCH, or the default.
func benchBatch() int {
	n, _ := strconv.Atoi(os.Getenv("LIFEBOAT_BENCH_BATCH"))
	return n
}

// chartStore is a store holding the demo hospital with benchPatients()
// patients, built once per test binary for the chart benchmarks.
var chartStore struct {
	once     sync.Once
	db       *sqlite.DB
	patients []string
}

// benchPatients is the number of patients in the chart benchmark's store:
// LIFEBOAT_BENCH_PATIENTS, or 10,000.
func benchPatients() int {
	if n, err := strconv.Atoi(os.Getenv("LIFEBOAT_BENCH_PATIENTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// loadChartStore builds the store, or reuses the one in LIFEBOAT_BENCH_DIR
// when that folder already holds one (it takes minutes to build).
func loadChartStore(b *testing.B) {
	chartStore.once.Do(func() {
		dir := os.Getenv("LIFEBOAT_BENCH_DIR")
		reuse := false
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "lifeboat-bench-"); err != nil {
				b.Fatal(err)
			}
		} else if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err == nil {
			reuse = true
		}
		key := make([]byte, sqlite.KeySize) // a benchmark store holds synthetic data only
		db, err := sqlite.Open(context.Background(), dir, key)
		if err != nil {
			b.Fatal(err)
		}
		if !reuse {
			start := time.Now()
			n := loadHospital(b, db, simulate.Options{Seed: 8, Now: hospitalNow, Patients: benchPatients()})
			b.Logf("store: %d patients, %d resources, loaded in %s", benchPatients(), n, time.Since(start).Round(time.Second))
			// Measure the steady state of a server, not the aftermath of a bulk load.
			if err := db.Checkpoint(context.Background()); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
		}
		encs, err := db.Resources(context.Background(), lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range encs {
			chartStore.patients = append(chartStore.patients, e.Index.Patient)
		}
		sort.Strings(chartStore.patients)
		chartStore.db = db
	})
	if chartStore.db == nil {
		b.Fatal("no chart store")
	}
}

// BenchmarkChart builds the chart summary of a random admitted patient from
// a store of benchPatients() patients (10,000 by default), through the same
// service the web UI uses. It reports the median and 95th percentile.
func BenchmarkChart(b *testing.B) {
	loadChartStore(b)
	svc := newService(chartStore.db, hospitalNow.Add(time.Minute))
	rng := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	for b.Loop() {
		id := chartStore.patients[rng.IntN(len(chartStore.patients))]
		start := time.Now()
		if _, err := svc.Chart(context.Background(), id); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkUnitCensus builds the census page of a random unit.
func BenchmarkUnitCensus(b *testing.B) {
	loadChartStore(b)
	svc := newService(chartStore.db, hospitalNow.Add(time.Minute))
	census, err := svc.Census(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var lat []time.Duration
	for b.Loop() {
		u := census.Units[rng.IntN(len(census.Units))]
		start := time.Now()
		if _, err := svc.Unit(context.Background(), u.ID); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "ms-p95")
}
