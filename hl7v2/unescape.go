package hl7v2

import (
	"strings"
	"unicode/utf8"
)

// Unescape resolves the escape sequences of raw value s (written with delimiters d)
// and decodes it from character set cs into UTF-8:
//
//	\F\ \S\ \T\ \R\ \E\ \P\   the field, component, subcomponent, repetition, escape
//	                          and truncation characters
//	\Xhhhh...\                the bytes given in hexadecimal, in the current character set
//	\Cxxyy\                   switch to the single-byte ISO 8859 set designated by ISO 2022
//	                          escape ESC xx yy (\C2842\ returns to ASCII)
//	\Mxxyy\ \Mxxyyzz\         multibyte set switches (ignored: the sets are not supported)
//	\H\ \N\                   start and end of highlighting (dropped)
//	\Zxx...\                  locally defined (dropped)
//	\.br\ \.sp n\ \.in n\ \.ti n\ \.sk n\ \.ce\ \.fi\ \.nf\
//	                          formatting, rendered as line breaks and spaces
//
// A sequence that is not well formed is kept as it is. The result is valid UTF-8.
func Unescape(s string, d Delimiters, cs Charset) string {
	if d.Escape == 0 || strings.IndexByte(s, d.Escape) < 0 {
		if isASCII(s) {
			return s
		}
		if !cs.singleByte() && utf8.ValidString(s) {
			return s
		}
	}
	var stack [256]byte
	return string(AppendUnescape(stack[:0], s, d, cs))
}

// AppendUnescape appends Unescape(s, d, cs) to dst.
func AppendUnescape(dst []byte, s string, d Delimiters, cs Charset) []byte {
	if d.Escape == 0 || strings.IndexByte(s, d.Escape) < 0 {
		return cs.appendDecode(dst, s)
	}
	u := unescaper{cur: cs, runStart: len(dst), lineStart: len(dst), fresh: true}
	dst = u.run(dst, s, d)
	return u.flush(dst)
}

// unescaper resolves escape sequences. Its methods append to and return the output
// slice b rather than keep it, so that a caller's stack buffer stays on the stack.
// Bytes are appended as they are in the current character set and decoded to UTF-8
// (in place, when they are not already) whenever the set changes and at the end.
// It tracks line starts so that formatting commands can indent.
type unescaper struct {
	cur       Charset
	runStart  int  // index in b where the bytes in the current set start
	indent    int  // indent from \.in\
	fresh     bool // nothing but indentation written since the last line start
	lineStart int  // index in b where the current line's indentation starts, or -1
}

// flush decodes the bytes appended since the last flush from the current set.
func (u *unescaper) flush(b []byte) []byte {
	run := b[u.runStart:]
	if u.cur.singleByte() && !isASCIIBytes(run) || !u.cur.singleByte() && !utf8.Valid(run) {
		tmp := append([]byte(nil), run...)
		b = u.cur.appendDecodeBytes(b[:u.runStart], tmp)
		if u.lineStart > u.runStart {
			u.lineStart = -1
		}
	}
	u.runStart = len(b)
	return b
}

// text appends literal bytes.
func (u *unescaper) text(b []byte, s string) []byte {
	if len(s) > 0 {
		u.fresh = false
	}
	return append(b, s...)
}

func (u *unescaper) run(b []byte, s string, d Delimiters) []byte {
	esc := d.Escape
	for len(s) > 0 {
		i := strings.IndexByte(s, esc)
		if i < 0 {
			return u.text(b, s)
		}
		b = u.text(b, s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, esc)
		if j < 0 { // unterminated: keep literally
			u.fresh = false
			return append(append(b, esc), s...)
		}
		var ok bool
		if b, ok = u.sequence(b, s[:j], d); !ok {
			b = append(append(append(b, esc), s[:j]...), esc)
			u.fresh = false
		}
		s = s[j+1:]
	}
	return b
}

// sequence applies the escape sequence seq (between the escape characters) and
// reports whether it was well formed.
func (u *unescaper) sequence(b []byte, seq string, d Delimiters) ([]byte, bool) {
	if seq == "" {
		return b, false
	}
	if len(seq) == 1 {
		var c byte
		switch seq[0] {
		case 'F':
			c = d.Field
		case 'S':
			c = d.Component
		case 'T':
			c = d.Subcomponent
		case 'R':
			c = d.Repetition
		case 'E':
			c = d.Escape
		case 'P':
			c = d.Truncation
		case 'H', 'N':
			return b, true
		}
		if c == 0 {
			return b, false
		}
		u.fresh = false
		return append(b, c), true
	}
	switch seq[0] {
	case 'X':
		return u.hex(b, seq[1:])
	case 'Z':
		return b, true
	case 'C':
		if len(seq) != 5 {
			return b, false
		}
		xx, ok1 := hexByte(seq[1], seq[2])
		yy, ok2 := hexByte(seq[3], seq[4])
		if !ok1 || !ok2 {
			return b, false
		}
		if cs, ok := iso2022(xx, yy); ok {
			b = u.flush(b)
			u.cur = cs
		}
		return b, true
	case 'M':
		if len(seq) != 5 && len(seq) != 7 {
			return b, false
		}
		for i := 1; i+1 < len(seq); i += 2 {
			if _, ok := hexByte(seq[i], seq[i+1]); !ok {
				return b, false
			}
		}
		return b, true
	case '.':
		return u.format(b, seq[1:])
	}
	return b, false
}

// hex appends the bytes written in hexadecimal by h.
func (u *unescaper) hex(b []byte, h string) ([]byte, bool) {
	if len(h) == 0 || len(h)%2 != 0 {
		return b, false
	}
	for i := 0; i < len(h); i += 2 {
		if _, ok := hexByte(h[i], h[i+1]); !ok {
			return b, false
		}
	}
	for i := 0; i < len(h); i += 2 {
		c, _ := hexByte(h[i], h[i+1])
		b = append(b, c)
	}
	u.fresh = false
	return b, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexDigit(hi)
	l, ok2 := hexDigit(lo)
	return h<<4 | l, ok1 && ok2
}
