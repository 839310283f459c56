package ehr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// object is a JSON object that keeps its members in order and their values
// as they were written, so a resource can be changed without reordering or
// re-encoding the members left alone.
type object []member

type member struct {
	key string
	val json.RawMessage
}

// parseObject splits a JSON object into its members.
func parseObject(b []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("ehr: parse object: %w", err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "A JSON object was expected.")
	}
	var o object
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("ehr: parse object: %w", err)
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("ehr: parse object: %w", err)
		}
		o = append(o, member{k, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("ehr: parse object: %w", err)
	}
	return o, nil
}

// get returns the value of member k, or nil.
func (o object) get(k string) json.RawMessage {
	for _, m := range o {
		if m.key == k {
			return m.val
		}
	}
	return nil
}

// str returns member k as a string, or "".
func (o object) str(k string) string {
	var s string
	if v := o.get(k); v != nil {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// obj returns member k as an object, or nil.
func (o object) obj(k string) object {
	v := o.get(k)
	if v == nil {
		return nil
	}
	x, _ := parseObject(v)
	return x
}

// objs returns member k as an array of objects.
func (o object) objs(k string) []object {
	var raws []json.RawMessage
	if v := o.get(k); v != nil {
		_ = json.Unmarshal(v, &raws)
	}
	var out []object
	for _, r := range raws {
		if x, err := parseObject(r); err == nil {
			out = append(out, x)
		}
	}
	return out
}

// set replaces the value of member k, or adds it after member after (at the
// end when after is "" or absent). v is marshalled unless it is already JSON
// (json.RawMessage, []byte, object, or []object).
func (o *object) set(k string, v any, after ...string) {
	raw := encode(v)
	for i := range *o {
		if (*o)[i].key == k {
			(*o)[i].val = raw
			return
		}
	}
	if len(after) > 0 {
		for i, m := range *o {
			if m.key == after[0] {
				*o = append((*o)[:i+1], append(object{{k, raw}}, (*o)[i+1:]...)...)
				return
			}
		}
	}
	*o = append(*o, member{k, raw})
}

// del removes member k.
func (o *object) del(k string) {
	for i, m := range *o {
		if m.key == k {
			*o = append((*o)[:i], (*o)[i+1:]...)
			return
		}
	}
}

// encode returns v as JSON.
func encode(v any) json.RawMessage {
	switch x := v.(type) {
	case json.RawMessage:
		return x
	case []byte:
		return x
	case object:
		return x.appendTo(nil)
	case []object:
		b := []byte{'['}
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendTo(b)
		}
		return append(b, ']')
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ehr: encode %T: %v", v, err)) // only plain values are encoded here
	}
	return b
}

// appendTo appends the object as compact JSON.
func (o object) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, m.key)
		b = append(b, ':')
		b = append(b, m.val...)
	}
	return append(b, '}')
}

// ref is a Reference with only its reference.
func ref(r string) object { return object{{"reference", encode(r)}} }

// instant formats a time as a FHIR instant, with milliseconds when it has
// any.
func instant(t time.Time) string { return t.Format(time.RFC3339Nano) }

// meta is a resource's meta element.
func meta(version int, updated time.Time) object {
	return object{{"versionId", encode(strconv.Itoa(version))}, {"lastUpdated", encode(instant(updated))}}
}

// withMeta sets the meta of a resource; the result ends with a newline.
func withMeta(o object, version int, updated time.Time) []byte {
	o.set("meta", meta(version, updated), "id")
	return append(o.appendTo(make([]byte, 0, 1024)), '\n')
}

var (
	metaOpen     = []byte(`"meta":{`)
	lastUpdKey   = []byte(`"lastUpdated":"`)
	patientRef   = []byte(`"reference":"Patient/`)
	versionFirst = []byte(`"versionId":"1",`)
)

// prepare turns a generated resource into its NDJSON line with
// meta.versionId 1, allocated from a, and returns its meta.lastUpdated. The generator writes
// meta right after the id; a resource without it, or with a lastUpdated
// after now, gets one a minute before now.
func prepare(b []byte, now time.Time, a *arena) ([]byte, time.Time, error) {
	head := b[:min(len(b), 400)]
	if i := bytes.Index(head, metaOpen); i >= 0 && !bytes.Contains(head, []byte(`"versionId"`)) {
		if j := bytes.Index(b[i:], lastUpdKey); j >= 0 {
			s := b[i+j+len(lastUpdKey):]
			if k := bytes.IndexByte(s, '"'); k > 0 {
				t, err := time.Parse(time.RFC3339Nano, string(s[:k]))
				if err == nil && !t.After(now) {
					at := i + len(metaOpen)
					line := a.alloc(len(b) + len(versionFirst) + 1)
					line = append(line, b[:at]...)
					line = append(line, versionFirst...)
					line = append(line, b[at:]...)
					return append(line, '\n'), t, nil
				}
			}
		}
	}
	o, err := parseObject(b)
	if err != nil {
		return nil, time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, o.obj("meta").str("lastUpdated"))
	if err != nil || t.After(now) {
		t = now.Add(-time.Minute).Truncate(time.Second)
	}
	return withMeta(o, 1, t), t, nil
}

// patientOf returns the id of the first Patient a resource refers to, or "".
func patientOf(b []byte) string {
	i := bytes.Index(b, patientRef)
	if i < 0 {
		return ""
	}
	s := b[i+len(patientRef):]
	j := bytes.IndexByte(s, '"')
	if j <= 0 {
		return ""
	}
	return string(s[:j])
}
