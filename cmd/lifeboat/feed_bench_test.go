package main

import (
	"context"
	"fmt"
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

	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// oruMessage is a typical lab result message: a basic metabolic panel.
func oruMessage(conn, i int) []byte {
	now := time.Now().Format("20060102150405")
	return []byte(fmt.Sprintf("MSH|^~\\&|LAB|GH|LB|GH|%s||ORU^R01^ORU_R01|B%d-%d|P|2.5.1\r"+
		"PID|1||BP%06d^^^GH^MR||TESTER^BENCH||19700101|F\r"+
		"PV1|1|I|4W^12^A^GH||||1234^ATTENDING^ANN|||||||||||V%06d^^^GH^VN\r"+
		"OBR|1|P%d-%d|F%d-%d|80048^Basic metabolic panel^CPT|||%s|||||||||||||||%s||CH|F\r"+
		"OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|136-145|N|||F|||%s\r"+
		"OBX|2|NM|2823-3^Potassium^LN||5.4|mmol/L|3.5-5.1|H|||F|||%s\r"+
		"OBX|3|NM|2075-0^Chloride^LN||101|mmol/L|98-107|N|||F|||%s\r"+
		"OBX|4|NM|2028-9^CO2^LN||24|mmol/L|22-29|N|||F|||%s\r"+
		"OBX|5|NM|3094-0^BUN^LN||18|mg/dL|7-20|N|||F|||%s\r"+
		"OBX|6|NM|2160-0^Creatinine^LN||1.1|mg/dL|0.6-1.2|N|||F|||%s\r"+
		"OBX|7|NM|2345-7^Glucose^LN||131|mg/dL|70-99|H|||F|||%s\r",
		now, conn, i, i%500, i%500, conn, i, conn, i, now, now, now, now, now, now, now, now, now))
}

// BenchmarkFeedIngest measures end-to-end ingest: 8 connections each send
// lab results and wait for each acknowledgement, which comes only after the
// message and its resources are committed (group commit across
// connections). It reports messages per second.
func BenchmarkFeedIngest(b *testing.B) {
	key := make([]byte, sqlite.KeySize)
	db, err := sqlite.Open(context.Background(), b.TempDir(), key)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := newFeed(db, logger, newFeedMetrics(prometheus.NewRegistry()))
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
			for i := range per {
				ack, err := cl.Send(ctx, oruMessage(c, i))
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
}
