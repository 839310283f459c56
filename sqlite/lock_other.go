//go:build !unix

package sqlite

import "os"

// lockFile does nothing where flock is not available: run one server per
// data directory.
func lockFile(f *os.File) error { return nil }
