package sqlite

import "testing"

func TestArrivals(t *testing.T) {
	a := newArrivals()
	if r := a.rate(); r != 0 {
		t.Fatalf("rate %v before any message", r)
	}
	for range 300 {
		a.add()
	}
	// 300 in the current window: at least 3,000 a second.
	if r := a.rate(); r < 3000 {
		t.Fatalf("rate %v after 300 messages in a window", r)
	}
	// After a window with no message, then another, the rate is 0.
	a.epoch = a.epoch.Add(-3 * arrivalWindow)
	if r := a.rate(); r != 0 {
		t.Fatalf("rate %v after windows without messages", r)
	}
	a.add()
	if r := a.rate(); r != 1/arrivalWindow.Seconds() {
		t.Fatalf("rate %v after one message in a window after quiet ones", r)
	}
	// The window just ended counts while the next has fewer.
	a.epoch = a.epoch.Add(-arrivalWindow)
	for range 50 {
		a.add()
	}
	a.epoch = a.epoch.Add(-arrivalWindow)
	a.add()
	if r, want := a.rate(), 50/arrivalWindow.Seconds(); r != want {
		t.Fatalf("rate %v, want %v (the last whole window)", r, want)
	}
}
