package lifeboat

import (
	"testing"
	"time"
)

func TestParseFHIRTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		prec TimePrecision
	}{
		{"2024", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), PrecisionYear},
		{"2024-02", time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), PrecisionMonth},
		{"2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), PrecisionDay},
		{"2024-07-19T04:09:00.5-05:00", time.Date(2024, 7, 19, 9, 9, 0, 5e8, time.UTC), PrecisionTime},
		{"2023-02-29", time.Time{}, 0},
		{"0000", time.Time{}, 0},
		{"2024-07-19T04:09:00", time.Time{}, 0}, // no zone
		{"2024-07-19T04:09:00+15:00", time.Time{}, 0},
	} {
		got, p := ParseFHIRTime(c.in)
		gotB, pB := ParseFHIRTime([]byte(c.in))
		if !got.Equal(c.want) || p != c.prec || !gotB.Equal(got) || pB != p {
			t.Errorf("ParseFHIRTime(%q) = %v %d (bytes: %v %d), want %v %d", c.in, got, p, gotB, pB, c.want, c.prec)
		}
	}
}
