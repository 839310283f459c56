package bulk

import (
	"bytes"
	"net/url"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// The seeds of these targets are in testdata/fuzz/<target>.

func FuzzParseManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(bytes.NewReader(data))
		if err != nil {
			if m != nil {
				t.Fatal("manifest and error")
			}
			return
		}
		if m.TransactionTime.IsZero() {
			t.Fatal("accepted without transactionTime")
		}
		for _, l := range [][]File{m.Output, m.Error, m.Deleted} {
			for _, fi := range l {
				u, err := url.Parse(fi.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Fatalf("accepted url %q", fi.URL)
				}
				if !validType(fi.Type) || fi.Count < 0 {
					t.Fatalf("accepted item %+v", fi)
				}
			}
		}
	})
}

func FuzzReadDeleted(f *testing.F) {
	when := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int64
		st, err := ReadDeleted(bytes.NewReader(data), when, func(d Deleted) error {
			n++
			if !validType(d.Type) || !lifeboat.ValidID(d.ID) || d.When.IsZero() {
				t.Fatalf("bad deletion %+v", d)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("read from memory failed: %v", err)
		}
		if lines := int64(bytes.Count(data, []byte("\n")) + 1); st.Lines > lines {
			t.Fatalf("%d bundles from %d lines", st.Lines, lines)
		}
		if n > 0 && st.Lines == 0 {
			t.Fatal("deletions without a bundle")
		}
	})
}
