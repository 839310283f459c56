package hl7v2_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

func Example() {
	msg, err := hl7v2.ParseString("MSH|^~\\&|LAB|GENHOSP|LIFEBOAT|GENHOSP|20240719040900-0500||ORU^R01^ORU_R01|C42|P|2.5.1|||AL|NE\r" +
		"PID|1||12345^^^GENHOSP^MR||DOE^JANE\r" +
		"OBR|1||9876|CBC^Complete blood count^L\r" +
		"OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL|12-16|N|||F\r" +
		"OBX|2|ST|5909-7^Smear^LN||target cells \\T\\ burr cells|||A|||F\r")
	if err != nil {
		fmt.Println(err)
		return
	}
	h := msg.Header()
	fmt.Println(h.Type, h.ControlID, h.Version)
	fmt.Println(msg.Get("PID-5-1").Text(), msg.Get("PID-3-1").Text())
	for obx := range msg.All("OBX") {
		fmt.Println(strings.TrimSpace(obx.Field(3).Comp(2).Text() + " = " + obx.Field(5).Text() + " " + obx.Field(6).Text()))
	}
	fmt.Println(msg.Get("OBX(2)-5").Raw())
	// Output:
	// ORU^R01^ORU_R01 C42 2.5.1
	// DOE 12345
	// Hemoglobin = 13.2 g/dL
	// Smear = target cells & burr cells
	// target cells \T\ burr cells
}

func ExampleAppendAck() {
	msg, _ := hl7v2.ParseString("MSH|^~\\&|LAB|GENHOSP|LIFEBOAT|GENHOSP|20240719040900||ORU^R01^ORU_R01|C42|P|2.5.1|||AL|NE\rPID|1\r")
	req := msg.AckRequest()
	if req.SendCommit(hl7v2.Accepted) {
		ack, _ := hl7v2.AppendAck(nil, msg, hl7v2.Ack{
			Code:      req.CommitCode(hl7v2.Accepted), // CA: enhanced mode, since MSH-15 is set
			ControlID: "LB1",
			Time:      time.Date(2024, 7, 19, 4, 9, 1, 0, time.UTC),
		})
		fmt.Println(strings.ReplaceAll(string(ack), "\r", "\n"))
	}
	// Output:
	// MSH|^~\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|20240719040901+0000||ACK^R01^ACK|LB1|P|2.5.1|||NE|NE
	// MSA|CA|C42
}

func ExampleAckErrorFor() {
	data := []byte("MSH|^~\\&|LAB|GENHOSP|LIFEBOAT|GENHOSP|20240719||ORU^R01|C43|P|2.4\rPID|1\rthe patient said\r")
	_, err := hl7v2.Parse(data)
	fmt.Println(err)
	hdr, _ := hl7v2.ParseHeader(data) // enough to answer
	ack, _ := hl7v2.BuildAck(hdr, hl7v2.Ack{Code: hl7v2.AppReject, ControlID: "LB2", Errors: []hl7v2.AckError{hl7v2.AckErrorFor(err)}})
	fmt.Println(strings.ReplaceAll(string(ack), "\r", "\n"))
	// Output:
	// hl7v2: segment 3: segment ID not followed by the field separator
	// MSH|^~\&|LIFEBOAT|GENHOSP|LAB|GENHOSP|||ACK^R01^ACK|LB2|P|2.4
	// MSA|AR|C43|segment 3: segment ID not followed by the field separator|||100^Segment sequence error^HL70357
	// ERR|^^^100&Segment sequence error&HL70357
}

func ExampleBuilder() {
	b := hl7v2.NewBuilder(hl7v2.BuilderOptions{})
	b.Segment("MSH").Set(3, "LIFEBOAT").Set(4, "SIM").Set(7, "20240719040900").
		SetComponents(9, "ADT", "A01", "ADT_A01").Set(10, "SIM1").Set(11, "P").Set(12, "2.5.1")
	b.Segment("PID").Set(1, "1").
		SetComponents(3, "12345", "", "", "GENHOSP", "MR").
		SetPath("3-4-2", "1.2.840.1").SetPath("3-4-3", "ISO").
		SetComponents(5, "O'NEIL-SMITH", "ANNE^MARIE"). // '^' in text is escaped
		Set(7, "19800202")
	data, err := b.Bytes()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.ReplaceAll(string(data), "\r", "\n"))
	// Output:
	// MSH|^~\&|LIFEBOAT|SIM|||20240719040900||ADT^A01^ADT_A01|SIM1|P|2.5.1
	// PID|1||12345^^^GENHOSP&1.2.840.1&ISO^MR||O'NEIL-SMITH^ANNE\S\MARIE||19800202
}
