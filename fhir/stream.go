package fhir

import (
	"bytes"
	"io"

	"github.com/lifeboat-health/lifeboat"
)

// maxValueSize bounds one JSON value held in memory by the bundle reader
// (one entry, or a lone resource document).
const maxValueSize = 256 << 20

// structural marks the bytes that matter when skipping a container.
var structural = func() (t [256]bool) {
	for _, c := range `"{}[]` {
		t[c] = true
	}
	return t
}()

// stream is a minimal JSON token reader over an io.Reader for bundles. It
// finds the bounds of values (tracking strings, escapes and nesting) without
// validating their insides, which the workers' Parse does in parallel; so a
// bundle is read at close to memory speed with one entry in memory.
type stream struct {
	r    io.Reader
	buf  []byte
	off  int   // next unread byte in buf
	base int64 // input offset of buf[0]
	eof  bool
	err  error // read error other than io.EOF
}

func newStream(r io.Reader) *stream {
	return &stream{r: r, buf: make([]byte, 0, 64<<10)}
}

// fill reads more input, first dropping the bytes before keep (an index
// into buf). It returns how far the kept bytes moved, and false when there
// is no more input.
func (s *stream) fill(keep int) (shift int, ok bool) {
	if s.eof || s.err != nil {
		return 0, false
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:])
		s.buf = s.buf[:n]
		s.off -= keep
		s.base += int64(keep)
		shift = keep
	}
	if len(s.buf) == cap(s.buf) {
		if len(s.buf) >= maxValueSize {
			s.err = lifeboat.Errorf(lifeboat.EINVALID, "JSON value longer than %d bytes", maxValueSize)
			return shift, false
		}
		nb := make([]byte, len(s.buf), 2*cap(s.buf))
		copy(nb, s.buf)
		s.buf = nb
	}
	for i := 0; i < 100; i++ {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return shift, n > 0
		}
	}
	s.err = io.ErrNoProgress
	return shift, false
}

// skipBOM skips a UTF-8 byte order mark at the start of the input.
func (s *stream) skipBOM() {
	for len(s.buf) < 3 {
		if _, ok := s.fill(0); !ok {
			break
		}
	}
	if bytes.HasPrefix(s.buf, []byte("\xef\xbb\xbf")) {
		s.off = 3
	}
}

// syntax returns an EINVALID error for the input offset of buf[i].
func (s *stream) syntax(i int, msg string) error {
	if s.err != nil {
		return s.err
	}
	return lifeboat.Errorf(lifeboat.EINVALID, "invalid JSON at byte %d: %s", s.base+int64(i), msg)
}

// next skips white space and returns the next byte without consuming it.
func (s *stream) next() (byte, bool) {
	for {
		for s.off < len(s.buf) {
			switch c := s.buf[s.off]; c {
			case ' ', '\t', '\n', '\r':
				s.off++
			default:
				return c, true
			}
		}
		if _, ok := s.fill(s.off); !ok {
			return 0, false
		}
	}
}

// expect consumes the byte c (after white space).
func (s *stream) expect(c byte) error {
	got, ok := s.next()
	if !ok {
		return s.syntax(s.off, "unexpected end of input")
	}
	if got != c {
		return s.syntax(s.off, "expected '"+string(c)+"'")
	}
	s.off++
	return nil
}

// value consumes the next value and returns its bytes, valid until the
// next call. Strings are checked for termination, containers for balance;
// the rest is left to the resource parser.
func (s *stream) value() ([]byte, error) {
	c, ok := s.next()
	if !ok {
		return nil, s.syntax(s.off, "unexpected end of input")
	}
	start := s.off
	i := start + 1
	switch c {
	case '"':
		end, err := s.stringEnd(start, i)
		if err != nil {
			return nil, err
		}
		start = s.off // fill may have moved the data
		s.off = end + 1
		return s.buf[start : end+1], nil
	case '{', '[':
		depth := 1
		for {
			if i >= len(s.buf) {
				shift, ok := s.fill(s.off)
				if !ok {
					return nil, s.syntax(i-shift, "unexpected end of input")
				}
				i -= shift
				continue
			}
			for i < len(s.buf) && !structural[s.buf[i]] {
				i++
			}
			if i >= len(s.buf) {
				continue
			}
			switch s.buf[i] {
			case '"':
				end, err := s.stringEnd(i, i+1)
				if err != nil {
					return nil, err
				}
				i = end
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					start = s.off
					s.off = i + 1
					return s.buf[start:s.off], nil
				}
			}
			i++
		}
	case '}', ']', ',', ':':
		return nil, s.syntax(start, "unexpected character")
	default: // number, true, false, null: up to the next delimiter
		for {
			if i >= len(s.buf) {
				shift, ok := s.fill(s.off)
				i -= shift
				if !ok {
					break
				}
				continue
			}
			if c := s.buf[i]; c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			i++
		}
		start = s.off
		s.off = i
		return s.buf[start:i], nil
	}
}

// stringEnd returns the index of the quote closing the string whose opening
// quote is at open (the body starts at i), reading more input as needed.
// s.off must be at or before open; indexes shift when input is read.
func (s *stream) stringEnd(open, i int) (int, error) {
	for {
		q := bytes.IndexByte(s.buf[i:], '"')
		if q < 0 {
			scanned := len(s.buf)
			shift, ok := s.fill(s.off)
			if !ok {
				return 0, s.syntax(open-shift, "unterminated string")
			}
			open -= shift
			i = scanned - shift
			continue
		}
		j := i + q
		n := 0
		for k := j - 1; k > open && s.buf[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return j, nil
		}
		i = j + 1
	}
}
