package fhir

import (
	"bytes"
	"io"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/internal/jsonw"
)

// errNotBundle is returned by ReadBundle for a JSON document that is not a Bundle.
var errNotBundle = lifeboat.Errorf(lifeboat.EINVALID, "the document is not a Bundle")

// ReadBundle reads a FHIR Bundle (any type: transaction, batch, collection,
// searchset, ...) from r and calls fn for each entry, in order. It streams:
// only the current entry is held in memory. Entries are cut out by their
// JSON structure and not validated here (use Parse or Validate on
// Entry.Resource). An error from fn stops the reading and is returned as it
// is. Broken JSON structure ends the reading with an EINVALID error; the
// entries before it have been delivered.
func ReadBundle(r io.Reader, fn func(*Entry) error) error {
	return readDocument(r, true, fn)
}

// ReadJSON reads one JSON document from r: a Bundle, whose entries are
// streamed as by ReadBundle, or any other resource, delivered as one entry
// at position "resource".
func ReadJSON(r io.Reader, fn func(*Entry) error) error {
	return readDocument(r, false, fn)
}

// members reads the members of the object at the stream position, calling
// fn with s positioned at each value; fn must consume the value.
func (s *stream) members(fn func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	for i := 0; ; i++ {
		c, ok := s.next()
		switch {
		case !ok:
			return s.syntax(s.off, "unexpected end of input")
		case c == '}':
			s.off++
			return nil
		case i > 0 && c != ',':
			return s.syntax(s.off, "expected ',' or '}'")
		case i > 0:
			s.off++
		}
		raw, err := s.value()
		if err != nil {
			return err
		}
		key, ok := jsonString(raw)
		if !ok {
			return s.syntax(s.off, "expected object key")
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
}

// jsonString decodes a complete, valid JSON string literal.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	sc := scanner{data: raw}
	body, esc, err := sc.str()
	if err != nil || sc.pos != len(raw) {
		return "", false
	}
	return decodeString(body, esc), true
}

func readDocument(r io.Reader, bundleOnly bool, fn func(*Entry) error) error {
	s := newStream(r)
	s.skipBOM()
	var typ string
	var kept bytes.Buffer // members kept while the document may be a lone resource
	var entries []byte    // Bundle.entry seen before resourceType
	n := 0
	kept.WriteByte('{')
	err := s.members(func(key string) error {
		if key == "entry" && typ == "Bundle" {
			return readEntries(s, &n, fn)
		}
		raw, err := s.value()
		if err != nil {
			return err
		}
		if key == "resourceType" && typ == "" {
			var ok bool
			if typ, ok = jsonString(raw); !ok || typ == "" {
				return lifeboat.Errorf(lifeboat.EINVALID, "resourceType: not a string")
			}
		}
		if key == "entry" && typ == "" {
			entries = append([]byte(nil), raw...) // this may still be a Bundle
		}
		if typ != "Bundle" {
			if kept.Len() > 1 {
				kept.WriteByte(',')
			}
			kept.Write(jsonw.AppendString(nil, key))
			kept.WriteByte(':')
			kept.Write(raw)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, ok := s.next(); ok || s.err != nil {
		return s.syntax(s.off, "data after the JSON document")
	}
	if typ == "Bundle" {
		if entries != nil {
			return readEntries(newStream(bytes.NewReader(entries)), &n, fn)
		}
		return nil
	}
	if bundleOnly {
		return errNotBundle
	}
	kept.WriteByte('}')
	return fn(&Entry{Pos: "resource", Resource: kept.Bytes()})
}

// readEntries reads the Bundle.entry array at the stream position.
func readEntries(s *stream, n *int, fn func(*Entry) error) error {
	c, ok := s.next()
	if ok && c == 'n' { // "entry": null
		_, err := s.value()
		return err
	}
	if err := s.expect('['); err != nil {
		return err
	}
	for i := 0; ; i++ {
		c, ok := s.next()
		switch {
		case !ok:
			return s.syntax(s.off, "unexpected end of input")
		case c == ']':
			s.off++
			return nil
		case i > 0 && c != ',':
			return s.syntax(s.off, "expected ',' or ']'")
		case i > 0:
			s.off++
		}
		*n++
		e := Entry{Pos: "entry " + strconv.Itoa(*n)}
		if err := readEntry(s, &e); err != nil {
			return err
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
}

// readRequest decodes a Bundle.entry.request object.
func readRequest(raw []byte, rq *Request) bool {
	sc := scanner{data: raw}
	if sc.value(0) != nil || sc.pos != len(raw) || raw[0] != '{' {
		return false
	}
	ok := true
	members(raw, span{0, len(raw)}, func(k []byte, v span) bool {
		var dst *string
		switch string(k) {
		case "method":
			dst = &rq.Method
		case "url":
			dst = &rq.URL
		case "ifNoneExist":
			dst = &rq.IfNoneExist
		default:
			return true
		}
		*dst, ok = stringValue(raw, v)
		return ok
	})
	return ok
}

// readEntry reads one Bundle.entry element into e. Problems confined to the
// entry go to e.Err; a returned error ends the bundle.
func readEntry(s *stream, e *Entry) error {
	c, ok := s.next()
	if !ok {
		return s.syntax(s.off, "unexpected end of input")
	}
	if c != '{' {
		if _, err := s.value(); err != nil {
			return err
		}
		e.Err = lifeboat.Errorf(lifeboat.EINVALID, "Bundle.entry: not an object")
		return nil
	}
	return s.members(func(key string) error {
		raw, err := s.value()
		if err != nil {
			return err
		}
		var ok bool
		switch key {
		case "fullUrl":
			e.FullURL, ok = jsonString(raw)
		case "resource":
			ok = len(raw) > 0 && raw[0] == '{'
			if ok {
				e.Resource = append([]byte(nil), raw...)
			} else if string(raw) == "null" {
				ok = true
			}
		case "request":
			ok = readRequest(raw, &e.Request)
		default:
			ok = true
		}
		if !ok && e.Err == nil {
			e.Err = lifeboat.Errorf(lifeboat.EINVALID, "Bundle.entry.%s: not valid", key)
			if key == "resource" {
				e.Resource = append([]byte(nil), raw...) // kept for the reject store
			}
		}
		return nil
	})
}
