package mllp

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before attempt n+1 after n consecutive failures
// (n >= 1): lo doubled n-1 times, capped at hi, less a random part of up to
// half ("equal jitter"), so it lies in [d/2, d] and never exceeds hi.
// Clients that fail together (a receiver restarting) spread out.
func backoff(lo, hi time.Duration, n int) time.Duration {
	lo = max(lo, time.Millisecond)
	hi = max(hi, lo)
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return d - half + rand.N(half+1)
}
