package hl7v2

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

const adtA01 = "MSH|^~\\&|EPIC|HOSP^1.2.3^ISO|LIFEBOAT|HOSP|20240719040900-0500||ADT^A01^ADT_A01|MSG00001|P|2.5.1|||AL|NE||UNICODE UTF-8\r" +
	"EVN|A01|20240719040900\r" +
	"PID|1||12345^^^HOSP^MR~98765^^^SSA^SS||DOE^JANE^Q^^DR~SMITH^JANE^^^^^M||19800202|F|||1 MAIN ST^^SPRINGFIELD^IL^62701||^PRN^PH^^1^217^5551234\r" +
	"PV1|1|I|4W^401^B^HOSP&1.2.3&ISO||||1234^WELBY^MARCUS\r" +
	"OBX|1|NM|8867-4^Heart rate^LN||72|/min|60-100|N|||F\r" +
	"OBX|2|ST|8310-5^Temp^LN||fever \\T\\ chills|||A|||F\r" +
	"ZPI|custom|data\r"

func mustParse(t *testing.T, s string) *Message {
	t.Helper()
	m, err := ParseString(s)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func TestDelimiters(t *testing.T) {
	tests := []struct {
		name, msg string
		want      Delimiters
		enc       string
	}{
		{"standard", "MSH|^~\\&|A\r", DefaultDelimiters, "^~\\&"},
		{"v2.7 truncation", "MSH|^~\\&#|A\r", V27Delimiters, "^~\\&#"},
		{"caret field separator", "MSH^~|\\&^A\r", Delimiters{'^', '~', '|', '\\', '&', 0}, "~|\\&"},
		{"odd escape and subcomponent", "MSH|^~\\}|A\r", Delimiters{'|', '^', '~', '\\', '}', 0}, "^~\\}"},
		{"three characters", "MSH|^~}|A\r", Delimiters{'|', '^', '~', '}', 0, 0}, "^~}"},
		{"repeated character skipped", "MSH|^~\\\\&|A\r", DefaultDelimiters, "^~\\\\&"},
		{"all repeated", "MSH|!!!!|A\r", Delimiters{'|', '!', 0, 0, 0, 0}, "!!!!"},
		{"one character", "MSH|^|A\r", Delimiters{'|', '^', 0, 0, 0, 0}, "^"},
		{"header only", "MSH|^~\\&", DefaultDelimiters, "^~\\&"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.msg)
			if m.Delimiters() != tt.want || m.EncodingCharacters() != tt.enc {
				t.Errorf("got %+v %q, want %+v %q", m.Delimiters(), m.EncodingCharacters(), tt.want, tt.enc)
			}
			if got := m.Get("MSH-1").Raw(); got != string(tt.want.Field) {
				t.Errorf("MSH-1 = %q", got)
			}
			if got := m.Get("MSH-2").Raw(); got != tt.enc {
				t.Errorf("MSH-2 = %q", got)
			}
		})
	}
}

func TestDelimiterErrors(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"no field separator", "MSH"},
		{"letter as field separator", "MSHX^~\\&X"},
		{"empty encoding characters", "MSH||A|"},
		{"six encoding characters", "MSH|^~\\&#!|A"},
		{"letter in encoding characters", "MSH|^~A&|A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseString(tt.msg)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Location.Segment != "MSH" || pe.Location.Field == 0 {
				t.Fatalf("got %v, want a ParseError on an MSH field", err)
			}
		})
	}
}

func TestTerminators(t *testing.T) {
	tests := []struct {
		name, msg string
		segs      int
		term      string
	}{
		{"CR", "MSH|^~\\&|A\rPID|1\rPV1|1\r", 3, "\r"},
		{"LF", "MSH|^~\\&|A\nPID|1\nPV1|1\n", 3, "\n"},
		{"CRLF", "MSH|^~\\&|A\r\nPID|1\r\nPV1|1\r\n", 3, "\r\n"},
		{"mixed", "MSH|^~\\&|A\r\nPID|1\nPV1|1\r", 3, "\r\n"},
		{"no final terminator", "MSH|^~\\&|A\rPID|1", 2, "\r"},
		{"blank lines between", "MSH|^~\\&|A\r\r\n\nPID|1\r", 2, "\r"},
		{"leading blank lines", "\r\n\nMSH|^~\\&|A\rPID|1\r", 2, "\r"},
		{"trailing blanks", "MSH|^~\\&|A\rPID|1\r  \t\r\n ", 2, "\r"},
		{"segment without fields", "MSH|^~\\&|A\rNTE\rPID|1\r", 3, "\r"},
		{"LF only in last", "MSH|^~\\&|A\rPID|1\n", 2, "\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.msg)
			if m.SegmentCount() != tt.segs || m.Terminator() != tt.term {
				t.Errorf("got %d segments, terminator %q", m.SegmentCount(), m.Terminator())
			}
			if string(m.Encode()) != tt.msg || m.Raw() != tt.msg || m.Size() != len(tt.msg) {
				t.Errorf("encode = %q", m.Encode())
			}
			if got := string(m.AppendTo([]byte("x"))); got != "x"+tt.msg {
				t.Errorf("AppendTo = %q", got)
			}
			if m.Segment(2).Name() == "" {
				t.Errorf("segment 2 missing")
			}
		})
	}
}

// phi is a marker that must never appear in an error message.
const phi = "Zzyzx"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		p      Parser
		pos    int
		seg    string
		code   int
		reason string
	}{
		{"empty", "", Parser{}, 0, "", CodeSegmentSequence, "empty message"},
		{"blank", "\r\n \r", Parser{}, 0, "", CodeSegmentSequence, "empty message"},
		{"no MSH", "PID|1|" + phi + "\r", Parser{}, 1, "", CodeSegmentSequence, "does not start with an MSH"},
		{"text line", "MSH|^~\\&|A\rPID|1\r" + phi + " went home\r", Parser{}, 3, "", CodeSegmentSequence, "segment ID not followed"},
		{"text line with digit", "MSH|^~\\&|A\rPID|1\r5 " + phi + "\r", Parser{}, 3, "", CodeSegmentSequence, "invalid segment ID"},
		{"short line", "MSH|^~\\&|A\rPID|1\rZ\r", Parser{}, 3, "", CodeSegmentSequence, "invalid segment ID"},
		{"blank in middle", "MSH|^~\\&|A\r  \rPID|1\r", Parser{}, 2, "", CodeSegmentSequence, "invalid segment ID"},
		{"ID without separator", "MSH|^~\\&|A\rPID|1\rOBX " + phi + "\r", Parser{}, 3, "", CodeSegmentSequence, "not followed by the field separator"},
		{"wrong separator", "MSH|^~\\&|A\rPID^" + phi + "\r", Parser{}, 2, "", CodeSegmentSequence, "not followed"},
		{"too large", "MSH|^~\\&|" + phi + "\r", Parser{MaxSize: 10}, 0, "", CodeInternal, "larger than the limit of 10 bytes"},
		{"too many segments", "MSH|^~\\&|A\rNTE|1\rNTE|" + phi + "\r", Parser{MaxSegments: 2}, 0, "", CodeInternal, "more segments than the limit of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.ParseString(tt.msg)
			if err == nil {
				t.Fatal("no error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *ParseError", err)
			}
			if pe.Position != tt.pos || pe.Location.Segment != tt.seg || pe.Code != tt.code {
				t.Errorf("got position %d segment %q code %d", pe.Position, pe.Location.Segment, pe.Code)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.HasPrefix(err.Error(), "hl7v2: ") {
				t.Errorf("error %q lacks %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), phi) || strings.Contains(lifeboat.ErrorMessage(err), phi) {
				t.Errorf("error %q leaks message content", err)
			}
			if lifeboat.ErrorCode(err) != lifeboat.EINVALID {
				t.Errorf("code %q, want EINVALID", lifeboat.ErrorCode(err))
			}
			// Parse (bytes) gives the same outcome.
			if _, err2 := tt.p.Parse([]byte(tt.msg)); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Parse: %v", err2)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := ParseString("MSH|^~\\&|A\rPID|1\rPV1|1\rOBX " + phi)
	if got, want := err.Error(), "hl7v2: segment 4: segment ID not followed by the field separator"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := lifeboat.ErrorMessage(err), "segment 4: segment ID not followed by the field separator"; got != want {
		t.Errorf("user message %q, want %q", got, want)
	}
	err = Header{Type: MessageType{Code: "ADT"}}.Validate()
	if got, want := err.Error(), "hl7v2: segment 1 (MSH) field 10: required field missing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLimitsDefaultAndConfigurable(t *testing.T) {
	seg := "NTE|1|x\r"
	msg := "MSH|^~\\&|A\r" + strings.Repeat(seg, DefaultMaxSegments-1)
	if _, err := ParseString(msg); err != nil {
		t.Fatalf("at the default limit: %v", err)
	}
	if _, err := ParseString(msg + seg); err == nil {
		t.Fatal("over the default segment limit: no error")
	}
	if _, err := (Parser{MaxSegments: 20000}).ParseString(msg + seg); err != nil {
		t.Fatalf("raised limit: %v", err)
	}
	big := "MSH|^~\\&|A\rOBX|1|ED|||" + strings.Repeat("A", DefaultMaxSize) + "\r"
	if _, err := Parse([]byte(big)); err == nil {
		t.Fatal("over the default size limit: no error")
	}
	if _, err := (Parser{MaxSize: 2 * DefaultMaxSize}).Parse([]byte(big)); err != nil {
		t.Fatalf("raised size limit: %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	msg := "MSH|^~\\&|LAB|HOSP|LB|HOSP|20240719||ORU^R01|C1|P|2.5\rPID|1\r" + phi + "\r"
	if _, err := ParseString(msg); err == nil {
		t.Fatal("Parse accepted a broken message")
	}
	m, err := ParseHeader([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if m.SegmentCount() != 1 || m.Header().ControlID != "C1" || string(m.Encode()) != msg {
		t.Errorf("header-only parse: %d segments, %+v", m.SegmentCount(), m.Header())
	}
	if _, err := ParseHeader([]byte("PID|1")); err == nil {
		t.Error("ParseHeader accepted a message without MSH")
	}
	if _, err := (Parser{MaxSize: 5}).ParseHeader([]byte(msg)); err == nil {
		t.Error("ParseHeader ignored the size limit")
	}
}

func TestInputIsCopied(t *testing.T) {
	data := []byte(adtA01)
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'x'
	}
	if got := m.Get("PID-5-1").Text(); got != "DOE" {
		t.Errorf("PID-5-1 = %q after the input changed", got)
	}
}
