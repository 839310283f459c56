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

// cursor is a position in the result of a search: where a page starts. On
// the wire it is sealed (see sealCursor): its content (dates, types and
// ids) is never visible in a link.
//
// Paging is by keyset, forward only: the store reads "the next n after
// this key" and cannot read backwards. So a cursor also carries where the
// pages before its own started (back), which is what the previous link
// needs: the previous page is read forward from its own start, exactly as
// it was read when the client went forward, with the same page size the
// link carries. The stack is bounded (maxBack pages, and what fits in
// maxCursor): a page further back than it remembers gets no previous link;
// the first page, which has no cursor, is always reachable from page 2.
type cursor struct {
	kind byte
	key  lifeboat.PageKey // resources: the last one of the page before
	id   string           // patients: the last id of the page before
	// page is the number of the page that starts here (2 for the one
	// after the first); back holds the starts of the pages before it
	// (never page 1, which has none), oldest first.
	page int
	back []cursorPos
}

// cursorPos is the start of one page: a cursor's key and id.
type cursorPos struct {
	key lifeboat.PageKey
	id  string
}

// Cursor bounds.
const (
	// maxCursor bounds the length of a cursor token accepted from a
	// client, and of the tokens made (back is shortened to fit).
	maxCursor = 4096
	// maxBack bounds how many pages back previous links reach.
	maxBack = 20
)

// following returns the cursor of the page that starts at next (a cursor
// from searchPage or compartmentPage) when cur (nil on the first page)
// started this one: it remembers cur's start so that the page after can
// link back here.
func following(cur *cursor, next cursor) cursor {
	next.page, next.back = 2, nil
	if cur != nil {
		next.page = cur.page + 1
		back := append(append([]cursorPos(nil), cur.back...), cursorPos{cur.key, cur.id})
		next.back = back[max(0, len(back)-maxBack):]
	}
	return next
}

// previous returns the cursor of the page before the one cur starts:
// first is set when that is the first page (which has no cursor), and ok
// is false when cur does not remember it.
func (c *cursor) previous() (prev cursor, first, ok bool) {
	switch {
	case c.page == 2:
		return cursor{}, true, true
	case len(c.back) == 0:
		return cursor{}, false, false
	}
	last := c.back[len(c.back)-1]
	return cursor{kind: c.kind, key: last.key, id: last.id, page: c.page - 1, back: c.back[:len(c.back)-1]}, false, true
}

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

// cursorVersion is the first byte of a cursor's plain text.
const cursorVersion = 2

// sealCursor encrypts and authenticates c for the search named by binding
// and returns it as a URL-safe token of at most maxCursor bytes: the
// oldest pages of c.back are left out if need be.
func sealCursor(c cursor, binding string) string {
	for {
		tok := sealCursorOnce(c, binding)
		if len(tok) <= maxCursor || len(c.back) == 0 {
			return tok
		}
		c.back = c.back[1:]
	}
}

func sealCursorOnce(c cursor, binding string) string {
	p := []byte{cursorVersion, c.kind}
	p = binary.AppendUvarint(p, uint64(c.page))
	p = binary.AppendUvarint(p, uint64(len(c.back)))
	p = appendPos(p, cursorPos{c.key, c.id})
	for _, b := range c.back {
		p = appendPos(p, b)
	}
	aead := cursorAEAD()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(p)+aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, p, []byte(binding)))
}

// appendPos appends a page start: whether its key has a value, the value
// in milliseconds, then the key's type and id and the patient id, each
// with its length.
func appendPos(p []byte, x cursorPos) []byte {
	var set byte
	if !x.key.Value.IsZero() {
		set = 1
	}
	p = append(p, set)
	p = binary.BigEndian.AppendUint64(p, uint64(x.key.Value.UnixMilli()))
	for _, s := range []string{x.key.Type, x.key.ID, x.id} {
		p = binary.AppendUvarint(p, uint64(len(s)))
		p = append(p, s...)
	}
	return p
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
	if err != nil || len(p) < 2 || p[0] != cursorVersion {
		return cursor{}, errCursor
	}
	c := cursor{kind: p[1]}
	rest := p[2:]
	page, k := binary.Uvarint(rest)
	if k <= 0 {
		return cursor{}, errCursor
	}
	rest = rest[k:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > maxBack || page > 1<<31 {
		return cursor{}, errCursor
	}
	rest = rest[k:]
	c.page = int(page)
	var pos cursorPos
	if pos, rest, err = readPos(rest); err != nil {
		return cursor{}, err
	}
	c.key, c.id = pos.key, pos.id
	for range n {
		if pos, rest, err = readPos(rest); err != nil {
			return cursor{}, err
		}
		c.back = append(c.back, pos)
	}
	if len(rest) != 0 {
		return cursor{}, errCursor
	}
	return c, nil
}

// readPos reads a page start written by appendPos.
func readPos(p []byte) (cursorPos, []byte, error) {
	var x cursorPos
	if len(p) < 9 {
		return x, nil, errCursor
	}
	if p[0] == 1 {
		x.key.Value = time.UnixMilli(int64(binary.BigEndian.Uint64(p[1:9]))).UTC()
	}
	rest := p[9:]
	var fields [3]string
	for i := range fields {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return x, nil, errCursor
		}
		fields[i], rest = string(rest[k:k+int(n)]), rest[k+int(n):]
	}
	x.key.Type, x.key.ID, x.id = fields[0], fields[1], fields[2]
	return x, rest, nil
}

// resourceCursor returns the cursor that continues after r in order o.
func resourceCursor(r *lifeboat.Resource, o lifeboat.ResourceOrder) cursor {
	kind := cursorDate
	if o == lifeboat.OrderLastUpdated {
		kind = cursorUpdated
	}
	return cursor{kind: kind, key: lifeboat.KeyOf(r, o)}
}
