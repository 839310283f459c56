// Package sqlite is Lifeboat's embedded store: one SQLite database per data
// directory, encrypted at rest as whole files with the Adiantum VFS, in WAL
// mode with one group-committing writer and a pool of concurrent readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // database/sql driver for the readers
	_ "github.com/ncruces/go-sqlite3/vfs/adiantum"

	"github.com/lifeboat-health/lifeboat"
)

// KeySize is the size in bytes of a database key.
const KeySize = 32

// FileName is the database file inside a data directory.
const FileName = "lifeboat.db"

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open Lifeboat store.
type DB struct {
	path  string
	read  *sql.DB
	w     *writer
	codec *codec
	stmts stmtCache
	cache *resourceCache   // resources by type and id (rescache.go)
	ckpt  *checkpointer    // copies the WAL into the database file
	auth  authCache        // API tokens and accounts, briefly (user.go)
	audit *auditTrail      // the audit trail, in files of its own (audit_trail.go)
	inbox *inbox           // the feed inbox, once OpenInbox was called
	dir   string           // the data directory
	key   []byte           // the database key, for the inbox's key
	Now   func() time.Time // clock; defaults to time.Now
	// OnApplied, if set, is called with the feed messages just applied to
	// the store (duplicates left out; Status MessageRejected for one kept
	// as a dead letter because it no longer mapped when read back from the
	// inbox), in order, from the goroutine that applied them: it must not
	// block for long. Set it before OpenInbox so
	// that it also sees the messages a crash left in the inbox.
	OnApplied func(ms []*lifeboat.Message)
	cancel    context.CancelFunc
}

// Open opens (creating if needed) the store in dir with the given key.
// A key that does not match an existing store is an EUNAUTHORIZED error.
func Open(ctx context.Context, dir string, key []byte) (*DB, error) {
	if len(key) != KeySize {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "the database key must be %d bytes (64 hex digits)", KeySize)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	uri := "file:" + filepath.ToSlash(path) + "?vfs=adiantum&hexkey=" + hex.EncodeToString(key)

	conn, err := sqlite3.Open(uri)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if err := conn.Exec(`PRAGMA busy_timeout=10000; PRAGMA temp_store=memory;`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqlite: configure: %w", err)
	}
	// The first read of page 1 tells whether the key is right.
	if err := conn.Exec(`SELECT count(*) FROM sqlite_schema`); err != nil {
		conn.Close()
		if errors.Is(err, sqlite3.NOTADB) {
			return nil, lifeboat.Errorf(lifeboat.EUNAUTHORIZED, "the database key does not match the data in this directory")
		}
		return nil, fmt.Errorf("sqlite: read schema: %w", err)
	}
	if err := conn.Exec(`PRAGMA page_size=16384; PRAGMA cache_size=-65536; PRAGMA journal_mode=wal; PRAGMA synchronous=full; PRAGMA foreign_keys=on;`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqlite: configure: %w", err)
	}
	al, err := openAudit(dir, key, conn) // before migration 7 drops the old audit table
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := migrate(conn); err != nil {
		conn.Close()
		al.close()
		return nil, err
	}

	read, err := sql.Open("sqlite3", uri+"&_pragma=busy_timeout(10000)&_pragma=temp_store(memory)&_pragma=query_only(1)&_pragma=cache_size(-16384)&_txlock=deferred")
	if err != nil {
		conn.Close()
		al.close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(5 * time.Minute)

	cd, err := newCodec()
	if err != nil {
		conn.Close()
		read.Close()
		al.close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	db := &DB{path: path, read: read, codec: cd, Now: time.Now, cancel: cancel, audit: al, cache: newResourceCache(resourceCacheBytes)}
	if db.ckpt, err = startCheckpointer(uri, conn); err != nil {
		cancel()
		conn.Close()
		read.Close()
		al.close()
		return nil, err
	}
	db.w, err = newWriter(ctx, conn, db.cache)
	if err != nil {
		cancel()
		conn.Close()
		db.ckpt.close()
		read.Close()
		al.close()
		return nil, err
	}
	db.dir, db.key = dir, append([]byte(nil), key...)
	return db, nil
}

// Close stops the writer after pending writes and closes the database.
func (db *DB) Close() error {
	var ierr error
	if db.inbox != nil {
		ierr = db.inbox.close()
	}
	werr := db.w.close()
	cerr := db.ckpt.close()
	aerr := db.audit.close()
	db.cancel()
	db.closeStmts()
	rerr := db.read.Close()
	return errors.Join(ierr, werr, cerr, aerr, rerr)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Ping checks that the store answers reads.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&n)
}

// Checkpoint copies the WALs of the store and of its audit trail into
// their database files and truncates them.
func (db *DB) Checkpoint(ctx context.Context) error {
	return errors.Join(db.w.do(ctx, func(tx *wtx) error { return nil }, true), db.audit.checkpoint())
}

func (db *DB) now() time.Time { return db.Now() }

// migrate applies the embedded migrations newer than PRAGMA user_version,
// each in its own transaction.
func migrate(conn *sqlite3.Conn) error {
	stmt, _, err := conn.Prepare(`PRAGMA user_version`)
	if err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	stmt.Step()
	current := stmt.ColumnInt(0)
	stmt.Close()

	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: bad name", f)
		}
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return fmt.Errorf("sqlite: read migration: %w", err)
		}
		script := fmt.Sprintf("BEGIN IMMEDIATE;\n%s\nPRAGMA user_version=%d;\nCOMMIT;", body, n)
		if err := conn.Exec(script); err != nil {
			conn.Exec(`ROLLBACK`)
			return fmt.Errorf("sqlite: apply migration %d: %w", n, err)
		}
	}
	return nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// nullTime binds a zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
