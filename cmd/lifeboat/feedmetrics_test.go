package main

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// backlogStore is an inbox with a backlog.
type backlogStore struct {
	n    int
	size int64
}

func (b backlogStore) InboxBacklog() (int, int64) { return b.n, b.size }

// TestBacklogMetrics: the gauges say what the inbox has not yet applied.
func TestBacklogMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newBacklogCollector(backlogStore{n: 1200, size: 9 << 20}))
	want := `
# HELP lifeboat_feed_backlog_bytes Bytes of the inbox not yet applied to the store.
# TYPE lifeboat_feed_backlog_bytes gauge
lifeboat_feed_backlog_bytes 9.437184e+06
# HELP lifeboat_feed_backlog_messages Feed messages acknowledged (durable in the inbox) and not yet applied to the store.
# TYPE lifeboat_feed_backlog_messages gauge
lifeboat_feed_backlog_messages 1200
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
