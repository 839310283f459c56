package mllp

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// chunkReader returns at most n bytes per Read, to move buffer boundaries.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// FuzzReadFrames reads arbitrary input with arbitrary maxima and read sizes
// and checks that the Reader never panics, never holds more than its maximum,
// returns exactly what the independent model says (so every well-formed frame
// in the input comes out whole), and that every frame it returns round-trips
// through the Writer.
func FuzzReadFrames(f *testing.F) {
	f.Add([]byte("\x0bMSH|^~\\&|LAB|H|LB|H|20240719||ORU^R01|1|P|2.5\rPID|1||123\r\x1c\x0d"), uint16(4096), uint8(0))
	f.Add([]byte("junk\x0bA\x1c\x0bB\x1cxx\x0bC\x0bD\x1c\x0d\x0d"), uint16(3), uint8(1))
	f.Add([]byte("\x0b0123456789\x1c\x0d\x0bok\x1c\x0d\x0bunterminated"), uint16(4), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, maxFrame uint16, chunk uint8) {
		m := 1 + int(maxFrame)%4096
		src := &chunkReader{b: bytes.Clone(data), n: 1 + int(chunk)}
		if chunk == 0 {
			src.n = len(data) + 1
		}
		r := newReaderSize(src, m, 16+int(chunk)%64)
		got := readAll(t, r)
		want, discarded := model(data, m)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("max %d chunk %d:\n got %v\nwant %v", m, chunk, got, want)
		}
		if r.Discarded() != discarded {
			t.Fatalf("discarded %d, want %d", r.Discarded(), discarded)
		}
		if cap(r.buf) > m {
			t.Fatalf("buffer capacity %d over maximum %d", cap(r.buf), m)
		}
		var enc bytes.Buffer
		w := NewWriter(&enc)
		var frames []outcome
		for _, o := range got {
			if o.kind == "frame" {
				if err := w.WriteFrame([]byte(o.msg)); err != nil {
					t.Fatalf("write back %q: %v", o.msg, err)
				}
				frames = append(frames, o)
			}
		}
		again := readAll(t, NewReader(&enc, m))
		if fmt.Sprint(again) != fmt.Sprint(append(frames, outcome{kind: "eof"})) {
			t.Fatalf("round trip: got %v, want %v", again, frames)
		}
	})
}
