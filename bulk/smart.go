package bulk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultScope is the scope SMART asks for when none is configured.
const DefaultScope = "system/*.read"

// assertionLifetime is how far ahead a client assertion expires: under the
// five minutes SMART allows, with room for clock skew.
const assertionLifetime = 4 * time.Minute

// defaultTokenLifetime is assumed when a token response has no expires_in.
const defaultTokenLifetime = 5 * time.Minute

// SMART is a TokenSource for SMART Backend Services: it posts a
// client_credentials grant authenticated by a JWT assertion signed with
// Key, caches the access token and renews it before it expires (or when
// the FHIR server refuses it). It is safe for concurrent use; concurrent
// callers share one token request.
type SMART struct {
	ClientID string // the client_id the EHR assigned at registration
	Key      *Key   // the private key whose public JWK the EHR registered
	// FHIRBase is the FHIR base URL; the token endpoint is discovered
	// from FHIRBase/.well-known/smart-configuration unless TokenURL is set.
	FHIRBase string
	TokenURL string
	Scope    string // DefaultScope if empty
	JKU      string // optional jku header: the registered JWK Set URL
	HTTP     *http.Client
	Now      func() time.Time
	Logger   *slog.Logger

	mu       sync.Mutex
	endpoint string
	token    string
	renew    time.Time // when the cached token must be replaced
}

// NewSMART returns a SMART token source for the FHIR server at fhirBase.
func NewSMART(fhirBase, clientID string, key *Key) *SMART {
	return &SMART{FHIRBase: fhirBase, ClientID: clientID, Key: key}
}

// Token returns the cached access token, or requests a new one if there is
// none or it is about to expire.
func (s *SMART) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Before(s.renew) {
		return s.token, nil
	}
	if s.ClientID == "" || s.Key == nil {
		return "", fmt.Errorf("bulk: token: %w", lifeboat.Errorf(lifeboat.EINVALID, "SMART needs a client id and a key."))
	}
	ep, err := s.tokenEndpoint(ctx)
	if err != nil {
		return "", err
	}
	tok, life, err := s.request(ctx, ep)
	if err != nil {
		return "", err
	}
	s.token = tok
	s.renew = s.now().Add(life - min(life/5, time.Minute))
	s.log().Info("bulk: access token obtained", "expires_in", life)
	return tok, nil
}

// Invalidate drops the cached token if it is token, so the next Token call
// requests a new one.
func (s *SMART) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

// tokenEndpoint returns TokenURL, or the token_endpoint discovered from
// the server's SMART configuration (and remembers it).
func (s *SMART) tokenEndpoint(ctx context.Context) (string, error) {
	if s.TokenURL != "" {
		return s.TokenURL, nil
	}
	if s.endpoint != "" {
		return s.endpoint, nil
	}
	base := strings.TrimRight(s.FHIRBase, "/")
	u := base + "/.well-known/smart-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("bulk: discovery: %w", lifeboat.Errorf(lifeboat.EINVALID, "Invalid FHIR base URL."))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http().Do(req)
	if err != nil {
		return "", netError(ctx, http.MethodGet, u, err)
	}
	defer discard(resp)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("bulk: %w", &StatusError{Op: "discovery", StatusCode: resp.StatusCode})
	}
	var conf struct {
		TokenEndpoint string   `json:"token_endpoint"`
		SigningAlgs   []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&conf); err != nil || conf.TokenEndpoint == "" {
		return "", fmt.Errorf("bulk: discovery: %w", lifeboat.Errorf(lifeboat.EINVALID,
			"The server's SMART configuration has no token_endpoint."))
	}
	ep, err := resolve(u, conf.TokenEndpoint)
	if err != nil {
		return "", fmt.Errorf("bulk: discovery: %w", err)
	}
	if len(conf.SigningAlgs) > 0 && !slices.Contains(conf.SigningAlgs, s.Key.Alg) {
		s.log().Warn("bulk: the server does not list the key's algorithm", "alg", s.Key.Alg)
	}
	s.endpoint = ep
	return ep, nil
}

// request posts a client_credentials grant to the token endpoint and
// returns the access token and its lifetime.
func (s *SMART) request(ctx context.Context, endpoint string) (string, time.Duration, error) {
	assertion, err := s.Assertion(endpoint)
	if err != nil {
		return "", 0, err
	}
	scope := s.Scope
	if scope == "" {
		scope = DefaultScope
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("bulk: token: %w", lifeboat.Errorf(lifeboat.EINVALID, "Invalid token URL."))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.http().Do(req)
	if err != nil {
		return "", 0, netError(ctx, http.MethodPost, endpoint, err)
	}
	defer discard(resp)
	var body struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
	}
	decErr := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body)
	if resp.StatusCode != http.StatusOK {
		e := &StatusError{Op: "token", StatusCode: resp.StatusCode, Detail: shortText(body.Description, 120)}
		if c := safeCode(body.Error); c != "" {
			e.Issues = []string{c}
		}
		return "", 0, fmt.Errorf("bulk: %w", e)
	}
	if decErr != nil || body.AccessToken == "" {
		return "", 0, fmt.Errorf("bulk: token: %w", lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "The token response has no access_token."))
	}
	if body.TokenType != "" && !strings.EqualFold(body.TokenType, "bearer") {
		return "", 0, fmt.Errorf("bulk: token: %w", lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "The token response is not a bearer token."))
	}
	return body.AccessToken, expiresIn(body.ExpiresIn), nil
}

// expiresIn reads expires_in, a number of seconds (some servers send it
// as a string); absent or unreadable means defaultTokenLifetime.
func expiresIn(raw json.RawMessage) time.Duration {
	s := strings.Trim(string(raw), `" `)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 366*24*3600 {
		return defaultTokenLifetime
	}
	return time.Duration(f * float64(time.Second))
}

// Assertion returns a new signed client assertion for the token endpoint
// aud: header alg, kid, typ "JWT" (and jku if set); claims iss = sub =
// ClientID, aud, exp four minutes ahead, iat and a random jti.
func (s *SMART) Assertion(aud string) (string, error) {
	if s.Key == nil {
		return "", fmt.Errorf("bulk: assertion: %w", lifeboat.Errorf(lifeboat.EINVALID, "SMART needs a key."))
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if s.JKU != "" {
		opts = opts.WithHeader("jku", s.JKU)
	}
	alg := jose.SignatureAlgorithm(s.Key.Alg)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{
		Key: s.Key.Private, KeyID: s.Key.ID, Algorithm: s.Key.Alg}}, opts)
	if err != nil {
		return "", fmt.Errorf("bulk: assertion: %w", err)
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("bulk: assertion: %w", err)
	}
	now := s.now()
	claims := jwt.Claims{
		Issuer:   s.ClientID,
		Subject:  s.ClientID,
		Audience: jwt.Audience{aud},
		Expiry:   jwt.NewNumericDate(now.Add(assertionLifetime)),
		IssuedAt: jwt.NewNumericDate(now),
		ID:       hex.EncodeToString(jti[:]),
	}
	out, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("bulk: assertion: %w", err)
	}
	return out, nil
}

func (s *SMART) http() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return defaultHTTP
}

func (s *SMART) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *SMART) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
