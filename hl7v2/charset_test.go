package hl7v2

import (
	"testing"
	"unicode/utf8"
)

func TestLookupCharset(t *testing.T) {
	tests := map[string]Charset{
		"":              CharsetDefault,
		"ASCII":         CharsetASCII,
		"ISO IR6":       CharsetASCII,
		"UNICODE UTF-8": CharsetUTF8,
		"unicode utf-8": CharsetUTF8,
		"UTF-8":         CharsetUTF8,
		" 8859/1 ":      CharsetLatin1,
		"ISO IR100":     CharsetLatin1,
		"ISO-8859-1":    CharsetLatin1,
		"8859/2":        CharsetLatin2,
		"8859/3":        CharsetLatin3,
		"8859/4":        CharsetLatin4,
		"8859/5":        CharsetCyrillic,
		"8859/6":        CharsetArabic,
		"8859/7":        CharsetGreek,
		"iso_8859-7":    CharsetGreek,
		"8859/8":        CharsetHebrew,
		"8859/9":        CharsetLatin5,
		"8859/15":       CharsetLatin9,
		"ISO-8859-15":   CharsetLatin9,
		"UNICODE":       CharsetDefault,
		"ISO IR87":      CharsetDefault,
		"ISO-8859-99":   CharsetDefault,
		"GB 18030-2000": CharsetDefault,
	}
	for name, want := range tests {
		if got := LookupCharset(name); got != want {
			t.Errorf("LookupCharset(%q) = %v, want %v", name, got, want)
		}
	}
	for c := CharsetASCII; c <= CharsetLatin9; c++ {
		if LookupCharset(c.String()) != c {
			t.Errorf("%v does not look up to itself", c)
		}
	}
	if Charset(200).String() != "" || CharsetDefault.String() != "" {
		t.Error("String of default/unknown not empty")
	}
}

// TestSingleByteCharsets checks that every byte of every ISO 8859 part decodes to
// valid UTF-8 and that each defined character encodes back to its byte.
func TestSingleByteCharsets(t *testing.T) {
	for c := CharsetLatin1; c <= CharsetLatin9; c++ {
		for b := 0x80; b <= 0xFF; b++ {
			s := string(c.appendDecode(nil, string([]byte{byte(b)})))
			if !utf8.ValidString(s) {
				t.Fatalf("%v byte %#x: invalid UTF-8", c, b)
			}
			r, _ := utf8.DecodeRuneInString(s)
			if r == utf8.RuneError {
				continue // undefined in this part
			}
			if back := c.encodeRune(nil, r); len(back) != 1 || back[0] != byte(b) {
				t.Errorf("%v byte %#x -> %U -> %q", c, b, r, back)
			}
		}
	}
	if got := string(CharsetGreek.appendDecode(nil, "\xae")); got != "\uFFFD" {
		t.Errorf("undefined Greek byte decoded as %q", got)
	}
}

func TestMessageCharset(t *testing.T) {
	tests := []struct {
		name, msh18, pid5 string
		cs                Charset
		want              string
	}{
		{"UTF-8 declared", "UNICODE UTF-8", "Mu\xc3\xb1oz", CharsetUTF8, "Muñoz"},
		{"UTF-8 undeclared", "", "Mu\xc3\xb1oz", CharsetDefault, "Muñoz"},
		{"Latin-1 declared", "8859/1", "Mu\xf1oz", CharsetLatin1, "Muñoz"},
		{"Latin-1 undeclared", "", "Mu\xf1oz", CharsetDefault, "Muñoz"},
		{"Latin-1 declared ASCII", "ASCII", "Mu\xf1oz", CharsetASCII, "Muñoz"},
		{"Latin-2 declared", "8859/2", "\xa3\xf3d\xbc", CharsetLatin2, "Łódź"},
		{"Cyrillic declared", "8859/5", "\xb8\xd2\xd0\xdd\xde\xd2", CharsetCyrillic, "Иванов"},
		{"alternates after the default", "8859/1~ISO IR87", "Mu\xf1oz", CharsetLatin1, "Muñoz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5||||||"+tt.msh18+"\rPID|1||1||"+tt.pid5+"^Ana\r")
			if m.Charset() != tt.cs {
				t.Errorf("charset %v, want %v", m.Charset(), tt.cs)
			}
			if got := m.Get("PID-5-1").Text(); got != tt.want {
				t.Errorf("PID-5-1 = %q, want %q", got, tt.want)
			}
			if got := m.Get("PID-5-1").Raw(); got != tt.pid5 {
				t.Errorf("raw changed: %q", got)
			}
		})
	}
}
