package sqlite

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/lifeboat-health/lifeboat"
)

// openSealedLog opens (creating it) the append-only log name in dir for
// records sealed with XChaCha20-Poly1305 under a key derived from the
// database key for purpose, and takes its exclusive lock: one process at a
// time writes a log. owner says, for the ECONFLICT error, what the process
// holding the lock does.
func openSealedLog(dir, name string, key []byte, purpose, owner string) (*os.File, cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, key, nil, purpose, chacha20poly1305.KeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: %s key: %w", name, err)
	}
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: %s cipher: %w", name, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, nil, lifeboat.Errorf(lifeboat.ECONFLICT, "another Lifeboat process %s for this data directory", owner)
	}
	return f, aead, nil
}

// preallocate writes zeros to f from alloc, the bytes of it written so far,
// up to at least size, a chunk at a time, and returns the new extent. An
// append then rewrites blocks the file already has, so syncing it with
// syncData changes no file metadata, which makes the sync much cheaper (and
// keeps it from waiting for other files' data in the file system's
// journal). A record is never read past the first zero length.
func preallocate(f *os.File, alloc, size, chunk int64) (int64, error) {
	if size <= alloc {
		return alloc, nil
	}
	n := (size - alloc + chunk - 1) / chunk * chunk
	if _, err := f.WriteAt(make([]byte, n), alloc); err != nil {
		return alloc, err
	}
	return alloc + n, nil
}

// appendSynced writes b at off in f, which is preallocated up to *alloc
// (grown by chunk as needed), and syncs it. On failure the file is cut back
// to off: nothing of b counts.
func appendSynced(f *os.File, alloc *int64, chunk int64, b []byte, off int64) error {
	n, err := preallocate(f, *alloc, off+int64(len(b)), chunk)
	*alloc = n
	if err == nil {
		_, err = f.WriteAt(b, off)
	}
	if err == nil {
		err = syncData(f)
	}
	if err != nil {
		f.Truncate(off)
		*alloc = off
	}
	return err
}
