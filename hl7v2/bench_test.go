package hl7v2

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchMessages are typical messages from the fixtures: a compact ADT^A01, a large
// v2.8 ADT^A01 with allergies and insurance, and a lab ORU^R01 with ten results.
var benchMessages = []struct{ name, file string }{
	{"ADT_A01_0.9KB", "linuxforhealth_sample_win.hl7"},
	{"ADT_A01_8.4KB", "msconverter_ADT-A01-01.hl7"},
	{"ORU_R01_1.5KB", "msconverter_LAB-ORU-1.hl7"},
}

func benchData(b *testing.B, file string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkParse measures Parse alone: copying the message and indexing its
// segments and delimiters.
func BenchmarkParse(b *testing.B) {
	for _, bm := range benchMessages {
		data := benchData(b, bm.file)
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(data); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
	}
}

// BenchmarkParseRead measures Parse followed by what a receiver reads of each
// message: the header, patient identifiers, name, birth date and location, and
// every OBX's identifier, value and units.
func BenchmarkParseRead(b *testing.B) {
	for _, bm := range benchMessages {
		data := benchData(b, bm.file)
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var sink int
			for b.Loop() {
				m, err := Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				h := m.Header()
				sink += len(h.ControlID) + len(h.Type.Trigger)
				if pid, ok := m.First("PID"); ok {
					for r := range pid.Field(3).Reps() {
						sink += len(r.Comp(1).Text())
					}
					sink += len(pid.Field(5).Comp(1).Text()) + len(pid.Field(7).Raw())
				}
				if pv1, ok := m.First("PV1"); ok {
					sink += len(pv1.Field(3).Comp(1).Text())
				}
				for obx := range m.All("OBX") {
					sink += len(obx.Field(3).Comp(1).Text()) + len(obx.Field(5).Text()) + len(obx.Field(6).Comp(1).Text())
				}
			}
			_ = sink
			reportRate(b)
		})
	}
}

// BenchmarkEncode measures re-encoding a parsed message into a reused buffer.
func BenchmarkEncode(b *testing.B) {
	for _, bm := range benchMessages {
		m, err := Parse(benchData(b, bm.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(m.Size()))
			b.ReportAllocs()
			buf := make([]byte, 0, m.Size())
			for b.Loop() {
				buf = m.AppendTo(buf[:0])
			}
			reportRate(b)
		})
	}
}

// BenchmarkAck measures building an acknowledgement into a reused buffer: an AA,
// and an AE with an ERR segment.
func BenchmarkAck(b *testing.B) {
	m, err := Parse(benchData(b, "msconverter_LAB-ORU-1.hl7"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2024, 7, 19, 4, 9, 0, 0, time.UTC)
	acks := map[string]Ack{
		"AA": {Code: AppAccept, ControlID: "LB000001", Time: now},
		"AE": {Code: AppError, ControlID: "LB000001", Time: now, Errors: []AckError{{
			Location: Location{Segment: "OBX", SegmentRep: 2, Field: 5}, Code: CodeDataType, Message: "OBX-5: not a number"}}},
	}
	for _, name := range []string{"AA", "AE"} {
		a := acks[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				if buf, err = AppendAck(buf[:0], m, a); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
	}
}

// BenchmarkBuild measures building a small ADT^A01 with the Builder.
func BenchmarkBuild(b *testing.B) {
	bl := NewBuilder(BuilderOptions{})
	b.ReportAllocs()
	for b.Loop() {
		bl.Reset()
		bl.Segment("MSH").Set(3, "LIFEBOAT").Set(4, "SIM").SetComponents(9, "ADT", "A01", "ADT_A01").Set(10, "1").Set(11, "P").Set(12, "2.5.1")
		bl.Segment("EVN").Set(1, "A01").Set(2, "20240719040900")
		bl.Segment("PID").Set(1, "1").SetComponents(3, "12345", "", "", "HOSP", "MR").SetComponents(5, "DOE", "JANE").Set(7, "19800202").Set(8, "F")
		bl.Segment("PV1").Set(1, "1").Set(2, "I").SetComponents(3, "4W", "401", "B")
		if _, err := bl.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkText measures unescaping a value with escape sequences.
func BenchmarkText(b *testing.B) {
	v := mustParseB(b, "MSH|^~\\&|A\rNTE|1||some text\\.br\\some \\T\\ more \\X0D0A\\ text \\H\\bold\\N\\\r").Get("NTE-3")
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = v.AppendText(buf[:0])
	}
}

func mustParseB(b *testing.B, s string) *Message {
	m, err := ParseString(s)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
