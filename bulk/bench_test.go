package bulk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// benchNDJSON returns n synthetic Observations of about 520 bytes each.
func benchNDJSON(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"resourceType":"Observation","id":"obs-%07d","meta":{"versionId":"1","lastUpdated":"2026-03-01T07:00:00Z"},`+
			`"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],`+
			`"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"Patient/pat-%05d"},`+
			`"effectiveDateTime":"2026-03-01T06:%02d:00Z","valueQuantity":{"value":%d,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`+"\n",
			i, i%5000, i%60, 60+i%40)
	}
	return b.Bytes()
}

// countingSink counts resources (lines) and reads every byte, like an
// importer that does no work.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Resources(_ context.Context, _, _ string, r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			n++
		}
		if err == bufio.ErrBufferFull {
			n-- // the same line goes on
			continue
		}
		if err == io.EOF {
			s.n.Add(n)
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func (s *countingSink) Delete(context.Context, []Deleted) error { return nil }

func benchServer(b *testing.B, body []byte, gzipped bool) *httptest.Server {
	if gzipped {
		body = gz(body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gzipped {
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Type", "application/fhir+ndjson")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkDownload streams one output file of 20,000 resources (10 MB)
// from a local server through a counting sink.
func BenchmarkDownload(b *testing.B) {
	const n = 20000
	body := benchNDJSON(n)
	for _, gzipped := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "gzip"}[gzipped], func(b *testing.B) {
			srv := benchServer(b, body, gzipped)
			c := NewClient(srv.URL, nil)
			sink := &countingSink{}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				got, err := c.Download(context.Background(), srv.URL+"/f.ndjson", false, func(r io.Reader) error {
					_, err := sink.Resources(context.Background(), "Observation", "Observation.000.ndjson", r)
					return err
				})
				if err != nil || got != int64(len(body)) {
					b.Fatalf("%d bytes, %v", got, err)
				}
			}
			b.ReportMetric(float64(sink.n.Load())/b.Elapsed().Seconds(), "resources/s")
		})
	}
}

// BenchmarkSync runs whole syncs of 8 output files of 5,000 resources each
// (21 MB in all), downloaded 4 at a time, through a counting sink.
func BenchmarkSync(b *testing.B) {
	const files, per = 8, 5000
	body := benchNDJSON(per)
	e := newFakeEHR(b)
	for i := range files {
		e.addFile("output", fmt.Sprintf("f%d.ndjson", i), "Observation", body)
	}
	sink := &countingSink{}
	b.SetBytes(int64(files * len(body)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewClient(e.base(), nil)
		s := &Syncer{Client: c, Sink: sink, State: newMemStore(), Source: "bench"}
		res, err := s.Run(context.Background())
		if err != nil || res.Total() != files*per {
			b.Fatalf("%v, %v", res, err)
		}
	}
	b.ReportMetric(float64(sink.n.Load())/b.Elapsed().Seconds(), "resources/s")
}
