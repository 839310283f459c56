package hl7fhir

import (
	"encoding/json"
	"strconv"

	"github.com/lifeboat-health/lifeboat/internal/jsonw"
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
func str(b []byte, k, v string) []byte { return jsonw.AppendString(key(b, k), v) }

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
		b = jsonw.AppendString(b, s)
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
