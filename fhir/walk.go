package fhir

import (
	"bytes"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// Helpers that walk values already validated by scanner.value. They skip
// values without validating them again (skipValue), never fail on valid
// JSON, and on anything unexpected simply stop.

// stringAt returns the raw body of the JSON string at v, whether it has
// escapes, and false if v is not a string.
func stringAt(raw []byte, v span) (body []byte, escaped, ok bool) {
	if !v.ok() || raw[v.start] != '"' || v.end-v.start < 2 {
		return nil, false, false
	}
	body = raw[v.start+1 : v.end-1]
	return body, bytes.IndexByte(body, '\\') >= 0, true
}

// stringValue returns the decoded JSON string at v.
func stringValue(raw []byte, v span) (string, bool) {
	b, esc, ok := stringAt(raw, v)
	if !ok {
		return "", false
	}
	return decodeString(b, esc), true
}

// members calls fn for each member of the object at v until fn returns false.
func members(raw []byte, v span, fn func(key []byte, val span) bool) {
	if !v.ok() || raw[v.start] != '{' {
		return
	}
	s := scanner{data: raw[:v.end], pos: v.start + 1}
	for i := 0; ; i++ {
		key, more, err := s.nextKey(i)
		if err != nil || !more {
			return
		}
		start := s.pos
		if s.pos = skipValue(s.data, start); s.pos < 0 {
			return
		}
		if !fn(key, span{start, s.pos}) {
			return
		}
	}
}

// member returns the value of the first member named key of the object at v.
func member(raw []byte, v span, key string) span {
	var out span
	members(raw, v, func(k []byte, val span) bool {
		if string(k) == key {
			out = val
			return false
		}
		return true
	})
	return out
}

// elems calls fn for each element of the array at v until fn returns false.
func elems(raw []byte, v span, fn func(val span) bool) {
	if !v.ok() || raw[v.start] != '[' {
		return
	}
	s := scanner{data: raw[:v.end], pos: v.start + 1}
	for i := 0; ; i++ {
		more, err := s.nextElem(i)
		if err != nil || !more {
			return
		}
		s.ws()
		start := s.pos
		if s.pos = skipValue(s.data, start); s.pos < 0 {
			return
		}
		if !fn(span{start, s.pos}) {
			return
		}
	}
}

// first returns the first element of the array at v, or v itself if it is
// not an array (for elements that are a single value in some resources and a
// list in others).
func first(raw []byte, v span) span {
	if !v.ok() || raw[v.start] != '[' {
		return v
	}
	var out span
	elems(raw, v, func(e span) bool {
		out = e
		return false
	})
	return out
}

// reference returns the "reference" string of the Reference at v (or of the
// first Reference if v is an array).
func reference(raw []byte, v span) string {
	s, _ := stringValue(raw, member(raw, first(raw, v), "reference"))
	return s
}

// coding returns the system and code of the first coding with a code in the
// CodeableConcept at v; v may also be a Coding, or an array of either.
func coding(raw []byte, v span) (system, code string) {
	v = first(raw, v)
	if !v.ok() || raw[v.start] != '{' {
		return "", ""
	}
	var found bool
	var cs span
	members(raw, v, func(k []byte, val span) bool {
		switch string(k) {
		case "coding":
			cs = val
		case "code":
			code, found = stringValue(raw, val)
		case "system":
			system, _ = stringValue(raw, val)
		}
		return true
	})
	if found && code != "" {
		return system, code // a Coding
	}
	system, code = "", ""
	elems(raw, cs, func(c span) bool {
		var sys, cd string
		members(raw, c, func(k []byte, val span) bool {
			switch string(k) {
			case "code":
				cd, _ = stringValue(raw, val)
			case "system":
				sys, _ = stringValue(raw, val)
			}
			return true
		})
		if cd == "" {
			return true
		}
		system, code = sys, cd
		return false
	})
	return system, code
}

// refID returns the id in a reference to a resource of type typ
// ("Patient/1", "Patient/1/_history/2", "https://x/fhir/Patient/1"), or "".
func refID(ref, typ string) string {
	if ref == "" || ref[0] == '#' {
		return ""
	}
	if strings.IndexByte(ref, '?') >= 0 {
		return ""
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndexByte(ref, '/')
	if slash <= 0 {
		return ""
	}
	id, rest := ref[slash+1:], ref[:slash]
	t := rest
	if j := strings.LastIndexByte(rest, '/'); j >= 0 {
		t = rest[j+1:]
	}
	if t != typ || !lifeboat.ValidID(id) {
		return ""
	}
	return id
}
