package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// TestRemap: a message read back from the inbox maps to exactly the
// resources it mapped to before it was acknowledged (the inbox keeps the
// message alone), for every golden mapping input and the feed fixtures.
func TestRemap(t *testing.T) {
	checkRemap(t, fixtureHL7(t))
}

// fixtureHL7 lists the golden mapping inputs and the feed fixtures.
func fixtureHL7(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "hl7fhir", "testdata", "*.hl7"))
	more, _ := filepath.Glob(filepath.Join("testdata", "hl7", "*.hl7"))
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("%d fixture messages", len(files))
	}
	return files
}

// readHL7 reads message files, with CR between segments.
func readHL7(t *testing.T, files []string) (names []string, raws [][]byte) {
	t.Helper()
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, file)
		raws = append(raws, bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\r")), []byte("\n"), []byte("\r")))
	}
	return names, raws
}

// TestRemapCorpus: the same over every corpus message that maps.
func TestRemapCorpus(t *testing.T) {
	checkRemap(t, corpusHL7(t))
}

func checkRemap(t *testing.T, files []string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir(), make([]byte, sqlite.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newFeed(db, slog.New(slog.NewTextHandler(io.Discard, nil)), newFeedMetrics(prometheus.NewRegistry()))
	ctx := context.Background()
	mapped := 0
	names, raws := readHL7(t, files)
	for i, raw := range raws {
		file := names[i]
		m := &lifeboat.Message{Received: time.Now(), Raw: raw}
		msg, err := hl7v2.Parse(raw)
		if err != nil {
			continue
		}
		describe(m, msg)
		want, err := f.mapMessage(ctx, m, msg)
		if err != nil {
			if _, err := f.remap(ctx, m); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
				t.Errorf("%s: does not map before its acknowledgement, but again: %v", file, err)
			}
			continue
		}
		mapped++
		// As the inbox reads it back: the arrival time to the nanosecond,
		// without its monotonic reading.
		back := *m
		back.Received = time.Unix(0, m.Received.UnixNano())
		got, err := f.remap(ctx, &back)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d resources mapped again, %d before", file, len(got), len(want))
			continue
		}
		for i := range want {
			if !sameResource(got[i], want[i]) {
				t.Errorf("%s: %s/%s mapped again differs:\n got %+v\nwant %+v", file, want[i].Type, want[i].ID, got[i], want[i])
			}
		}
	}
	if mapped < len(files)/2 {
		t.Fatalf("only %d of %d messages mapped", mapped, len(files))
	}
	t.Logf("%d of %d messages mapped again to the same resources", mapped, len(files))
}

// sameResource compares resources with times as instants.
func sameResource(a, b *lifeboat.Resource) bool {
	x, y := *a, *b
	if !x.LastUpdated.Equal(y.LastUpdated) || !x.Received.Equal(y.Received) || !x.Index.Date.Equal(y.Index.Date) {
		return false
	}
	x.LastUpdated, x.Received, x.Index.Date = y.LastUpdated, y.Received, y.Index.Date
	return reflect.DeepEqual(x, y)
}
