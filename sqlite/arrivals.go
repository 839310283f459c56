package sqlite

import (
	"sync/atomic"
	"time"
)

// arrivalWindow is the span over which arrivals measures a rate.
const arrivalWindow = 100 * time.Millisecond

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

// rate returns messages per second: over the last whole window, or the
// current one if it already holds more. It does not extrapolate from the
// first part of a window: a sender catching up after a pause of the store
// sends hundreds of messages in a few milliseconds, and taking that for a
// flood would make the applier give way just when it is behind.
func (a *arrivals) rate() float64 {
	var n int64
	switch w, cur := int64(a.elapsed()/arrivalWindow), a.window.Load(); w {
	case cur:
		n = max(a.last.Load(), a.count.Load())
	case cur + 1: // nothing came in since the current window began
		n = a.count.Load()
	}
	return float64(n) / arrivalWindow.Seconds()
}
