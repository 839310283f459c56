package jsonw

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// stdJSON encodes s as encoding/json does without HTML escapes: the
// specification of AppendString.
func stdJSON(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendString covers the escapes of AppendString against encoding/json.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back/slash`, "<a&b>", "\b\f\n\r\t\x00\x1f\x7f",
		"caf\u00e9 \u2028\u2029 \ufffd", "bad \xff\xfe utf8 \xe2\x82", "\xc3", "\xed\xa0\x80 surrogate"} {
		if got, want := AppendString(nil, s), stdJSON(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	// Each special byte or rune at each place of a longer string (the fast
	// path skips 8 plain bytes at a time).
	for _, special := range []string{`"`, `\`, "\x00", "\x1f", "\x7f", "\xff", "\u00e9", "\u2028", "~"} {
		for i := range 20 {
			s := strings.Repeat("a", i) + special + strings.Repeat("z", 20-i)
			if got, want := AppendString(nil, s), stdJSON(t, s); !bytes.Equal(got, want) {
				t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

// FuzzAppendString: AppendString writes what encoding/json writes.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote\`, "\x00\x1f\x7f", "caf\u00e9 \u2028", "bad \xff\xfe", strings.Repeat("ab", 9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString([]byte("x"), s), append([]byte("x"), stdJSON(t, s)...); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
