package sqlite

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Record layouts. recordMagic starts a record of the current layout: the
// message alone, whose resources are mapped again when it is read back
// (see Remap). recordMagicV1 started records that also held the message's
// resources. Records written before either are gob streams, which cannot
// start with these bytes (a gob stream starts with a type definition, whose
// id is negative).
const (
	recordMagic   = "LBR2"
	recordMagicV1 = "LBR1"
)

// errRecord reports a record that does not decode.
var errRecord = errors.New("sqlite: inbox: malformed record")

// appendRecord appends m to dst in the inbox's binary layout: the magic,
// then the message's fields as length-prefixed strings, varints and times
// (Unix nanoseconds, 0 for the zero time). It is several times cheaper than
// gob, and the message alone is about a tenth of the record with its
// resources, which matters on the path to an acknowledgement.
func appendRecord(dst []byte, m *lifeboat.Message) []byte {
	w := recWriter{b: append(dst, recordMagic...)}
	w.message(m)
	return w.b
}

func (w *recWriter) message(m *lifeboat.Message) {
	w.int(m.ID)
	w.time(m.Received)
	w.str(m.Feed)
	w.str(m.ControlID)
	w.str(m.Type)
	w.str(m.Remote)
	w.str(m.Status)
	w.str(m.Error)
	w.int(int64(m.Resources))
	w.bytes(m.Raw)
}

// decodeRecord decodes a record written by appendRecord, or one of the
// earlier layout with its resources.
func decodeRecord(b []byte) (*inboxRecord, error) {
	if len(b) < len(recordMagic) {
		return nil, errRecord
	}
	magic := string(b[:len(recordMagic)])
	if magic != recordMagic && magic != recordMagicV1 {
		return nil, errRecord
	}
	r := recReader{b: b[len(recordMagic):]}
	rec := &inboxRecord{remap: magic == recordMagic}
	m := &rec.Message
	m.ID = r.int()
	m.Received = r.time()
	m.Feed = r.str()
	m.ControlID = r.str()
	m.Type = r.str()
	m.Remote = r.str()
	m.Status = r.str()
	m.Error = r.str()
	m.Resources = int(r.int())
	m.Raw = r.bytes()
	if magic == recordMagicV1 {
		rec.Resources = r.resources()
	}
	if r.err || len(r.b) != 0 {
		return nil, errRecord
	}
	return rec, nil
}

// resources reads the resources of a record of the earlier layout.
func (r *recReader) resources() []*lifeboat.Resource {
	n := r.count()
	rs := make([]*lifeboat.Resource, 0, n)
	for range n {
		res := &lifeboat.Resource{}
		res.Type = r.str()
		res.ID = r.str()
		res.Version = r.int()
		res.SourceVersion = r.str()
		res.LastUpdated = r.time()
		res.Received = r.time()
		res.Source.Kind = r.str()
		res.Source.Name = r.str()
		res.Source.Ref = r.str()
		res.Deleted = r.bool()
		res.Placeholder = r.bool()
		res.JSON = r.bytes()
		x := &res.Index
		x.Patient = r.str()
		x.Encounter = r.str()
		x.Location = r.str()
		x.Status = r.str()
		x.Category = r.str()
		x.Code = r.str()
		x.Date = r.time()
		if k := r.count(); k > 0 {
			x.Identifiers = make([]lifeboat.Identifier, k)
			for i := range x.Identifiers {
				x.Identifiers[i] = lifeboat.Identifier{System: r.str(), Value: r.str()}
			}
		}
		if k := r.count(); k > 0 {
			x.Names = make([]string, k)
			for i := range x.Names {
				x.Names[i] = r.str()
			}
		}
		x.BirthDate = r.str()
		rs = append(rs, res)
	}
	return rs
}

type recWriter struct{ b []byte }

func (w *recWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *recWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *recWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *recWriter) bytes(p []byte) {
	if p == nil {
		w.uint(0)
		return
	}
	w.uint(uint64(len(p)) + 1) // 0 keeps nil apart from empty
	w.b = append(w.b, p...)
}
func (w *recWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// time writes t as Unix nanoseconds, keeping the zero time apart; the
// location is not kept (records hold UTC or local instants alike).
func (w *recWriter) time(t time.Time) {
	if t.IsZero() {
		w.b = append(w.b, 0)
		return
	}
	w.b = append(w.b, 1)
	w.int(t.UnixNano())
}

// recReader reads what recWriter wrote; a short or malformed input sets err
// and yields zero values from then on.
type recReader struct {
	b   []byte
	err bool
}

func (r *recReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// take returns the next n bytes, or nil and err if there are fewer.
func (r *recReader) take(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *recReader) str() string { return string(r.take(r.uint())) }

func (r *recReader) bytes() []byte {
	n := r.uint()
	if n == 0 {
		return nil
	}
	return append([]byte{}, r.take(n-1)...)
}

// count reads a length and bounds it by what is left, so that a corrupt
// record cannot make a huge allocation.
func (r *recReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.err, r.b = true, nil
		return 0
	}
	return int(n)
}

func (r *recReader) bool() bool {
	p := r.take(1)
	return len(p) == 1 && p[0] == 1
}

func (r *recReader) time() time.Time {
	if p := r.take(1); len(p) == 0 || p[0] == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.int())
}

// recordSize estimates the encoded size of m, to allocate once.
func recordSize(m *lifeboat.Message) int {
	return 128 + len(m.Raw) + len(m.Feed) + len(m.ControlID) + len(m.Type) + len(m.Remote) + len(m.Error)
}
