package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
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
// (sent once the message is durable), at rate messages a second in all (0:
// as fast as the acknowledgements come). It prints the rate, the
// acknowledgement latencies, and how long after its acknowledgement each
// result was on the charts (committed to the store, where every reader
// sees it).
func benchHL7(ctx context.Context, env *environment, conns, n int, rate float64) error {
	db, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := newFeed(db, logger, newFeedMetrics(prometheus.NewRegistry()))
	seen := newVisibility(n)
	db.OnApplied = seen.applied
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
	seen.start = start
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			cl, err := mllp.Dial(ctx, ln.Addr().String(), nil)
			if err != nil {
				errs[c] = err
				return
			}
			defer cl.Close()
			var msg []byte
			for i := c; i < n; i += conns {
				if rate > 0 { // message i is due i/rate seconds after the start
					time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
				}
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
				seen.acked(i)
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
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
	med, p95, most, err := seen.delays()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(env.stdout, "on the charts after the acknowledgement: median %s, p95 %s, at most %s\n",
		med.Round(time.Millisecond), p95.Round(time.Millisecond), most.Round(time.Millisecond))
	return nil
}

// visibility records when each of a benchmark's messages was acknowledged
// and when the store applied it, as times since start, set before the
// first is sent. Message i's control id ends in "-i" (appendLabResult).
type visibility struct {
	start          time.Time
	ackAt, applyAt []atomic.Int64 // nanoseconds since start, plus one (0: not yet)
}

func newVisibility(n int) *visibility {
	return &visibility{ackAt: make([]atomic.Int64, n), applyAt: make([]atomic.Int64, n)}
}

func (v *visibility) acked(i int) { v.ackAt[i].Store(int64(time.Since(v.start)) + 1) }

// applied is the store's OnApplied hook.
func (v *visibility) applied(ms []*lifeboat.Message) {
	now := int64(time.Since(v.start)) + 1
	for _, m := range ms {
		dash := strings.LastIndexByte(m.ControlID, '-')
		i, err := strconv.Atoi(m.ControlID[dash+1:])
		if dash < 0 || err != nil || i < 0 || i >= len(v.applyAt) {
			continue
		}
		v.applyAt[i].Store(now)
	}
}

// delays returns how long after its acknowledgement each message was
// applied: median, 95th percentile and most. A message applied before its
// sender read the acknowledgement counts as 0.
func (v *visibility) delays() (median, p95, most time.Duration, err error) {
	ds := make([]time.Duration, 0, len(v.ackAt))
	for i := range v.ackAt {
		ack, applied := v.ackAt[i].Load(), v.applyAt[i].Load()
		if ack == 0 || applied == 0 {
			return 0, 0, 0, fmt.Errorf("message %d: acknowledged at %d, applied at %d", i, ack, applied)
		}
		ds = append(ds, time.Duration(max(applied-ack, 0)))
	}
	median, p95 = percentiles(ds)
	return median, p95, ds[len(ds)-1], nil
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
