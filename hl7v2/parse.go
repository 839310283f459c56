package hl7v2

import (
	"math"
	"strings"
)

// Default limits of a Parser.
const (
	DefaultMaxSize     = 16 << 20 // bytes
	DefaultMaxSegments = 10000
)

// Parser parses messages within limits. The zero Parser uses the defaults.
type Parser struct {
	// MaxSize is the largest message accepted, in bytes (DefaultMaxSize if 0).
	MaxSize int
	// MaxSegments is the largest number of segments accepted (DefaultMaxSegments if 0).
	MaxSegments int
}

// Parse parses one message with the default limits; see Parser.Parse.
func Parse(data []byte) (*Message, error) { return Parser{}.Parse(data) }

// ParseString parses one message with the default limits; see Parser.ParseString.
func ParseString(s string) (*Message, error) { return Parser{}.ParseString(s) }

// ParseHeader parses only the first segment (MSH) of data with the default limits,
// enough to acknowledge a message that Parse rejects.
func ParseHeader(data []byte) (*Message, error) { return Parser{}.ParseHeader(data) }

// Parse parses one message. data is copied, so the caller may reuse it.
//
// The message must start with an MSH segment (after optional blank lines); segments
// end with CR, LF or CRLF, and every segment must start with a three-character
// segment ID followed by the field separator or the end of the segment. Fields are
// not examined until they are read, so Parse accepts any field content.
func (p Parser) Parse(data []byte) (*Message, error) {
	if err := p.checkSize(len(data)); err != nil {
		return nil, err
	}
	return p.parse(string(data), false)
}

// ParseString is Parse for a string, which it does not copy.
func (p Parser) ParseString(s string) (*Message, error) {
	if err := p.checkSize(len(s)); err != nil {
		return nil, err
	}
	return p.parse(s, false)
}

// ParseHeader parses only the first segment of data, which must be MSH; the rest of
// data is kept but not examined, so the message has one segment.
func (p Parser) ParseHeader(data []byte) (*Message, error) {
	if err := p.checkSize(len(data)); err != nil {
		return nil, err
	}
	return p.parse(string(data), true)
}

func (p Parser) limits() (size, segs int) {
	size, segs = p.MaxSize, p.MaxSegments
	if size <= 0 {
		size = DefaultMaxSize
	}
	if segs <= 0 {
		segs = DefaultMaxSegments
	}
	return min(size, math.MaxInt32), segs
}

func (p Parser) checkSize(n int) error {
	size, _ := p.limits()
	if n > size {
		return newError(0, Location{}, CodeInternal, "message larger than the limit of %d bytes", size)
	}
	return nil
}

// isEOL reports whether c ends a segment.
func isEOL(c byte) bool { return c == '\r' || c == '\n' }

// onlySpace reports whether s holds only spaces, tabs, CR and LF.
func onlySpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

func (p Parser) parse(s string, headerOnly bool) (*Message, error) {
	_, maxSegs := p.limits()
	m := &Message{raw: s}
	m.segs = m.inline[:0]
	// Leading blank lines (a common leftover of framing) are kept for re-encoding.
	pos := 0
	for pos < len(s) && (isEOL(s[pos]) || s[pos] == ' ' || s[pos] == '\t') {
		pos++
	}
	m.lead = pos
	if pos == len(s) {
		return nil, newError(0, Location{}, CodeSegmentSequence, "empty message")
	}
	if !strings.HasPrefix(s[pos:], "MSH") {
		return nil, newError(1, Location{}, CodeSegmentSequence, "message does not start with an MSH segment")
	}
	var err *ParseError
	if m.c.d, m.enc, err = parseDelimiters(s[pos:]); err != nil {
		return nil, err
	}
	fs := m.c.d.Field
	// Segment ends are found with IndexByte for CR and for LF; each position is
	// searched for again only once it has been passed, so a message with a single
	// kind of terminator costs two passes at most.
	nextCR, nextLF := -1, -1
	for pos < len(s) {
		if nextCR < pos && nextCR != len(s) {
			if nextCR = strings.IndexByte(s[pos:], '\r'); nextCR < 0 {
				nextCR = len(s)
			} else {
				nextCR += pos
			}
		}
		if nextLF < pos && nextLF != len(s) {
			if nextLF = strings.IndexByte(s[pos:], '\n'); nextLF < 0 {
				nextLF = len(s)
			} else {
				nextLF += pos
			}
		}
		end := min(nextCR, nextLF)
		next := end
		for next < len(s) && isEOL(s[next]) {
			next++
		}
		seg := s[pos:end]
		if len(seg) < 3 || !validSegmentID(seg[:3]) || (len(seg) > 3 && seg[3] != fs) {
			if len(m.segs) > 0 && onlySpace(s[pos:]) { // trailing blanks
				m.segs[len(m.segs)-1].next = int32(len(s))
				break
			}
			// The would-be ID is not named: on a broken line it is content.
			n := len(m.segs) + 1
			if len(seg) >= 3 && validSegmentID(seg[:3]) {
				return nil, newError(n, Location{}, CodeSegmentSequence, "segment ID not followed by the field separator")
			}
			return nil, newError(n, Location{}, CodeSegmentSequence, "invalid segment ID")
		}
		if len(m.segs) == maxSegs {
			return nil, newError(0, Location{}, CodeInternal, "more segments than the limit of %d", maxSegs)
		}
		m.segs = append(m.segs, segInfo{start: int32(pos), end: int32(end), next: int32(next)})
		pos = next
		if headerOnly {
			m.segs[0].next = int32(len(s))
			break
		}
	}
	m.c.cs = LookupCharset(m.Segment(1).Field(18).Rep(1).Comp(1).Raw())
	return m, nil
}
