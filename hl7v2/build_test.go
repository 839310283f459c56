package hl7v2

import (
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestBuilder(t *testing.T) {
	b := NewBuilder(BuilderOptions{})
	b.Segment("MSH").Set(3, "LIFEBOAT").Set(4, "HOSP").SetComponents(9, "ADT", "A01", "ADT_A01").Set(10, "MSG1").Set(11, "P").Set(12, "2.5.1")
	b.Segment("PID").
		SetComponents(5, "O'NEIL|SMITH", "ANN^MARIE").  // delimiters in text are escaped
		SetPath("3-1", "123").SetPath("3-4-1", "HOSP"). // subcomponents
		SetPath("3-4-2", "1.2.3").SetPath("3-5", "MR"). //
		AddRepetition(3, "456", "", "", "", "SS").      // second repetition
		Set(1, "1").                                    // out of order
		SetPath("11(2)-3", "SPRINGFIELD").              // repetition by path
		Set(8, "F").Set(8, "M")                         // replace
	b.Segment("NTE").Set(3, "line 1\nline 2 & more\\")
	b.Segment("ZZZ").SetRaw(2, "A^B~C&D")
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := "MSH|^~\\&|LIFEBOAT|HOSP|||||ADT^A01^ADT_A01|MSG1|P|2.5.1\r" +
		"PID|1||123^^^HOSP&1.2.3^MR~456^^^^SS||O'NEIL\\F\\SMITH^ANN\\S\\MARIE|||M|||~^^SPRINGFIELD\r" +
		"NTE|||line 1\\X0A\\line 2 \\T\\ more\\E\\\r" +
		"ZZZ||A^B~C&D\r"
	if string(data) != want {
		t.Fatalf("got\n%q\nwant\n%q", data, want)
	}
	m, err := b.Message()
	if err != nil {
		t.Fatal(err)
	}
	if m.Get("PID-5-1").Text() != "O'NEIL|SMITH" || m.Get("PID-5-2").Text() != "ANN^MARIE" || m.Get("NTE-3").Text() != "line 1\nline 2 & more\\" {
		t.Error("escaped text does not read back")
	}
	if m.Get("PID-3(2)-5").Text() != "SS" || m.Get("PID-3-4-2").Text() != "1.2.3" || m.Get("PID-11(2)-3").Text() != "SPRINGFIELD" {
		t.Error("structure does not read back")
	}
	// Reset and reuse.
	b.Reset()
	if _, err := b.Segment("MSH").Set(3, "X").Bytes(); err != nil {
		t.Fatal(err)
	}
}

func TestBuilderOptions(t *testing.T) {
	d := Delimiters{Field: '^', Component: '~', Repetition: '|', Escape: '\\', Subcomponent: '&'}
	b := NewBuilder(BuilderOptions{Delimiters: d, Terminator: "\r\n", Charset: CharsetLatin1})
	b.Segment("MSH").Set(3, "A^B").SetComponents(9, "ADT", "A08").Set(18, "8859/1")
	b.Segment("PID").SetComponents(5, "Muñoz", "José")
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := "MSH^~|\\&^A\\F\\B^^^^^^ADT~A08^^^^^^^^^8859/1\r\nPID^^^^^Mu\xf1oz~Jos\xe9\r\n"
	if string(data) != want {
		t.Fatalf("got %q, want %q", data, want)
	}
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Get("PID-5-1").Text() != "Muñoz" || m.Get("MSH-3").Text() != "A^B" || m.Terminator() != "\r\n" || m.Charset() != CharsetLatin1 {
		t.Errorf("read back %q %q", m.Get("PID-5-1").Text(), m.Get("MSH-3").Text())
	}
	b = NewBuilder(BuilderOptions{Delimiters: V27Delimiters, Terminator: "\n"})
	data, _ = b.Segment("MSH").Set(3, "a#b").Bytes()
	if string(data) != "MSH|^~\\&#|a\\P\\b\n" {
		t.Errorf("v2.7 delimiters: %q", data)
	}
}

func TestBuilderAppendSegment(t *testing.T) {
	src := mustParse(t, adtA01)
	b := NewBuilder(BuilderOptions{})
	for seg := range src.Segments() {
		b.AppendSegment(seg)
	}
	data, err := b.Bytes()
	if err != nil || string(data) != adtA01 {
		t.Errorf("copy differs: %v", err)
	}
	odd := mustParse(t, "MSH^~|\\&^A\rPID^1\r")
	b = NewBuilder(BuilderOptions{})
	b.Segment("MSH").AppendSegment(odd.Segment(2))
	if _, err := b.Bytes(); err == nil {
		t.Error("segment with other delimiters accepted")
	}
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *Builder) *Builder
		want  string
	}{
		{"first not MSH", func(b *Builder) *Builder { return b.Segment("PID") }, "first segment must be MSH"},
		{"first appended not MSH", func(b *Builder) *Builder {
			return b.AppendSegment(mustParse(t, adtA01).Segment(2))
		}, "first segment must be MSH"},
		{"empty appended", func(b *Builder) *Builder { return b.AppendSegment(Segment{}) }, "empty segment"},
		{"bad ID", func(b *Builder) *Builder { return b.Segment("MSH").Segment("P1") }, "invalid segment ID"},
		{"MSH-1", func(b *Builder) *Builder { return b.Segment("MSH").Set(1, "|") }, "MSH-1 is written from the delimiters"},
		{"MSH-2", func(b *Builder) *Builder { return b.Segment("MSH").SetRaw(2, "^~") }, "MSH-2 is written"},
		{"field 0", func(b *Builder) *Builder { return b.Segment("MSH").Segment("PID").Set(0, "x") }, "out of range"},
		{"no segment", func(b *Builder) *Builder { return b.Set(3, "x") }, "no open segment"},
		{"raw with CR", func(b *Builder) *Builder { return b.Segment("MSH").SetRaw(3, "a\rb") }, "segment terminator"},
		{"repetition after raw", func(b *Builder) *Builder { return b.Segment("MSH").SetRaw(3, "a").AddRepetition(3, "b") }, "set raw"},
		{"bad path", func(b *Builder) *Builder { return b.Segment("MSH").SetPath("3-x", "b") }, "invalid path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.build(NewBuilder(BuilderOptions{}))
			b.Segment("EVN").Set(1, "A01") // ignored after an error
			_, err := b.Bytes()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if lifeboat.ErrorCode(err) != lifeboat.EINVALID {
				t.Errorf("code %s", lifeboat.ErrorCode(err))
			}
			if _, err := b.Message(); err == nil {
				t.Error("Message: no error")
			}
		})
	}
	if _, err := NewBuilder(BuilderOptions{}).Bytes(); err == nil || !strings.Contains(err.Error(), "no segments") {
		t.Errorf("empty builder: %v", err)
	}
	for _, d := range []Delimiters{
		{Field: '|', Component: '^', Repetition: '~', Escape: '\\'},
		{Field: '|', Component: '|', Repetition: '~', Escape: '\\', Subcomponent: '&'},
		{Field: 'A', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'},
		{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&', Truncation: '\r'},
	} {
		if _, err := NewBuilder(BuilderOptions{Delimiters: d}).Segment("MSH").Bytes(); err == nil {
			t.Errorf("delimiters %+v accepted", d)
		}
	}
	if _, err := NewBuilder(BuilderOptions{Terminator: "|"}).Segment("MSH").Bytes(); err == nil {
		t.Error("bad terminator accepted")
	}
}

func TestEncodingCharacters(t *testing.T) {
	if DefaultDelimiters.EncodingCharacters() != "^~\\&" || V27Delimiters.EncodingCharacters() != "^~\\&#" ||
		(Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '}'}).EncodingCharacters() != "^~}" {
		t.Error("EncodingCharacters wrong")
	}
	if DefaultDelimiters.Validate() != nil || V27Delimiters.Validate() != nil {
		t.Error("standard delimiters invalid")
	}
}
