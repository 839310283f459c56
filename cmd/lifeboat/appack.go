package main

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/mllp"
)

// appAckQueue bounds the application acknowledgements waiting for one route.
const appAckQueue = 10000

// appAcks sends enhanced-mode application acknowledgements (AA, AE, AR) as
// messages of their own, once a message is applied to the store (or found
// unusable), to the address configured for its feed: in enhanced mode the
// connection that brought a message gets its accept acknowledgement (CA),
// and the application acknowledgement travels back to the sender's own
// listener, as HL7 describes. Each one asks for an accept acknowledgement in
// return (MSH-15 AL) and is resent until it gets one: the sender
// de-duplicates by control id. Queues are in memory: after a restart, a
// sender that missed an application acknowledgement re-sends its message,
// and gets the acknowledgement for the duplicate.
type appAcks struct {
	routes map[string]*ackRoute // by feed, "APP^FACILITY"
	now    func() time.Time
	logger *slog.Logger
	prefix string // of the control ids of the acknowledgements
	seq    atomic.Uint64
	count  *prometheus.CounterVec
	warned sync.Map // feeds already warned about a missing route
}

type ackRoute struct {
	client *mllp.Client
	q      chan []byte
}

// newAppAcks makes the routes of routes (feed to "host:port").
func newAppAcks(routes map[string]string, logger *slog.Logger, reg prometheus.Registerer) *appAcks {
	a := &appAcks{routes: map[string]*ackRoute{}, now: time.Now, logger: logger,
		prefix: "LBA" + strconv.FormatInt(time.Now().Unix(), 36),
		count: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeboat_feed_app_acks_total",
			Help: "Enhanced-mode application acknowledgements, by result (sent, failed, dropped, no_route).",
		}, []string{"result"}),
	}
	reg.MustRegister(a.count)
	for feed, addr := range routes {
		a.routes[feed] = &ackRoute{
			client: &mllp.Client{Addr: addr, Resend: true, Logger: logger},
			q:      make(chan []byte, appAckQueue),
		}
	}
	return a
}

// run sends each route's queue in order until ctx ends.
func (a *appAcks) run(ctx context.Context) {
	var wg sync.WaitGroup
	for feed, r := range a.routes {
		wg.Go(func() {
			defer r.client.Close()
			for {
				select {
				case <-ctx.Done():
					return
				case msg := <-r.q:
					a.send(ctx, feed, r, msg)
				}
			}
		})
	}
	wg.Wait()
}

// send delivers one acknowledgement, retrying until the receiver answers.
func (a *appAcks) send(ctx context.Context, feed string, r *ackRoute, msg []byte) {
	reply, err := r.client.Send(ctx, msg)
	if err != nil {
		if ctx.Err() == nil {
			a.count.WithLabelValues("failed").Inc()
			a.logger.LogAttrs(ctx, slog.LevelWarn, "application acknowledgement not delivered",
				slog.String("feed", feed), slog.String("error", err.Error()))
		}
		return
	}
	a.count.WithLabelValues("sent").Inc()
	if m, err := hl7v2.Parse(reply); err == nil {
		if code := m.Get("MSA-1").Text(); code != "" && code != "CA" && code != "AA" {
			a.logger.LogAttrs(ctx, slog.LevelWarn, "application acknowledgement refused by the sender",
				slog.String("feed", feed), slog.String("code", code))
		}
	}
}

// routed reports whether the application acknowledgement for a message of
// feed with request req goes through a route: the sender asked for both an
// accept and an application acknowledgement. If it asked and no route is
// configured, it warns once per feed and counts it.
func (a *appAcks) routed(feed string, req hl7v2.AckRequest, o hl7v2.Outcome) bool {
	if a == nil || !req.SendCommit(o) || !req.SendApplication(o) {
		return false
	}
	if a.routes[feed] != nil {
		return true
	}
	a.count.WithLabelValues("no_route").Inc()
	if _, seen := a.warned.LoadOrStore(feed, true); !seen {
		a.logger.Warn("feed asks for application acknowledgements; add its address to app_ack_routes",
			"feed", feed)
	}
	return false
}

// applied queues the application acknowledgement of messages just applied
// to the store, or kept as dead letters because they no longer mapped when
// read back from the inbox; it is the store's OnApplied hook.
func (a *appAcks) applied(ms []*lifeboat.Message) {
	for _, m := range ms {
		hdr, err := hl7v2.ParseHeader(m.Raw)
		if err != nil {
			continue
		}
		outcome, errs := hl7v2.Accepted, []hl7v2.AckError(nil)
		if m.Status == lifeboat.MessageRejected {
			outcome, errs = hl7v2.Errored, []hl7v2.AckError{{Code: 207, Message: m.Error}}
		}
		if a.routed(m.Feed, hdr.AckRequest(), outcome) {
			a.queue(m.Feed, hdr, outcome, errs)
		}
	}
}

// queue builds and queues the application acknowledgement of msg.
func (a *appAcks) queue(feed string, msg *hl7v2.Message, o hl7v2.Outcome, errs []hl7v2.AckError) {
	b, err := hl7v2.AppendAck(nil, msg, hl7v2.Ack{
		Code:        hl7v2.ApplicationCode(o),
		ControlID:   a.prefix + strconv.FormatUint(a.seq.Add(1), 10),
		Time:        a.now(),
		Errors:      errs,
		Accept:      "AL",
		Application: "NE",
	})
	if err != nil {
		a.logger.Error("build application acknowledgement", "error", err.Error())
		return
	}
	select {
	case a.routes[feed].q <- b:
	default:
		a.count.WithLabelValues("dropped").Inc()
		a.logger.Warn("application acknowledgement dropped: the route's queue is full", "feed", feed)
	}
}
