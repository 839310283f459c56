package http

import (
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// splitList splits a search parameter value at its unescaped commas (FHIR's
// "or") and undoes the escapes \, \| \$ and \\ in each part.
func splitList(v string) ([]string, error) {
	var (
		out []string
		b   strings.Builder
	)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 == len(v) || !strings.ContainsRune(`,|$\`, rune(v[i+1])) {
				return nil, fhirError("Invalid escape in a search value.")
			}
			i++
			if v[i] == '|' {
				b.WriteString(`\|`) // kept escaped: splitToken undoes it
			} else {
				b.WriteByte(v[i])
			}
		case ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	out = append(out, b.String())
	for _, s := range out {
		if s == "" {
			return nil, fhirError("Empty value in a search list.")
		}
	}
	return out, nil
}

// splitToken splits one token value into system and code at its unescaped
// "|"; hasSystem says whether there was one ("|code" is a code without a
// system).
func splitToken(v string) (system, code string, hasSystem bool) {
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			continue
		}
		if v[i] == '|' {
			return unescapeBar(v[:i]), unescapeBar(v[i+1:]), true
		}
	}
	return "", unescapeBar(v), false
}

func unescapeBar(s string) string { return strings.ReplaceAll(s, `\|`, "|") }

// tokenValues parses a token parameter (code, status, ...) into the
// store's token form: "system|code", "|code" (no system), or "code" (any
// system). A system without a code is refused.
func tokenValues(name, v string) ([]string, error) {
	parts, err := splitList(v)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		system, code, hasSystem := splitToken(p)
		switch {
		case code == "":
			return nil, fhirError("Parameter %s needs a code (system| alone is not supported).", name)
		case hasSystem:
			out = append(out, system+"|"+code)
		default:
			out = append(out, code)
		}
	}
	return out, nil
}

// datePrefixes are the comparators of date parameters this API supports.
var datePrefixes = []string{"eq", "ge", "le", "gt", "lt", "sa", "eb"}

// cutPrefix splits a date search value into its comparator (eq if none)
// and the date.
func cutPrefix(v string) (string, string, error) {
	if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
		p := v[:2]
		for _, ok := range datePrefixes {
			if p == ok {
				return p, v[2:], nil
			}
		}
		return "", "", fhirError("Unsupported date comparator %q (use eq, ge, le, gt, lt, sa or eb).", p)
	}
	return "eq", v, nil
}

// dateRange parses a FHIR date search value (with an optional comparator)
// into the range of instants it selects. A value is the interval its
// precision implies: "2024" is all of 2024, "2024-03-01T10:00" one minute.
// Times without a zone are UTC, as stored dates without one are.
func dateRange(v string) (lifeboat.TimeRange, error) {
	prefix, value, err := cutPrefix(v)
	if err != nil {
		return lifeboat.TimeRange{}, err
	}
	lo, hi, err := parseInterval(value)
	if err != nil {
		return lifeboat.TimeRange{}, err
	}
	switch prefix {
	case "ge":
		return lifeboat.TimeRange{From: lo}, nil
	case "gt", "sa":
		return lifeboat.TimeRange{From: hi}, nil
	case "le":
		return lifeboat.TimeRange{To: hi}, nil
	case "lt", "eb":
		return lifeboat.TimeRange{To: lo}, nil
	}
	return lifeboat.TimeRange{From: lo, To: hi}, nil
}

// parseInterval returns the half-open interval [lo, hi) of a FHIR date,
// dateTime or instant.
func parseInterval(v string) (lo, hi time.Time, err error) {
	bad := fhirError("Invalid date %q: use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm].", v)
	if len(v) > 40 {
		bad = fhirError("Invalid date.")
	}
	switch len(v) {
	case 4:
		t, e := time.Parse("2006", v)
		return t, t.AddDate(1, 0, 0), orBad(e, bad)
	case 7:
		t, e := time.Parse("2006-01", v)
		return t, t.AddDate(0, 1, 0), orBad(e, bad)
	case 10:
		t, e := time.Parse("2006-01-02", v)
		return t, t.AddDate(0, 0, 1), orBad(e, bad)
	}
	if len(v) < 16 || v[10] != 'T' {
		return lo, hi, bad
	}
	// A "+" in a query string arrives as a space unless the client escaped it.
	if i := strings.LastIndexByte(v, ' '); i > 10 {
		v = v[:i] + "+" + v[i+1:]
	}
	body, zone := v, ""
	if strings.HasSuffix(v, "Z") {
		body, zone = v[:len(v)-1], "Z"
	} else if i := strings.LastIndexAny(v, "+-"); i > 10 {
		body, zone = v[:i], v[i:]
	}
	step := time.Minute
	layout := "2006-01-02T15:04"
	switch {
	case len(body) == 16:
	case len(body) == 19:
		layout, step = "2006-01-02T15:04:05", time.Second
	case len(body) > 20 && body[19] == '.':
		digits := len(body) - 20
		if digits > 9 {
			return lo, hi, bad
		}
		layout = "2006-01-02T15:04:05." + strings.Repeat("0", digits)
		step = time.Second
		for range digits {
			step /= 10
		}
		step = max(step, time.Millisecond) // dates are stored to the millisecond
	default:
		return lo, hi, bad
	}
	loc := time.UTC
	if zone != "" && zone != "Z" {
		z, e := time.Parse("-07:00", zone)
		if e != nil {
			return lo, hi, bad
		}
		loc = z.Location()
	}
	t, e := time.ParseInLocation(layout, body, loc)
	if e != nil {
		return lo, hi, bad
	}
	return t, t.Add(step), nil
}

func orBad(err, bad error) error {
	if err != nil {
		return bad
	}
	return nil
}

// intersect narrows a range by another (repeated date parameters are ANDed).
func intersect(a, b lifeboat.TimeRange) lifeboat.TimeRange {
	if !b.From.IsZero() && (a.From.IsZero() || b.From.After(a.From) || b.From.Equal(a.From) && b.FromExclusive) {
		a.From, a.FromExclusive = b.From, b.FromExclusive
	}
	if !b.To.IsZero() && (a.To.IsZero() || b.To.Before(a.To) || b.To.Equal(a.To) && !b.ToInclusive) {
		a.To, a.ToInclusive = b.To, b.ToInclusive
	}
	return a
}

// dateParam parses every value of a repeated date parameter into one range.
func dateParam(name string, vs []string) (lifeboat.TimeRange, error) {
	var r lifeboat.TimeRange
	for _, v := range vs {
		if strings.Contains(v, ",") {
			return r, fhirError("Parameter %s takes one date per value (repeat it to combine).", name)
		}
		x, err := dateRange(v)
		if err != nil {
			return r, err
		}
		r = intersect(r, x)
	}
	return r, nil
}

// birthRange parses birthdate values (YYYY, YYYY-MM or YYYY-MM-DD with an
// optional comparator) into text bounds: at or after from, before before.
func birthRange(vs []string) (from, before string, err error) {
	for _, v := range vs {
		prefix, value, err := cutPrefix(v)
		if err != nil {
			return "", "", err
		}
		var next string
		switch len(value) {
		case 4, 7, 10:
			lo, hi, err := parseInterval(value)
			if err != nil {
				return "", "", err
			}
			if hi.Year() > 9999 || lo.Year() < 1 {
				return "", "", fhirError("Invalid birthdate.")
			}
			next = hi.Format("2006-01-02"[:len(value)])
		default:
			return "", "", fhirError("Invalid birthdate: use YYYY, YYYY-MM or YYYY-MM-DD.")
		}
		lo, hi := "", ""
		switch prefix {
		case "eq":
			lo, hi = value, next
		case "ge":
			lo = value
		case "gt", "sa":
			lo = next
		case "le":
			hi = next
		case "lt", "eb":
			hi = value
		}
		if lo != "" && lo > from {
			from = lo
		}
		if hi != "" && (before == "" || hi < before) {
			before = hi
		}
	}
	return from, before, nil
}

// patientRef reads a patient or subject parameter: an id or "Patient/id".
func patientRef(name, v string) (string, error) {
	id := strings.TrimPrefix(v, "Patient/")
	if strings.Contains(v, ",") {
		return "", fhirError("Parameter %s takes one patient.", name)
	}
	if !lifeboat.ValidID(id) {
		return "", fhirError("Parameter %s must be a Patient id or Patient/id.", name)
	}
	return id, nil
}

// countParam reads _count: default def, at most maxCount.
func countParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fhirError("Invalid _count: give a number from 1 to %d.", maxCount)
	}
	return min(n, maxCount), nil
}

// idList reads _id: one or more ids.
func idList(v string) ([]string, error) {
	ids, err := splitList(v)
	if err != nil {
		return nil, err
	}
	if len(ids) > maxCount {
		return nil, fhirError("Too many ids in _id.")
	}
	for _, id := range ids {
		if !lifeboat.ValidID(id) {
			return nil, fhirError("Invalid id in _id.")
		}
	}
	return ids, nil
}
