package bulk

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Config describes one Bulk Data source as it appears in Lifeboat's
// configuration file.
type Config struct {
	Name  string   `json:"name"`  // the source's name in the sync state, e.g. "ehr"
	URL   string   `json:"url"`   // the FHIR base URL
	Level Level    `json:"level"` // "system" (default), "patient" or "group"
	Group string   `json:"group"` // the Group id for level "group"
	Types []string `json:"types"` // _type; empty exports every type the server offers

	// SMART Backend Services; without ClientID no Authorization is sent.
	ClientID string `json:"client_id"`
	KeyFile  string `json:"key_file"`  // PEM private key (RS384 or ES384)
	TokenURL string `json:"token_url"` // token endpoint; discovered if empty
	Scope    string `json:"scope"`     // DefaultScope if empty
	JKU      string `json:"jku"`       // the registered JWK Set URL, sent as jku

	Concurrency int `json:"concurrency"` // parallel downloads (DefaultConcurrency if 0)
	// NoCompression downloads files uncompressed (for an EHR on the same
	// fast network, where gzip costs both sides more than it saves).
	NoCompression bool `json:"no_compression"`

	// HTTP is the HTTP client for the FHIR and token servers (nil: the
	// package default), e.g. one trusting the hospital's CA.
	HTTP *http.Client `json:"-"`
}

// Syncer checks the configuration, reads the key file and returns a
// Syncer of the source that imports into sink and keeps its progress in
// state. now is the clock (time.Now if nil).
func (c Config) Syncer(sink Sink, state lifeboat.SyncStateStore, logger *slog.Logger, now func() time.Time) (*Syncer, error) {
	if c.Name == "" {
		return nil, configError("a source needs a name")
	}
	if _, err := resolve(c.URL, c.URL); err != nil || strings.ContainsAny(c.URL, "?#") {
		return nil, configError("the source URL must be an http(s) FHIR base URL")
	}
	req := ExportRequest{Level: c.Level, Group: c.Group, Types: c.Types}
	if _, err := req.URL(c.URL); err != nil {
		return nil, fmt.Errorf("bulk: config: %w", err)
	}
	cl := &Client{Base: c.URL, HTTP: c.HTTP, Logger: logger, Now: now, NoCompression: c.NoCompression}
	if c.ClientID != "" {
		if c.KeyFile == "" {
			return nil, configError("a client_id needs a key_file")
		}
		key, err := ReadKeyFile(c.KeyFile)
		if err != nil {
			return nil, err
		}
		cl.Auth = &SMART{ClientID: c.ClientID, Key: key, FHIRBase: c.URL, TokenURL: c.TokenURL,
			Scope: c.Scope, JKU: c.JKU, HTTP: c.HTTP, Now: now, Logger: logger}
	}
	return &Syncer{Client: cl, Sink: sink, State: state, Source: c.Name, Export: req,
		Concurrency: c.Concurrency, Now: now, Logger: logger}, nil
}

func configError(why string) error {
	return fmt.Errorf("bulk: config: %w", lifeboat.Errorf(lifeboat.EINVALID, "Invalid Bulk Data source: %s.", why))
}
