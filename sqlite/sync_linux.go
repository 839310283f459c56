package sqlite

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncData flushes f's data, and the metadata needed to read it back, to
// stable storage: fdatasync, which SQLite uses for its own syncs on Linux.
func syncData(f *os.File) error {
	for {
		if err := unix.Fdatasync(int(f.Fd())); err != unix.EINTR {
			return err
		}
	}
}
