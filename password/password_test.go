package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not have the expected PHC prefix", h)
	}
	ok, err := Verify("correct horse battery", h)
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v; want true, nil", ok, err)
	}
	ok, err = Verify("correct horse batterY", h)
	if err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v; want false, nil", ok, err)
	}
	h2, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if NeedsRehash(h) {
		t.Error("NeedsRehash(current) = true")
	}
}

// TestReferenceVector checks interoperability with the reference
// implementation (phc-winner-argon2 src/test.c): password "password", salt
// "somesalt", t=2, m=64 MiB, p=1. Verify must use the stored parameters.
func TestReferenceVector(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := Verify("password", ref)
	if err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := Verify("Password", ref); ok {
		t.Fatal("Verify(wrong, reference) = true")
	}
	if !NeedsRehash(ref) {
		t.Error("NeedsRehash(8-byte salt) = false")
	}
}

func TestStoredParameters(t *testing.T) {
	p := Params{Memory: 8 * 1024, Time: 1, Threads: 2}
	salt := []byte("0123456789abcdef")
	enc := encode(p, salt, derive("pw-with-other-params", salt, p, 24))
	ok, err := Verify("pw-with-other-params", enc)
	if err != nil || !ok {
		t.Fatalf("Verify(%s) = %v, %v", enc, ok, err)
	}
	if !NeedsRehash(enc) {
		t.Error("NeedsRehash(weaker params) = false")
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2,p=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=1000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$!!",
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$",
	} {
		ok, err := Verify("password", s)
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", s, ok, err)
		}
		if !NeedsRehash(s) {
			t.Errorf("NeedsRehash(%q) = false", s)
		}
	}
}

func TestCheckPolicy(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"", false},
		{"short", false},
		{"123456789", false},
		{"1234567890", true},
		{"ñandú-ñandú", true},
		{"ééééééééé", false}, // 9 characters, 18 bytes
		{strings.Repeat("x", MaxLength), true},
		{strings.Repeat("x", MaxLength+1), false},
		{"bad\xffutf8-utf8", false},
	} {
		err := CheckPolicy(tc.pw)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPolicy(%q) = %v; want ok=%v", tc.pw, err, tc.ok)
		}
		if err != nil && lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("CheckPolicy(%q) code = %q; want EINVALID", tc.pw, lifeboat.ErrorCode(err))
		}
	}
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, err := Hash("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if ok, err := Verify("correct horse battery", h); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
