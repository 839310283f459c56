package lifeboat

import "time"

// TimePrecision is how precise a FHIR date, dateTime or instant is.
type TimePrecision int

// Precisions of FHIR times; 0 means not a valid time.
const (
	PrecisionYear TimePrecision = iota + 1
	PrecisionMonth
	PrecisionDay
	PrecisionTime
)

// ParseFHIRTime parses b, a FHIR R4 date, dateTime or instant (YYYY,
// YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm)), and
// returns it in UTC (a partial date as the start of its period) with its
// precision, or precision 0 if b is not valid. It is the one date parser
// of the FHIR reader and of the HL7 v2 mapping, so both index alike.
func ParseFHIRTime[S string | []byte](b S) (time.Time, TimePrecision) {
	n := len(b)
	if n < 4 {
		return time.Time{}, 0
	}
	y, ok := digits(b[0:4])
	if !ok || y == 0 {
		return time.Time{}, 0
	}
	if n == 4 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), PrecisionYear
	}
	if n < 7 || b[4] != '-' {
		return time.Time{}, 0
	}
	m, ok := digits(b[5:7])
	if !ok || m < 1 || m > 12 {
		return time.Time{}, 0
	}
	if n == 7 {
		return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), PrecisionMonth
	}
	if n < 10 || b[7] != '-' {
		return time.Time{}, 0
	}
	d, ok := digits(b[8:10])
	if !ok || d < 1 || d > daysIn(y, m) {
		return time.Time{}, 0
	}
	if n == 10 {
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), PrecisionDay
	}
	// Time: THH:MM:SS, optional fraction, mandatory zone.
	if n < 20 || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0
	}
	hh, ok1 := digits(b[11:13])
	mm, ok2 := digits(b[14:16])
	ss, ok3 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, 0
	}
	i, nsec := 19, 0
	if b[i] == '.' {
		i++
		j := i
		for i < n && '0' <= b[i] && b[i] <= '9' {
			if i-j < 9 {
				nsec = nsec*10 + int(b[i]-'0')
			}
			i++
		}
		if i == j {
			return time.Time{}, 0
		}
		for k := i - j; k < 9; k++ {
			nsec *= 10
		}
	}
	offset := 0
	switch {
	case i == n-1 && b[i] == 'Z':
	case i == n-6 && (b[i] == '+' || b[i] == '-') && b[i+3] == ':':
		oh, ok1 := digits(b[i+1 : i+3])
		om, ok2 := digits(b[i+4 : i+6])
		if !ok1 || !ok2 || om > 59 || oh > 14 || oh == 14 && om != 0 {
			return time.Time{}, 0
		}
		offset = (oh*60 + om) * 60
		if b[i] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, 0
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), PrecisionTime
}

// digits parses a run of ASCII digits.
func digits[S string | []byte](b S) (int, bool) {
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
