//go:build !unix

package sqlite

import "os"

// lockInbox does nothing where flock is not available: run one server per
// data directory.
func lockInbox(f *os.File) error { return nil }

// lockFile does nothing where flock is not available.
func lockFile(f *os.File) error { return nil }
