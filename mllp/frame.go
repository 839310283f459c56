package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MLLP framing bytes.
const (
	StartBlock     = 0x0B // vertical tab: starts a frame
	EndBlock       = 0x1C // file separator: ends a frame
	CarriageReturn = 0x0D // follows the end block (optional on input)
)

// DefaultMaxFrame is the largest message a Reader accepts when no maximum is
// configured: 16 MiB, room for an HL7 message with embedded documents.
const DefaultMaxFrame = 16 << 20

// HeadSize is how many leading bytes of an oversize frame a FrameError keeps
// (enough for the MSH segment, so a caller can still build a negative ACK).
const HeadSize = 4096

// readBufferSize is the size of the bufio.Reader a Reader makes.
const readBufferSize = 32 << 10

// shrinkAbove is the capacity beyond which a Reader drops its frame buffer
// before the next frame, so one large message does not pin memory for the
// life of a connection.
const shrinkAbove = 1 << 20

var (
	// ErrFrameTooLarge reports a frame longer than the Reader's maximum. It
	// arrives wrapped in a *FrameError; the Reader can go on reading.
	ErrFrameTooLarge = errors.New("mllp: frame exceeds the maximum size")
	// ErrAbandoned reports a frame cut short by a new start block. It
	// arrives wrapped in a *FrameError; the Reader can go on reading.
	ErrAbandoned = errors.New("mllp: frame abandoned by a new start block")
	// ErrUnterminated reports end of input inside a frame. It wraps
	// io.ErrUnexpectedEOF.
	ErrUnterminated = fmt.Errorf("mllp: unterminated frame: %w", io.ErrUnexpectedEOF)
	// ErrInvalidContent reports a message that cannot be framed because it
	// contains a start or end block byte.
	ErrInvalidContent = errors.New("mllp: message contains a start or end block byte")
)

// FrameError reports a frame the Reader skipped: too large (ErrFrameTooLarge)
// or abandoned (ErrAbandoned). After a FrameError the Reader is positioned
// for the next frame. Its text never includes message content.
type FrameError struct {
	// Err is ErrFrameTooLarge or ErrAbandoned.
	Err error
	// Size is the number of message bytes seen (for an oversize frame cut
	// by the end of input or a start block, the number seen until then).
	Size int64
	// Head holds the first bytes of an oversize frame (at most HeadSize);
	// nil for an abandoned frame. It is PHI: never log it.
	Head []byte
}

// Error implements the error interface.
func (e *FrameError) Error() string {
	return fmt.Sprintf("%v (%d bytes)", e.Err, e.Size)
}

// Unwrap returns the underlying ErrFrameTooLarge or ErrAbandoned.
func (e *FrameError) Unwrap() error { return e.Err }

// Reader reads MLLP frames from a byte stream. It is not safe for
// concurrent use.
type Reader struct {
	br        *bufio.Reader
	max       int
	buf       []byte
	discarded int64
	pendingCR bool  // the last frame ended at a buffer boundary; a CR may follow
	err       error // sticky error: the stream is unusable
	onStart   func()
}

// NewReader returns a Reader of frames from r that accepts messages of at
// most maxFrame bytes (DefaultMaxFrame if maxFrame <= 0).
func NewReader(r io.Reader, maxFrame int) *Reader {
	return newReaderSize(r, maxFrame, readBufferSize)
}

func newReaderSize(r io.Reader, maxFrame, size int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Reader{br: bufio.NewReaderSize(r, size), max: maxFrame}
}

// Discarded returns the number of bytes found outside frames so far (a CR
// directly after an end block does not count).
func (r *Reader) Discarded() int64 { return r.discarded }

// Buffered returns the number of bytes read from the stream but not yet
// consumed.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadFrame returns the next message, without its framing. The slice is
// owned by the Reader and valid only until the next call. A *FrameError
// (ErrFrameTooLarge, ErrAbandoned) leaves the Reader ready for the next
// frame; io.EOF means the input ended between frames; any other error
// (ErrUnterminated, or the underlying reader's, such as a timeout) is
// returned again by every later call.
func (r *Reader) ReadFrame() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if cap(r.buf) > shrinkAbove {
		r.buf = nil
	}
	if err := r.skipToStart(); err != nil {
		r.err = err
		return nil, err
	}
	if r.onStart != nil {
		r.onStart()
	}
	return r.readBody()
}

// peek returns the buffered bytes, reading more when none are buffered.
// It returns a non-empty slice or an error.
func (r *Reader) peek() ([]byte, error) {
	n := r.br.Buffered()
	if n == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return nil, err
		}
		n = r.br.Buffered()
	}
	return r.br.Peek(n)
}

// discard consumes n buffered bytes.
func (r *Reader) discard(n int) {
	// Discarding buffered bytes cannot fail.
	_, _ = r.br.Discard(n)
}

// skipToStart consumes input up to and including the next start block.
func (r *Reader) skipToStart() error {
	for {
		chunk, err := r.peek()
		if err != nil {
			return err
		}
		if r.pendingCR {
			r.pendingCR = false
			if chunk[0] == CarriageReturn {
				r.discard(1)
				continue
			}
		}
		if i := bytes.IndexByte(chunk, StartBlock); i >= 0 {
			r.discarded += int64(i)
			r.discard(i + 1)
			return nil
		}
		r.discarded += int64(len(chunk))
		r.discard(len(chunk))
	}
}

// readBody reads the message after a start block, through its end block.
func (r *Reader) readBody() ([]byte, error) {
	if r.buf == nil {
		r.buf = make([]byte, 0, min(512, r.max)) // an empty frame is not nil
	}
	r.buf = r.buf[:0]
	for {
		chunk, err := r.peek()
		if err != nil {
			if err == io.EOF {
				err = ErrUnterminated
			}
			r.err = err
			return nil, err
		}
		n, delim := delimit(chunk)
		if len(r.buf)+n > r.max {
			return nil, r.skipOversize()
		}
		if delim == StartBlock {
			// Leave the start block for the next ReadFrame.
			size := int64(len(r.buf) + n)
			r.discard(n)
			return nil, &FrameError{Err: ErrAbandoned, Size: size}
		}
		r.grow(n)
		r.buf = append(r.buf, chunk[:n]...)
		if delim == 0 {
			r.discard(n)
			continue
		}
		r.discard(n + 1)
		r.endFrame()
		return r.buf, nil
	}
}

// delimit returns the index of the first start or end block in b and which
// it is, or len(b) and 0 if there is none.
func delimit(b []byte) (int, byte) {
	end := bytes.IndexByte(b, EndBlock)
	head := b
	if end >= 0 {
		head = b[:end]
	}
	if s := bytes.IndexByte(head, StartBlock); s >= 0 {
		return s, StartBlock
	}
	if end >= 0 {
		return end, EndBlock
	}
	return len(b), 0
}

// endFrame consumes the CR after an end block if it is already buffered,
// or remembers to drop it before the next frame. It never blocks.
func (r *Reader) endFrame() {
	if r.br.Buffered() == 0 {
		r.pendingCR = true
		return
	}
	if b, _ := r.br.Peek(1); b[0] == CarriageReturn {
		r.discard(1)
	}
}

// grow makes room for n more bytes in buf without ever exceeding max
// capacity (the caller has checked len(buf)+n <= max).
func (r *Reader) grow(n int) {
	need := len(r.buf) + n
	if need <= cap(r.buf) {
		return
	}
	c := max(2*cap(r.buf), need)
	c = min(c, r.max)
	nb := make([]byte, len(r.buf), c)
	copy(nb, r.buf)
	r.buf = nb
}

// skipOversize keeps the head of an oversize frame and skips the rest, up to
// its end block (consumed) or the next start block (left for the next
// frame). The bytes of the current chunk are still buffered.
func (r *Reader) skipOversize() error {
	fe := &FrameError{Err: ErrFrameTooLarge, Size: int64(len(r.buf))}
	fe.Head = append(make([]byte, 0, HeadSize), r.buf[:min(len(r.buf), HeadSize)]...)
	r.buf = r.buf[:0]
	for {
		chunk, err := r.peek()
		if err == io.EOF {
			return fe
		}
		if err != nil {
			r.err = err
			return err
		}
		n, delim := delimit(chunk)
		r.keepHead(fe, chunk[:n])
		switch delim {
		case StartBlock:
			r.discard(n)
			return fe
		case EndBlock:
			r.discard(n + 1)
			r.endFrame()
			return fe
		}
		r.discard(n)
	}
}

// keepHead counts b into an oversize frame and keeps what fits in its head.
func (r *Reader) keepHead(fe *FrameError, b []byte) {
	fe.Size += int64(len(b))
	if room := HeadSize - len(fe.Head); room > 0 {
		fe.Head = append(fe.Head, b[:min(room, len(b))]...)
	}
}

// Writer writes MLLP frames. It is not safe for concurrent use.
type Writer struct {
	bw *bufio.Writer
}

// NewWriter returns a Writer of frames to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 8<<10)}
}

// WriteFrame writes msg as one frame (start block, msg, end block, CR) and
// flushes it. A msg containing a start or end block byte is refused with
// ErrInvalidContent, since the receiver could not tell where it ends.
func (w *Writer) WriteFrame(msg []byte) error {
	if err := CheckContent(msg); err != nil {
		return err
	}
	_ = w.bw.WriteByte(StartBlock)
	_, _ = w.bw.Write(msg)
	_ = w.bw.WriteByte(EndBlock)
	_ = w.bw.WriteByte(CarriageReturn)
	if err := w.bw.Flush(); err != nil {
		// A failed write leaves the bufio.Writer unusable; so is the stream.
		return fmt.Errorf("mllp: write frame: %w", err)
	}
	return nil
}

// CheckContent returns ErrInvalidContent if msg contains a start or end
// block byte and so cannot be framed.
func CheckContent(msg []byte) error {
	if bytes.IndexByte(msg, StartBlock) >= 0 || bytes.IndexByte(msg, EndBlock) >= 0 {
		return ErrInvalidContent
	}
	return nil
}

// AppendFrame appends msg framed (start block, msg, end block, CR) to dst.
// It does not check the content; see CheckContent.
func AppendFrame(dst, msg []byte) []byte {
	dst = append(dst, StartBlock)
	dst = append(dst, msg...)
	return append(dst, EndBlock, CarriageReturn)
}
