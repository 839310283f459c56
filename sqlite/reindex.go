package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// reindexBatch is how many resources Reindex reads and rewrites at a time.
const reindexBatch = 2000

// ReindexStats counts what Reindex did.
type ReindexStats struct {
	Read    int // resources read (tombstones left out)
	Changed int // of which the index was rewritten
	Failed  int // of which index failed: their index was left as it was
}

// Reindex recomputes the index of every stored resource with index (what
// an import uses: fhir.Parse) and rewrites the rows whose index differs,
// so that after an upgrade that indexes more, or differently, nothing has
// to be imported again. It goes through the store in batches, each written
// in one transaction; a resource written meanwhile (its version changed) is
// left alone, since its write indexed it afresh.
func (db *DB) Reindex(ctx context.Context, index func(*lifeboat.Resource) (lifeboat.Index, error)) (ReindexStats, error) {
	var st ReindexStats
	var after int64
	for {
		batch, err := db.reindexRead(ctx, after)
		if err != nil || len(batch) == 0 {
			return st, err
		}
		after = batch[len(batch)-1].rid
		var todo []*storedIndex
		for _, s := range batch {
			if s.r.Deleted {
				continue
			}
			st.Read++
			x, err := index(s.r)
			if err != nil {
				st.Failed++
				continue
			}
			if !sameIndex(s, &x) {
				s.r.Index = x
				todo = append(todo, s)
			}
		}
		if len(todo) == 0 {
			continue
		}
		err = db.w.do(ctx, func(tx *wtx) error {
			for _, s := range todo {
				n, err := rewriteIndex(tx, s)
				if err != nil {
					return err
				}
				st.Changed += n
			}
			return nil
		}, false)
		if err != nil {
			return st, err
		}
	}
}

// storedIndex is a resource as stored, with its row id and search terms.
type storedIndex struct {
	rid         int64
	r           *lifeboat.Resource
	identifiers []lifeboat.Identifier
	names       []string // tokens
}

// reindexRead reads the next batch of resources after row id after, with
// their identifiers and name tokens.
func (db *DB) reindexRead(ctx context.Context, after int64) ([]*storedIndex, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT rid, `+resourceColumns+` FROM resources WHERE rid > ? ORDER BY rid LIMIT ?`, after, reindexBatch)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reindex: %w", err)
	}
	var out []*storedIndex
	byRID := map[int64]*storedIndex{}
	err = db.scanResourceRows(rows, func(rid int64, r *lifeboat.Resource) {
		s := &storedIndex{rid: rid, r: r}
		out = append(out, s)
		byRID[rid] = s
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	lo, hi := out[0].rid, out[len(out)-1].rid
	if err := db.readTerms(ctx, `SELECT rid, system, value FROM identifiers WHERE rid BETWEEN ? AND ?`, lo, hi, func(rid int64, a, b string) {
		if s := byRID[rid]; s != nil {
			s.identifiers = append(s.identifiers, lifeboat.Identifier{System: a, Value: b})
		}
	}); err != nil {
		return nil, err
	}
	err = db.readTerms(ctx, `SELECT rid, name, '' FROM names WHERE rid BETWEEN ? AND ?`, lo, hi, func(rid int64, a, _ string) {
		if s := byRID[rid]; s != nil {
			s.names = append(s.names, a)
		}
	})
	return out, err
}

func (db *DB) readTerms(ctx context.Context, query string, lo, hi int64, add func(int64, string, string)) error {
	rows, err := db.read.QueryContext(ctx, query, lo, hi)
	if err != nil {
		return fmt.Errorf("sqlite: reindex: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		var a, b string
		if err := rows.Scan(&rid, &a, &b); err != nil {
			return fmt.Errorf("sqlite: reindex: %w", err)
		}
		add(rid, a, b)
	}
	return rows.Err()
}

// sameIndex reports whether x is what s has stored.
func sameIndex(s *storedIndex, x *lifeboat.Index) bool {
	o := &s.r.Index
	if o.Patient != x.Patient || o.Encounter != x.Encounter || o.Location != x.Location || o.Status != x.Status ||
		o.Category != x.Category || o.Code != x.Code || o.BirthDate != x.BirthDate || nullTime(o.Date) != nullTime(x.Date) {
		return false
	}
	var ids []lifeboat.Identifier
	for _, id := range x.Identifiers {
		if id.Value != "" {
			ids = append(ids, id)
		}
	}
	cmp := func(a, b lifeboat.Identifier) int {
		return strings.Compare(a.System+"|"+a.Value, b.System+"|"+b.Value)
	}
	slices.SortFunc(ids, cmp)
	have := slices.Clone(s.identifiers)
	slices.SortFunc(have, cmp)
	if !slices.Equal(ids, have) {
		return false
	}
	var toks []string
	for _, n := range x.Names {
		toks = append(toks, lifeboat.NameTokens(n)...)
	}
	slices.Sort(toks)
	toks = slices.Compact(toks)
	names := slices.Clone(s.names)
	slices.Sort(names)
	return slices.Equal(toks, names)
}

// rewriteIndex writes a resource's new index, if its version is still the
// one read, and returns 1 if it did.
func rewriteIndex(tx *wtx, s *storedIndex) (int, error) {
	x := &s.r.Index
	if err := tx.exec(`UPDATE resources SET patient=?, encounter=?, location=?, status=?, category=?, code=?, date=?, birthdate=? WHERE rid=? AND version=?`,
		nullString(x.Patient), nullString(x.Encounter), nullString(x.Location), nullString(x.Status), nullString(x.Category), nullString(x.Code),
		nullTime(x.Date), nullString(x.BirthDate), s.rid, s.r.Version); err != nil {
		return 0, err
	}
	if tx.changes() == 0 {
		return 0, nil
	}
	tx.changed = append(tx.changed, resourceKey{s.r.Type, s.r.ID})
	if err := tx.exec(`DELETE FROM identifiers WHERE rid=?`, s.rid); err != nil {
		return 0, err
	}
	if err := tx.exec(`DELETE FROM names WHERE rid=?`, s.rid); err != nil {
		return 0, err
	}
	return 1, indexTerms(tx, s.rid, s.r)
}
