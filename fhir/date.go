package fhir

import (
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Precisions, as the root package names them.
const (
	precYear  = lifeboat.PrecisionYear
	precMonth = lifeboat.PrecisionMonth
	precDay   = lifeboat.PrecisionDay
	precTime  = lifeboat.PrecisionTime
)

// ParseDateTime parses a FHIR R4 date or dateTime (YYYY, YYYY-MM,
// YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm)) and returns it
// in UTC; a partial date is the start of its period in UTC.
func ParseDateTime(s string) (time.Time, bool) {
	t, p := lifeboat.ParseFHIRTime(s)
	return t, p != 0
}

// ParseInstant parses a FHIR R4 instant: a dateTime with seconds and a zone.
func ParseInstant(s string) (time.Time, bool) {
	t, p := lifeboat.ParseFHIRTime(s)
	return t, p == precTime
}

// parseFHIRTime is lifeboat.ParseFHIRTime on bytes.
func parseFHIRTime(b []byte) (time.Time, lifeboat.TimePrecision) { return lifeboat.ParseFHIRTime(b) }

// isDate reports whether b is a FHIR date (no time part).
func isDate(b []byte) bool {
	_, p := parseFHIRTime(b)
	return p >= precYear && p <= precDay
}
