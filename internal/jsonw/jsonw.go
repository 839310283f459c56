// Package jsonw writes JSON strings fast and exactly as encoding/json does
// (without its HTML escapes): the one string writer of the packages that
// write JSON by hand (the HL7 v2 mapping, the FHIR reader's rewrites, the
// FHIR API's Bundles, the simulators).
package jsonw

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// safeASCII marks the bytes below utf8.RuneSelf that a JSON string holds as
// they are.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string as encoding/json does without
// HTML escaping: '"', '\\' and control characters escaped (\b, \f, \n, \r,
// \t by name), each byte of invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func AppendString(b []byte, s string) []byte {
	// Most strings need no escape: they are copied 8 bytes at a time as
	// they are checked (the last 8 first, which may overlap the others),
	// and written again by appendEscaped if one does.
	n := len(b)
	if cap(b)-n < len(s)+2 {
		b = slices.Grow(b, len(s)+2)
	}
	b = b[:n+1+len(s)]
	b[n] = '"'
	dst := b[n+1:]
	if len(s) >= 8 {
		last := load64(s[len(s)-8:])
		if hasSpecial(last) {
			return appendEscaped(b[:n], s)
		}
		binary.LittleEndian.PutUint64(dst[len(dst)-8:], last)
		for src := s; len(src) > 8; src, dst = src[8:], dst[8:] {
			w := load64(src)
			if hasSpecial(w) {
				return appendEscaped(b[:n], s)
			}
			binary.LittleEndian.PutUint64(dst, w)
		}
	} else {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf || !safeASCII[c] {
				return appendEscaped(b[:n], s)
			}
			dst[i] = c
		}
	}
	return append(b, '"')
}

// appendEscaped is AppendString for a string that may need escapes.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip plain bytes 8 at a time.
		for i+8 <= len(s) && !hasSpecial(load64(s[i:])) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// load64 returns the first 8 bytes of s (at least 8) as a little-endian
// word, in one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasSpecial reports whether one of the 8 bytes of w may be '"', '\\', a
// control character or not ASCII (false positives are possible, false
// negatives are not).
func hasSpecial(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := w ^ (lo * '"')
	bs := w ^ (lo * '\\')
	return ((q-lo)&^q|(bs-lo)&^bs|(w-lo*0x20)|w)&hi != 0
}
