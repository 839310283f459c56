package hl7v2

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

var ackTime = time.Date(2024, 7, 19, 4, 9, 0, 0, time.FixedZone("", -5*3600))

func msgVersion(version, ackTypes string) string {
	return "MSH|^~\\&|LAB|GENHOSP|LIFEBOAT|GENHOSP|20240719040000||ORU^R01^ORU_R01|CTRL42|P|" + version + "|||" + ackTypes + "\rPID|1||123\r"
}

func TestAckVersions(t *testing.T) {
	pidErr := AckError{Location: Location{Segment: "PID", SegmentRep: 1, Field: 7}, Code: CodeDataType, Message: "PID-7: invalid date/time"}
	tests := []struct {
		name    string
		msg     string
		ack     Ack
		wantMSH string
		want    string
	}{
		{
			"2.5.1 original AA", msgVersion("2.5.1", ""), Ack{Code: AppAccept, ControlID: "A1", Time: ackTime},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A1|P|2.5.1\r",
			"MSA|AA|CTRL42\r",
		},
		{
			"2.5.1 original AE with ERR", msgVersion("2.5.1", ""), Ack{Code: AppError, ControlID: "A2", Time: ackTime, Errors: []AckError{pidErr}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A2|P|2.5.1\r",
			"MSA|AE|CTRL42|PID-7: invalid date/time\rERR||PID^1^7^1|102^Data type error^HL70357|E||||PID-7: invalid date/time\r",
		},
		{
			"2.8 original AR, no MSA-3", msgVersion("2.8", ""), Ack{Code: AppReject, ControlID: "A3", Time: ackTime,
				Errors: []AckError{{Code: CodeUnsupportedMessage, Message: "unsupported message type"}}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A3|P|2.8\r",
			"MSA|AR|CTRL42\rERR|||200^Unsupported message type^HL70357|E||||unsupported message type\r",
		},
		{
			"2.6 enhanced CA", msgVersion("2.6", "AL|NE"), Ack{Code: CommitAccept, ControlID: "A4", Time: ackTime},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A4|P|2.6|||NE|NE\r",
			"MSA|CA|CTRL42\r",
		},
		{
			"2.6 enhanced application AA asking for an accept ack", msgVersion("2.6", "AL|AL"),
			Ack{Code: AppAccept, ControlID: "A7", Time: ackTime, Accept: "AL", Application: "NE"},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A7|P|2.6|||AL|NE\r",
			"MSA|AA|CTRL42\r",
		},
		{
			"2.7 enhanced CR", msgVersion("2.7", "AL|AL"), Ack{Code: CommitReject, ControlID: "A5", Time: ackTime,
				Errors: []AckError{{Location: Location{Segment: "MSH", Field: 12}, Code: CodeUnsupportedVersion, Severity: SeverityError, Message: "unsupported version"}}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A5|P|2.7|||NE|NE\r",
			"MSA|CR|CTRL42\rERR||MSH^1^12^1|203^Unsupported version id^HL70357|E||||unsupported version\r",
		},
		{
			"2.5 enhanced CE, warning and component", msgVersion("2.5", "ER|AL"), Ack{Code: CommitError, ControlID: "A6", Time: ackTime,
				Errors: []AckError{{Location: Location{Segment: "OBX", SegmentRep: 2, Field: 5, FieldRep: 2, Component: 3, Subcomponent: 1}, Code: CodeTableValueNotFound, Severity: SeverityWarning}}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A6|P|2.5|||NE|NE\r",
			"MSA|CE|CTRL42\rERR||OBX^2^5^2^3^1|103^Table value not found^HL70357|W\r",
		},
		{
			"2.4 original AE: ERR-1 and MSA-6", msgVersion("2.4", ""), Ack{Code: AppError, ControlID: "A7", Time: ackTime, Errors: []AckError{pidErr}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01^ACK|A7|P|2.4\r",
			"MSA|AE|CTRL42|PID-7: invalid date/time|||102^Data type error^HL70357\rERR|PID^1^7^102&Data type error&HL70357\r",
		},
		{
			"2.3 original: no message structure", msgVersion("2.3", ""), Ack{Code: AppError, ControlID: "A8", Time: ackTime, Text: "see ERR",
				Errors: []AckError{pidErr, {Code: CodeRequiredFieldMissing, Location: Location{Segment: "PV1", Field: 3}}}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01|A8|P|2.3\r",
			"MSA|AE|CTRL42|see ERR|||102^Data type error^HL70357\rERR|PID^1^7^102&Data type error&HL70357\rERR|PV1^1^3^101&Required field missing&HL70357\r",
		},
		{
			"2.2 original: ERR-1 only", msgVersion("2.2", ""), Ack{Code: AppReject, ControlID: "A9", Time: ackTime, Errors: []AckError{{Code: CodeInternal}}},
			"MSH|^~\\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040900-0500||ACK^R01|A9|P|2.2\r",
			"MSA|AR|CTRL42\rERR|^^^207&Application internal error&HL70357\r",
		},
		{
			"2.1", "MSH|^~\\}|RADIOLOGY|MIR1|ADMISSION|ADT1|19930502184808||ORM|589888|P|2.1\r", Ack{Code: AppAccept, ControlID: "B1"},
			"MSH|^~\\}|ADMISSION|ADT1|RADIOLOGY|MIR1|||ACK|B1|P|2.1\r",
			"MSA|AA|589888\r",
		},
		{
			"odd delimiters and charset", "MSH^~|\\&^SEND^FAC^RECV^RFAC^20120918^^ADT~A24^C9^T^2.4^^^AL^AL^^8859/1\rPID^1\r",
			Ack{Code: CommitError, ControlID: "X^1", Time: ackTime, Errors: []AckError{{Location: Location{Segment: "PID", Field: 3}, Code: CodeRequiredFieldMissing, Message: "PID-3 ^missing~"}}},
			"MSH^~|\\&^RECV^RFAC^SEND^FAC^20240719040900-0500^^ACK~A24~ACK^X\\F\\1^T^2.4^^^NE^NE^^8859/1\r",
			"MSA^CE^C9^PID-3 \\F\\missing\\S\\^^^101~Required field missing~HL70357\rERR^PID~1~3~101&Required field missing&HL70357\r",
		},
		{
			"v2.6 with 5-character MSH-2 and escapes in copied fields", "MSH|^~\\&#|A\\T\\B|F|R|G|2024||ADT^A01|Q\\F\\1|P^T|2.6\r",
			Ack{Code: AppAccept, ControlID: "1", Time: ackTime},
			"MSH|^~\\&#|R|G|A\\T\\B|F|20240719040900-0500||ACK^A01^ACK|1|P^T|2.6\r",
			"MSA|AA|Q\\F\\1\r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := mustParse(t, tt.msg)
			got, err := BuildAck(orig, tt.ack)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.wantMSH + tt.want; string(got) != want {
				t.Fatalf("got\n%q\nwant\n%q", got, want)
			}
			ack, err := Parse(got)
			if err != nil {
				t.Fatalf("ack does not parse: %v", err)
			}
			if ack.Get("MSA-2").Text() != orig.Header().ControlID || ack.Header().ControlID != tt.ack.ControlID {
				t.Errorf("control IDs wrong")
			}
		})
	}
}

func TestAckNilMessage(t *testing.T) {
	_, err := ParseString("garbage")
	got, err2 := BuildAck(nil, Ack{Code: AppReject, ControlID: "N1", Time: ackTime, Errors: []AckError{AckErrorFor(err)}})
	if err2 != nil {
		t.Fatal(err2)
	}
	want := "MSH|^~\\&|||||20240719040900-0500||ACK^^ACK|N1|P|2.5.1\rMSA|AR||segment 1: message does not start with an MSH segment\r" +
		"ERR|||100^Segment sequence error^HL70357|E||||segment 1: message does not start with an MSH segment\r"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestAckErrorFor(t *testing.T) {
	_, err := ParseString("MSH|^~\\&|A\rPID|1\rOBX|1\rOBX|2\rOBX x\r")
	e := AckErrorFor(fmt.Errorf("receive: %w", err))
	if e.Code != CodeSegmentSequence || e.Severity != SeverityError || e.Message != "segment 5: segment ID not followed by the field separator" {
		t.Errorf("%+v", e)
	}
	e = AckErrorFor(Header{Type: MessageType{Code: "ADT"}, ControlID: "1"}.Validate())
	if e.Location != (Location{Segment: "MSH", SegmentRep: 1, Field: 11}) || e.Code != CodeRequiredFieldMissing {
		t.Errorf("%+v", e)
	}
	e = AckErrorFor(lifeboat.Errorf(lifeboat.EINVALID, "Unknown patient class."))
	if e.Code != CodeInternal || e.Message != "Unknown patient class." {
		t.Errorf("%+v", e)
	}
	e = AckErrorFor(errors.New("disk full at /var/lib"))
	if e.Code != CodeInternal || strings.Contains(e.Message, "disk") {
		t.Errorf("internal detail leaked: %+v", e)
	}
}

func TestAckErrors(t *testing.T) {
	m := mustParse(t, msgVersion("2.5", ""))
	if _, err := BuildAck(m, Ack{Code: "XX"}); err == nil || lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("invalid code: %v", err)
	}
	dst := []byte("prefix")
	got, err := AppendAck(dst, m, Ack{Code: AppAccept, ControlID: "1"})
	if err != nil || !strings.HasPrefix(string(got), "prefixMSH|") {
		t.Errorf("AppendAck did not append: %q %v", got, err)
	}
}

func TestAckRequest(t *testing.T) {
	tests := []struct {
		accept, app        string
		enhanced           bool
		commit             [3]bool // Accepted, Errored, Rejected
		application        [3]bool
		codeOK, codeReject AckCode
	}{
		{"", "", false, [3]bool{true, true, true}, [3]bool{}, AppAccept, AppReject},
		{"AL", "AL", true, [3]bool{true, true, true}, [3]bool{true, true, true}, CommitAccept, CommitReject},
		{"AL", "NE", true, [3]bool{true, true, true}, [3]bool{}, CommitAccept, CommitReject},
		{"NE", "AL", true, [3]bool{}, [3]bool{true, true, true}, CommitAccept, CommitReject},
		{"ER", "SU", true, [3]bool{false, true, true}, [3]bool{true, false, false}, CommitAccept, CommitReject},
		{"SU", "ER", true, [3]bool{true, false, false}, [3]bool{false, true, true}, CommitAccept, CommitReject},
		{"", "AL", true, [3]bool{true, true, true}, [3]bool{true, true, true}, CommitAccept, CommitReject},
		{"AL", "", true, [3]bool{true, true, true}, [3]bool{}, CommitAccept, CommitReject},
	}
	for _, tt := range tests {
		m := mustParse(t, msgVersion("2.5", tt.accept+"|"+tt.app))
		r := m.AckRequest()
		if r.Accept != tt.accept || r.Application != tt.app || r.Enhanced() != tt.enhanced {
			t.Errorf("%s/%s: request %+v", tt.accept, tt.app, r)
		}
		for o := Accepted; o <= Rejected; o++ {
			if r.SendCommit(o) != tt.commit[o] || r.SendApplication(o) != tt.application[o] {
				t.Errorf("%s/%s outcome %d: commit %v application %v", tt.accept, tt.app, o, r.SendCommit(o), r.SendApplication(o))
			}
		}
		if r.CommitCode(Accepted) != tt.codeOK || r.CommitCode(Rejected) != tt.codeReject {
			t.Errorf("%s/%s: codes %s %s", tt.accept, tt.app, r.CommitCode(Accepted), r.CommitCode(Rejected))
		}
		if r.Enhanced() && r.CommitCode(Errored) != CommitError || !r.Enhanced() && r.CommitCode(Errored) != AppError {
			t.Errorf("%s/%s: error code %s", tt.accept, tt.app, r.CommitCode(Errored))
		}
	}
	if ApplicationCode(Accepted) != AppAccept || ApplicationCode(Errored) != AppError || ApplicationCode(Rejected) != AppReject {
		t.Error("ApplicationCode wrong")
	}
	if !CommitAccept.IsCommit() || AppAccept.IsCommit() {
		t.Error("IsCommit wrong")
	}
}

func TestHeader(t *testing.T) {
	m := mustParse(t, adtA01)
	h := m.Header()
	want := Header{
		SendingApplication:   HD{Namespace: "EPIC"},
		SendingFacility:      HD{Namespace: "HOSP", UniversalID: "1.2.3", UniversalIDType: "ISO"},
		ReceivingApplication: HD{Namespace: "LIFEBOAT"},
		ReceivingFacility:    HD{Namespace: "HOSP"},
		DateTime:             "20240719040900-0500",
		Type:                 MessageType{Code: "ADT", Trigger: "A01", Structure: "ADT_A01"},
		ControlID:            "MSG00001",
		ProcessingID:         "P",
		Version:              "2.5.1",
		AcceptAckType:        "AL",
		AppAckType:           "NE",
		CharacterSet:         "UNICODE UTF-8",
	}
	if h != want {
		t.Errorf("got %+v\nwant %+v", h, want)
	}
	if err := h.Validate(); err != nil {
		t.Error(err)
	}
	if h.Type.String() != "ADT^A01^ADT_A01" || (MessageType{Code: "ACK"}).String() != "ACK" || (MessageType{Code: "ADT", Trigger: "A01"}).String() != "ADT^A01" {
		t.Error("MessageType.String wrong")
	}
	if h.SendingApplication.IsZero() || !(HD{}).IsZero() {
		t.Error("HD.IsZero wrong")
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.Header() }); n != 0 {
		t.Errorf("Header allocates %v times", n)
	}
	for i, missing := range []Header{{}, {Type: MessageType{Code: "A"}}, {Type: MessageType{Code: "A"}, ControlID: "1"}, {Type: MessageType{Code: "A"}, ControlID: "1", ProcessingID: "P"}} {
		var pe *ParseError
		if err := missing.Validate(); !errors.As(err, &pe) || pe.Location.Field != 9+i || pe.Code != CodeRequiredFieldMissing {
			t.Errorf("Validate %d: %v", i, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.5", "2.5", 0}, {"2.5", "2.5.0", 0}, {"2.3", "2.3.1", -1}, {"2.5.1", "2.5", 1}, {"2.10", "2.9", 1},
		{"2.1", "2.8", -1}, {"v2", "2.8", 1}, {"2.5.1^^^", "2.5.1", 0}, {"", "2.1", 1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCodeText(t *testing.T) {
	for _, c := range []int{0, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204, 205, 206, 207} {
		if CodeText(c) == "" {
			t.Errorf("no text for %d", c)
		}
	}
	if CodeText(999) != "" {
		t.Error("text for unknown code")
	}
}
