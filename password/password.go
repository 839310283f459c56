// Package password hashes and verifies the passwords of Lifeboat's local
// accounts with argon2id, stored in the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// where salt and hash are unpadded standard base64, as in the reference
// implementation and libsodium.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
	"golang.org/x/crypto/argon2"
)

// Parameters of new hashes.
//
// OWASP's Password Storage Cheat Sheet lists equivalent argon2id settings
// that trade memory for passes; its first, m=19 MiB, t=2, p=1, is used here.
// Lifeboat runs on small edge nodes as well as servers, and logins arrive in
// bursts (a whole shift signs in when the EHR goes down), so the memory per
// hash is kept at 19 MiB rather than 64 MiB: that is about 20-40 ms of one
// core per login on current hardware, and the package bounds how many hashes
// run at once so a burst cannot exhaust memory. Stored hashes keep their own
// parameters, so these can be raised later; NeedsRehash tells when a stored
// hash is weaker than the current setting.
const (
	Memory  = 19 * 1024 // KiB
	Time    = 2         // passes
	Threads = 1         // lanes
	SaltLen = 16        // bytes
	KeyLen  = 32        // bytes
)

// Password length policy, counted in characters (Unicode code points).
// NIST SP 800-63B asks for at least 8 and for long passphrases to be
// allowed; Lifeboat asks for 10. The maximum only guards against abuse.
const (
	MinLength = 10
	MaxLength = 1024
)

// Limits on parameters accepted from a stored hash, so a corrupt or hostile
// hash cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1024 * 1024 // 1 GiB in KiB
	maxTime    = 64
	maxKeyLen  = 128
	minSaltLen = 8
)

// ErrMalformed is returned (wrapped) for a string that is not a valid PHC
// argon2id hash.
var ErrMalformed = errors.New("malformed argon2id hash")

// slots bounds concurrent hashing so a login burst cannot exhaust memory.
var slots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

var b64 = base64.RawStdEncoding

// CheckPolicy reports whether pw is acceptable as a new password. The error
// is a *lifeboat.Error with code EINVALID and a message safe to show.
func CheckPolicy(pw string) error {
	if !utf8.ValidString(pw) {
		return lifeboat.Errorf(lifeboat.EINVALID, "Password is not valid text.")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinLength {
		return lifeboat.Errorf(lifeboat.EINVALID, "Password must be at least %d characters long.", MinLength)
	}
	if n > MaxLength {
		return lifeboat.Errorf(lifeboat.EINVALID, "Password must be at most %d characters long.", MaxLength)
	}
	return nil
}

// Params are the argon2id parameters of one hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Hash returns the PHC-format argon2id hash of pw with a fresh random salt
// and the package's current parameters. It does not apply CheckPolicy.
func Hash(pw string) (string, error) {
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	p := Params{Memory: Memory, Time: Time, Threads: Threads}
	key := derive(pw, salt, p, KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether pw matches the PHC-format argon2id hash encoded,
// using the parameters stored in it. The comparison is constant-time. A
// malformed hash gives false and an error wrapping ErrMalformed.
func Verify(pw, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := derive(pw, salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// the current ones (or cannot be parsed), so the caller can store a new hash
// after a successful login.
func NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.Memory < Memory || p.Time < Time || len(salt) < SaltLen || len(key) < KeyLen
}

func derive(pw string, salt []byte, p Params, keyLen uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("password: %w: wrong number of fields", ErrMalformed)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("password: %w: algorithm %q is not argon2id", ErrMalformed, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("password: %w: unsupported version %q", ErrMalformed, parts[2])
	}
	if err := parseParams(parts[3], &p); err != nil {
		return p, nil, nil, err
	}
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen {
		return p, nil, nil, fmt.Errorf("password: %w: bad salt", ErrMalformed)
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("password: %w: bad hash", ErrMalformed)
	}
	return p, salt, key, nil
}

func parseParams(s string, p *Params) error {
	seen := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return fmt.Errorf("password: %w: bad parameter %q", ErrMalformed, kv)
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("password: %w: bad parameter %q", ErrMalformed, kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return fmt.Errorf("password: %w: parallelism %d", ErrMalformed, n)
			}
			p.Threads = uint8(n)
		default:
			return fmt.Errorf("password: %w: unknown parameter %q", ErrMalformed, k)
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return fmt.Errorf("password: %w: missing parameter", ErrMalformed)
	}
	if p.Threads < 1 || p.Time < 1 || p.Time > maxTime ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return fmt.Errorf("password: %w: parameters out of range", ErrMalformed)
	}
	return nil
}
