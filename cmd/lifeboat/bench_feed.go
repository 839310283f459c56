package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat/mllp"
)

// labResults are the seven results of appendLabResult's panel: OBX-2 to OBX-8.
var labResults = []string{
	"NM|2951-2^Sodium^LN||139|mmol/L|136-145|N",
	"NM|2823-3^Potassium^LN||5.4|mmol/L|3.5-5.1|H",
	"NM|2075-0^Chloride^LN||101|mmol/L|98-107|N",
	"NM|2028-9^CO2^LN||24|mmol/L|22-29|N",
	"NM|3094-0^BUN^LN||18|mg/dL|7-20|N",
	"NM|2160-0^Creatinine^LN||1.1|mg/dL|0.6-1.2|N",
	"NM|2345-7^Glucose^LN||131|mg/dL|70-99|H",
}

// appendLabResult appends a typical lab result message to dst: a basic
// metabolic panel of seven results, message i of connection conn, for one
// of 500 patients, at now (an HL7 timestamp). It is built with appends
// rather than fmt, so that the senders, on the same two processors as the
// server, take little of them.
func appendLabResult(dst []byte, conn, i int, now []byte) []byte {
	id := func(b []byte) []byte { // conn-i
		b = strconv.AppendInt(b, int64(conn), 10)
		return strconv.AppendInt(append(b, '-'), int64(i), 10)
	}
	patient := func(b []byte) []byte { return fmt.Appendf(b, "%06d", i%500) }
	b := append(dst, "MSH|^~\\&|LAB|GH|LB|GH|"...)
	b = append(append(b, now...), "||ORU^R01^ORU_R01|B"...)
	b = append(id(b), "|P|2.5.1\rPID|1||BP"...)
	b = append(patient(b), "^^^GH^MR||TESTER^BENCH||19700101|F\rPV1|1|I|4W^12^A^GH||||1234^ATTENDING^ANN|||||||||||V"...)
	b = append(patient(b), "^^^GH^VN\rOBR|1|P"...)
	b = append(id(b), "|F"...)
	b = append(id(b), "|80048^Basic metabolic panel^CPT|||"...)
	b = append(append(b, now...), "|||||||||||||||"...)
	b = append(append(b, now...), "||CH|F\r"...)
	for k, r := range labResults {
		b = strconv.AppendInt(append(b, "OBX|"...), int64(k+1), 10)
		b = append(append(append(b, '|'), r...), "|||F|||"...)
		b = append(append(b, now...), '\r')
	}
	return b
}

// hl7Now is the time as an HL7 timestamp, to the second.
func hl7Now() []byte { return time.Now().AppendFormat(nil, "20060102150405") }

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
			var msg []byte
			for i := c; i < n; i += conns {
				t0 := time.Now()
				msg = appendLabResult(msg[:0], c, i, hl7Now())
				ack, err := cl.Send(ctx, msg)
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
