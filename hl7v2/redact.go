package hl7v2

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Message, Segment and Value hold protected health information. Their String,
// GoString and LogValue methods describe them without any of their content, so
// that printing or logging one by mistake leaks nothing; use Raw or Text to read
// content on purpose.

// String describes the message without its content: type, control ID, version
// and size.
func (m *Message) String() string {
	h := m.Header()
	return "hl7v2.Message{type=" + strconv.Quote(h.Type.String()) + " control=" + strconv.Quote(h.ControlID) +
		" version=" + strconv.Quote(h.Version) + " segments=" + strconv.Itoa(len(m.segs)) +
		" bytes=" + strconv.Itoa(len(m.raw)) + "}"
}

// GoString is String, for the %#v verb.
func (m *Message) GoString() string { return m.String() }

// LogValue describes the message for log/slog without its content.
func (m *Message) LogValue() slog.Value {
	h := m.Header()
	return slog.GroupValue(slog.String("type", h.Type.String()), slog.String("control_id", h.ControlID),
		slog.String("version", h.Version), slog.Int("segments", len(m.segs)), slog.Int("bytes", len(m.raw)))
}

// String describes the segment without its content: ID, position and size.
func (s Segment) String() string {
	return fmt.Sprintf("hl7v2.Segment{%s number=%d bytes=%d}", s.Name(), s.num, len(s.s))
}

// GoString is String, for the %#v verb.
func (s Segment) GoString() string { return s.String() }

// LogValue describes the segment for log/slog without its content.
func (s Segment) LogValue() slog.Value {
	return slog.GroupValue(slog.String("segment", s.Name()), slog.Int("number", s.num), slog.Int("bytes", len(s.s)))
}

// String describes the value without its content: only its size.
func (v Value) String() string { return "hl7v2.Value{bytes=" + strconv.Itoa(len(v.s)) + "}" }

// GoString is String, for the %#v verb.
func (v Value) GoString() string { return v.String() }

// LogValue describes the value for log/slog without its content.
func (v Value) LogValue() slog.Value { return slog.GroupValue(slog.Int("bytes", len(v.s))) }
