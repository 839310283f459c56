package hl7v2

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUnescape(t *testing.T) {
	d := DefaultDelimiters
	d27 := V27Delimiters
	tests := []struct {
		name string
		in   string
		d    Delimiters
		cs   Charset
		want string
	}{
		{"plain", "plain text", d, CharsetDefault, "plain text"},
		{"field", `a\F\b`, d, CharsetDefault, "a|b"},
		{"component", `a\S\b`, d, CharsetDefault, "a^b"},
		{"subcomponent", `a\T\b`, d, CharsetDefault, "a&b"},
		{"repetition", `a\R\b`, d, CharsetDefault, "a~b"},
		{"escape", `a\E\b`, d, CharsetDefault, `a\b`},
		{"truncation", `a\P\b`, d27, CharsetDefault, "a#b"},
		{"truncation undefined", `a\P\b`, d, CharsetDefault, `a\P\b`},
		{"all delimiters", `\F\\S\\T\\R\\E\`, d, CharsetDefault, `|^&~\`},
		{"odd delimiters", `\F\\S\\R\`, Delimiters{'^', '~', '|', '\\', '&', 0}, CharsetDefault, "^~|"},
		{"odd escape", `}F}}E}`, Delimiters{'|', '^', '~', '}', '&', 0}, CharsetDefault, "|}"},
		{"no escape character", `a\F\b`, Delimiters{'|', '^', '~', 0, 0, 0}, CharsetDefault, `a\F\b`},
		{"hex ASCII", `\X41424344\`, d, CharsetDefault, "ABCD"},
		{"hex CR LF", `a\X0D0A\b`, d, CharsetDefault, "a\r\nb"},
		{"hex lower case", `\X0d\`, d, CharsetDefault, "\r"},
		{"hex UTF-8", `caf\XC3A9\`, d, CharsetUTF8, "café"},
		{"hex Latin-1", `caf\XE9\`, d, CharsetLatin1, "café"},
		{"hex default falls back to Latin-1", `caf\XE9\`, d, CharsetDefault, "café"},
		{"hex split UTF-8", `\XC3\\XA9\`, d, CharsetDefault, "é"},
		{"hex odd digits", `\X123\`, d, CharsetDefault, `\X123\`},
		{"hex not hex", `\XZZ\`, d, CharsetDefault, `\XZZ\`},
		{"hex empty", `\X\`, d, CharsetDefault, `\X\`},
		{"highlight", `a \H\b\N\ c`, d, CharsetDefault, "a b c"},
		{"locally defined", `a\Zfoo\b`, d, CharsetDefault, "ab"},
		{"charset switch", `\C2D41\\XE9\\C2842\A`, d, CharsetDefault, "éA"},
		{"charset switch Greek", `\C2D46\` + "\xe1\xe2" + `\C2842\.`, d, CharsetASCII, "αβ."},
		{"charset switch Cyrillic", `\C2D4C\` + "\xb0", d, CharsetDefault, "А"},
		{"charset switch unknown", `\C2443\a`, d, CharsetDefault, "a"},
		{"charset switch malformed", `\C2D4\a`, d, CharsetDefault, `\C2D4\a`},
		{"multibyte switch ignored", `\M2442\a\M242841\b`, d, CharsetDefault, "ab"},
		{"multibyte switch malformed", `\M24\a`, d, CharsetDefault, `\M24\a`},
		{"line break", `line 1\.br\line 2`, d, CharsetDefault, "line 1\nline 2"},
		{"line breaks", `a\.br\\.br\b`, d, CharsetDefault, "a\n\nb"},
		{"skip line", `a\.sp\b`, d, CharsetDefault, "a\n\nb"},
		{"skip lines", `a\.sp 3\b`, d, CharsetDefault, "a\n\n\n\nb"},
		{"skip at start", `\.sp\b`, d, CharsetDefault, "\nb"},
		{"indent", `a\.in 4\b\.br\c`, d, CharsetDefault, "a\n    b\n    c"},
		{"indent relative", `\.in 2\a\.in +2\b\.in -4\c`, d, CharsetDefault, "  a\n    b\nc"},
		{"indent at line start", `a\.br\\.in 2\b`, d, CharsetDefault, "a\n  b"},
		{"temporary indent", `\.in 2\a\.ti 6\b\.br\c`, d, CharsetDefault, "  a\n      b\n  c"},
		{"skip spaces", `a\.sk 3\b`, d, CharsetDefault, "a   b"},
		{"center", `a\.ce\title`, d, CharsetDefault, "a\ntitle"},
		{"center at start", `\.ce\title`, d, CharsetDefault, "title"},
		{"fill modes", `\.fi\a\.nf\b`, d, CharsetDefault, "ab"},
		{"huge count capped", `a\.sk 99999999999999999999\b`, d, CharsetDefault, "a" + strings.Repeat(" ", maxFormatCount) + "b"},
		{"bad count", `a\.sp x\b`, d, CharsetDefault, `a\.sp x\b`},
		{"count without space", `a\.sp2\b`, d, CharsetDefault, `a\.sp2\b`},
		{"br with count", `a\.br 2\b`, d, CharsetDefault, `a\.br 2\b`},
		{"unknown command", `a\.xx\b`, d, CharsetDefault, `a\.xx\b`},
		{"unknown letter", `a\Q\b`, d, CharsetDefault, `a\Q\b`},
		{"empty sequence", `a\\b`, d, CharsetDefault, `a\\b`},
		{"unterminated", `C:\path`, d, CharsetDefault, `C:\path`},
		{"literal backslash r", `IPv6\r"`, d, CharsetDefault, `IPv6\r"`},
		{"unknown then valid", `\Q\\T\`, d, CharsetDefault, `\Q\&`},
		{"UTF-8 text", "Sebastián", d, CharsetDefault, "Sebastián"},
		{"Latin-1 text", "Sebasti\xe1n", d, CharsetLatin1, "Sebastián"},
		{"Latin-1 text undeclared", "Sebasti\xe1n", d, CharsetDefault, "Sebastián"},
		{"Latin-1 text declared UTF-8", "Sebasti\xe1n", d, CharsetUTF8, "Sebastián"},
		{"Latin-1 with escape", "Sebasti\xe1n \\T\\", d, CharsetLatin1, "Sebastián &"},
		{"Latin-2 text", "\xa3\xf3d\xbc", d, CharsetLatin2, "Łódź"},
		{"Latin-9 euro", "5 \xa4", d, CharsetLatin9, "5 €"},
		{"UTF-8 declared Latin-1", "Sebasti\xc3\xa1n", d, CharsetLatin1, "SebastiÃ¡n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unescape(tt.in, tt.d, tt.cs)
			if got != tt.want {
				t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("invalid UTF-8 %q", got)
			}
			if app := string(AppendUnescape([]byte("x"), tt.in, tt.d, tt.cs)); app != "x"+tt.want {
				t.Errorf("AppendUnescape = %q", app)
			}
		})
	}
}

func TestUnescapeNoAllocation(t *testing.T) {
	s := "plain ASCII value without escapes"
	if n := testing.AllocsPerRun(100, func() { _ = Unescape(s, DefaultDelimiters, CharsetDefault) }); n != 0 {
		t.Errorf("%v allocations for a plain value", n)
	}
	u := "Sebastián Müller"
	if n := testing.AllocsPerRun(100, func() { _ = Unescape(u, DefaultDelimiters, CharsetUTF8) }); n != 0 {
		t.Errorf("%v allocations for a UTF-8 value", n)
	}
	e := `some text\.br\some \T\ more \X0D0A\ text \H\bold\N\`
	if n := testing.AllocsPerRun(100, func() { _ = Unescape(e, DefaultDelimiters, CharsetDefault) }); n != 1 {
		t.Errorf("%v allocations for an escaped value, want 1 (the string)", n)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendUnescape(buf[:0], e, DefaultDelimiters, CharsetLatin1) }); n != 0 {
		t.Errorf("%v allocations appending an escaped value", n)
	}
}

func TestEscape(t *testing.T) {
	d := DefaultDelimiters
	tests := []struct {
		in   string
		d    Delimiters
		want string
	}{
		{"plain", d, "plain"},
		{`a|b^c&d~e\f`, d, `a\F\b\S\c\T\d\R\e\E\f`},
		{"line 1\r\nline 2", d, `line 1\X0D\\X0A\line 2`},
		{"a#b", V27Delimiters, `a\P\b`},
		{"a#b", d, "a#b"},
		{"a^b|c", Delimiters{'^', '~', '|', '\\', '&', 0}, `a\F\b\R\c`},
		{"a}b", Delimiters{'|', '^', '~', '}', '&', 0}, "a}E}b"},
		{"café", d, "café"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in, tt.d); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back := Unescape(Escape(tt.in, tt.d), tt.d, CharsetDefault); back != tt.in {
			t.Errorf("Unescape(Escape(%q)) = %q", tt.in, back)
		}
	}
	noEsc := Delimiters{'|', '^', '~', 0, 0, 0}
	if got := string(AppendEscape(nil, "a\rb|c~d", noEsc, CharsetDefault)); got != "a b c d" {
		t.Errorf("no escape character: %q", got)
	}
}

func TestAppendEscapeCharsets(t *testing.T) {
	d := DefaultDelimiters
	tests := []struct {
		in   string
		cs   Charset
		want string
	}{
		{"café", CharsetDefault, "café"},
		{"café", CharsetUTF8, "café"},
		{"café", CharsetLatin1, "caf\xe9"},
		{"café €", CharsetASCII, "caf? ?"},
		{"Łódź", CharsetLatin2, "\xa3\xf3d\xbc"},
		{"Łódź", CharsetLatin1, "?\xf3d?"},
		{"€", CharsetLatin9, "\xa4"},
		{"αβ", CharsetGreek, "\xe1\xe2"},
		{"日本", CharsetLatin5, "??"},
		{"bad \xff byte", CharsetDefault, "bad \xff byte"},
		{"ctrl \u0085", CharsetLatin1, "ctrl \x85"},
		{"bad \xff byte", CharsetLatin1, "bad ? byte"},
	}
	for _, tt := range tests {
		got := string(AppendEscape(nil, tt.in, d, tt.cs))
		if got != tt.want {
			t.Errorf("AppendEscape(%q, %v) = %q, want %q", tt.in, tt.cs, got, tt.want)
		}
	}
}
