package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// storeFlags are the flags of every command that opens a store.
type storeFlags struct {
	data    string
	keyFile string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "", "data `DIR`ectory (required)")
	fs.StringVar(&s.keyFile, "key-file", "", "database key `FILE` (default $LIFEBOAT_KEY_FILE)")
}

// open opens the store, taking the key from --key-file or LIFEBOAT_KEY_FILE.
func (s *storeFlags) open(ctx context.Context, env *environment) (*sqlite.DB, error) {
	if s.data == "" {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "--data DIR is required")
	}
	path := s.keyFile
	if path == "" {
		path = env.getenv("LIFEBOAT_KEY_FILE")
	}
	if path == "" {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "a database key is required: --key-file FILE or LIFEBOAT_KEY_FILE (create one with 'lifeboat keygen > FILE')")
	}
	key, err := readKey(path)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, s.data, key)
}

// readKey reads a key file: 64 hex digits, surrounding space ignored.
func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "cannot read key file %s: %v", filepath.Base(path), errorText(err))
	}
	key, err := decodeKey(string(b))
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "key file %s is not a Lifeboat key (64 hex digits from 'lifeboat keygen')", filepath.Base(path))
	}
	return key, nil
}

// decodeKey parses a key in key-file form.
func decodeKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != sqlite.KeySize {
		return nil, fmt.Errorf("not a key")
	}
	return key, nil
}

// newKey returns a fresh random key in key-file form.
func newKey() (string, error) {
	k := make([]byte, sqlite.KeySize)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return hex.EncodeToString(k) + "\n", nil
}

func runKeygen(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "keygen", "keygen > FILE")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := newKey()
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(env.stdout, k)
	return err
}

func errorText(err error) string {
	if os.IsNotExist(err) {
		return "no such file"
	} else if os.IsPermission(err) {
		return "permission denied"
	}
	return "unreadable"
}
