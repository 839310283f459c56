package sqlite

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// LockSync takes the data directory's lock for syncing source, so that a
// scheduled sync in the server and a `lifeboat sync` of the same source
// never run at once. It returns ECONFLICT if another process holds it;
// release gives it back.
func (db *DB) LockSync(source string) (release func(), err error) {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, source)
	f, err := os.OpenFile(filepath.Join(db.dir, "sync-"+name+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINTERNAL, "cannot create the sync lock file")
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, lifeboat.Errorf(lifeboat.ECONFLICT, "source %q is being synced by another process", source)
	}
	return func() { f.Close() }, nil
}
