package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/internal/jsonw"
)

// entryID returns the logical id of the resource of an entry, given its type
// and its own id ("" if it has none). The choice is stable, so importing the
// same input twice gives the same ids:
//
//  1. the resource's own id;
//  2. X of a fullUrl "urn:uuid:X" (or "urn:oid:X"), if X is a valid id;
//  3. the id of a request url "Type/id" (PUT entries);
//  4. the id of a fullUrl ".../Type/id";
//  5. otherwise the first 32 hex digits of SHA-256(type, NUL, raw resource
//     JSON): identical content gives the same id wherever it is found.
func entryID(e *Entry, typ, id string) string {
	if id != "" {
		return id
	}
	for _, p := range [...]string{"urn:uuid:", "urn:oid:"} {
		if x, ok := strings.CutPrefix(e.FullURL, p); ok && lifeboat.ValidID(x) {
			return x
		}
	}
	if x := refID(e.Request.URL, typ); x != "" && strings.EqualFold(e.Request.Method, "PUT") {
		return x
	}
	if x := refID(e.FullURL, typ); x != "" {
		return x
	}
	h := sha256.New()
	h.Write([]byte(typ))
	h.Write([]byte{0})
	h.Write(e.Resource)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// insertID returns raw with an "id" member added, after the resourceType
// member when that comes first, else at the start of the object.
func insertID(raw []byte, p *Parsed, id string) []byte {
	out := make([]byte, 0, len(raw)+len(id)+8)
	out = append(out, raw[:p.idAt]...)
	if p.idComma {
		out = append(out, `,"id":`...)
		out = jsonw.AppendString(out, id)
	} else {
		out = append(out, `"id":`...)
		out = jsonw.AppendString(out, id)
		out = append(out, ',')
	}
	return append(out, raw[p.idAt:]...)
}
