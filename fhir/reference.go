package fhir

import (
	"bytes"

	"github.com/lifeboat-health/lifeboat/internal/jsonw"
)

// RewriteReferences calls fn with the value of every "reference" member
// whose value is a string, at any depth of the JSON in raw, and replaces the
// value with the string fn returns when fn returns true. References to
// contained resources ("#...") are left alone and not passed to fn.
//
// It works on the bytes: it tracks string and escape state, so the text
// "reference" inside a string value is never taken for a key, and it builds
// no object graph. It returns raw itself when nothing was replaced, otherwise
// a new slice; raw is never modified. On malformed JSON it does not fail: it
// rewrites what it recognises (validate before or after as needed).
func RewriteReferences(raw []byte, fn func(ref string) (string, bool)) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return rewriteNoEscapes(raw, fn)
	}
	var out []byte
	last, i := 0, 0
	for i < len(raw) {
		q := bytes.IndexByte(raw[i:], '"')
		if q < 0 {
			break
		}
		start := i + q + 1
		end, esc := stringEnd(raw, start)
		if end < 0 {
			break
		}
		i = end + 1
		if !isReferenceKey(raw[start:end], esc) {
			continue
		}
		var ok bool
		if out, last, i, ok = rewriteValue(raw, out, last, i, fn); !ok {
			break
		}
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

var (
	referenceKey  = []byte(`"reference"`)
	referenceTail = referenceKey[3:] // `ference"`: its first byte is rarer than '"'
)

// rewriteNoEscapes is RewriteReferences for input without backslashes, the
// common case: with no escapes, whether a byte is inside a string is the
// parity of the quotes before it, so it jumps from one `"reference"` to the
// next, counting quotes in between (both with vectorised byte searches).
func rewriteNoEscapes(raw []byte, fn func(ref string) (string, bool)) []byte {
	var out []byte
	last, pos, from := 0, 0, 0 // pos: a byte known to be outside any string; from: where to search
	for from < len(raw) {
		t := bytes.Index(raw[from:], referenceTail)
		if t < 0 {
			break
		}
		from += t + len(referenceTail)
		c := from - len(referenceKey)
		if c < pos || string(raw[c:c+3]) != `"re` {
			continue
		}
		if bytes.Count(raw[pos:c], []byte{'"'})%2 == 1 {
			pos = c + 1 // the quote at c closes a string: possible only in invalid JSON
			continue
		}
		var ok bool
		if out, last, pos, ok = rewriteValue(raw, out, last, c+len(referenceKey), fn); !ok {
			break
		}
		from = max(from, pos)
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

// rewriteValue handles the value after a "reference" string ending at i:
// if it is a key whose value is a string, fn may replace the value. It
// returns the output so far, the input offset copied up to, where to go on
// scanning (outside any string), and false on malformed input.
func rewriteValue(raw, out []byte, last, i int, fn func(string) (string, bool)) ([]byte, int, int, bool) {
	k := skipWS(raw, i)
	if k >= len(raw) || raw[k] != ':' {
		return out, last, i, true // a string value "reference", not a key
	}
	k = skipWS(raw, k+1)
	if k >= len(raw) || raw[k] != '"' {
		return out, last, k, true
	}
	vs := k + 1
	ve, vesc := stringEnd(raw, vs)
	if ve < 0 {
		return out, last, len(raw), false
	}
	val := raw[vs:ve]
	if len(val) > 0 && val[0] == '#' {
		return out, last, ve + 1, true
	}
	ref := decodeString(val, vesc)
	nv, ok := fn(ref)
	if !ok || nv == ref {
		return out, last, ve + 1, true
	}
	if out == nil {
		out = make([]byte, 0, len(raw)+64)
	}
	out = append(out, raw[last:vs-1]...)
	out = jsonw.AppendString(out, nv)
	return out, ve + 1, ve + 1, true
}

// stringEnd returns the index of the quote closing the JSON string whose
// body starts at start, and whether the body has escapes; -1 if unterminated.
func stringEnd(raw []byte, start int) (int, bool) {
	esc := false
	for i := start; i < len(raw); {
		q := bytes.IndexByte(raw[i:], '"')
		if q < 0 {
			return -1, esc
		}
		j := i + q
		n := 0 // backslashes just before the quote
		for k := j - 1; k >= start && raw[k] == '\\'; k-- {
			n++
		}
		if !esc && bytes.IndexByte(raw[i:j], '\\') >= 0 {
			esc = true
		}
		if n%2 == 0 {
			return j, esc
		}
		i = j + 1
	}
	return -1, esc
}

func isReferenceKey(b []byte, esc bool) bool {
	if esc {
		return unescape(b) == "reference"
	}
	return string(b) == "reference"
}

func skipWS(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// compact removes the white space between JSON tokens (as in pretty-printed
// bundles). It returns raw itself when there is none to remove.
func compact(raw []byte) []byte {
	if bytes.IndexByte(raw, '\n') < 0 && !bytes.Contains(raw, []byte(`": `)) {
		return raw // already compact (NDJSON), or nearly
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '"':
			end, _ := stringEnd(raw, i+1)
			if end < 0 {
				return append(out, raw[i:]...)
			}
			out = append(out, raw[i:end+1]...)
			i = end + 1
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}
