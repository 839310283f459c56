package bulk

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/lifeboat-health/lifeboat"
)

// Signing algorithms of SMART Backend Services client assertions.
const (
	RS384 = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384, RSA 2048 bits or more
	ES384 = "ES384" // ECDSA on P-384 with SHA-384
)

// Key is Lifeboat's private key for SMART Backend Services: the key, its
// JWS algorithm and its key id.
type Key struct {
	Alg     string        // RS384 or ES384
	ID      string        // kid: the RFC 7638 thumbprint of the public key
	Private crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey (P-384)
}

// GenerateKey makes a new key pair for alg: RSA 2048 bits for RS384 (the
// size EHRs accept most widely), P-384 for ES384.
func GenerateKey(alg string) (*Key, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case RS384:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		return nil, fmt.Errorf("bulk: generate key: %w", lifeboat.Errorf(lifeboat.EINVALID, "Unknown algorithm %q (RS384 or ES384).", shortText(alg, 16)))
	}
	if err != nil {
		return nil, fmt.Errorf("bulk: generate key: %w", err)
	}
	return NewKey(priv)
}

// NewKey wraps a private key: an RSA key of 2048 bits or more (RS384) or a
// P-384 ECDSA key (ES384).
func NewKey(priv crypto.Signer) (*Key, error) {
	k := &Key{Private: priv}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		if p.N.BitLen() < 2048 {
			return nil, keyError("an RSA key needs 2048 bits or more")
		}
		k.Alg = RS384
	case *ecdsa.PrivateKey:
		if p.Curve != elliptic.P384() {
			return nil, keyError("an EC key must be on P-384 (ES384)")
		}
		k.Alg = ES384
	default:
		return nil, keyError("the key is neither RSA nor ECDSA")
	}
	jwk := jose.JSONWebKey{Key: priv.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("bulk: key: %w", err)
	}
	k.ID = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}

func keyError(why string) error {
	return fmt.Errorf("bulk: key: %w", lifeboat.Errorf(lifeboat.EINVALID, "Unusable SMART key: %s.", why))
}

// MarshalPEM returns the private key as a PKCS#8 "PRIVATE KEY" PEM block.
func (k *Key) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("bulk: key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM reads a private key from PEM: PKCS#8 ("PRIVATE KEY"), or the
// older PKCS#1 ("RSA PRIVATE KEY") and SEC 1 ("EC PRIVATE KEY") forms.
func ParseKeyPEM(b []byte) (*Key, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, keyError("no private key PEM block")
		}
		var priv any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			priv, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			priv, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			priv, err = x509.ParseECPrivateKey(blk.Bytes)
		default:
			continue // e.g. "EC PARAMETERS" before the key
		}
		if err != nil {
			return nil, keyError("the PEM block is not a readable private key")
		}
		s, ok := priv.(crypto.Signer)
		if !ok {
			return nil, keyError("the key cannot sign")
		}
		return NewKey(s)
	}
}

// ReadKeyFile reads a PEM private key file.
func ReadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bulk: read key: %w", err)
	}
	return ParseKeyPEM(b)
}

// WriteKeyFile writes the private key as PEM to a new file readable only
// by its owner. It refuses to overwrite an existing file (ECONFLICT).
func WriteKeyFile(path string, k *Key) error {
	b, err := k.MarshalPEM()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("bulk: write key: %w", lifeboat.Errorf(lifeboat.ECONFLICT, "The key file already exists."))
	} else if err != nil {
		return fmt.Errorf("bulk: write key: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("bulk: write key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("bulk: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bulk: write key: %w", err)
	}
	return nil
}

// JWKS returns the public JWK Set of keys, to register with the EHR's
// authorization server: {"keys":[{"kty","kid","alg","use":"sig",...}]}.
// List the current and the next key to rotate without a gap.
func JWKS(keys ...*Key) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: k.Alg, Use: "sig"})
	}
	b, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bulk: jwks: %w", err)
	}
	return append(b, '\n'), nil
}
