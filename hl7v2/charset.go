package hl7v2

import (
	"strings"
	"unicode/utf8"
)

// Charset is the character set of a message's text, from MSH-18.
type Charset uint8

// Character sets understood by the package. Text in any other set (for instance the
// multibyte Asian sets) is decoded like CharsetDefault.
const (
	// CharsetDefault is used when MSH-18 is empty or names a set the package does
	// not know: text that is valid UTF-8 is taken as UTF-8, anything else as
	// ISO 8859-1.
	CharsetDefault  Charset = iota
	CharsetASCII            // "ASCII" (decoded like CharsetDefault, since senders are lax)
	CharsetUTF8             // "UNICODE UTF-8" (invalid bytes fall back to ISO 8859-1)
	CharsetLatin1           // "8859/1", ISO 8859-1
	CharsetLatin2           // "8859/2", ISO 8859-2
	CharsetLatin3           // "8859/3", ISO 8859-3
	CharsetLatin4           // "8859/4", ISO 8859-4
	CharsetCyrillic         // "8859/5", ISO 8859-5
	CharsetArabic           // "8859/6", ISO 8859-6
	CharsetGreek            // "8859/7", ISO 8859-7
	CharsetHebrew           // "8859/8", ISO 8859-8
	CharsetLatin5           // "8859/9", ISO 8859-9
	CharsetLatin9           // "8859/15", ISO 8859-15
)

var charsetNames = [...]string{
	CharsetDefault:  "",
	CharsetASCII:    "ASCII",
	CharsetUTF8:     "UNICODE UTF-8",
	CharsetLatin1:   "8859/1",
	CharsetLatin2:   "8859/2",
	CharsetLatin3:   "8859/3",
	CharsetLatin4:   "8859/4",
	CharsetCyrillic: "8859/5",
	CharsetArabic:   "8859/6",
	CharsetGreek:    "8859/7",
	CharsetHebrew:   "8859/8",
	CharsetLatin5:   "8859/9",
	CharsetLatin9:   "8859/15",
}

// String returns the HL7 table 0211 name of c as written in MSH-18 ("" for
// CharsetDefault).
func (c Charset) String() string {
	if int(c) < len(charsetNames) {
		return charsetNames[c]
	}
	return ""
}

// LookupCharset maps an MSH-18 value (HL7 table 0211, such as "8859/1" or
// "UNICODE UTF-8", or a common alias such as "UTF-8", "ISO-8859-1" or "ISO IR100")
// to a Charset. Unknown and empty names give CharsetDefault.
func LookupCharset(name string) Charset {
	name = strings.TrimSpace(name)
	if name == "" {
		return CharsetDefault
	}
	for i, n := range charsetNames {
		if i > 0 && strings.EqualFold(name, n) {
			return Charset(i)
		}
	}
	up := strings.ToUpper(name)
	up = strings.NewReplacer("_", "-", " ", "-").Replace(up)
	switch up {
	case "ISO-IR6", "US-ASCII":
		return CharsetASCII
	case "UTF-8", "UTF8", "UNICODE-UTF8":
		return CharsetUTF8
	case "ISO-IR100", "LATIN1", "LATIN-1", "WINDOWS-1252", "CP1252":
		return CharsetLatin1
	case "ISO-IR101":
		return CharsetLatin2
	case "ISO-IR109":
		return CharsetLatin3
	case "ISO-IR110":
		return CharsetLatin4
	case "ISO-IR144":
		return CharsetCyrillic
	case "ISO-IR127":
		return CharsetArabic
	case "ISO-IR126":
		return CharsetGreek
	case "ISO-IR138":
		return CharsetHebrew
	case "ISO-IR148":
		return CharsetLatin5
	case "ISO-IR203":
		return CharsetLatin9
	}
	for _, p := range [...]string{"ISO-8859-", "ISO8859-", "8859-"} {
		if rest, ok := strings.CutPrefix(up, p); ok {
			return LookupCharset("8859/" + rest)
		}
	}
	return CharsetDefault
}

// singleByte reports whether c is an ISO 8859 part, decoded byte by byte.
func (c Charset) singleByte() bool { return c >= CharsetLatin1 && c <= CharsetLatin9 }

// isASCII reports whether s holds only 7-bit bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isASCIIBytes reports whether b holds only 7-bit bytes.
func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// decodeByte returns the code point of byte b (at least 0x80) in single-byte set c.
func (c Charset) decodeByte(b byte) rune {
	if b < 0xA0 || c == CharsetLatin1 {
		return rune(b)
	}
	if t := iso8859High[c]; t != nil {
		return t[b-0xA0]
	}
	return rune(b)
}

// appendDecode appends s, encoded in c, to dst as UTF-8. The result is always valid
// UTF-8.
func (c Charset) appendDecode(dst []byte, s string) []byte {
	if !c.singleByte() {
		if isASCII(s) || utf8.ValidString(s) {
			return append(dst, s...)
		}
		c = CharsetLatin1
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < utf8.RuneSelf {
			dst = append(dst, b)
			continue
		}
		dst = utf8.AppendRune(dst, c.decodeByte(b))
	}
	return dst
}

// appendDecodeBytes is appendDecode for a byte slice.
func (c Charset) appendDecodeBytes(dst, s []byte) []byte {
	if !c.singleByte() {
		if utf8.Valid(s) {
			return append(dst, s...)
		}
		c = CharsetLatin1
	}
	for _, b := range s {
		if b < utf8.RuneSelf {
			dst = append(dst, b)
			continue
		}
		dst = utf8.AppendRune(dst, c.decodeByte(b))
	}
	return dst
}

// encodeRune appends r encoded in c to dst. Runes the set cannot represent become
// '?'. CharsetDefault and CharsetUTF8 write UTF-8.
func (c Charset) encodeRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return append(dst, byte(r))
	}
	switch {
	case c == CharsetDefault || c == CharsetUTF8:
		return utf8.AppendRune(dst, r)
	case c == CharsetASCII:
		return append(dst, '?')
	case r < 0xA0 || (c == CharsetLatin1 && r <= 0xFF):
		if r <= 0xFF {
			return append(dst, byte(r))
		}
		return append(dst, '?')
	}
	if t := iso8859High[c]; t != nil {
		for i, x := range t {
			if x == r && x != utf8.RuneError {
				return append(dst, byte(0xA0+i))
			}
		}
	}
	return append(dst, '?')
}

// iso2022 maps the final bytes of an ISO 2022 escape (\Cxxyy\ in HL7) that
// designates a single-byte set to that set, or reports false.
func iso2022(xx, yy byte) (Charset, bool) {
	switch xx {
	case 0x28: // G0
		if yy == 0x42 {
			return CharsetASCII, true
		}
	case 0x2D: // G1, 96-character sets
		switch yy {
		case 0x41:
			return CharsetLatin1, true
		case 0x42:
			return CharsetLatin2, true
		case 0x43:
			return CharsetLatin3, true
		case 0x44:
			return CharsetLatin4, true
		case 0x4C:
			return CharsetCyrillic, true
		case 0x47:
			return CharsetArabic, true
		case 0x46:
			return CharsetGreek, true
		case 0x48:
			return CharsetHebrew, true
		case 0x4D:
			return CharsetLatin5, true
		case 0x62:
			return CharsetLatin9, true
		}
	}
	return 0, false
}
