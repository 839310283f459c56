package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxPrepared bounds the reader statement cache. Queries are built from a
// few shapes (type, patient, status, code, date, limit), so this is ample.
const maxPrepared = 256

// stmtCache keeps prepared reader statements: compiling a query costs more
// than running a small one.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepared returns a cached prepared statement for query.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	if c.stmts == nil || len(c.stmts) >= maxPrepared {
		for _, old := range c.stmts {
			old.Close()
		}
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = s
	return s, nil
}

// closeStmts closes every cached statement.
func (db *DB) closeStmts() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for _, s := range db.stmts.stmts {
		s.Close()
	}
	db.stmts.stmts = nil
}
