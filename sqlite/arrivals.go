package sqlite

import (
	"sync/atomic"
	"time"
)

// arrivalWindow is the span over which arrivals measures a rate, and
// arrivalGlimpse how much of a window already tells its rate: a burst is
// seen within tens of milliseconds, before the applier commits a large
// batch the acknowledgements would wait behind.
const (
	arrivalWindow  = 100 * time.Millisecond
	arrivalGlimpse = arrivalWindow / 5
)

// arrivals estimates how fast feed messages come in, counting them in
// windows of arrivalWindow. Counting costs two atomic operations; a count
// racing a window's end may land in either window, which is close enough.
type arrivals struct {
	elapsed func() time.Duration // since the clock's origin (monotonic)
	window  atomic.Int64         // the window now counted (since the origin)
	count   atomic.Int64         // messages in it so far
	last    atomic.Int64         // messages in the window before it
}

func newArrivals() *arrivals {
	epoch := time.Now()
	return &arrivals{elapsed: func() time.Duration { return time.Since(epoch) }}
}

// add counts a message.
func (a *arrivals) add() {
	w := int64(a.elapsed() / arrivalWindow)
	if cur := a.window.Load(); cur != w && a.window.CompareAndSwap(cur, w) {
		n := a.count.Swap(0)
		if w != cur+1 {
			n = 0 // whole windows went by without a message
		}
		a.last.Store(n)
	}
	a.count.Add(1)
}

// rate returns messages per second: the most of the last whole window's,
// the current window's count over a whole window, and, once arrivalGlimpse
// of it has gone by, the current window's so far.
func (a *arrivals) rate() float64 {
	el := a.elapsed()
	w := int64(el / arrivalWindow)
	switch cur := a.window.Load(); w {
	case cur:
		n := a.count.Load()
		r := float64(max(a.last.Load(), n)) / arrivalWindow.Seconds()
		if in := el - time.Duration(w)*arrivalWindow; in >= arrivalGlimpse {
			r = max(r, float64(n)/in.Seconds())
		}
		return r
	case cur + 1: // nothing came in since the current window began
		return float64(a.count.Load()) / arrivalWindow.Seconds()
	}
	return 0
}
