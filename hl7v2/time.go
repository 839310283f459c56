package hl7v2

import (
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Precision is the precision of an HL7 date/time: how many of its parts were given.
type Precision uint8

// Precisions of an HL7 date/time, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]].
const (
	PrecisionYear Precision = iota + 1
	PrecisionMonth
	PrecisionDay
	PrecisionHour
	PrecisionMinute
	PrecisionSecond
	PrecisionDecisecond       // one fractional digit
	PrecisionCentisecond      // two fractional digits
	PrecisionMillisecond      // three fractional digits
	PrecisionTenthMillisecond // four fractional digits
)

// Time is a parsed HL7 date/time (types DTM, TS, DT): the instant, how precisely it
// was given, and whether it carried its own UTC offset.
type Time struct {
	time.Time
	Precision Precision // how many parts were given
	HasOffset bool      // whether a +/-ZZZZ offset was given (else the time is in the location passed to ParseTime)
}

func timeError(reason string) error {
	return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid date/time: %s", reason)
}

// ParseTime parses an HL7 date/time, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// Parts that are not given take their lowest value. A time without an offset is
// taken in loc (UTC if loc is nil), which should be the sender's time zone. The
// error never quotes s.
func ParseTime(s string, loc *time.Location) (Time, error) {
	var t Time
	if loc == nil {
		loc = time.UTC
	}
	body, off := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			body, off = s[:i], s[i:]
			break
		}
	}
	frac, dot := "", false
	for i := 0; i < len(body); i++ {
		if body[i] == '.' {
			body, frac, dot = body[:i], body[i+1:], true
			break
		}
	}
	switch len(body) {
	case 4, 6, 8, 10, 12, 14:
	case 0:
		return t, timeError("empty")
	default:
		return t, timeError("wrong number of digits")
	}
	var parts [6]int
	parts[1], parts[2] = 1, 1
	year, ok := digits(body[:4])
	if !ok {
		return t, timeError("not a number")
	}
	parts[0] = year
	for i, k := 4, 1; i < len(body); i, k = i+2, k+1 {
		if parts[k], ok = digits(body[i : i+2]); !ok {
			return t, timeError("not a number")
		}
	}
	t.Precision = Precision(len(body)/2 - 1)
	if dot {
		if len(body) != 14 || len(frac) == 0 || len(frac) > 4 {
			return t, timeError("bad fraction of a second")
		}
		if _, ok := digits(frac); !ok {
			return t, timeError("bad fraction of a second")
		}
		t.Precision += Precision(len(frac))
	}
	y, mo, d, h, mi, sec := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return t, timeError("part out of range")
	}
	nsec := 0
	if frac != "" {
		f, _ := digits(frac)
		for range 9 - len(frac) {
			f *= 10
		}
		nsec = f
	}
	if off != "" {
		if len(off) != 5 {
			return t, timeError("bad offset")
		}
		oh, ok1 := digits(off[1:3])
		om, ok2 := digits(off[3:5])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return t, timeError("bad offset")
		}
		secs := oh*3600 + om*60
		if off[0] == '-' {
			secs = -secs
		}
		loc = time.FixedZone("", secs)
		t.HasOffset = true
	}
	t.Time = time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc)
	return t, nil
}

// digits parses a string of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// timeLayouts are the Go layouts of each precision, without offset.
var timeLayouts = [...]string{
	PrecisionYear:             "2006",
	PrecisionMonth:            "200601",
	PrecisionDay:              "20060102",
	PrecisionHour:             "2006010215",
	PrecisionMinute:           "200601021504",
	PrecisionSecond:           "20060102150405",
	PrecisionDecisecond:       "20060102150405.0",
	PrecisionCentisecond:      "20060102150405.00",
	PrecisionMillisecond:      "20060102150405.000",
	PrecisionTenthMillisecond: "20060102150405.0000",
}

// AppendTime appends t formatted as an HL7 date/time of precision p (PrecisionSecond
// if p is out of range), followed by its UTC offset (+/-ZZZZ) when withOffset is set.
func AppendTime(dst []byte, t time.Time, p Precision, withOffset bool) []byte {
	if p < PrecisionYear || int(p) >= len(timeLayouts) {
		p = PrecisionSecond
	}
	dst = t.AppendFormat(dst, timeLayouts[p])
	if withOffset {
		dst = t.AppendFormat(dst, "-0700")
	}
	return dst
}

// String formats t back as an HL7 date/time with its precision, and with its
// offset if it was given one.
func (t Time) String() string {
	return string(AppendTime(nil, t.Time, t.Precision, t.HasOffset))
}
