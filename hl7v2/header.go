package hl7v2

import (
	"time"
)

// HD is a hierarchic designator (MSH-3 to MSH-6): an application or facility.
type HD struct {
	Namespace       string // HD-1 namespace ID
	UniversalID     string // HD-2 universal ID, such as an OID
	UniversalIDType string // HD-3 universal ID type, such as "ISO"
}

// IsZero reports whether h is empty.
func (h HD) IsZero() bool { return h == HD{} }

// MessageType is MSH-9: message code, trigger event and message structure.
type MessageType struct {
	Code      string // MSH-9-1, such as "ADT"
	Trigger   string // MSH-9-2, such as "A01"
	Structure string // MSH-9-3, such as "ADT_A01" (from v2.3.1)
}

// String returns the type in the usual notation, such as "ADT^A01^ADT_A01",
// leaving out empty trailing parts.
func (t MessageType) String() string {
	s := t.Code
	if t.Trigger != "" || t.Structure != "" {
		s += "^" + t.Trigger
	}
	if t.Structure != "" {
		s += "^" + t.Structure
	}
	return s
}

// Header holds the MSH fields a receiver routes and acknowledges by, as text
// (escape sequences resolved).
type Header struct {
	SendingApplication   HD          // MSH-3
	SendingFacility      HD          // MSH-4
	ReceivingApplication HD          // MSH-5
	ReceivingFacility    HD          // MSH-6
	DateTime             string      // MSH-7 as written (its first component); see Header.Time
	Type                 MessageType // MSH-9
	ControlID            string      // MSH-10
	ProcessingID         string      // MSH-11-1: P production, T training, D debugging
	Version              string      // MSH-12-1, such as "2.5.1"
	AcceptAckType        string      // MSH-15: AL, NE, ER, SU, or "" (original mode)
	AppAckType           string      // MSH-16: AL, NE, ER, SU, or "" (original mode)
	CharacterSet         string      // MSH-18, first repetition, such as "UNICODE UTF-8"
}

// Header returns the header fields of the message. It allocates only for values
// that hold escape sequences.
func (m *Message) Header() Header {
	var h Header
	msh := m.Segment(1)
	var f [19]string
	msh.rawFields(f[:])
	field := func(n int) Value { return Value{s: f[n], c: msh.c, level: levelField} }
	h.SendingApplication = hdOf(field(3))
	h.SendingFacility = hdOf(field(4))
	h.ReceivingApplication = hdOf(field(5))
	h.ReceivingFacility = hdOf(field(6))
	h.DateTime = field(7).Comp(1).Raw()
	if r := field(9).Rep(1); r.s != "" {
		h.Type = MessageType{Code: r.Comp(1).Text(), Trigger: r.Comp(2).Text(), Structure: r.Comp(3).Text()}
	}
	h.ControlID = field(10).Text()
	h.ProcessingID = field(11).Comp(1).Text()
	h.Version = field(12).Comp(1).Text()
	h.AcceptAckType = field(15).Text()
	h.AppAckType = field(16).Text()
	h.CharacterSet = field(18).Rep(1).Text()
	return h
}

func hdOf(f Value) HD {
	r := f.Rep(1)
	if r.s == "" {
		return HD{}
	}
	return HD{Namespace: r.Comp(1).Text(), UniversalID: r.Comp(2).Text(), UniversalIDType: r.Comp(3).Text()}
}

// Time parses MSH-7, the time the message was created. A time without an offset is
// taken in loc (UTC if nil).
func (h Header) Time(loc *time.Location) (Time, error) {
	return ParseTime(h.DateTime, loc)
}

// Validate checks the header fields that every message must have: message type
// (MSH-9-1), control ID (MSH-10), processing ID (MSH-11) and version (MSH-12). The
// error is a *ParseError naming the first missing field, with code 101.
func (h Header) Validate() error {
	missing := 0
	switch {
	case h.Type.Code == "":
		missing = 9
	case h.ControlID == "":
		missing = 10
	case h.ProcessingID == "":
		missing = 11
	case h.Version == "":
		missing = 12
	}
	if missing == 0 {
		return nil
	}
	return newError(1, Location{Segment: "MSH", SegmentRep: 1, Field: missing}, CodeRequiredFieldMissing, "required field missing")
}

// CompareVersions compares two HL7 version IDs such as "2.3" and "2.3.1" part by
// part and returns -1, 0 or +1. Text after the numbers is ignored; a version that
// does not start with a number sorts after every other.
func CompareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		switch {
		case pa[i] < pb[i]:
			return -1
		case pa[i] > pb[i]:
			return 1
		}
	}
	return 0
}

// versionParts parses up to three dot-separated numbers; an unreadable version is
// treated as the newest.
func versionParts(v string) [3]int {
	var p [3]int
	for i := range p {
		n, rest := leadingInt(v)
		if len(rest) == len(v) { // no digits
			if i == 0 {
				return [3]int{1 << 30}
			}
			break
		}
		p[i] = n
		if rest == "" || rest[0] != '.' {
			break
		}
		v = rest[1:]
	}
	return p
}

// versionAtLeast reports whether version v is at least major.minor.patch.
func versionAtLeast(v string, major, minor, patch int) bool {
	p := versionParts(v)
	return p[0] > major || p[0] == major && (p[1] > minor || p[1] == minor && p[2] >= patch)
}
