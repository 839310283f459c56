package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat/mllp"
)

// feedMetrics counts feed messages by outcome and times their handling.
// Labels are outcomes only: feed names stay on the admin page.
type feedMetrics struct {
	messages *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newFeedMetrics(reg prometheus.Registerer) *feedMetrics {
	m := &feedMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeboat_feed_messages_total", Help: "HL7 v2 messages received, by outcome.",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lifeboat_feed_message_seconds", Help: "Time from receiving a message to its acknowledgement, commit included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	reg.MustRegister(m.messages, m.latency)
	return m
}

func (m *feedMetrics) observe(res result, d time.Duration) {
	outcome := [...]string{"accepted", "errored", "rejected"}[min(int(res.outcome), 2)]
	if res.dup {
		outcome = "duplicate"
	}
	m.messages.WithLabelValues(outcome).Inc()
	m.latency.Observe(d.Seconds())
}

// mllpCollector exposes the listener's transport counters.
type mllpCollector struct {
	srv                                 *mllp.Server
	open, conns, frames, errs, timeouts *prometheus.Desc
}

func newMLLPCollector(srv *mllp.Server) *mllpCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &mllpCollector{srv: srv,
		open:     d("lifeboat_mllp_connections_open", "MLLP connections open."),
		conns:    d("lifeboat_mllp_connections_total", "MLLP connections accepted."),
		frames:   d("lifeboat_mllp_frames_total", "MLLP frames received."),
		errs:     d("lifeboat_mllp_framing_errors_total", "MLLP framing errors (oversize, abandoned, unterminated)."),
		timeouts: d("lifeboat_mllp_timeouts_total", "MLLP connections closed by a timeout."),
	}
}

func (c *mllpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.conns, c.frames, c.errs, c.timeouts} {
		ch <- d
	}
}

func (c *mllpCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.srv.Stats()
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.ConnsOpen))
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.CounterValue, float64(s.ConnsTotal))
	ch <- prometheus.MustNewConstMetric(c.frames, prometheus.CounterValue, float64(s.Frames))
	ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.FramingErrors+s.Oversize))
	ch <- prometheus.MustNewConstMetric(c.timeouts, prometheus.CounterValue, float64(s.Timeouts()))
}

// backlogCollector exposes the feed messages acknowledged but not yet
// applied to the store, and whether the store gives way to a flood.
type backlogCollector struct {
	store                     inboxState
	messages, bytes, flooding *prometheus.Desc
}

// inboxState is what the store says of its feed inbox.
type inboxState interface {
	InboxBacklog() (int, int64)
	InboxFlooding() bool
}

func newBacklogCollector(store inboxState) *backlogCollector {
	return &backlogCollector{store: store,
		messages: prometheus.NewDesc("lifeboat_feed_backlog_messages", "Feed messages acknowledged (durable in the inbox) and not yet applied to the store.", nil, nil),
		bytes:    prometheus.NewDesc("lifeboat_feed_backlog_bytes", "Bytes of the inbox not yet applied to the store.", nil, nil),
		flooding: prometheus.NewDesc("lifeboat_feed_flooding", "1 while feed messages come faster than the store applies them and it gives way to acknowledging them (charts lag behind), else 0.", nil, nil),
	}
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.messages
	ch <- c.bytes
	ch <- c.flooding
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	n, size := c.store.InboxBacklog()
	flooding := 0.0
	if c.store.InboxFlooding() {
		flooding = 1
	}
	ch <- prometheus.MustNewConstMetric(c.messages, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(size))
	ch <- prometheus.MustNewConstMetric(c.flooding, prometheus.GaugeValue, flooding)
}
