// Package hl7v2 parses and encodes HL7 version 2 messages (versions 2.1 to 2.8).
//
// It does no I/O. [Parse] copies the input once into an immutable string and indexes
// its segments; fields, repetitions, components and subcomponents are found on demand
// by scanning that string, so reading a value allocates nothing and a message that is
// only routed or acknowledged costs one pass over its bytes. Values keep their escape
// sequences until [Value.Text] resolves them and decodes the character set of MSH-18
// into UTF-8, so parsing and unescaping are separate steps.
//
// Numbering follows HL7: segments, fields, repetitions, components and subcomponents
// count from 1, and MSH-1 is the field separator itself, so MSH-2 holds the encoding
// characters and MSH-3 is the sending application. Paths such as "PID-5-1",
// "OBX(2)-5" or "PID-3(2)-4-1" address values through [Message.Get].
//
// [Message.Encode] reproduces the input byte for byte, including unusual delimiters
// and segment terminators (CR, LF or CRLF). A [Builder] constructs new messages with
// proper escaping, and [AppendAck] builds original-mode (AA/AE/AR) and enhanced-mode
// (CA/CE/CR) acknowledgements with MSA and ERR segments that match the version of the
// message being acknowledged.
//
// Errors name positions (segment number and ID, field number) and never include
// message content, which is protected health information.
package hl7v2
