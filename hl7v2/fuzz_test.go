package hl7v2

import (
	"bytes"
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse checks that no input makes the parser panic, that whatever parses
// re-encodes byte for byte and reassembles from its parts, that every value decodes
// to valid UTF-8, and that an acknowledgement of it parses.
func FuzzParse(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(data)
	}
	f.Add([]byte(adtA01))
	f.Add([]byte("MSH^~|\\&^A^B\r\nPID^1^^X~Y|Z&Q\n"))
	f.Add([]byte("MSH|^~\\&#|A\rNTE|1||\\.sp 3\\\\.in +2\\x\\C2D41\\\\XE9\\\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Parser{MaxSize: 1 << 20, MaxSegments: 2000}
		m, err := p.Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if hm, err := p.ParseHeader(data); err == nil {
				ackOf(t, hm)
			}
			return
		}
		if !bytes.Equal(m.Encode(), data) {
			t.Fatalf("encode differs:\n got %q\nwant %q", m.Encode(), data)
		}
		for seg := range m.Segments() {
			if got := rebuild(seg); got != seg.Raw() {
				t.Fatalf("segment %d reassembles as %q, want %q", seg.Number(), got, seg.Raw())
			}
			for _, v := range seg.Fields() {
				for r := range v.Reps() {
					for c := range r.Comps() {
						for s := range c.Subs() {
							if !utf8.ValidString(s.Text()) {
								t.Fatalf("invalid UTF-8 from %q", s.Raw())
							}
						}
					}
				}
				if !utf8.ValidString(v.Text()) {
					t.Fatalf("invalid UTF-8 from %q", v.Raw())
				}
			}
		}
		h := m.Header()
		_ = h.Validate()
		_, _ = h.Time(nil)
		_ = m.AckRequest()
		ackOf(t, m)
	})
}

// ackOf checks that an acknowledgement of m parses and answers m's control ID.
func ackOf(t *testing.T, m *Message) {
	t.Helper()
	ack, err := BuildAck(m, Ack{Code: CommitError, ControlID: "A|^~\\&1", Time: time.Unix(0, 0),
		Errors: []AckError{{Location: Location{Segment: "PID", Field: 3}, Code: CodeDataType, Message: "bad \\ value |^~&"}}})
	if err != nil {
		t.Fatal(err)
	}
	am, err := Parse(ack)
	if err != nil {
		t.Fatalf("ack %q does not parse: %v", ack, err)
	}
	if am.Delimiters() != m.Delimiters() || am.Get("MSA-2").Raw() != m.Get("MSH-10").Raw() {
		t.Fatalf("ack %q does not match", ack)
	}
	if am.Count("ERR") != 1 || am.Header().Type.Code != "ACK" {
		t.Fatalf("ack %q lacks ERR or type", ack)
	}
}

// FuzzUnescape checks that unescaping never panics and always yields valid UTF-8,
// and that escaping valid UTF-8 text unescapes back to it.
func FuzzUnescape(f *testing.F) {
	seeds := []string{
		`a\F\b\S\c\T\d\R\e\E\f\P\`, `\X0D0A\`, `\XC3A9\`, `\XE9\`, `\H\bold\N\`, `\Zabc\`, `\C2D41\` + "\xe9" + `\C2842\`,
		`\M2442\`, `\.br\`, `\.sp 3\`, `\.in +4\a\.ti -2\b`, `\.sk 99\`, `\.ce\x`, `\.fi\\.nf\`, `C:\path`, `\\`, "Mu\xf1oz", "Mu\xc3\xb1oz",
	}
	for i, s := range seeds {
		f.Add(s, "|^~\\&#", uint8(i%13))
	}
	f.Add("}F}}E}", "|^~}&", uint8(0))
	f.Fuzz(func(t *testing.T, s, delims string, cs uint8) {
		var d Delimiters
		slots := []*byte{&d.Field, &d.Component, &d.Repetition, &d.Escape, &d.Subcomponent, &d.Truncation}
		for i := 0; i < len(delims) && i < len(slots); i++ {
			*slots[i] = delims[i]
		}
		c := Charset(cs % 13)
		got := Unescape(s, d, c)
		if !utf8.ValidString(got) {
			t.Fatalf("Unescape(%q) = %q: invalid UTF-8", s, got)
		}
		if string(AppendUnescape(nil, s, d, c)) != got {
			t.Fatal("AppendUnescape differs from Unescape")
		}
		if d.Validate() == nil && utf8.ValidString(s) {
			if back := Unescape(Escape(s, d), d, CharsetUTF8); back != s {
				t.Fatalf("Unescape(Escape(%q)) = %q", s, back)
			}
		}
	})
}

// FuzzParseTime checks that date/time parsing never panics and that what parses
// formats back to the same text.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024", "20240719040930.1234-0500", "201203141259-0215", "20240230", "2024+0100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s, nil)
		if err != nil {
			return
		}
		back, err := ParseTime(tm.String(), nil)
		if err != nil || !back.Equal(tm.Time) || back.Precision != tm.Precision || back.HasOffset != tm.HasOffset {
			t.Fatalf("ParseTime(%q).String() = %q reads back as %v, %v", s, tm.String(), back, err)
		}
	})
}
