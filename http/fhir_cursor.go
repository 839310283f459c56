package http

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// cursorParam is the search parameter that carries a paging cursor.
const cursorParam = "_cursor"

// Cursor kinds: which order a cursor continues.
const (
	cursorDate    byte = 1 // resources in date order
	cursorUpdated byte = 2 // resources in last-update order
	cursorPatient byte = 3 // patients by id
)

// cursor is a position in the result of a search: where the next page
// starts. On the wire it is sealed (see sealCursor): its content (a date,
// a type and an id) is never visible in a link.
type cursor struct {
	kind byte
	key  lifeboat.PageKey // resources: the last one of the page before
	id   string           // patients: the last id of the page before
}

// maxCursor bounds the length of a cursor token accepted from a client.
const maxCursor = 512

// cursorAEAD seals cursors with a key made when the process starts: a
// cursor works only on the server that made it, until it restarts, and
// only for the search it was made for.
var cursorAEAD = sync.OnceValue(func() cipher.AEAD {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand panics rather)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
})

// searchBinding names a search for its cursors: the path and the
// parameters that select and order the result (not _count, _format or the
// cursor itself). A cursor opens only with the binding it was sealed with.
func searchBinding(path string, q url.Values) string {
	b := url.Values{}
	for k, vs := range q {
		switch k {
		case cursorParam, "_count", "_format":
		default:
			b[k] = vs
		}
	}
	return path + "?" + b.Encode()
}

// sealCursor encrypts and authenticates c for the search named by binding
// and returns it as a URL-safe token.
func sealCursor(c cursor, binding string) string {
	p := []byte{1, c.kind, 0}
	if !c.key.Value.IsZero() {
		p[2] = 1
	}
	p = binary.BigEndian.AppendUint64(p, uint64(c.key.Value.UnixMilli()))
	for _, s := range []string{c.key.Type, c.key.ID, c.id} {
		p = binary.AppendUvarint(p, uint64(len(s)))
		p = append(p, s...)
	}
	aead := cursorAEAD()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(p)+aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, p, []byte(binding)))
}

// errCursor is the error of a cursor that does not open.
var errCursor = fhirError("This paging link is not valid for this search, or has expired (the server restarted). Run the search again.")

// openCursor decrypts a token made by sealCursor for the same binding.
func openCursor(tok, binding string) (cursor, error) {
	if len(tok) > maxCursor {
		return cursor{}, errCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	aead := cursorAEAD()
	if err != nil || len(raw) < aead.NonceSize() {
		return cursor{}, errCursor
	}
	p, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(binding))
	if err != nil || len(p) < 11 || p[0] != 1 {
		return cursor{}, errCursor
	}
	c := cursor{kind: p[1]}
	if p[2] == 1 {
		c.key.Value = time.UnixMilli(int64(binary.BigEndian.Uint64(p[3:11]))).UTC()
	}
	rest := p[11:]
	var fields [3]string
	for i := range fields {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return cursor{}, errCursor
		}
		fields[i], rest = string(rest[k:k+int(n)]), rest[k+int(n):]
	}
	c.key.Type, c.key.ID, c.id = fields[0], fields[1], fields[2]
	return c, nil
}

// resourceCursor returns the cursor that continues after r in order o.
func resourceCursor(r *lifeboat.Resource, o lifeboat.ResourceOrder) cursor {
	kind := cursorDate
	if o == lifeboat.OrderLastUpdated {
		kind = cursorUpdated
	}
	return cursor{kind: kind, key: lifeboat.KeyOf(r, o)}
}
