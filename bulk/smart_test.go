package bulk

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/lifeboat-health/lifeboat"
)

// fakeAuth is a SMART Backend Services token endpoint that verifies client
// assertions against the JWK Set Lifeboat prints, and makes the fake EHR
// accept the tokens it issues.
type fakeAuth struct {
	t        *testing.T
	srv      *httptest.Server
	ehr      *fakeEHR
	clientID string
	jwks     jose.JSONWebKeySet
	now      func() time.Time
	jku      string // expected jku header ("" for none)

	mu        sync.Mutex
	requests  int
	jtis      map[string]bool
	expiresIn any
	scopes    []string
	refuse    bool
}

func newFakeAuth(t *testing.T, ehr *fakeEHR, clientID string, jwksJSON []byte) *fakeAuth {
	a := &fakeAuth{t: t, ehr: ehr, clientID: clientID, now: time.Now, jtis: map[string]bool{}, expiresIn: 300}
	if err := json.Unmarshal(jwksJSON, &a.jwks); err != nil {
		t.Fatalf("the printed JWKS does not parse: %v", err)
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.token))
	t.Cleanup(a.srv.Close)
	ehr.mu.Lock()
	ehr.tokenURL = a.srv.URL + "/auth/token"
	ehr.mu.Unlock()
	return a
}

func (a *fakeAuth) fail(w http.ResponseWriter, why string) {
	a.t.Errorf("token request refused: %s", why)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q}`, why)
}

func (a *fakeAuth) token(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests++
	if a.refuse {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"kid not registered"}`)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/auth/token" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
		a.fail(w, "not a form POST to the token URL")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" ||
		f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		a.fail(w, "bad grant or assertion type")
		return
	}
	a.scopes = append(a.scopes, f.Get("scope"))
	tok, err := jwt.ParseSigned(f.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS384, jose.ES384})
	if err != nil || len(tok.Headers) != 1 {
		a.fail(w, "assertion does not parse")
		return
	}
	h := tok.Headers[0]
	if h.ExtraHeaders[jose.HeaderType] != "JWT" {
		a.fail(w, "typ is not JWT")
		return
	}
	if jku, _ := h.ExtraHeaders["jku"].(string); jku != a.jku {
		a.fail(w, "unexpected jku "+jku)
		return
	}
	keys := a.jwks.Key(h.KeyID)
	if len(keys) != 1 {
		a.fail(w, "kid not in the JWKS")
		return
	}
	k := keys[0]
	switch h.Algorithm {
	case "RS384":
		_, ok := k.Key.(*rsa.PublicKey)
		if !ok || k.Algorithm != "RS384" {
			a.fail(w, "RS384 with a key that is not RSA")
			return
		}
	case "ES384":
		_, ok := k.Key.(*ecdsa.PublicKey)
		if !ok || k.Algorithm != "ES384" {
			a.fail(w, "ES384 with a key that is not EC")
			return
		}
	default:
		a.fail(w, "algorithm "+h.Algorithm)
		return
	}
	var c jwt.Claims
	if err := tok.Claims(k.Key, &c); err != nil {
		a.fail(w, "signature does not verify")
		return
	}
	now := a.now()
	aud := a.srv.URL + "/auth/token"
	if c.Issuer != a.clientID || c.Subject != a.clientID || len(c.Audience) != 1 || c.Audience[0] != aud {
		a.fail(w, fmt.Sprintf("claims iss %q sub %q aud %v", c.Issuer, c.Subject, c.Audience))
		return
	}
	if c.Expiry == nil || !c.Expiry.Time().After(now) || c.Expiry.Time().After(now.Add(5*time.Minute)) {
		a.fail(w, "exp is not within five minutes")
		return
	}
	if c.ID == "" || a.jtis[c.ID] {
		a.fail(w, "jti missing or reused")
		return
	}
	a.jtis[c.ID] = true
	issued := fmt.Sprintf("tok-%d", a.requests)
	a.ehr.mu.Lock()
	a.ehr.token = issued
	a.ehr.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": issued, "token_type": "bearer", "expires_in": a.expiresIn, "scope": f.Get("scope"),
	})
}

func (a *fakeAuth) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

func TestSMARTBackendServices(t *testing.T) {
	for _, alg := range []string{RS384, ES384} {
		t.Run(alg, func(t *testing.T) {
			key, err := GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			jwks, err := JWKS(key)
			if err != nil {
				t.Fatal(err)
			}
			e := newFakeEHR(t)
			e.polls = 3
			e.requiresTok = true
			e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1", "p2"))
			e.addFile("output", "o0.ndjson", "Observation", ndjson("Observation", "o1"))
			a := newFakeAuth(t, e, "lifeboat-test", jwks)
			e.token = "not issued yet"

			c := newClient(e, &sleeper{})
			c.Auth = NewSMART(e.base(), "lifeboat-test", key)
			res, err := newSyncer(c, newMemSink(), newMemStore()).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Total() != 3 {
				t.Errorf("resources %v", res.Resources)
			}
			// Kick-off, 4 polls, 2 files and the DELETE: one token.
			if a.count() != 1 || a.scopes[0] != DefaultScope {
				t.Errorf("%d token requests, scopes %v", a.count(), a.scopes)
			}
			if got := e.count("GET /fhir/.well-known/smart-configuration"); got != 1 {
				t.Errorf("%d discovery requests", got)
			}
		})
	}
}

func TestSMARTRenewsBeforeExpiry(t *testing.T) {
	key, err := GenerateKey(ES384)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := JWKS(key)
	e := newFakeEHR(t)
	a := newFakeAuth(t, e, "lb", jwks)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a.now = clock
	a.expiresIn = "300" // some servers send a string
	s := NewSMART(e.base(), "lb", key)
	s.Now = clock
	s.Scope = "system/Patient.read system/Observation.read"
	ctx := context.Background()

	tok1, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	advance(200 * time.Second)
	if tok, _ := s.Token(ctx); tok != tok1 || a.count() != 1 {
		t.Fatalf("token renewed too early: %q, %d requests", tok, a.count())
	}
	advance(50 * time.Second) // 250s: within the last fifth of 300s
	tok2, err := s.Token(ctx)
	if err != nil || tok2 == tok1 || a.count() != 2 {
		t.Fatalf("token not renewed: %q, %v, %d requests", tok2, err, a.count())
	}
	if a.scopes[0] != s.Scope {
		t.Errorf("scope %q", a.scopes[0])
	}
	// A token the server refused is replaced at once; a stale refusal is not.
	s.Invalidate(tok1)
	if tok, _ := s.Token(ctx); tok != tok2 {
		t.Errorf("invalidating an old token dropped the current one")
	}
	s.Invalidate(tok2)
	if tok, _ := s.Token(ctx); tok == tok2 || a.count() != 3 {
		t.Errorf("invalidated token kept: %q, %d requests", tok, a.count())
	}
}

func TestSMARTRetriesOnceOn401(t *testing.T) {
	key, _ := GenerateKey(ES384)
	jwks, _ := JWKS(key)
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	a := newFakeAuth(t, e, "lb", jwks)
	a.jku = "https://lifeboat.example/jwks.json"
	s := NewSMART(e.base(), "lb", key)
	s.TokenURL = a.srv.URL + "/auth/token" // configured: no discovery
	s.JKU = a.jku
	c := newClient(e, &sleeper{})
	c.Auth = s
	if _, err := s.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.token = "revoked" // the EHR no longer accepts the cached token
	e.mu.Unlock()
	if _, err := newSyncer(c, newMemSink(), newMemStore()).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.count() != 2 || e.count("GET /fhir/$export") != 2 || e.count("GET /fhir/.well-known/smart-configuration") != 0 {
		t.Errorf("%d token requests, %d kick-offs", a.count(), e.count("GET /fhir/$export"))
	}
}

func TestSMARTTokenRefused(t *testing.T) {
	key, _ := GenerateKey(ES384)
	jwks, _ := JWKS(key)
	e := newFakeEHR(t)
	a := newFakeAuth(t, e, "lb", jwks)
	a.refuse = true
	e.token = "x"
	c := newClient(e, &sleeper{})
	c.Auth = NewSMART(e.base(), "lb", key)
	_, err := c.Kickoff(context.Background(), ExportRequest{})
	var se *StatusError
	if lifeboat.ErrorCode(err) != lifeboat.EUNAUTHORIZED || !errors.As(err, &se) || se.Issues[0] != "invalid_client" ||
		!strings.Contains(err.Error(), "kid not registered") {
		t.Fatalf("err %v", err)
	}
	if a.count() != 1 {
		t.Errorf("%d token requests: a refusal was retried", a.count())
	}
}

func TestSMARTNeedsClientAndKey(t *testing.T) {
	_, err := (&SMART{FHIRBase: "https://ehr.example"}).Token(context.Background())
	if lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("err %v", err)
	}
}

func TestExpiresIn(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		`300`: 300 * time.Second, `"60"`: time.Minute, `3599.5`: 3599500 * time.Millisecond,
		``: defaultTokenLifetime, `null`: defaultTokenLifetime, `-1`: defaultTokenLifetime, `"x"`: defaultTokenLifetime,
	} {
		if got := expiresIn(json.RawMessage(raw)); got != want {
			t.Errorf("expires_in %s: %v, want %v", raw, got, want)
		}
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []string{RS384, ES384} {
		k, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		if k.Alg != alg || len(k.ID) != 43 { // base64url of a SHA-256 thumbprint
			t.Errorf("%s: alg %s kid %q", alg, k.Alg, k.ID)
		}
		path := filepath.Join(dir, alg+".pem")
		if err := WriteKeyFile(path, k); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v", fi.Mode())
		}
		if err := WriteKeyFile(path, k); lifeboat.ErrorCode(err) != lifeboat.ECONFLICT {
			t.Errorf("overwrite: %v", err)
		}
		b, _ := os.ReadFile(path)
		if !strings.HasPrefix(string(b), "-----BEGIN PRIVATE KEY-----") {
			t.Errorf("not PKCS#8 PEM: %.40s", b)
		}
		k2, err := ReadKeyFile(path)
		if err != nil || k2.ID != k.ID || k2.Alg != alg {
			t.Fatalf("read back: %+v, %v", k2, err)
		}
	}
}

func TestParseKeyPEMForms(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ek)
	for name, p := range map[string][]byte{
		"pkcs1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
		"sec1":  append([]byte("-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})...),
	} {
		if _, err := ParseKeyPEM(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p256DER, _ := x509.MarshalPKCS8PrivateKey(p256)
	for name, p := range map[string][]byte{
		"rsa1024": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		"p256":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p256DER}),
		"empty":   nil,
		"garbage": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if _, err := ParseKeyPEM(p); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if _, err := GenerateKey("HS256"); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("HS256: %v", err)
	}
}

func TestJWKS(t *testing.T) {
	rk, _ := GenerateKey(RS384)
	ek, _ := GenerateKey(ES384)
	b, err := JWKS(rk, ek)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("%s: %v", b, err)
	}
	want := []map[string]any{
		{"kty": "RSA", "kid": rk.ID, "alg": "RS384", "use": "sig"},
		{"kty": "EC", "kid": ek.ID, "alg": "ES384", "use": "sig", "crv": "P-384"},
	}
	for i, w := range want {
		for k, v := range w {
			if set.Keys[i][k] != v {
				t.Errorf("key %d: %s = %v, want %v", i, k, set.Keys[i][k], v)
			}
		}
		if _, ok := set.Keys[i]["d"]; ok {
			t.Errorf("key %d: the JWKS holds private material", i)
		}
	}
	for _, f := range []string{"n", "e"} {
		if set.Keys[0][f] == nil {
			t.Errorf("RSA key without %s", f)
		}
	}
	for _, f := range []string{"x", "y"} {
		if set.Keys[1][f] == nil {
			t.Errorf("EC key without %s", f)
		}
	}
}
