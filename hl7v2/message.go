package hl7v2

import "iter"

// segInfo locates one segment in the message text: its content is raw[start:end]
// and its terminator (CR, LF, CRLF, blank lines, trailing blanks) raw[end:next].
type segInfo struct{ start, end, next int32 }

// codec is what reading a value needs besides its text: the delimiters and the
// character set of its message.
type codec struct {
	d  Delimiters
	cs Charset
}

var zeroCodec codec

// Message is a parsed HL7 v2 message. It is immutable and safe for concurrent use.
// It holds the message text and an index of its segments; values are found by
// scanning a segment when they are read.
type Message struct {
	raw    string
	lead   int // blank bytes before MSH
	segs   []segInfo
	inline [16]segInfo
	c      codec
	enc    string // MSH-2 as written
}

// Delimiters returns the delimiters of the message, from MSH-1 and MSH-2.
func (m *Message) Delimiters() Delimiters { return m.c.d }

// EncodingCharacters returns MSH-2 as written.
func (m *Message) EncodingCharacters() string { return m.enc }

// Charset returns the character set of the message, from the first repetition of
// MSH-18.
func (m *Message) Charset() Charset { return m.c.cs }

// SegmentCount returns the number of segments.
func (m *Message) SegmentCount() int { return len(m.segs) }

// Segment returns segment n (1-based), or the zero Segment if there is none.
func (m *Message) Segment(n int) Segment {
	if n < 1 || n > len(m.segs) {
		return Segment{}
	}
	si := m.segs[n-1]
	return Segment{s: m.raw[si.start:si.end], c: &m.c, num: n}
}

// Segments iterates over the segments in order.
func (m *Message) Segments() iter.Seq[Segment] {
	return func(yield func(Segment) bool) {
		for i := range m.segs {
			if !yield(m.Segment(i + 1)) {
				return
			}
		}
	}
}

// All iterates over the segments with ID name, in order.
func (m *Message) All(name string) iter.Seq[Segment] {
	return func(yield func(Segment) bool) {
		for i := range m.segs {
			if m.nameIs(i, name) && !yield(m.Segment(i+1)) {
				return
			}
		}
	}
}

// First returns the first segment with ID name.
func (m *Message) First(name string) (Segment, bool) { return m.Nth(name, 1) }

// Nth returns the n-th (1-based) segment with ID name.
func (m *Message) Nth(name string, n int) (Segment, bool) {
	if n < 1 {
		return Segment{}, false
	}
	for i := range m.segs {
		if m.nameIs(i, name) {
			if n--; n == 0 {
				return m.Segment(i + 1), true
			}
		}
	}
	return Segment{}, false
}

// Count returns the number of segments with ID name.
func (m *Message) Count(name string) int {
	n := 0
	for i := range m.segs {
		if m.nameIs(i, name) {
			n++
		}
	}
	return n
}

func (m *Message) nameIs(i int, name string) bool {
	st := m.segs[i].start
	return len(name) == 3 && m.raw[st:st+3] == name
}

// Get returns the value at path, such as "PID-5-1", "OBX(2)-5" or "PID-3(2)-4-1"
// (see ParseLocation); the empty Value if the path is invalid or the value absent.
// "MSH-1" is the field separator and "MSH-2" the encoding characters.
func (m *Message) Get(path string) Value {
	l, err := ParseLocation(path)
	if err != nil {
		return Value{}
	}
	return m.At(l)
}

// At returns the value at l; the empty Value if it is absent or l names no field.
func (m *Message) At(l Location) Value {
	seg, ok := m.Nth(l.Segment, max(l.SegmentRep, 1))
	if !ok {
		return Value{c: &m.c}
	}
	return seg.at(l)
}

// Terminator returns the terminator of the first segment as written: "\r", "\n",
// "\r\n", or "" for a message of one segment with none.
func (m *Message) Terminator() string {
	if len(m.segs) == 0 {
		return ""
	}
	si := m.segs[0]
	t := m.raw[si.end:si.next]
	switch {
	case len(t) >= 2 && t[0] == '\r' && t[1] == '\n':
		return "\r\n"
	case len(t) >= 1 && isEOL(t[0]):
		return t[:1]
	}
	return ""
}
