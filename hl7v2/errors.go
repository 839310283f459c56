package hl7v2

import (
	"fmt"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
)

// Error condition codes of HL7 table 0357, used in ERR-3 (and ERR-1 before v2.5).
const (
	CodeAccepted             = 0   // Message accepted
	CodeSegmentSequence      = 100 // Segment sequence error
	CodeRequiredFieldMissing = 101 // Required field missing
	CodeDataType             = 102 // Data type error
	CodeTableValueNotFound   = 103 // Table value not found
	CodeValueTooLong         = 104 // Value too long
	CodeUnsupportedMessage   = 200 // Unsupported message type
	CodeUnsupportedEvent     = 201 // Unsupported event code
	CodeUnsupportedProcessID = 202 // Unsupported processing id
	CodeUnsupportedVersion   = 203 // Unsupported version id
	CodeUnknownKey           = 204 // Unknown key identifier
	CodeDuplicateKey         = 205 // Duplicate key identifier
	CodeRecordLocked         = 206 // Application record locked
	CodeInternal             = 207 // Application internal error
)

// CodeText returns the description of an HL7 table 0357 error code, or "" for a code
// the table does not define.
func CodeText(code int) string {
	switch code {
	case CodeAccepted:
		return "Message accepted"
	case CodeSegmentSequence:
		return "Segment sequence error"
	case CodeRequiredFieldMissing:
		return "Required field missing"
	case CodeDataType:
		return "Data type error"
	case CodeTableValueNotFound:
		return "Table value not found"
	case CodeValueTooLong:
		return "Value too long"
	case CodeUnsupportedMessage:
		return "Unsupported message type"
	case CodeUnsupportedEvent:
		return "Unsupported event code"
	case CodeUnsupportedProcessID:
		return "Unsupported processing id"
	case CodeUnsupportedVersion:
		return "Unsupported version id"
	case CodeUnknownKey:
		return "Unknown key identifier"
	case CodeDuplicateKey:
		return "Duplicate key identifier"
	case CodeRecordLocked:
		return "Application record locked"
	case CodeInternal:
		return "Application internal error"
	}
	return ""
}

// ParseError is the error returned for a message that cannot be parsed or that
// lacks a required header field. It names the position of the problem and never
// includes message content. It unwraps to a *lifeboat.Error with code EINVALID
// whose message is the same position and reason, safe to show to a user.
type ParseError struct {
	// Position is the 1-based number of the segment in the message, or 0 when
	// the problem concerns the message as a whole.
	Position int
	// Location is the segment ID, its occurrence among segments with that ID and
	// the field number, as far as they are known (zero otherwise). The segment ID
	// is left empty when it is not a valid ID, since it would then be content.
	Location Location
	// Code is the HL7 table 0357 error condition code for ERR-3.
	Code int
	// Reason says what is wrong.
	Reason string

	err *lifeboat.Error
}

// newError builds a ParseError; loc.Segment must be a valid segment ID or "".
func newError(pos int, loc Location, code int, format string, args ...any) *ParseError {
	e := &ParseError{Position: pos, Location: loc, Code: code, Reason: fmt.Sprintf(format, args...)}
	e.err = &lifeboat.Error{Code: lifeboat.EINVALID, Message: e.describe()}
	return e
}

// describe renders the position and reason, for instance
// "segment 3 (PID) field 5: invalid date/time".
func (e *ParseError) describe() string {
	var b []byte
	if e.Position > 0 {
		b = append(b, "segment "...)
		b = strconv.AppendInt(b, int64(e.Position), 10)
		if e.Location.Segment != "" {
			b = append(b, " ("...)
			b = append(b, e.Location.Segment...)
			b = append(b, ')')
		}
	}
	if e.Location.Field > 0 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, "field "...)
		b = strconv.AppendInt(b, int64(e.Location.Field), 10)
	}
	if len(b) > 0 {
		b = append(b, ": "...)
	}
	b = append(b, e.Reason...)
	return string(b)
}

// Error implements the error interface.
func (e *ParseError) Error() string { return "hl7v2: " + e.err.Message }

// Unwrap returns the domain error (code EINVALID) carried by e.
func (e *ParseError) Unwrap() error { return e.err }
