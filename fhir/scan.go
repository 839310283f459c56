package fhir

import (
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds JSON nesting, so hostile input cannot exhaust the stack.
const maxDepth = 512

// syntaxError is a JSON syntax problem at a byte offset. Its message never
// contains input bytes.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.off) + ": " + e.msg
}

// strPlain marks the bytes that can appear in a JSON string without special
// handling: everything but '"', '\\', control characters and non-ASCII.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanner is a small validating JSON reader over a byte slice. It is the
// hot-path parser: one pass, no allocations except for errors.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) fail(msg string) error { return &syntaxError{off: s.pos, msg: msg} }

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// str reads the string at s.pos (which must be '"') and returns its raw
// contents (escapes not decoded) and whether it contains escapes.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	d := s.data
	start := s.pos + 1
	i := start
	for {
		for i+8 <= len(d) && !hasSpecial(binary.LittleEndian.Uint64(d[i:])) {
			i += 8
		}
		for i < len(d) && strPlain[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return nil, false, s.fail("unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = i
				return nil, false, s.fail("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.pos = i
					return nil, false, s.fail("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return nil, false, s.fail("invalid escape")
			}
		case c < 0x20:
			s.pos = i
			return nil, false, s.fail("control character in string")
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = i
				return nil, false, s.fail("invalid UTF-8")
			}
			i += size
		}
	}
}

// hasSpecial reports whether one of the 8 bytes of w may be '"', '\\', a
// control character or non-ASCII (false positives are possible, false
// negatives are not), to skip plain string bytes 8 at a time.
func hasSpecial(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := w ^ (lo * '"')
	b := w ^ (lo * '\\')
	return ((q-lo)&^q|(b-lo)&^b|(w-lo*0x20)|w)&hi != 0
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// value validates and skips the value at s.pos (after whitespace).
func (s *scanner) value(depth int) error {
	s.ws()
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of input")
	}
	switch c := s.data[s.pos]; c {
	case '"':
		_, _, err := s.str()
		return err
	case '{':
		if depth >= maxDepth {
			return s.fail("nesting too deep")
		}
		s.pos++
		for i := 0; ; i++ {
			_, more, err := s.nextKey(i)
			if err != nil || !more {
				return err
			}
			if err := s.value(depth + 1); err != nil {
				return err
			}
		}
	case '[':
		if depth >= maxDepth {
			return s.fail("nesting too deep")
		}
		s.pos++
		for i := 0; ; i++ {
			more, err := s.nextElem(i)
			if err != nil || !more {
				return err
			}
			if err := s.value(depth + 1); err != nil {
				return err
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.fail("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return s.fail("invalid character")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	s.pos = i
	return nil
}

// nextKey advances to the i-th member of the object whose '{' has been
// consumed. It returns the key (escapes decoded) with s.pos at the value, or
// more=false after consuming the closing '}'.
func (s *scanner) nextKey(i int) (key []byte, more bool, err error) {
	s.ws()
	if s.pos >= len(s.data) {
		return nil, false, s.fail("unexpected end of input")
	}
	if s.data[s.pos] == '}' {
		s.pos++
		return nil, false, nil
	}
	if i > 0 {
		if s.data[s.pos] != ',' {
			return nil, false, s.fail("expected ',' or '}'")
		}
		s.pos++
		s.ws()
	}
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false, s.fail("expected object key")
	}
	key, esc, err := s.str()
	if err != nil {
		return nil, false, err
	}
	if esc {
		key = []byte(unescape(key))
	}
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return nil, false, s.fail("expected ':'")
	}
	s.pos++
	s.ws()
	return key, true, nil
}

// nextElem advances to the i-th element of the array whose '[' has been
// consumed, or returns more=false after consuming the closing ']'.
func (s *scanner) nextElem(i int) (more bool, err error) {
	s.ws()
	if s.pos >= len(s.data) {
		return false, s.fail("unexpected end of input")
	}
	if s.data[s.pos] == ']' {
		s.pos++
		return false, nil
	}
	if i > 0 {
		if s.data[s.pos] != ',' {
			return false, s.fail("expected ',' or ']'")
		}
		s.pos++
	}
	return true, nil
}

// unescape decodes the contents of a JSON string that has already been
// validated by str. Invalid surrogates become U+FFFD, as in encoding/json.
func unescape(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			i++
			continue
		}
		switch e := raw[i+1]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+6 > len(raw) {
				return string(out)
			}
			r := rune(hex4(raw[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' && isHex4(raw[i+2:i+6]) {
					if d := utf16.DecodeRune(r, rune(hex4(raw[i+2:i+6]))); d != utf8.RuneError {
						r2 = d
						i += 6
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			out = append(out, e)
		}
		i += 2
	}
	return string(out)
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		switch {
		case c >= 'a':
			c = c - 'a' + 10
		case c >= 'A':
			c = c - 'A' + 10
		default:
			c -= '0'
		}
		n = n<<4 | int(c)
	}
	return n
}

// decodeString returns the Go string for a raw JSON string body.
func decodeString(raw []byte, escaped bool) string {
	if escaped {
		return unescape(raw)
	}
	return string(raw)
}
