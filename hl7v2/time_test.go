package hl7v2

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		in     string
		loc    *time.Location
		want   time.Time
		prec   Precision
		offset bool
	}{
		{"2024", nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), PrecisionYear, false},
		{"202407", nil, time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), PrecisionMonth, false},
		{"20240719", nil, time.Date(2024, 7, 19, 0, 0, 0, 0, time.UTC), PrecisionDay, false},
		{"2024071904", nil, time.Date(2024, 7, 19, 4, 0, 0, 0, time.UTC), PrecisionHour, false},
		{"202407190409", est, time.Date(2024, 7, 19, 4, 9, 0, 0, est), PrecisionMinute, false},
		{"20240719040930", nil, time.Date(2024, 7, 19, 4, 9, 30, 0, time.UTC), PrecisionSecond, false},
		{"20240719040930.1", nil, time.Date(2024, 7, 19, 4, 9, 30, 100e6, time.UTC), PrecisionDecisecond, false},
		{"20240719040930.12", nil, time.Date(2024, 7, 19, 4, 9, 30, 120e6, time.UTC), PrecisionCentisecond, false},
		{"20240719040930.123", nil, time.Date(2024, 7, 19, 4, 9, 30, 123e6, time.UTC), PrecisionMillisecond, false},
		{"20240719040930.1234", nil, time.Date(2024, 7, 19, 4, 9, 30, 123400e3, time.UTC), PrecisionTenthMillisecond, false},
		{"20240719040930-0500", nil, time.Date(2024, 7, 19, 9, 9, 30, 0, time.UTC), PrecisionSecond, true},
		{"20240719040930.5+0530", nil, time.Date(2024, 7, 18, 22, 39, 30, 500e6, time.UTC), PrecisionDecisecond, true},
		{"201203141259-0215", nil, time.Date(2012, 3, 14, 15, 14, 0, 0, time.UTC), PrecisionMinute, true},
		{"2024+0100", nil, time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC), PrecisionYear, true},
		{"20240229", nil, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), PrecisionDay, false},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, tt.loc)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Precision != tt.prec || got.HasOffset != tt.offset {
			t.Errorf("ParseTime(%q) = %v %d %v, want %v %d %v", tt.in, got.Time, got.Precision, got.HasOffset, tt.want, tt.prec, tt.offset)
		}
		if tt.loc != nil && !tt.offset && got.Location() != tt.loc {
			t.Errorf("ParseTime(%q) not in the given location", tt.in)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("Time.String() = %q, want %q", s, tt.in)
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{"", "20", "202", "2024071", "20240719040930123", "2024a719", "20241301", "20240230", "20230229",
		"20240719250000", "20240719046000", "20240719040960", "20240719040930.", "20240719040930.12345", "202407190409.5",
		"20240719+05", "20240719+2500", "20240719+0560", "20240719-05a0", "20240700", "20240019", "+0500"} {
		_, err := ParseTime(in, nil)
		if err == nil {
			t.Errorf("ParseTime(%q): no error", in)
			continue
		}
		if in != "" && len(in) > 3 && strings.Contains(err.Error(), in) {
			t.Errorf("error %q quotes the value", err)
		}
	}
}

func TestAppendTime(t *testing.T) {
	tm := time.Date(2024, 7, 19, 4, 9, 30, 123456789, time.FixedZone("", -4*3600))
	tests := []struct {
		p      Precision
		offset bool
		want   string
	}{
		{PrecisionYear, false, "2024"},
		{PrecisionDay, false, "20240719"},
		{PrecisionMinute, true, "202407190409-0400"},
		{PrecisionSecond, true, "20240719040930-0400"},
		{PrecisionMillisecond, false, "20240719040930.123"},
		{PrecisionTenthMillisecond, true, "20240719040930.1234-0400"},
		{0, false, "20240719040930"},
		{99, false, "20240719040930"},
	}
	for _, tt := range tests {
		if got := string(AppendTime(nil, tm, tt.p, tt.offset)); got != tt.want {
			t.Errorf("AppendTime(%d, %v) = %q, want %q", tt.p, tt.offset, got, tt.want)
		}
	}
}

func TestHeaderAndValueTime(t *testing.T) {
	m := mustParse(t, adtA01)
	h := m.Header()
	tm, err := h.Time(nil)
	if err != nil || !tm.Equal(time.Date(2024, 7, 19, 9, 9, 0, 0, time.UTC)) || tm.Precision != PrecisionSecond {
		t.Errorf("MSH-7: %v %v", tm, err)
	}
	dob, err := m.Get("PID-7").Time(time.UTC)
	if err != nil || dob.Precision != PrecisionDay || dob.Year() != 1980 {
		t.Errorf("PID-7: %v %v", dob, err)
	}
	// TS of older versions: the second component is the degree of precision.
	ts := mustParse(t, "MSH|^~\\&|A\rEVN|A01|200301011200^M\r")
	if got, err := ts.Get("EVN-2").Time(nil); err != nil || got.Hour() != 12 {
		t.Errorf("TS: %v %v", got, err)
	}
}
