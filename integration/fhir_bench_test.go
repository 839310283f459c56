package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	lbhttp "github.com/lifeboat-health/lifeboat/http"
)

// TestMain closes the benchmarks' store, if they opened one, once the tests
// and benchmarks are done, so that the events its audit log holds are
// applied to the trail now rather than by the next process that opens it.
func TestMain(m *testing.M) {
	code := m.Run()
	if chartStore.db != nil {
		if err := chartStore.db.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close the benchmark store:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fhirServer returns the HTTP server over the chart benchmark's store and
// a bearer token for it. Requests are logged as a real server logs them
// (JSON), to a sink.
func fhirServer(b *testing.B) (*lbhttp.Server, string) {
	loadChartStore(b)
	db := chartStore.db
	ctx := context.Background()
	const user = "fhir-bench"
	u, err := db.UserByName(ctx, user)
	if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
		if err = db.CreateUser(ctx, &lifeboat.User{Name: user, Role: lifeboat.RoleClinician, PasswordHash: "x"}); err == nil {
			u, err = db.UserByName(ctx, user)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	tok, err := lbhttp.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: lbhttp.HashToken(tok), UserID: u.ID}); err != nil {
		b.Fatal(err)
	}
	s := &lbhttp.Server{
		Charts: newService(db, hospitalNow.Add(time.Minute)), Users: db, Audit: db, Rejects: db, Sources: db, Resources: db,
		Now: time.Now, Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
	return s, tok
}

// BenchmarkFHIREverything asks the server's handler for the first page of
// $everything (50 resources and what they refer to) of a random admitted
// patient, with a bearer token, over the benchmark's store (10,000
// patients by default). Each call authenticates, reads, writes its audit
// record and waits for its commit. It reports the median and 95th
// percentile, and the entries per page.
func BenchmarkFHIREverything(b *testing.B) {
	s, tok := fhirServer(b)
	h := s.Handler()
	rng := rand.New(rand.NewPCG(5, 6))
	var (
		lat     []time.Duration
		entries int
	)
	for b.Loop() {
		id := chartStore.patients[rng.IntN(len(chartStore.patients))]
		req := httptest.NewRequest("GET", "/fhir/Patient/"+id+"/$everything", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", id, rec.Code, rec.Body.String())
		}
		entries += countEntries(rec.Body.Bytes())
	}
	reportPercentiles(b, lat)
	b.ReportMetric(float64(entries)/float64(len(lat)), "entries/page")
}

// countEntries counts the entries of a Bundle by their fullUrl members.
func countEntries(b []byte) int {
	n := 0
	for i := 0; i+10 < len(b); i++ {
		if b[i] == '"' && string(b[i:i+10]) == `"fullUrl":` {
			n++
		}
	}
	return n
}

// BenchmarkFHIRRead reads random Patients through the API from 64
// concurrent clients over loopback TCP (keep-alive connections, a bearer
// token, an audit record per read) and reports requests per second.
func BenchmarkFHIRRead(b *testing.B) {
	s, tok := fhirServer(b)
	benchReads(b, s, tok)
}

// BenchmarkFHIRReadParts runs BenchmarkFHIRRead's load with and without
// the audit trail (its events discarded), in one process one after the
// other, so that the audit's share can be told apart from the rest on a
// machine whose speed varies.
func BenchmarkFHIRReadParts(b *testing.B) {
	b.Run("no-audit", func(b *testing.B) {
		s, tok := fhirServer(b)
		s.Audit = discardAudit{}
		benchReads(b, s, tok)
	})
	b.Run("audit", func(b *testing.B) {
		s, tok := fhirServer(b)
		benchReads(b, s, tok)
	})
}

// discardAudit is an audit store that keeps nothing.
type discardAudit struct{}

func (discardAudit) AddAudit(context.Context, *lifeboat.AuditEvent) error { return nil }

func (discardAudit) AuditEvents(context.Context, lifeboat.AuditFilter) ([]*lifeboat.AuditEvent, error) {
	return nil, nil
}

// benchReads runs BenchmarkFHIRRead against s.
func benchReads(b *testing.B, s *lbhttp.Server, tok string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	const clients = 64
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	base := fmt.Sprintf("http://%s/fhir/Patient/", ln.Addr())
	get := func(id string) error {
		req, _ := http.NewRequest("GET", base+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: status %d", id, resp.StatusCode)
		}
		return err
	}
	// Open the connections before timing.
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() { _ = get(chartStore.patients[i%len(chartStore.patients)]) })
	}
	wg.Wait()

	var (
		left    atomic.Int64
		errOnce sync.Once
		failed  error
	)
	b.ResetTimer()
	left.Store(int64(b.N))
	cpu0 := processCPU()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for left.Add(-1) >= 0 {
				if err := get(chartStore.patients[rng.IntN(len(chartStore.patients))]); err != nil {
					errOnce.Do(func() { failed = err })
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reads/s")
	// CPU time of the whole process (server, store and clients) per read:
	// steadier than reads/s when other work shares the machine (0 where
	// processCPU cannot tell).
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/read")
}
