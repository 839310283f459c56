package bulk

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestDownloadBoundedMemory streams a 48 MB file generated on the fly: the
// client allocates a small, fixed amount whatever the size.
func TestDownloadBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 48 MB")
	}
	chunk := benchNDJSON(150) // about 75 KB of whole lines
	const size = 48 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+ndjson")
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, nil)
	sink := &countingSink{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := c.Download(context.Background(), srv.URL+"/big.ndjson", false, func(r io.Reader) error {
		_, err := sink.Resources(context.Background(), "Observation", "Observation.000.ndjson", r)
		return err
	})
	runtime.ReadMemStats(&after)
	if err != nil || n < size {
		t.Fatalf("%d bytes, %v", n, err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KB to stream %d MB", alloc>>10, n>>20)
	if alloc > 8<<20 {
		t.Errorf("allocated %d bytes to stream %d", alloc, n)
	}
}

func TestDownloadCorruptGzip(t *testing.T) {
	good := gz(ndjson("Patient", ids("p", 100)...))
	bad := append([]byte{}, good...)
	bad[len(bad)-6] ^= 0xff // the CRC-32 trailer
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		if n.Add(1) == 1 {
			_, _ = w.Write(bad)
			return
		}
		_, _ = w.Write(good)
	}))
	defer srv.Close()
	c := NewClient(srv.URL, nil)
	c.Sleep = (&sleeper{}).Sleep
	sink := newMemSink()
	_, err := c.Download(context.Background(), srv.URL+"/p.ndjson", false, func(r io.Reader) error {
		_, err := sink.Resources(context.Background(), "Patient", "Patient.000.ndjson", r)
		return err
	})
	if err != nil || n.Load() != 2 || len(sink.res) != 100 {
		t.Fatalf("%v after %d requests, %d resources", err, n.Load(), len(sink.res))
	}
}

// Without compression the client asks for the file as it is.
func TestDownloadNoCompression(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Header.Get("Accept-Encoding"))
		_, _ = w.Write(ndjson("Patient", ids("p", 3)...))
	}))
	defer srv.Close()
	for _, off := range []bool{false, true} {
		c := NewClient(srv.URL, nil)
		c.NoCompression = off
		sink := newMemSink()
		if _, err := c.Download(context.Background(), srv.URL+"/p.ndjson", false, func(r io.Reader) error {
			_, err := sink.Resources(context.Background(), "Patient", "Patient.000.ndjson", r)
			return err
		}); err != nil || len(sink.res) != 3 {
			t.Fatalf("NoCompression %v: %v, %d resources", off, err, len(sink.res))
		}
	}
	if len(asked) != 2 || asked[0] != "gzip" || asked[1] != "identity" {
		t.Errorf("Accept-Encoding asked: %q, want gzip then identity", asked)
	}
}
