package sqlite

import (
	"bytes"
	"crypto/cipher"
	"encoding/gob"
	"reflect"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/lifeboat-health/lifeboat"
)

// fill sets every field reachable from v to a distinct non-zero value, so
// that a field the codec forgets shows up as a difference.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + time.Duration(*n).String())
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n) * 1001)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{byte(*n), 0, 1, 2})
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(*n), int64(*n)).UTC()))
			return
		}
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			fill(v.Field(i), n)
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

func TestRecordRoundTrip(t *testing.T) {
	var full lifeboat.Message
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	empty := lifeboat.Message{Raw: []byte{}}
	for name, m := range map[string]*lifeboat.Message{"full": &full, "empty": &empty} {
		got, err := decodeRecord(appendRecord(nil, m))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.remap || got.Resources != nil {
			t.Errorf("%s: a record of the message alone reads as mapped", name)
		}
		if want := (&inboxRecord{Message: *m}); !sameRecord(got, want) {
			t.Errorf("%s: round trip changed the message:\n got %+v\nwant %+v", name, got.Message, *m)
		}
	}
}

// A log written with the resources in each record (the earlier layout)
// still reads, resources and all.
func TestRecordV1Compatible(t *testing.T) {
	var full inboxRecord
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	empty := inboxRecord{Message: lifeboat.Message{Raw: []byte{}}, Resources: []*lifeboat.Resource{{}}}
	for name, rec := range map[string]*inboxRecord{"full": &full, "empty": &empty} {
		got, err := decodeRecord(appendRecordV1(nil, rec))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.remap || !sameRecord(got, rec) {
			t.Errorf("%s: the record read back differently:\n got %+v\nwant %+v", name, got, rec)
		}
	}
}

// appendRecordV1 writes a record the way Lifeboat did before the inbox
// kept the message alone: the message, then each resource.
func appendRecordV1(dst []byte, rec *inboxRecord) []byte {
	w := recWriter{b: append(dst, recordMagicV1...)}
	w.message(&rec.Message)
	w.uint(uint64(len(rec.Resources)))
	for _, r := range rec.Resources {
		w.str(r.Type)
		w.str(r.ID)
		w.int(r.Version)
		w.str(r.SourceVersion)
		w.time(r.LastUpdated)
		w.time(r.Received)
		w.str(r.Source.Kind)
		w.str(r.Source.Name)
		w.str(r.Source.Ref)
		w.bool(r.Deleted)
		w.bool(r.Placeholder)
		w.bytes(r.JSON)
		x := &r.Index
		w.str(x.Patient)
		w.str(x.Encounter)
		w.str(x.Location)
		w.str(x.Status)
		w.str(x.Category)
		w.str(x.Code)
		w.time(x.Date)
		w.uint(uint64(len(x.Identifiers)))
		for _, id := range x.Identifiers {
			w.str(id.System)
			w.str(id.Value)
		}
		w.uint(uint64(len(x.Names)))
		for _, n := range x.Names {
			w.str(n)
		}
		w.str(x.BirthDate)
	}
	return w.b
}

// sameRecord compares records with times as instants.
func sameRecord(a, b *inboxRecord) bool {
	norm := func(r *inboxRecord) []byte {
		var buf bytes.Buffer
		c := *r
		c.Message.Received = c.Message.Received.UTC()
		var rs []lifeboat.Resource
		for _, x := range r.Resources {
			y := *x
			y.LastUpdated, y.Received, y.Index.Date = y.LastUpdated.UTC(), y.Received.UTC(), y.Index.Date.UTC()
			rs = append(rs, y)
		}
		_ = gob.NewEncoder(&buf).Encode(struct {
			M  lifeboat.Message
			RS []lifeboat.Resource
		}{c.Message, rs})
		return buf.Bytes()
	}
	return bytes.Equal(norm(a), norm(b)) && reflect.DeepEqual(a.Message.Raw == nil, b.Message.Raw == nil)
}

// A log written with gob records (before the binary layout) still reads.
func TestRecordGobCompatible(t *testing.T) {
	var rec inboxRecord
	n := 0
	fill(reflect.ValueOf(&rec).Elem(), &n)
	var plain bytes.Buffer
	if err := gob.NewEncoder(&plain).Encode(&rec); err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(plain.Bytes(), []byte(recordMagic)) {
		t.Fatal("a gob record starts with the binary layout's magic")
	}
	in := &inbox{aead: testAEAD(t)}
	nonce := make([]byte, 24)
	sealed := in.aead.Seal(nonce, nonce, plain.Bytes(), nil)
	data := append([]byte{byte(len(sealed)), byte(len(sealed) >> 8), byte(len(sealed) >> 16), 0}, sealed...)
	got, size, err := in.readRecord(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(data)) || !sameRecord(got, &rec) {
		t.Errorf("gob record read back differently")
	}
	data, err = in.seal(&rec.Message)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err = in.readRecord(bytes.NewReader(data)); err != nil || !sameRecord(got, &inboxRecord{Message: rec.Message}) {
		t.Errorf("sealed binary record read back differently: %v", err)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	var rec inboxRecord
	n := 0
	fill(reflect.ValueOf(&rec).Elem(), &n)
	f.Add(appendRecord(nil, &rec.Message))
	f.Add(appendRecord(nil, &lifeboat.Message{}))
	f.Add(appendRecordV1(nil, &rec))
	f.Add(appendRecordV1(nil, &inboxRecord{}))
	f.Add([]byte(recordMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		again, err := decodeRecord(appendRecord(nil, &r.Message))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !sameRecord(again, &inboxRecord{Message: r.Message}) {
			t.Fatalf("re-encoded message reads back differently")
		}
		if r.Resources != nil {
			if _, err := decodeRecord(appendRecordV1(nil, r)); err != nil {
				t.Fatalf("re-encoded earlier record does not decode: %v", err)
			}
		}
	})
}

// BenchmarkSealRecord: sealing the record of a lab panel, the message alone
// (what the inbox writes) and, for comparison, with its nine resources of
// 1 KB (the earlier layout) or as gob (the one before).
func BenchmarkSealRecord(b *testing.B) {
	var rec inboxRecord
	n := 0
	fill(reflect.ValueOf(&rec).Elem(), &n)
	rec.Message.Raw = bytes.Repeat([]byte("x"), 1200)
	for range 7 {
		r := *rec.Resources[0]
		r.JSON = bytes.Repeat([]byte("x"), 1000)
		rec.Resources = append(rec.Resources, &r)
	}
	in := &inbox{aead: testAEAD(b)}
	b.Run("message", func(b *testing.B) {
		for b.Loop() {
			if _, err := in.seal(&rec.Message); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with-resources", func(b *testing.B) {
		for b.Loop() {
			plain := appendRecordV1(nil, &rec)
			in.aead.Seal(nil, make([]byte, 24), plain, nil)
		}
	})
	b.Run("gob", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&rec); err != nil {
				b.Fatal(err)
			}
			in.aead.Seal(nil, make([]byte, 24), buf.Bytes(), nil)
		}
	})
}

func testAEAD(t testing.TB) cipher.AEAD {
	aead, err := chacha20poly1305.NewX(bytes.Repeat([]byte{7}, chacha20poly1305.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return aead
}
