package diskscan

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o700)
	os.WriteFile(filepath.Join(dir, "a.db"), []byte("xx QUENBY yy"), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "b.wal"), []byte("nothing here"), 0o600)
	found, files, err := Find(dir, "Quenby", "MRN0001", "")
	if err != nil || files != 2 || len(found) != 1 || found[0] != `a.db: "Quenby"` {
		t.Fatalf("found %v in %d files, %v", found, files, err)
	}
}
