//go:build unix

package sqlite

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/lifeboat-health/lifeboat"
)

// lockInbox takes an exclusive lock on the inbox file for the life of the
// process's handle: a second server on the same data directory is refused
// rather than allowed to replay or truncate the first one's records.
func lockInbox(f *os.File) error {
	if err := lockFile(f); err != nil {
		return lifeboat.Errorf(lifeboat.ECONFLICT, "another Lifeboat server receives feeds for this data directory")
	}
	return nil
}

// lockFile takes an exclusive lock on f without waiting; closing f releases it.
func lockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }
