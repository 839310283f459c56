package ehr

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/lifeboat-health/lifeboat"
)

// Auth turns on SMART Backend Services authorization: clients get an access
// token from the token endpoint with a JWT signed by a registered key
// (RS384 or ES384), and present it as a bearer token.
type Auth struct {
	// Clients are the registered backend services.
	Clients []Client
	// TokenLifetime is how long an access token lasts (5 minutes if 0).
	TokenLifetime time.Duration
}

// DefaultClientID is the client_id of a registered client given none.
const DefaultClientID = "lifeboat"

// Client is a registered backend service.
type Client struct {
	// ID is its client_id: its JWTs carry it as iss and sub
	// (DefaultClientID if empty).
	ID string
	// JWKS is its public JSON Web Key Set; each key needs a kid.
	JWKS []byte
}

// Token request constants.
const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxAssertion  = 5 * time.Minute // the longest an authentication JWT may live
	skew          = 30 * time.Second
)

// authority issues and checks access tokens.
type authority struct {
	clients map[string]*jose.JSONWebKeySet
	life    time.Duration

	mu   sync.Mutex
	jtis map[string]time.Time // client id + "\x00" + jti → when it may be forgotten

	tokens sync.Map // access token → *grant
}

// grant is what an access token allows.
type grant struct {
	client  string
	scope   string
	types   map[string]bool // readable types; nil for all
	expires time.Time
}

// allows reports whether the grant covers reading a resource type.
func (g *grant) allows(typ string) bool { return g == nil || g.types == nil || g.types[typ] }

func newAuthority(a *Auth) (*authority, error) {
	au := &authority{clients: map[string]*jose.JSONWebKeySet{}, life: a.TokenLifetime, jtis: map[string]time.Time{}}
	if au.life <= 0 {
		au.life = 5 * time.Minute
	}
	if len(a.Clients) == 0 {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Authorization needs at least one registered client.")
	}
	for _, c := range a.Clients {
		if c.ID == "" {
			c.ID = DefaultClientID
		}
		if au.clients[c.ID] != nil {
			return nil, lifeboat.Errorf(lifeboat.EINVALID, "Client %s is registered twice.", c.ID)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(c.JWKS, &set); err != nil {
			return nil, fmt.Errorf("ehr: client %s: %w", c.ID, lifeboat.Errorf(lifeboat.EINVALID, "The key set of client %s is not a valid JWKS.", c.ID))
		}
		if len(set.Keys) == 0 {
			return nil, lifeboat.Errorf(lifeboat.EINVALID, "The key set of client %s has no keys.", c.ID)
		}
		for _, k := range set.Keys {
			if k.KeyID == "" || !k.IsPublic() {
				return nil, lifeboat.Errorf(lifeboat.EINVALID, "Every key of client %s needs a kid and must be public.", c.ID)
			}
		}
		au.clients[c.ID] = &set
	}
	return au, nil
}

// handleSMART serves the SMART configuration.
func (s *Server) handleSMART(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		fail(w, lifeboat.Errorf(lifeboat.ENOTFOUND, "This server does not require authorization."))
		return
	}
	scopes := []string{"system/*.read", "system/*.rs"}
	s.mu.RLock()
	for _, t := range s.st.types {
		scopes = append(scopes, "system/"+t+".read")
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"token_endpoint":                                   s.base(r) + TokenPath,
		"token_endpoint_auth_methods_supported":            []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
		"grant_types_supported":                            []string{"client_credentials"},
		"scopes_supported":                                 scopes,
		"capabilities":                                     []string{"client-confidential-asymmetric"},
	})
}

// oauthError writes an OAuth 2.0 error response.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, "application/json", map[string]string{"error": code, "error_description": desc})
}

// handleToken is the token endpoint: client_credentials with a JWT
// assertion.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		fail(w, lifeboat.Errorf(lifeboat.ENOTFOUND, "This server does not require authorization."))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "The token endpoint only answers POST.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Only the client_credentials grant is supported.")
		return
	case r.PostForm.Get("client_assertion_type") != assertionType:
		oauthError(w, http.StatusBadRequest, "invalid_client", "The client must authenticate with a JWT assertion (private_key_jwt).")
		return
	case r.PostForm.Get("client_assertion") == "":
		oauthError(w, http.StatusBadRequest, "invalid_client", "The client assertion is missing.")
		return
	case strings.TrimSpace(r.PostForm.Get("scope")) == "":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "A scope is required.")
		return
	}
	now := s.now()
	client, err := s.auth.verify(r.PostForm.Get("client_assertion"), s.base(r)+TokenPath, now)
	if err == nil {
		if id := r.PostForm.Get("client_id"); id != "" && id != client {
			err = lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "The client_id does not match the assertion.")
		}
	}
	if err != nil {
		s.log.Info("ehr: token refused", "reason", lifeboat.ErrorMessage(err))
		oauthError(w, http.StatusUnauthorized, "invalid_client", lifeboat.ErrorMessage(err))
		return
	}
	g := s.grantScopes(r.PostForm.Get("scope"))
	if g == nil {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "No requested scope can be granted; ask for system/*.read or system/Type.read.")
		return
	}
	g.client, g.expires = client, now.Add(s.auth.life)
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.auth.tokens.Range(func(k, v any) bool { // forget expired tokens
		if !now.Before(v.(*grant).expires) {
			s.auth.tokens.Delete(k)
		}
		return true
	})
	s.auth.tokens.Store(tok, g)
	s.tokens.Add(1)
	s.log.Info("ehr: token issued", "client", client, "scope", g.scope)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int(s.auth.life / time.Second), "scope": g.scope,
	})
}

// grantScopes keeps the system read scopes of a request; nil if none.
func (s *Server) grantScopes(requested string) *grant {
	g := &grant{types: map[string]bool{}}
	var kept []string
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sc := range strings.Fields(requested) {
		rest, ok := strings.CutPrefix(sc, "system/")
		typ, perm, ok2 := strings.Cut(rest, ".")
		if !ok || !ok2 || !(perm == "read" || perm == "*" || (strings.Contains(perm, "r") && strings.Trim(perm, "cruds") == "")) {
			continue
		}
		if typ == "*" {
			g.types = nil
		} else if _, known := s.st.typeIdx[typ]; !known {
			continue
		} else if g.types != nil {
			g.types[typ] = true
		}
		kept = append(kept, sc)
	}
	if len(kept) == 0 {
		return nil
	}
	g.scope = strings.Join(kept, " ")
	return g
}

// verify checks a client's authentication JWT and returns its client id.
func (a *authority) verify(assertion, tokenURL string, now time.Time) (string, error) {
	bad := func(msg string) (string, error) { return "", lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "%s", msg) }
	tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.RS384, jose.ES384})
	if err != nil {
		return bad("The client assertion is not a JWT signed with RS384 or ES384.")
	}
	if len(tok.Headers) != 1 {
		return bad("The client assertion must have one signature.")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "JWT" {
		return bad("The client assertion's typ header must be JWT.")
	}
	if _, ok := h.ExtraHeaders["jku"]; ok {
		return bad("The client assertion's jku is not registered; keys are registered as a key set.")
	}
	if h.KeyID == "" {
		return bad("The client assertion has no kid header.")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return bad("The client assertion's claims cannot be read.")
	}
	set := a.clients[unverified.Issuer]
	if set == nil {
		return bad("The client is not registered.")
	}
	var key *jose.JSONWebKey
	for _, k := range set.Key(h.KeyID) {
		if keyFits(k, h.Algorithm) {
			if key != nil {
				return bad("More than one registered key matches the kid.")
			}
			key = &k
		}
	}
	if key == nil {
		return bad("No registered key matches the assertion's kid and algorithm.")
	}
	var c jwt.Claims
	if err := tok.Claims(key.Key, &c); err != nil {
		return bad("The client assertion's signature is not valid.")
	}
	switch {
	case c.Issuer != unverified.Issuer || c.Subject != c.Issuer:
		return bad("The client assertion's iss and sub must both be the client id.")
	case !c.Audience.Contains(tokenURL):
		return bad("The client assertion's aud must be the token endpoint URL.")
	case c.Expiry == nil:
		return bad("The client assertion has no exp.")
	case !c.Expiry.Time().After(now.Add(-skew)):
		return bad("The client assertion has expired.")
	case c.Expiry.Time().After(now.Add(maxAssertion + skew)):
		return bad("The client assertion's exp is more than five minutes away.")
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(skew)):
		return bad("The client assertion is not valid yet.")
	case c.ID == "":
		return bad("The client assertion has no jti.")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, until := range a.jtis {
		if now.After(until) {
			delete(a.jtis, k)
		}
	}
	k := c.Issuer + "\x00" + c.ID
	if _, seen := a.jtis[k]; seen {
		return bad("The client assertion's jti was already used.")
	}
	a.jtis[k] = c.Expiry.Time().Add(skew)
	return c.Issuer, nil
}

// keyFits reports whether a registered key can check a signature of alg.
func keyFits(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		return alg == string(jose.RS384)
	case *ecdsa.PublicKey:
		return alg == string(jose.ES384) && key.Curve == elliptic.P384()
	}
	return false
}

// bearer returns the grant of a request's access token: nil when
// authorization is off, an EUNAUTHORIZED error when the token is missing,
// unknown or expired.
func (s *Server) bearer(r *http.Request) (*grant, error) {
	if s.auth == nil {
		return nil, nil
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "An access token is required.")
	}
	v, ok := s.auth.tokens.Load(strings.TrimSpace(tok))
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "The access token is not valid.")
	}
	g := v.(*grant)
	if !s.now().Before(g.expires) {
		s.auth.tokens.Delete(tok)
		return nil, lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "The access token has expired.")
	}
	return g, nil
}
