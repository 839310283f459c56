package sqlite

import (
	"testing"
	"time"
)

func TestArrivals(t *testing.T) {
	a := newArrivals()
	var now time.Duration // into the clock's origin
	a.elapsed = func() time.Duration { return now }
	if r := a.rate(); r != 0 {
		t.Fatalf("rate %v before any message", r)
	}
	for range 300 {
		a.add()
	}
	// 300 in the current window: 3,000 a second, however little of it
	// went by.
	if r := a.rate(); r != 3000 {
		t.Fatalf("rate %v after 300 messages at the start of a window, want 3000", r)
	}
	now = 25 * time.Millisecond
	if r := a.rate(); r != 3000 {
		t.Fatalf("rate %v after 300 messages in 25 ms, want 3000", r)
	}
	// After a window with no message, then another, the rate is 0.
	now = 3 * arrivalWindow
	if r := a.rate(); r != 0 {
		t.Fatalf("rate %v after windows without messages", r)
	}
	a.add()
	if r := a.rate(); r != 1/arrivalWindow.Seconds() {
		t.Fatalf("rate %v after one message in a window after quiet ones", r)
	}
	// The window just ended counts while the next has fewer.
	now = 4 * arrivalWindow
	for range 50 {
		a.add()
	}
	now = 5*arrivalWindow + arrivalWindow/2
	a.add()
	if r, want := a.rate(), 50/arrivalWindow.Seconds(); r != want {
		t.Fatalf("rate %v, want %v (the last whole window)", r, want)
	}
	// A window gone by with nothing after it: its count stands for now.
	now = 6*arrivalWindow + arrivalWindow/2
	if r, want := a.rate(), 1/arrivalWindow.Seconds(); r != want {
		t.Fatalf("rate %v, want %v (the window before, with one message)", r, want)
	}
}
