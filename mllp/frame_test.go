package mllp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// outcome is one result of ReadFrame, in a form tests can compare.
type outcome struct {
	kind string // "frame", "oversize", "abandoned", "unterminated", "eof"
	msg  string // for "frame"
	size int64  // for "oversize" and "abandoned"
}

func (o outcome) String() string {
	if o.kind == "frame" {
		return fmt.Sprintf("frame(%q)", o.msg)
	}
	return fmt.Sprintf("%s(%d)", o.kind, o.size)
}

// model computes what a Reader must return for data, independently of it:
// every start block begins a frame; a frame ends at the next start block
// (abandoned), end block (complete) or end of input (unterminated); a frame
// longer than maxFrame is oversize whatever ends it; a CR right after an
// end block is dropped; everything else outside frames is discarded.
func model(data []byte, maxFrame int) (outs []outcome, discarded int64) {
	pos := 0
	for {
		i := bytes.IndexByte(data[pos:], StartBlock)
		if i < 0 {
			discarded += int64(len(data) - pos)
			return append(outs, outcome{kind: "eof"}), discarded
		}
		discarded += int64(i)
		pos += i + 1
		j := bytes.IndexAny(data[pos:], "\x0b\x1c")
		if j < 0 {
			size := int64(len(data) - pos)
			if size > int64(maxFrame) {
				return append(outs, outcome{kind: "oversize", size: size}, outcome{kind: "eof"}), discarded
			}
			return append(outs, outcome{kind: "unterminated"}), discarded
		}
		body, delim := data[pos:pos+j], data[pos+j]
		switch {
		case len(body) > maxFrame:
			outs = append(outs, outcome{kind: "oversize", size: int64(len(body))})
		case delim == StartBlock:
			outs = append(outs, outcome{kind: "abandoned", size: int64(len(body))})
		default:
			outs = append(outs, outcome{kind: "frame", msg: string(body)})
		}
		pos += j
		if delim == EndBlock {
			pos++
			if pos < len(data) && data[pos] == CarriageReturn {
				pos++
			}
		}
	}
}

// readAll reads r to its end (or a sticky error) and returns the outcomes.
func readAll(t testing.TB, r *Reader) []outcome {
	t.Helper()
	var outs []outcome
	for n := 0; ; n++ {
		if n > 1<<20 {
			t.Fatal("reader does not end")
		}
		msg, err := r.ReadFrame()
		var fe *FrameError
		switch {
		case err == nil:
			if CheckContent(msg) != nil {
				t.Fatalf("frame %q contains a framing byte", msg)
			}
			if cap(msg) > r.max {
				t.Fatalf("frame buffer capacity %d exceeds the maximum %d", cap(msg), r.max)
			}
			outs = append(outs, outcome{kind: "frame", msg: string(msg)})
		case errors.As(err, &fe) && errors.Is(err, ErrFrameTooLarge):
			if len(fe.Head) > HeadSize {
				t.Fatalf("head of %d bytes", len(fe.Head))
			}
			outs = append(outs, outcome{kind: "oversize", size: fe.Size})
		case errors.As(err, &fe) && errors.Is(err, ErrAbandoned):
			outs = append(outs, outcome{kind: "abandoned", size: fe.Size})
		case errors.Is(err, io.EOF):
			return append(outs, outcome{kind: "eof"})
		case errors.Is(err, ErrUnterminated):
			if _, again := r.ReadFrame(); again != err {
				t.Fatalf("error not sticky: %v then %v", err, again)
			}
			return append(outs, outcome{kind: "unterminated"})
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
}

func TestReaderEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		max       int
		want      []outcome
		discarded int64
	}{
		{"one frame", "\x0bMSH|a\x1c\x0d", 0, []outcome{{kind: "frame", msg: "MSH|a"}, {kind: "eof"}}, 0},
		{"two frames", "\x0bA\x1c\x0d\x0bB\x1c\x0d", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "frame", msg: "B"}, {kind: "eof"}}, 0},
		{"empty input", "", 0, []outcome{{kind: "eof"}}, 0},
		{"empty frame", "\x0b\x1c\x0d", 0, []outcome{{kind: "frame", msg: ""}, {kind: "eof"}}, 0},
		{"junk before start", "junk\r\n\x0bA\x1c\x0d", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "eof"}}, 6},
		{"junk between frames", "\x0bA\x1c\x0d\n\x0bB\x1c\x0d", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "frame", msg: "B"}, {kind: "eof"}}, 1},
		{"junk only", "hello", 0, []outcome{{kind: "eof"}}, 5},
		{"no CR then next start", "\x0bA\x1c\x0bB\x1c", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "frame", msg: "B"}, {kind: "eof"}}, 0},
		{"no CR then junk", "\x0bA\x1cxy\x0bB\x1c\x0d", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "frame", msg: "B"}, {kind: "eof"}}, 2},
		{"no CR at end", "\x0bA\x1c", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "eof"}}, 0},
		{"two CRs", "\x0bA\x1c\x0d\x0d\x0bB\x1c\x0d", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "frame", msg: "B"}, {kind: "eof"}}, 1},
		{"segment CRs kept", "\x0bMSH|1\rPID|2\r\x1c\x0d", 0, []outcome{{kind: "frame", msg: "MSH|1\rPID|2\r"}, {kind: "eof"}}, 0},
		{"unterminated", "\x0bMSH|", 0, []outcome{{kind: "unterminated"}}, 0},
		{"unterminated after frame", "\x0bA\x1c\x0d\x0bB", 0, []outcome{{kind: "frame", msg: "A"}, {kind: "unterminated"}}, 0},
		{"abandoned", "\x0bAB\x0bC\x1c\x0d", 0, []outcome{{kind: "abandoned", size: 2}, {kind: "frame", msg: "C"}, {kind: "eof"}}, 0},
		{"at maximum", "\x0b1234\x1c\x0d", 4, []outcome{{kind: "frame", msg: "1234"}, {kind: "eof"}}, 0},
		{"oversize then good", "\x0b12345\x1c\x0d\x0bok\x1c\x0d", 4, []outcome{{kind: "oversize", size: 5}, {kind: "frame", msg: "ok"}, {kind: "eof"}}, 0},
		{"oversize cut by start", "\x0b123456789\x0bok\x1c", 4, []outcome{{kind: "oversize", size: 9}, {kind: "frame", msg: "ok"}, {kind: "eof"}}, 0},
		{"oversize at end of input", "\x0b123456789", 4, []outcome{{kind: "oversize", size: 9}, {kind: "eof"}}, 0},
		{"abandoned under maximum", "\x0b12\x0b123456\x1c\x0bok\x1c", 4, []outcome{{kind: "abandoned", size: 2}, {kind: "oversize", size: 6}, {kind: "frame", msg: "ok"}, {kind: "eof"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxFrame := tt.max
			if maxFrame == 0 {
				maxFrame = DefaultMaxFrame
			}
			if got, disc := model([]byte(tt.in), maxFrame); fmt.Sprint(got) != fmt.Sprint(tt.want) || disc != tt.discarded {
				t.Fatalf("model: got %v, %d discarded; want %v, %d", got, disc, tt.want, tt.discarded)
			}
			readers := map[string]io.Reader{
				"whole":    strings.NewReader(tt.in),
				"one byte": iotest.OneByteReader(strings.NewReader(tt.in)),
				"half":     iotest.HalfReader(strings.NewReader(tt.in)),
				"data+EOF": iotest.DataErrReader(strings.NewReader(tt.in)),
			}
			for how, src := range readers {
				r := NewReader(src, tt.max)
				got := readAll(t, r)
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("%s: got %v, want %v", how, got, tt.want)
				}
				if r.Discarded() != tt.discarded {
					t.Errorf("%s: discarded %d, want %d", how, r.Discarded(), tt.discarded)
				}
			}
		})
	}
}

// TestReaderDoesNotWaitForCR shows a frame without the trailing CR is
// returned at once, while the sender waits for its ACK.
func TestReaderDoesNotWaitForCR(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	r := NewReader(pr, 0)
	go func() { _, _ = pw.Write([]byte("\x0bMSH|1\x1c")) }()
	msg, err := r.ReadFrame()
	if err != nil || string(msg) != "MSH|1" {
		t.Fatalf("got %q, %v", msg, err)
	}
	// The CR that arrives late is not junk, and the next frame follows.
	go func() { _, _ = pw.Write([]byte("\x0d\x0bMSH|2\x1c\x0d")) }()
	msg, err = r.ReadFrame()
	if err != nil || string(msg) != "MSH|2" || r.Discarded() != 0 {
		t.Fatalf("got %q, %v, %d discarded", msg, err, r.Discarded())
	}
}

func TestOversizeHead(t *testing.T) {
	big := "MSH|^~\\&|LAB|" + strings.Repeat("x", 3*HeadSize)
	r := NewReader(strings.NewReader("\x0b"+big+"\x1c\x0d\x0bnext\x1c\x0d"), 100)
	_, err := r.ReadFrame()
	var fe *FrameError
	if !errors.As(err, &fe) || !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("got %v, want a too-large FrameError", err)
	}
	if fe.Size != int64(len(big)) || string(fe.Head) != big[:HeadSize] {
		t.Fatalf("size %d head %d bytes, want %d and the first %d", fe.Size, len(fe.Head), len(big), HeadSize)
	}
	if strings.Contains(err.Error(), "MSH") {
		t.Fatalf("error text carries content: %v", err)
	}
	if msg, err := r.ReadFrame(); err != nil || string(msg) != "next" {
		t.Fatalf("after oversize: %q, %v", msg, err)
	}
}

// endless yields a start block and then n bytes of 'x', without storing them.
type endless struct{ n, sent int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.sent == 0 && len(p) > 0 {
		p[0] = StartBlock
		e.sent = 1
		return 1, nil
	}
	if e.sent > e.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n+1-e.sent)
	for i := range p[:k] {
		p[i] = 'x'
	}
	e.sent += k
	return int(k), nil
}

// TestReaderMemoryBounded feeds a 256 MiB frame to a Reader with a 1 MiB
// maximum: it must skip it without allocating more than a few MiB.
func TestReaderMemoryBounded(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewReader(&endless{n: 256 << 20}, 1<<20)
	_, err := r.ReadFrame()
	runtime.ReadMemStats(&after)
	var fe *FrameError
	if !errors.As(err, &fe) || fe.Size != 256<<20 {
		t.Fatalf("got %v, want oversize of 256 MiB", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("allocated %d bytes to skip a 256 MiB frame", alloc)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after: %v, want EOF", err)
	}
}

// TestReaderShrinks checks a large message's buffer is not kept.
func TestReaderShrinks(t *testing.T) {
	big := strings.Repeat("x", 2*shrinkAbove)
	r := NewReader(strings.NewReader("\x0b"+big+"\x1c\x0bsmall\x1c"), 0)
	if msg, err := r.ReadFrame(); err != nil || len(msg) != len(big) {
		t.Fatalf("big: %d bytes, %v", len(msg), err)
	}
	msg, err := r.ReadFrame()
	if err != nil || string(msg) != "small" || cap(r.buf) > shrinkAbove {
		t.Fatalf("small: %q, %v, buffer %d", msg, err, cap(r.buf))
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, m := range []string{"MSH|1\rPID|x\r", ""} {
		if err := w.WriteFrame([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "\x0bMSH|1\rPID|x\r\x1c\x0d\x0b\x1c\x0d"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
	if got := string(AppendFrame([]byte("a"), []byte("b"))); got != "a\x0bb\x1c\x0d" {
		t.Fatalf("AppendFrame: %q", got)
	}
	for _, bad := range []string{"a\x0bb", "a\x1cb"} {
		if err := w.WriteFrame([]byte(bad)); !errors.Is(err, ErrInvalidContent) {
			t.Errorf("WriteFrame(%q) = %v, want ErrInvalidContent", bad, err)
		}
	}
	if err := NewWriter(errWriter{}).WriteFrame([]byte("x")); err == nil || !strings.HasPrefix(err.Error(), "mllp: ") {
		t.Fatalf("failing writer: %v", err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }
