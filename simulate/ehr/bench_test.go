package ehr

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

// readAll downloads every output file of an export the way a client would,
// and returns the resources (lines) and uncompressed bytes it read.
func (e *env) readAll(b testing.TB, m *manifest, gz bool, buf []byte) (lines, n int64) {
	for _, it := range m.Output {
		hdr := []string{"Accept", "application/fhir+ndjson"}
		if gz {
			hdr = append(hdr, "Accept-Encoding", "gzip")
		}
		resp := e.do(b, "GET", it.URL, hdr...)
		var r io.Reader = resp.Body
		if gz {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				b.Fatal(err)
			}
			r = zr
		}
		for {
			k, err := r.Read(buf)
			n += int64(k)
			lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
			if err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		resp.Body.Close()
	}
	return lines, n
}

// BenchmarkExport serves a full export of a 1,000-patient hospital to a
// client on the same machine: kick-off, status, and every file.
func BenchmarkExport(b *testing.B) {
	e := newEnv(b, Options{Seed: 1, Patients: 1000, ReadyAfterPolls: -1})
	buf := make([]byte, 256<<10)
	for _, gz := range []bool{false, true} {
		name := "identity"
		if gz {
			name = "gzip"
		}
		b.Run(name, func(b *testing.B) {
			var lines, n int64
			start := time.Now()
			for b.Loop() {
				m, _ := e.poll(b, e.kickoff(b, "/fhir/$export"))
				l, k := e.readAll(b, m, gz, buf)
				lines, n = lines+l, n+k
			}
			sec := time.Since(start).Seconds()
			b.ReportMetric(float64(lines)/sec, "resources/s")
			b.ReportMetric(float64(n)/sec/1e6, "MB/s")
			b.ReportMetric(float64(lines)/float64(b.N), "resources/op")
		})
	}
}

// BenchmarkNew generates and indexes a 1,000-patient hospital.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{Seed: 1, Patients: 1000, Now: func() time.Time { return t0 }}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeHospital holds 10,000 patients and serves them whole. It takes
// a few GB of memory, so it runs only when LIFEBOAT_EHR_LARGE is set.
func TestLargeHospital(t *testing.T) {
	if os.Getenv("LIFEBOAT_EHR_LARGE") == "" {
		t.Skip("set LIFEBOAT_EHR_LARGE=1 to run")
	}
	start := time.Now()
	e := newEnv(t, Options{Seed: 1, Patients: 10000, ReadyAfterPolls: -1})
	built := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := e.srv.Stats()
	start = time.Now()
	m, _ := e.poll(t, e.kickoff(t, "/fhir/$export"))
	lines, n := e.readAll(t, m, false, make([]byte, 256<<10))
	sec := time.Since(start).Seconds()
	t.Logf("%d patients, %d resources, built in %v, heap %d MB; export of %d resources (%d MB) in %.1fs: %.0f resources/s, %.0f MB/s",
		st.Patients, st.Resources, built.Round(time.Millisecond), ms.HeapAlloc>>20, lines, n>>20, sec, float64(lines)/sec, float64(n)/sec/1e6)
	if int(lines) != st.Resources {
		t.Errorf("exported %d of %d resources", lines, st.Resources)
	}
	before := st.Resources
	step := e.srv.Advance(t0.Add(time.Minute))
	if len(step.Created) < 100 || e.srv.Stats().Resources != before+len(step.Created)-len(step.Deleted) {
		t.Errorf("a step created %d", len(step.Created))
	}
}
