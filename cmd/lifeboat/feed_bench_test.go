package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// BenchmarkFeedIngest measures end-to-end ingest: 8 connections each send
// lab results and wait for each acknowledgement, which comes only after the
// message and its resources are durable in the inbox (one sync shared
// across connections). It reports messages acknowledged per second, and
// messages applied to the store per second, counting until the last is.
func BenchmarkFeedIngest(b *testing.B) {
	key := make([]byte, sqlite.KeySize)
	db, err := sqlite.Open(context.Background(), b.TempDir(), key)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := newFeed(db, logger, newFeedMetrics(prometheus.NewRegistry()))
	f.verifyIndex = false // the tests' check of each Index against fhir.Parse
	if err := db.OpenInbox(context.Background(), f.remap); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &mllp.Server{Handler: f, Logger: logger}
	go srv.Serve(ctx, ln)

	conns := 8
	if n, err := strconv.Atoi(os.Getenv("LIFEBOAT_BENCH_CONNS")); err == nil && n > 0 {
		conns = n
	}
	var sent atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := (b.N + conns - 1) / conns
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := mllp.Dial(ctx, ln.Addr().String(), nil)
			if err != nil {
				b.Error(err)
				return
			}
			defer cl.Close()
			var msg []byte
			for i := range per {
				msg = appendLabResult(msg[:0], c, i, hl7Now())
				ack, err := cl.Send(ctx, msg)
				if err != nil {
					b.Error(err)
					return
				}
				if code, _, _ := msa(ack); code != "AA" {
					b.Errorf("acknowledgement %s", code)
					return
				}
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(sent.Load())/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(sent.Load())/waitApplied(db).Sub(start).Seconds(), "applied-msgs/s")
}

// TestLabResult: the benchmarks' lab result is the panel it says, and
// maps to a report, its seven results, the patient and the visit.
func TestLabResult(t *testing.T) {
	got := string(appendLabResult(nil, 3, 1234, []byte("20261127101500")))
	want := "MSH|^~\\&|LAB|GH|LB|GH|20261127101500||ORU^R01^ORU_R01|B3-1234|P|2.5.1\r" +
		"PID|1||BP000234^^^GH^MR||TESTER^BENCH||19700101|F\r" +
		"PV1|1|I|4W^12^A^GH||||1234^ATTENDING^ANN|||||||||||V000234^^^GH^VN\r" +
		"OBR|1|P3-1234|F3-1234|80048^Basic metabolic panel^CPT|||20261127101500|||||||||||||||20261127101500||CH|F\r" +
		"OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|136-145|N|||F|||20261127101500\r" +
		"OBX|2|NM|2823-3^Potassium^LN||5.4|mmol/L|3.5-5.1|H|||F|||20261127101500\r" +
		"OBX|3|NM|2075-0^Chloride^LN||101|mmol/L|98-107|N|||F|||20261127101500\r" +
		"OBX|4|NM|2028-9^CO2^LN||24|mmol/L|22-29|N|||F|||20261127101500\r" +
		"OBX|5|NM|3094-0^BUN^LN||18|mg/dL|7-20|N|||F|||20261127101500\r" +
		"OBX|6|NM|2160-0^Creatinine^LN||1.1|mg/dL|0.6-1.2|N|||F|||20261127101500\r" +
		"OBX|7|NM|2345-7^Glucose^LN||131|mg/dL|70-99|H|||F|||20261127101500\r"
	if got != want {
		t.Fatalf("lab result:\n%q\nwant\n%q", got, want)
	}
	msg, err := hl7v2.Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	out, err := hl7fhir.Map(msg, hl7fhir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, r := range out.Resources {
		types[r.Type]++
	}
	if types["DiagnosticReport"] != 1 || types["Observation"] != 7 || types["Patient"] != 1 || types["Encounter"] != 1 {
		t.Fatalf("the lab result maps to %v", types)
	}
}

// TestVisibility: the benchmark finds each message's number in its control
// id, ignores others, and measures from acknowledgement to the charts, a
// message applied before its sender read the acknowledgement counting 0;
// one never applied is an error.
func TestVisibility(t *testing.T) {
	v := newVisibility(3)
	v.start = time.Now()
	v.applied([]*lifeboat.Message{{ControlID: "B1-2"}, {ControlID: "B0-7"}, {ControlID: "B0-x"}, {ControlID: "none"}})
	if v.applyAt[2].Load() == 0 || v.applyAt[0].Load() != 0 || v.applyAt[1].Load() != 0 {
		t.Fatal("applied times recorded for the wrong messages")
	}
	at := func(d time.Duration) int64 { return int64(d) + 1 }
	v.ackAt[0].Store(at(10 * time.Millisecond))
	v.applyAt[0].Store(at(60 * time.Millisecond))
	v.ackAt[1].Store(at(30 * time.Millisecond))
	v.applyAt[1].Store(at(20 * time.Millisecond)) // before the sender read its acknowledgement
	v.ackAt[2].Store(at(40 * time.Millisecond))
	v.applyAt[2].Store(at(240 * time.Millisecond))
	median, _, most, err := v.delays()
	if err != nil || median != 50*time.Millisecond || most != 200*time.Millisecond {
		t.Fatalf("median %v, most %v, %v; want 50ms, 200ms", median, most, err)
	}
	early := newVisibility(1)
	early.ackAt[0].Store(at(30 * time.Millisecond))
	early.applyAt[0].Store(at(20 * time.Millisecond))
	if median, _, _, err := early.delays(); err != nil || median != 0 {
		t.Fatalf("applied before its acknowledgement was read: %v, %v; want 0", median, err)
	}
	v.applyAt[1].Store(0)
	if _, _, _, err := v.delays(); err == nil {
		t.Fatal("a message never applied is not an error")
	}
}
