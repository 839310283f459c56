package hl7v2

import "unicode/utf8"

// Escape returns text s with every delimiter of d written as an escape sequence
// (\F\ \S\ \T\ \R\ \E\, and \P\ when d has a truncation character) and CR and LF
// written as \X0D\ and \X0A\. s stays UTF-8. Without an escape character in d,
// delimiters, CR and LF cannot be escaped and are replaced by spaces.
func Escape(s string, d Delimiters) string {
	if !needsEscape(s, &d) {
		return s
	}
	return string(AppendEscape(nil, s, d, CharsetDefault))
}

func needsEscape(s string, d *Delimiters) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || d.isDelimiter(c) {
			return true
		}
	}
	return false
}

// AppendEscape appends text s (UTF-8) to dst as it is written in a message with
// delimiters d and character set cs: delimiters, CR and LF are escaped as in Escape
// and other characters are encoded in cs ('?' where cs cannot represent them).
func AppendEscape(dst []byte, s string, d Delimiters, cs Charset) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 && (cs == CharsetDefault || cs == CharsetUTF8) {
				dst = append(dst, c) // keep stray bytes as they are
			} else {
				dst = cs.encodeRune(dst, r)
			}
			i += size
			continue
		}
		i++
		var e byte
		switch {
		case c == 0:
		case c == d.Escape:
			e = 'E'
		case c == d.Field:
			e = 'F'
		case c == d.Component:
			e = 'S'
		case c == d.Subcomponent:
			e = 'T'
		case c == d.Repetition:
			e = 'R'
		case c == d.Truncation:
			e = 'P'
		case c == '\r' || c == '\n':
			if d.Escape == 0 {
				dst = append(dst, ' ') // cannot be escaped; must not end the segment
				continue
			}
			x := byte('D')
			if c == '\n' {
				x = 'A'
			}
			dst = append(dst, d.Escape, 'X', '0', x, d.Escape)
			continue
		}
		switch {
		case e == 0:
			dst = append(dst, c)
			continue
		case d.Escape == 0:
			dst = append(dst, ' ') // cannot be escaped; must not split the value
			continue
		}
		dst = append(dst, d.Escape, e, d.Escape)
	}
	return dst
}
