package http

import (
	"strings"
	"sync"
	"time"
)

// Login backoff. After a few free failures for a user name or a client
// address, each further failure doubles the wait before the next attempt
// is even checked, up to maxDelay. It slows guessing to about one attempt
// a minute per name without ever locking a clinician out for long, which
// in a downtime would do more harm than good. Addresses get more free
// failures because many workstations can share one (NAT, a proxy).
const (
	freeUserFailures = 3
	freeAddrFailures = 10
	maxDelay         = time.Minute
	forgetAfter      = 15 * time.Minute
	maxLimiterKeys   = 10000
)

// limiter counts recent login failures per key.
type limiter struct {
	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newLimiter() *limiter { return &limiter{m: make(map[string]*failures)} }

// limiterKeys returns the keys of a login attempt: the user name first,
// then the client address.
func limiterKeys(name, addr string) []string {
	return []string{"u:" + strings.ToLower(name), "a:" + addr}
}

func freeFailures(key string) int {
	if strings.HasPrefix(key, "a:") {
		return freeAddrFailures
	}
	return freeUserFailures
}

func delay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	shift := n - free
	if shift > 6 {
		return maxDelay
	}
	return min(time.Second<<shift, maxDelay)
}

// wait returns how long the caller must wait before the next attempt.
func (l *limiter) wait(now time.Time, keys []string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var w time.Duration
	for _, k := range keys {
		f := l.m[k]
		if f == nil {
			continue
		}
		if d := f.last.Add(delay(f.n, freeFailures(k))).Sub(now); d > w {
			w = d
		}
	}
	return w
}

// fail records a failed attempt.
func (l *limiter) fail(now time.Time, keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= maxLimiterKeys {
		for k, f := range l.m {
			if now.Sub(f.last) > forgetAfter {
				delete(l.m, k)
			}
		}
	}
	for _, k := range keys {
		f := l.m[k]
		switch {
		case f == nil && len(l.m) >= maxLimiterKeys:
			continue // full of recent failures: keep what we have
		case f == nil:
			f = &failures{}
			l.m[k] = f
		case now.Sub(f.last) > forgetAfter:
			f.n = 0
		}
		f.n++
		f.last = now
	}
}

// reset forgets the failures of a key after a successful login.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}
