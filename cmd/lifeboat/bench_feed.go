package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat/mllp"
)

// labResult is a typical lab result message: a basic metabolic panel of
// seven results for one of 500 patients.
func labResult(conn, i int) []byte {
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

// benchHL7 runs a feed listener on a new encrypted store and sends it n lab
// results over conns connections, each waiting for every acknowledgement
// (sent once the message is durable), and prints the rate and the latencies.
func benchHL7(ctx context.Context, env *environment, conns, n int) error {
	db, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := newFeed(db, logger, newFeedMetrics(prometheus.NewRegistry()))
	if err := db.OpenInbox(ctx, f.remap); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &mllp.Server{Handler: f, Logger: logger}
	go srv.Serve(ctx, ln)

	conns = max(conns, 1)
	lat := make([][]time.Duration, conns)
	errs := make([]error, conns)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := mllp.Dial(ctx, ln.Addr().String(), nil)
			if err != nil {
				errs[c] = err
				return
			}
			defer cl.Close()
			for i := c; i < n; i += conns {
				t0 := time.Now()
				ack, err := cl.Send(ctx, labResult(c, i))
				if err != nil {
					errs[c] = err
					return
				}
				if code, _, _ := msa(ack); code != "AA" {
					errs[c] = fmt.Errorf("acknowledgement %s", code)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for c := range conns {
		if errs[c] != nil {
			return fmt.Errorf("bench: connection %d: %w", c, errs[c])
		}
		all = append(all, lat[c]...)
	}
	med, p95 := percentiles(all)
	fmt.Fprintf(env.stdout, "%d lab results (7 results each) over %d connections in %.2f s: %.0f messages/s; acknowledgement (after the durable write): median %s, p95 %s\n",
		len(all), conns, elapsed.Seconds(), float64(len(all))/elapsed.Seconds(), med.Round(time.Microsecond), p95.Round(time.Microsecond))
	backlog, _ := db.InboxBacklog()
	applied := waitApplied(db)
	fmt.Fprintf(env.stdout, "%d still to apply when the last was acknowledged; all on the charts %.2f s after the first was sent: %.0f messages/s applied\n",
		backlog, applied.Sub(start).Seconds(), float64(len(all))/applied.Sub(start).Seconds())
	return nil
}

// waitApplied waits until the store has applied every message of its
// inbox, and returns when that was.
func waitApplied(db interface{ InboxBacklog() (int, int64) }) time.Time {
	for {
		if n, size := db.InboxBacklog(); n == 0 && size == 0 {
			return time.Now()
		}
		time.Sleep(time.Millisecond)
	}
}
