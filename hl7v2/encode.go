package hl7v2

// Encode returns the message as bytes. For a parsed message they are the input,
// byte for byte: delimiters, segment terminators (CR, LF or CRLF, each segment's
// own) and any blank lines before MSH or after the last segment are reproduced.
func (m *Message) Encode() []byte {
	return m.AppendTo(make([]byte, 0, len(m.raw)))
}

// AppendTo appends the encoded message to dst.
func (m *Message) AppendTo(dst []byte) []byte {
	dst = append(dst, m.raw[:m.lead]...)
	for _, si := range m.segs {
		dst = append(dst, m.raw[si.start:si.next]...)
	}
	return dst
}

// Raw returns the encoded message as a string without copying it.
func (m *Message) Raw() string { return m.raw }

// Size returns the length of the encoded message in bytes.
func (m *Message) Size() int { return len(m.raw) }
