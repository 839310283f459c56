package main

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// backlogStore is an inbox with a backlog.
type backlogStore struct {
	n        int
	size     int64
	flooding bool
}

func (b backlogStore) InboxBacklog() (int, int64) { return b.n, b.size }
func (b backlogStore) InboxFlooding() bool        { return b.flooding }

// TestBacklogMetrics: the gauges say what the inbox has not yet applied,
// and whether it gives way to a flood.
func TestBacklogMetrics(t *testing.T) {
	for _, flooding := range []bool{false, true} {
		reg := prometheus.NewRegistry()
		reg.MustRegister(newBacklogCollector(backlogStore{n: 1200, size: 9 << 20, flooding: flooding}))
		want := `
# HELP lifeboat_feed_backlog_bytes Bytes of the inbox not yet applied to the store.
# TYPE lifeboat_feed_backlog_bytes gauge
lifeboat_feed_backlog_bytes 9.437184e+06
# HELP lifeboat_feed_backlog_messages Feed messages acknowledged (durable in the inbox) and not yet applied to the store.
# TYPE lifeboat_feed_backlog_messages gauge
lifeboat_feed_backlog_messages 1200
# HELP lifeboat_feed_flooding 1 while feed messages come faster than the store applies them and it gives way to acknowledging them (charts lag behind), else 0.
# TYPE lifeboat_feed_flooding gauge
`
		if flooding {
			want += "lifeboat_feed_flooding 1\n"
		} else {
			want += "lifeboat_feed_flooding 0\n"
		}
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
			t.Fatal(err)
		}
	}
}
