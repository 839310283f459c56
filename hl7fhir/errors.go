package hl7fhir

import (
	"fmt"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// MapError is returned by Map for a message that cannot be mapped. It names
// the place of the problem and never includes message content (PHI). Code is
// an HL7 table 0357 error condition code for the ERR segment (ERR-3), and
// Segment, Seq and Field locate it for ERR-2 (Seq is the occurrence among
// segments with the same ID, 1-based; zero values mean "not known").
// It unwraps to a *lifeboat.Error with code EINVALID.
type MapError struct {
	Code    int
	Segment string
	Seq     int
	Field   int
	Msg     string
}

// Error implements the error interface.
func (e *MapError) Error() string { return "hl7fhir: " + e.message() }

func (e *MapError) message() string {
	switch {
	case e.Segment != "" && e.Field > 0:
		return fmt.Sprintf("%s(%d)-%d: %s", e.Segment, max(e.Seq, 1), e.Field, e.Msg)
	case e.Segment != "":
		return fmt.Sprintf("%s(%d): %s", e.Segment, max(e.Seq, 1), e.Msg)
	}
	return e.Msg
}

// Unwrap returns the domain error (code EINVALID) carried by e.
func (e *MapError) Unwrap() error {
	return lifeboat.Errorf(lifeboat.EINVALID, "cannot map HL7 message: %s", e.message())
}

func unsupported(code int, msg string) *MapError {
	return &MapError{Code: code, Segment: "MSH", Seq: 1, Field: 9, Msg: msg}
}

func missing(seg string, seq, field int, what string) *MapError {
	return &MapError{Code: hl7v2.CodeRequiredFieldMissing, Segment: seg, Seq: seq, Field: field, Msg: what + " missing"}
}
