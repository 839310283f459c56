// Package mllp is Lifeboat's HL7 v2 transport: the Minimal Lower Layer
// Protocol (the framing of MLLP release 1, which HL7 v2 interfaces use) over
// TCP, with optional TLS. It knows nothing of HL7 content: a Server hands each
// message's bytes to a Handler and frames whatever the Handler returns (the
// acknowledgement); a Client sends a message and returns the response.
//
// # Framing
//
// A frame is a start block 0x0B, the message bytes, an end block 0x1C and a
// carriage return 0x0D. Reader accepts what real senders emit:
//
//   - Bytes before a start block (line noise, a CR LF after the previous
//     frame, keep-alive junk) are discarded and counted (Reader.Discarded).
//   - The CR after the end block is optional: 0x1C ends the frame whatever
//     follows. The frame is returned at once, without waiting for the next
//     byte (a sender that omits the CR and waits for its ACK is answered);
//     a CR that follows later is consumed silently, and a start block that
//     follows directly is the next frame.
//   - A start block inside a frame abandons the frame so far
//     (ErrAbandoned) and starts a new one: every 0x0B in the stream starts
//     a frame, so one broken frame never hides the next good one.
//   - A frame longer than the maximum (DefaultMaxFrame unless configured) is
//     not buffered: its first HeadSize bytes are kept, the rest is skipped
//     up to its end block (or the next start block) and ReadFrame returns a
//     *FrameError wrapping ErrFrameTooLarge. The Reader then continues with
//     the next frame: the connection resynchronises rather than closes.
//   - End of input inside a frame is ErrUnterminated.
//
// A Reader's memory is bounded by its maximum frame size plus its read
// buffer, whatever the input.
//
// # Delivery
//
// MLLP has no delivery guarantee of its own: a message is delivered when its
// acknowledgement is received. A Client that wrote a message and then lost
// the connection or timed out cannot know whether the receiver got it; it
// returns an error wrapping ErrNotAcknowledged unless Client.Resend says the
// message may be sent again. Re-sending is safe with HL7 receivers, which
// de-duplicate by sender and message control id (MSH-10), Lifeboat's
// included; a message that was never written (dial failed, connection found
// closed before writing) is always retried. Before reusing a connection the
// Client checks, without blocking, that the receiver has not closed it (an
// idle timeout, a restart), so the common case needs no re-send; a receiver
// that closes at the very moment a message is written still makes it one.
//
// # Logs
//
// Messages are PHI: nothing in this package logs message content, not even
// a handler's panic value unless it is a runtime error. Logs carry remote
// addresses, connection ids, byte and frame counts, and errors.
package mllp
