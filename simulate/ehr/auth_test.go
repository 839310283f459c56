package ehr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// keys are a backend client's signing keys.
type keys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func newKeys(t testing.TB) keys {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keys{rk, ek}
}

// jwks is the public key set of k, with kids "rs" and "es".
func (k keys) jwks(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &k.rsa.PublicKey, KeyID: "rs", Algorithm: "RS384", Use: "sig"},
		{Key: &k.ec.PublicKey, KeyID: "es", Algorithm: "ES384", Use: "sig"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertion signs an authentication JWT.
func assertion(t testing.TB, alg jose.SignatureAlgorithm, key crypto.Signer, kid string, c jwt.Claims) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims are valid claims for client at now.
func (e *env) claims(client string, now time.Time, jti string) jwt.Claims {
	return jwt.Claims{Issuer: client, Subject: client, Audience: jwt.Audience{e.ts.URL + TokenPath},
		Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute)), ID: jti}
}

// tokenRequest posts a token request and returns the status and JSON body.
func (e *env) tokenRequest(t testing.TB, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := e.hc.PostForm(e.ts.URL+TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body(t, resp), &m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

func tokenForm(assertion, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {assertionType},
		"client_assertion": {assertion}, "scope": {scope}}
}

func authEnv(t *testing.T) (*env, keys) {
	k := newKeys(t)
	other := newKeys(t)
	e := newEnv(t, Options{Seed: 2, Patients: 20, Auth: &Auth{Clients: []Client{
		{ID: "lifeboat-sync", JWKS: k.jwks(t)}, {ID: "other", JWKS: other.jwks(t)}}}})
	return e, k
}

func TestAuthDiscovery(t *testing.T) {
	e, _ := authEnv(t)
	var cfg struct {
		TokenEndpoint string   `json:"token_endpoint"`
		Methods       []string `json:"token_endpoint_auth_methods_supported"`
		Algs          []string `json:"token_endpoint_auth_signing_alg_values_supported"`
		Scopes        []string `json:"scopes_supported"`
	}
	if err := json.Unmarshal(body(t, e.do(t, "GET", "/fhir/.well-known/smart-configuration")), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.TokenEndpoint != e.ts.URL+TokenPath || strings.Join(cfg.Methods, ",") != "private_key_jwt" ||
		strings.Join(cfg.Algs, ",") != "RS384,ES384" || cfg.Scopes[0] != "system/*.read" {
		t.Errorf("smart-configuration %+v", cfg)
	}
	// metadata needs no token and names the token endpoint.
	if b := body(t, e.do(t, "GET", "/fhir/metadata")); !strings.Contains(string(b), e.ts.URL+TokenPath) {
		t.Errorf("metadata does not name the token endpoint: %s", b)
	}
	for _, p := range []string{"/fhir/$export", "/fhir/Patient/pt-0001", "/fhir/Group", "/fhir/bulk/0123456789abcdef"} {
		resp := e.do(t, "GET", p, "Prefer", "respond-async")
		expectOutcome(t, resp, 401)
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without WWW-Authenticate", p)
		}
	}
	e.token = "made-up"
	expectOutcome(t, e.do(t, "GET", "/fhir/Patient/pt-0001"), 401)
}

func TestAuthTokenAndExport(t *testing.T) {
	e, k := authEnv(t)
	now := e.clock.Now()
	for i, tc := range []struct {
		alg jose.SignatureAlgorithm
		key crypto.Signer
		kid string
	}{{jose.RS384, k.rsa, "rs"}, {jose.ES384, k.ec, "es"}} {
		status, tok := e.tokenRequest(t, tokenForm(assertion(t, tc.alg, tc.key, tc.kid, e.claims("lifeboat-sync", now, fmt.Sprint("jti-", i))), "system/*.read"))
		if status != 200 || tok["token_type"] != "bearer" || tok["expires_in"] != 300.0 || tok["scope"] != "system/*.read" || tok["access_token"] == "" {
			t.Fatalf("%s: %d %v", tc.alg, status, tok)
		}
		e.token = tok["access_token"].(string)
	}
	m, out := e.export(t, "/fhir/$export?_type=Patient,Observation")
	if !m.RequiresAccessToken || len(out["Patient"]) != 20 {
		t.Fatalf("requiresAccessToken %v, %d patients", m.RequiresAccessToken, len(out["Patient"]))
	}
	good := e.token
	e.token = ""
	expectOutcome(t, e.do(t, "GET", m.Output[0].URL), 401)
	// Another client's token does not see the job.
	e.token = good
	status := e.kickoff(t, "/fhir/$export?_type=Patient")
	e.srv.auth.tokens.Store("other-client", &grant{client: "other", expires: now.Add(time.Hour)})
	e.token = "other-client"
	expectOutcome(t, e.do(t, "GET", status), 404)
	// Tokens expire.
	e.token = good
	e.clock.Add(6 * time.Minute)
	expectOutcome(t, e.do(t, "GET", status), 401)
	if st := e.srv.Stats(); st.Tokens != 2 {
		t.Errorf("%d tokens issued", st.Tokens)
	}
}

func TestAuthRefusals(t *testing.T) {
	e, k := authEnv(t)
	now := e.clock.Now()
	wrong := newKeys(t)
	c := e.claims("lifeboat-sync", now, "")
	with := func(f func(*jwt.Claims)) jwt.Claims { x := c; f(&x); return x }
	n := 0
	jti := func(x jwt.Claims) jwt.Claims { n++; x.ID = fmt.Sprint("refusal-", n); return x }

	cases := map[string]string{
		"wrong key":        assertion(t, jose.RS384, wrong.rsa, "rs", jti(c)),
		"wrong ec key":     assertion(t, jose.ES384, wrong.ec, "es", jti(c)),
		"unknown kid":      assertion(t, jose.RS384, k.rsa, "nope", jti(c)),
		"kid of other alg": assertion(t, jose.RS384, k.rsa, "es", jti(c)),
		"RS256":            assertion(t, jose.RS256, k.rsa, "rs", jti(c)),
		"expired":          assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Expiry = jwt.NewNumericDate(now.Add(-time.Minute)) }))),
		"exp too far":      assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Expiry = jwt.NewNumericDate(now.Add(10 * time.Minute)) }))),
		"no exp":           assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Expiry = nil }))),
		"wrong aud":        assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Audience = jwt.Audience{e.ts.URL + "/fhir"} }))),
		"sub not iss":      assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Subject = "someone" }))),
		"unknown client":   assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Issuer, x.Subject = "stranger", "stranger" }))),
		"other's client":   assertion(t, jose.RS384, k.rsa, "rs", jti(with(func(x *jwt.Claims) { x.Issuer, x.Subject = "other", "other" }))),
		"no jti":           assertion(t, jose.RS384, k.rsa, "rs", c),
		"not a JWT":        "not.a.jwt",
	}
	reasons := map[string]string{
		"wrong key": "signature", "wrong ec key": "signature", "other's client": "signature",
		"unknown kid": "kid", "kid of other alg": "kid", "RS256": "RS384", "not a JWT": "RS384",
		"expired": "expired", "exp too far": "five minutes", "no exp": "no exp", "wrong aud": "aud",
		"sub not iss": "sub", "unknown client": "not registered", "no jti": "no jti",
	}
	for name, a := range cases {
		status, m := e.tokenRequest(t, tokenForm(a, "system/*.read"))
		desc, _ := m["error_description"].(string)
		if status != 401 || m["error"] != "invalid_client" || !strings.Contains(desc, reasons[name]) {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	// A jti is good once.
	once := assertion(t, jose.ES384, k.ec, "es", with(func(x *jwt.Claims) { x.ID = "once" }))
	if status, m := e.tokenRequest(t, tokenForm(once, "system/*.read")); status != 200 {
		t.Fatalf("first use: %d %v", status, m)
	}
	if status, m := e.tokenRequest(t, tokenForm(once, "system/*.read")); status != 401 || m["error"] != "invalid_client" {
		t.Errorf("replayed jti: %d %v", status, m)
	}
	// Malformed requests.
	form := tokenForm(assertion(t, jose.RS384, k.rsa, "rs", jti(c)), "system/*.read")
	form.Set("grant_type", "authorization_code")
	if status, m := e.tokenRequest(t, form); status != 400 || m["error"] != "unsupported_grant_type" {
		t.Errorf("wrong grant: %d %v", status, m)
	}
	if status, m := e.tokenRequest(t, tokenForm(assertion(t, jose.RS384, k.rsa, "rs", jti(c)), "user/*.read launch")); status != 400 || m["error"] != "invalid_scope" {
		t.Errorf("no system scope: %d %v", status, m)
	}
	resp := e.do(t, "GET", TokenPath)
	if body(t, resp); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", resp.StatusCode)
	}
}

func TestAuthScopes(t *testing.T) {
	e, k := authEnv(t)
	status, tok := e.tokenRequest(t, tokenForm(assertion(t, jose.ES384, k.ec, "es",
		e.claims("lifeboat-sync", e.clock.Now(), "scoped")), "system/Patient.read system/Encounter.rs system/Spaceship.read"))
	if status != 200 || tok["scope"] != "system/Patient.read system/Encounter.rs" {
		t.Fatalf("%d %v", status, tok)
	}
	e.token = tok["access_token"].(string)
	expectOutcome(t, e.do(t, "GET", "/fhir/$export?_type=Observation", "Prefer", "respond-async"), 403)
	expectOutcome(t, e.do(t, "GET", "/fhir/Observation/pt-0001-vs-1"), 403)
	_, out := e.export(t, "/fhir/$export")
	if len(out) != 2 || len(out["Patient"]) != 20 || len(out["Encounter"]) == 0 {
		t.Errorf("a Patient and Encounter token exported %d types", len(out))
	}
}

func TestAuthOptions(t *testing.T) {
	jwks := newKeys(t).jwks(t)
	for name, a := range map[string]*Auth{
		"no clients":  {},
		"twice":       {Clients: []Client{{JWKS: jwks}, {ID: DefaultClientID, JWKS: jwks}}},
		"bad jwks":    {Clients: []Client{{ID: "x", JWKS: []byte(`{`)}}},
		"empty jwks":  {Clients: []Client{{ID: "x", JWKS: []byte(`{"keys":[]}`)}}},
		"private key": {Clients: []Client{{ID: "x", JWKS: privateJWKS(t)}}},
	} {
		if _, err := New(Options{Patients: 1, Auth: a}); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func privateJWKS(t *testing.T) []byte {
	k := newKeys(t)
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.ec, KeyID: "es"}}})
	return b
}
