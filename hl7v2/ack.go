package hl7v2

import (
	"errors"
	"strconv"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// AckCode is an acknowledgement code (MSA-1, HL7 table 0008).
type AckCode string

// Acknowledgement codes. Original mode uses AA/AE/AR for its single acknowledgement;
// enhanced mode uses CA/CE/CR for the accept (commit) acknowledgement and AA/AE/AR
// for the application acknowledgement.
const (
	AppAccept    AckCode = "AA" // application accept
	AppError     AckCode = "AE" // application error
	AppReject    AckCode = "AR" // application reject
	CommitAccept AckCode = "CA" // commit accept: the message is safely stored
	CommitError  AckCode = "CE" // commit error
	CommitReject AckCode = "CR" // commit reject
)

// IsCommit reports whether c is an enhanced-mode accept acknowledgement code.
func (c AckCode) IsCommit() bool { return c == CommitAccept || c == CommitError || c == CommitReject }

func (c AckCode) valid() bool {
	switch c {
	case AppAccept, AppError, AppReject, CommitAccept, CommitError, CommitReject:
		return true
	}
	return false
}

// Outcome is what became of a received message, from which acknowledgement codes
// and the need to acknowledge follow.
type Outcome uint8

// Outcomes of a received message.
const (
	Accepted Outcome = iota // processed (or, for a commit acknowledgement, stored)
	Errored                 // not processed because of an error in the message or its processing
	Rejected                // refused: unsupported type, version or processing ID, or unreadable
)

// AckRequest holds what acknowledgements the sender asked for: MSH-15 (accept
// acknowledgement type) and MSH-16 (application acknowledgement type), each AL
// (always), NE (never), ER (on error or reject only) or SU (on success only). When
// both are empty, original acknowledgement mode applies.
type AckRequest struct {
	Accept      string // MSH-15, accept acknowledgement type
	Application string // MSH-16, application acknowledgement type
}

// AckRequest returns the acknowledgements the sender of m asked for.
func (m *Message) AckRequest() AckRequest {
	msh := m.Segment(1)
	return AckRequest{Accept: msh.Field(15).Text(), Application: msh.Field(16).Text()}
}

// Enhanced reports whether enhanced acknowledgement mode applies.
func (r AckRequest) Enhanced() bool { return r.Accept != "" || r.Application != "" }

func wants(cond string, o Outcome) bool {
	switch cond {
	case "NE":
		return false
	case "ER":
		return o != Accepted
	case "SU":
		return o == Accepted
	}
	return true
}

// SendCommit reports whether the receiver should send the first acknowledgement for
// outcome o: always in original mode (where it is the only one, with code AA, AE or
// AR), and per MSH-15 in enhanced mode (an empty or unknown MSH-15 counting as AL).
func (r AckRequest) SendCommit(o Outcome) bool {
	return !r.Enhanced() || wants(r.Accept, o)
}

// CommitCode returns the code of the first acknowledgement for outcome o: AA, AE or
// AR in original mode, CA, CE or CR in enhanced mode.
func (r AckRequest) CommitCode(o Outcome) AckCode {
	codes := [...]AckCode{AppAccept, AppError, AppReject}
	if r.Enhanced() {
		codes = [...]AckCode{CommitAccept, CommitError, CommitReject}
	}
	return codes[min(int(o), 2)]
}

// SendApplication reports whether, in enhanced mode, the receiver should send an
// application acknowledgement (AA, AE or AR) for outcome o, per MSH-16 (an empty
// MSH-16 counting as NE). In original mode it is false: the single acknowledgement
// is the one of SendCommit.
func (r AckRequest) SendApplication(o Outcome) bool {
	return r.Enhanced() && r.Application != "" && wants(r.Application, o)
}

// ApplicationCode returns the application acknowledgement code for outcome o.
func ApplicationCode(o Outcome) AckCode {
	return [...]AckCode{AppAccept, AppError, AppReject}[min(int(o), 2)]
}

// Severity is the severity of an error in an acknowledgement (ERR-4, HL7 table 0516).
type Severity string

// Severities.
const (
	SeverityError       Severity = "E"
	SeverityWarning     Severity = "W"
	SeverityInformation Severity = "I"
)

// AckError is one problem reported in an ERR segment of an acknowledgement.
type AckError struct {
	Location Location // where: ERR-2 (ERR-1 before v2.5); zero if unknown
	Code     int      // HL7 table 0357 code for ERR-3; 0 with severity E means 207
	Severity Severity // ERR-4; SeverityError if empty
	Message  string   // ERR-8 user message (and MSA-3 before v2.7); must carry no PHI
}

// AckErrorFor describes err for an acknowledgement: a *ParseError gives its location,
// code and message; another error gives code 207 and its lifeboat user message.
func AckErrorFor(err error) AckError {
	var pe *ParseError
	if errors.As(err, &pe) {
		return AckError{Location: pe.Location, Code: pe.Code, Severity: SeverityError, Message: pe.err.Message}
	}
	return AckError{Code: CodeInternal, Severity: SeverityError, Message: lifeboat.ErrorMessage(err)}
}

// Ack describes an acknowledgement to build for a received message.
type Ack struct {
	Code      AckCode    // MSA-1
	ControlID string     // MSH-10 of the acknowledgement itself
	Time      time.Time  // MSH-7; left empty if zero
	Text      string     // MSA-3 text before v2.7 (default: the first error's message); no PHI
	Errors    []AckError // one ERR segment each
	// Accept and Application set MSH-15 and MSH-16 of the acknowledgement
	// itself. An application acknowledgement sent as a message of its own
	// in enhanced mode may ask for an accept acknowledgement ("AL", "NE").
	// Commit acknowledgements default to "NE" and "NE", others to empty.
	Accept, Application string
}

// defaultAckVersion is the version of an acknowledgement for a message whose header
// could not be read.
const defaultAckVersion = "2.5.1"

// BuildAck returns the acknowledgement a for message orig; see AppendAck.
func BuildAck(orig *Message, a Ack) ([]byte, error) { return AppendAck(nil, orig, a) }

// AppendAck appends to dst the acknowledgement a for message orig, with CR segment
// terminators. Its MSH has the delimiters, version, processing ID and character set
// of orig, sender and receiver swapped, MSH-9 "ACK^<trigger>^ACK" (v2.3.1 and later;
// "ACK^<trigger>" before), and for enhanced-mode commit acknowledgements MSH-15 and
// MSH-16 "NE", so that the acknowledgement is not itself acknowledged. MSA carries the
// code and orig's control ID (MSH-10). Each error gets an ERR segment laid out for
// orig's version: ERR-2 location, ERR-3 code, ERR-4 severity and ERR-8 message from
// v2.5, ERR-1 (segment^sequence^field^code) before; versions 2.3 and 2.4 also get
// MSA-6. orig may be nil when not even its header could be read: the acknowledgement
// then has the default delimiters and version 2.5.1 and no control ID in MSA-2.
func AppendAck(dst []byte, orig *Message, a Ack) ([]byte, error) {
	if !a.Code.valid() {
		return dst, lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid acknowledgement code")
	}
	d, enc, cs := DefaultDelimiters, "", CharsetDefault
	var f [19]string // the raw fields of orig's MSH
	version := defaultAckVersion
	if orig != nil {
		d, enc, cs = orig.c.d, orig.enc, orig.c.cs
		msh := orig.Segment(1)
		msh.rawFields(f[:])
		if v := (Value{s: f[12], c: msh.c, level: levelField}).Comp(1).s; v != "" {
			version = v
		}
	}
	fieldComp := func(n, c int) string { return Value{s: f[n], c: &codec{d: d}, level: levelField}.Comp(c).s }
	w := segWriter{buf: dst, d: d, cs: cs}
	w.begin("MSH", enc)
	w.rawField(3, f[5])
	w.rawField(4, f[6])
	w.rawField(5, f[3])
	w.rawField(6, f[4])
	if !a.Time.IsZero() {
		w.field(7)
		var tb [32]byte
		ts := AppendTime(tb[:0], a.Time, PrecisionSecond, true)
		if d.Escape == 0 && d.isDelimiter(ts[len(ts)-5]) {
			ts = ts[:len(ts)-5] // the offset's sign is a delimiter that cannot be escaped
		}
		w.buf = AppendEscape(w.buf, string(ts), d, cs)
	}
	w.field(9)
	w.raw("ACK")
	trigger := fieldComp(9, 2)
	if versionAtLeast(version, 2, 3, 1) {
		w.sep(d.Component)
		w.raw(trigger)
		w.sep(d.Component)
		w.raw("ACK")
	} else if trigger != "" {
		w.sep(d.Component)
		w.raw(trigger)
	}
	w.textField(10, a.ControlID)
	if f[11] != "" {
		w.rawField(11, f[11])
	} else {
		w.textField(11, "P")
	}
	if f[12] != "" {
		w.rawField(12, f[12])
	} else {
		w.textField(12, version)
	}
	accept, application := a.Accept, a.Application
	if a.Code.IsCommit() && accept == "" && application == "" {
		accept, application = "NE", "NE"
	}
	if accept != "" || application != "" {
		w.textField(15, accept)
		w.textField(16, application)
	}
	w.rawField(18, f[18])
	w.end("\r")

	text := a.Text
	if text == "" && len(a.Errors) > 0 {
		text = a.Errors[0].Message
	}
	w.begin("MSA", "")
	w.textField(1, string(a.Code))
	w.rawField(2, f[10])
	if text != "" && !versionAtLeast(version, 2, 7, 0) {
		w.textField(3, text)
	}
	if len(a.Errors) > 0 && versionAtLeast(version, 2, 3, 0) && !versionAtLeast(version, 2, 5, 0) {
		w.field(6)
		writeCode(&w, errorCode(a.Errors[0]), d.Component)
	}
	w.end("\r")

	for _, e := range a.Errors {
		w.begin("ERR", "")
		if versionAtLeast(version, 2, 5, 0) {
			writeERR(&w, e)
		} else {
			writeELD(&w, e)
		}
		w.end("\r")
	}
	return w.buf, nil
}

// errorCode returns the table 0357 code of e, 207 for an unspecified error.
func errorCode(e AckError) int {
	if e.Code == 0 && (e.Severity == "" || e.Severity == SeverityError) {
		return CodeInternal
	}
	return e.Code
}

// writeCode writes a table 0357 coded element (code, text, "HL70357") with sep
// between its parts, or the code alone if sep is 0.
func writeCode(w *segWriter, code int, sep byte) {
	w.buf = strconv.AppendInt(w.buf, int64(code), 10)
	if sep == 0 {
		return
	}
	w.sep(sep)
	w.text(CodeText(code))
	w.sep(sep)
	w.raw("HL70357")
}

// writeNum writes sep and n if n > 0.
func writeNum(w *segWriter, sep byte, n int) {
	w.sep(sep)
	if n > 0 {
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	}
}

// writeERR writes the fields of a v2.5+ ERR segment.
func writeERR(w *segWriter, e AckError) {
	l := e.Location
	if l.Segment != "" {
		w.field(2)
		w.text(l.Segment)
		w.sep(w.d.Component)
		w.buf = strconv.AppendInt(w.buf, int64(max(l.SegmentRep, 1)), 10)
		if l.Field > 0 {
			writeNum(w, w.d.Component, l.Field)
			writeNum(w, w.d.Component, max(l.FieldRep, 1))
			if l.Component > 0 {
				writeNum(w, w.d.Component, l.Component)
				if l.Subcomponent > 0 {
					writeNum(w, w.d.Component, l.Subcomponent)
				}
			}
		}
	}
	w.field(3)
	writeCode(w, errorCode(e), w.d.Component)
	sev := e.Severity
	if sev == "" {
		sev = SeverityError
	}
	w.textField(4, string(sev))
	if e.Message != "" {
		w.textField(8, e.Message)
	}
}

// writeELD writes ERR-1 as used before v2.5: segment^sequence^field^code.
func writeELD(w *segWriter, e AckError) {
	w.field(1)
	l := e.Location
	w.text(l.Segment)
	w.sep(w.d.Component)
	if l.Segment != "" {
		w.buf = strconv.AppendInt(w.buf, int64(max(l.SegmentRep, 1)), 10)
	}
	writeNum(w, w.d.Component, l.Field)
	w.sep(w.d.Component)
	writeCode(w, errorCode(e), w.d.Subcomponent)
}
