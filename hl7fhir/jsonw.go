package hl7fhir

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A small JSON writer: each function appends to b and returns it. Objects
// are written member by member; a member is preceded by a comma unless it
// is the first of its object, which is known from the byte before it (a
// value never ends with '{'). The output is what encoding/json writes for
// the same struct with SetEscapeHTML(false): fields in declaration order,
// omitempty fields left out when empty, nil slices and pointers without
// omitempty as null.

// jsonValue is a type that writes itself as one JSON value.
type jsonValue interface {
	appendJSON(b []byte) []byte
}

// key appends the separator and the key of an object member.
func key(b []byte, k string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// str appends a string member (a field without omitempty).
func str(b []byte, k, v string) []byte { return appendString(key(b, k), v) }

// optStr appends a string member unless v is empty (small enough to be
// inlined, as many members are empty).
func optStr(b []byte, k, v string) []byte {
	if v == "" {
		return b
	}
	return str(b, k, v)
}

// optNum appends a JSON number member unless v is empty. Numbers are built
// by decimal or strconv and are always valid.
func optNum(b []byte, k string, v json.Number) []byte {
	if v == "" {
		return b
	}
	return append(key(b, k), v...)
}

// optInt appends an integer member unless v is zero.
func optInt(b []byte, k string, v int) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(key(b, k), int64(v), 10)
}

// optBool appends a boolean member unless v is nil.
func optBool(b []byte, k string, v *bool) []byte {
	if v == nil {
		return b
	}
	return strconv.AppendBool(key(b, k), *v)
}

// optStrs appends a list of strings unless it is empty.
func optStrs(b []byte, k string, v []string) []byte {
	if len(v) == 0 {
		return b
	}
	b = append(key(b, k), '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// obj appends an object member (a struct field, or a pointer without
// omitempty: nil is null).
func obj[T any, P interface {
	*T
	jsonValue
}](b []byte, k string, v P) []byte {
	b = key(b, k)
	if v == nil {
		return append(b, "null"...)
	}
	return v.appendJSON(b)
}

// opt appends an object member unless v is nil (a pointer with omitempty).
func opt[T any, P interface {
	*T
	jsonValue
}](b []byte, k string, v P) []byte {
	if v == nil {
		return b
	}
	return v.appendJSON(key(b, k))
}

// list appends an array member (without omitempty: nil is null).
func list[T any, P interface {
	*T
	jsonValue
}](b []byte, k string, v []T) []byte {
	b = key(b, k)
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = P(&v[i]).appendJSON(b)
	}
	return append(b, ']')
}

// optList appends an array member unless it is empty.
func optList[T any, P interface {
	*T
	jsonValue
}](b []byte, k string, v []T) []byte {
	if len(v) == 0 {
		return b
	}
	return list[T, P](b, k, v)
}

// head opens a resource: its resourceType, id and meta members.
func head(b []byte, typ, id string, m *meta) []byte {
	b = append(b, '{')
	b = str(b, "resourceType", typ)
	b = str(b, "id", id)
	return obj(b, "meta", m)
}

// safeASCII marks the bytes below utf8.RuneSelf that a JSON string holds as
// they are.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string as encoding/json does without
// HTML escaping: '"', '\\' and control characters escaped (\b, \f, \n, \r,
// \t by name), each byte of invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func appendString(b []byte, s string) []byte {
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

// appendEscaped is appendString for a string that may need escapes.
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

func (v *meta) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "lastUpdated", v.LastUpdated)
	return append(b, '}')
}

func (v *coding) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "system", v.System)
	b = optStr(b, "version", v.Version)
	b = optStr(b, "code", v.Code)
	b = optStr(b, "display", v.Display)
	return append(b, '}')
}

func (v *codeableConcept) appendJSON(b []byte) []byte {
	if v.memo != nil && v.memo.of == v {
		return append(b, v.memo.json...)
	}
	b = append(b, '{')
	b = optList(b, "coding", v.Coding)
	b = optStr(b, "text", v.Text)
	return append(b, '}')
}

func (v *reference) appendJSON(b []byte) []byte {
	if v.memo != nil && v.memo.of == v {
		return append(b, v.memo.json...)
	}
	b = append(b, '{')
	b = optStr(b, "reference", v.Reference)
	b = optStr(b, "display", v.Display)
	return append(b, '}')
}

func (v *identifier) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "use", v.Use)
	b = opt(b, "type", v.Type)
	b = optStr(b, "system", v.System)
	b = optStr(b, "value", v.Value)
	b = opt(b, "assigner", v.Assigner)
	return append(b, '}')
}

func (v *period) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "start", v.Start)
	b = optStr(b, "end", v.End)
	return append(b, '}')
}

func (v *quantity) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optNum(b, "value", v.Value)
	b = optStr(b, "comparator", v.Comparator)
	b = optStr(b, "unit", v.Unit)
	b = optStr(b, "system", v.System)
	b = optStr(b, "code", v.Code)
	return append(b, '}')
}

func (v *ratio) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "numerator", v.Numerator)
	b = opt(b, "denominator", v.Denominator)
	return append(b, '}')
}

func (v *valueRange) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "low", v.Low)
	b = opt(b, "high", v.High)
	return append(b, '}')
}

func (v *humanName) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "use", v.Use)
	b = optStr(b, "text", v.Text)
	b = optStr(b, "family", v.Family)
	b = optStrs(b, "given", v.Given)
	b = optStrs(b, "prefix", v.Prefix)
	b = optStrs(b, "suffix", v.Suffix)
	return append(b, '}')
}

func (v *address) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "use", v.Use)
	b = optStrs(b, "line", v.Line)
	b = optStr(b, "city", v.City)
	b = optStr(b, "district", v.District)
	b = optStr(b, "state", v.State)
	b = optStr(b, "postalCode", v.PostalCode)
	b = optStr(b, "country", v.Country)
	return append(b, '}')
}

func (v *contactPoint) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "system", v.System)
	b = optStr(b, "value", v.Value)
	b = optStr(b, "use", v.Use)
	return append(b, '}')
}

func (v *annotation) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "authorString", v.AuthorString)
	b = optStr(b, "time", v.Time)
	b = str(b, "text", v.Text)
	return append(b, '}')
}

func (v *attachment) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "contentType", v.ContentType)
	b = optStr(b, "data", v.Data)
	b = optStr(b, "url", v.URL)
	b = optStr(b, "title", v.Title)
	b = optStr(b, "creation", v.Creation)
	return append(b, '}')
}
