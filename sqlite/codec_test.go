package sqlite

import (
	"bytes"
	"testing"
)

func TestCodecRoundTrip(t *testing.T) {
	c, err := newCodec()
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{
		[]byte(`{"resourceType":"Patient","id":"p1","name":[{"family":"Quenby"}]}`),
		[]byte(`{}`),
		bytes.Repeat([]byte(`{"x":"y"},`), 10000),
	} {
		enc := c.encode(nil, body)
		if enc[0] != codecS2Dict {
			t.Fatalf("codec byte %d", enc[0])
		}
		got, err := c.decode(enc)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("round trip: %v", err)
		}
	}
	if got, err := c.decode(append([]byte{codecRaw}, `{"a":1}`...)); err != nil || string(got) != `{"a":1}` {
		t.Fatalf("raw: %q %v", got, err)
	}
	for _, bad := range [][]byte{nil, {9, 1, 2}, {codecS2Dict, 0xff, 0xff}} {
		if _, err := c.decode(bad); err == nil {
			t.Errorf("decode(%v) succeeded", bad)
		}
	}
}

func FuzzCodecDecode(f *testing.F) {
	c, err := newCodec()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.encode(nil, []byte(`{"resourceType":"Observation"}`)))
	f.Add([]byte{codecRaw, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		c.decode(b) // must not panic
	})
}
