package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// encoded is a resource prepared for writing outside the writer goroutine.
type encoded struct {
	r    *lifeboat.Resource
	body []byte
	hash []byte
}

// PutResources writes a batch of resources in one transaction, keeping the
// newer of the stored and incoming version of each (see decide). Bodies are
// compressed in parallel before the write is queued.
func (db *DB) PutResources(ctx context.Context, rs []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	now := db.now()
	encs := db.encodeAll(rs)
	var out []lifeboat.PutOutcome
	err := db.w.do(ctx, func(tx *wtx) (err error) {
		out, err = putAll(tx, encs, now)
		return err
	}, false)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putAll writes encoded resources in the current transaction and records
// the deliveries of their sources.
func putAll(tx *wtx, encs []encoded, now time.Time) ([]lifeboat.PutOutcome, error) {
	type delivery struct {
		n    int64
		last time.Time
	}
	out := make([]lifeboat.PutOutcome, len(encs))
	sources := map[lifeboat.Source]*delivery{}
	for i, e := range encs {
		o, err := putOne(tx, e, now)
		if err != nil {
			return nil, err
		}
		out[i] = o
		// Every delivery counts for freshness, changed or not: the source
		// was alive and its data is current as of then.
		key := lifeboat.Source{Kind: e.r.Source.Kind, Name: e.r.Source.Name}
		d := sources[key]
		if d == nil {
			d = &delivery{}
			sources[key] = d
		}
		if o == lifeboat.Created || o == lifeboat.Updated {
			d.n++
		}
		if rcv := receivedAt(e.r, now); rcv.After(d.last) {
			d.last = rcv
		}
	}
	for src, d := range sources {
		if err := tx.exec(`INSERT INTO sources(kind, name, last_received, resources) VALUES(?,?,?,?)
			ON CONFLICT(kind, name) DO UPDATE SET last_received=max(last_received, excluded.last_received), resources=resources+excluded.resources`,
			src.Kind, src.Name, millis(d.last), d.n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) encodeAll(rs []*lifeboat.Resource) []encoded {
	encs := make([]encoded, len(rs))
	workers := min(runtime.GOMAXPROCS(0), 1+len(rs)/64)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rs); i += workers {
				sum := sha256.Sum256(rs[i].JSON)
				encs[i] = encoded{r: rs[i], body: db.codec.encode(nil, rs[i].JSON), hash: sum[:16]}
			}
		}()
	}
	wg.Wait()
	return encs
}

// putOne writes one resource and says what happened.
func putOne(tx *wtx, e encoded, now time.Time) (lifeboat.PutOutcome, error) {
	r := e.r
	received := receivedAt(r, now)
	lu := r.LastUpdated
	if lu.IsZero() {
		lu = received
	}
	if r.Placeholder {
		lu = placeholderTime // older than any real version
	}
	x := &r.Index
	args := []any{r.SourceVersion, millis(lu), millis(received), r.Source.Kind, r.Source.Name, r.Source.Ref, r.Deleted,
		nullString(x.Patient), nullString(x.Encounter), nullString(x.Location), nullString(x.Status), nullString(x.Category), nullString(x.Code),
		nullTime(x.Date), nullString(x.BirthDate), e.hash, e.body}

	// Most writes are of new resources: try the insert first.
	if err := tx.exec(`INSERT INTO resources(type, id, version, source_version, last_updated, received, source_kind, source_name, source_ref, deleted,
		patient, encounter, location, status, category, code, date, birthdate, hash, body) VALUES(?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(id, type) DO NOTHING`, append([]any{r.Type, r.ID}, args...)...); err != nil {
		return 0, err
	}
	if tx.changes() == 1 {
		tx.changed = append(tx.changed, resourceKey{r.Type, r.ID})
		return lifeboat.Created, indexTerms(tx, tx.lastInsertID(), r)
	}
	if r.Placeholder {
		return lifeboat.Unchanged, nil
	}

	s, err := tx.stmt(`SELECT rid, version, last_updated, source_version, hash FROM resources WHERE type=? AND id=?`)
	if err != nil {
		return 0, err
	}
	if err := bind(s, r.Type, r.ID); err != nil {
		return 0, err
	}
	if !s.Step() {
		return 0, fmt.Errorf("sqlite: resource vanished during write: %w", s.Err())
	}
	rid, version, lastUpdated := s.ColumnInt64(0), s.ColumnInt64(1), s.ColumnInt64(2)
	sourceVersion := s.ColumnText(3)
	hash := s.ColumnBlob(4, nil)
	s.Reset()
	outcome := decide(lastUpdated, sourceVersion, hash, millis(lu), r.SourceVersion, e.hash)
	if outcome != lifeboat.Updated {
		return outcome, nil
	}
	tx.changed = append(tx.changed, resourceKey{r.Type, r.ID})
	if err := tx.exec(`UPDATE resources SET version=?, source_version=?, last_updated=?, received=?, source_kind=?, source_name=?, source_ref=?, deleted=?,
		patient=?, encounter=?, location=?, status=?, category=?, code=?, date=?, birthdate=?, hash=?, body=? WHERE rid=?`,
		append(append([]any{version + 1}, args...), rid)...); err != nil {
		return 0, err
	}
	if err := tx.exec(`DELETE FROM identifiers WHERE rid=?`, rid); err != nil {
		return 0, err
	}
	if err := tx.exec(`DELETE FROM names WHERE rid=?`, rid); err != nil {
		return 0, err
	}
	return outcome, indexTerms(tx, rid, r)
}

// placeholderTime is the lastUpdated of placeholders: 1 ms after the epoch,
// so that every real version is newer.
var placeholderTime = time.UnixMilli(1)

// receivedAt is when r was received: its Received, or now if unset.
func receivedAt(r *lifeboat.Resource, now time.Time) time.Time {
	if r.Received.IsZero() {
		return now
	}
	return r.Received
}

// indexTerms writes the identifier and name rows of a resource.
func indexTerms(tx *wtx, rid int64, r *lifeboat.Resource) error {
	if r.Deleted {
		return nil
	}
	x := &r.Index
	for _, id := range x.Identifiers {
		if id.Value == "" {
			continue
		}
		if err := tx.exec(`INSERT INTO identifiers(rid, type, system, value) VALUES(?,?,?,?)`, rid, r.Type, id.System, id.Value); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, n := range x.Names {
		for _, tok := range lifeboat.NameTokens(n) {
			if seen[tok] {
				continue
			}
			seen[tok] = true
			if err := tx.exec(`INSERT INTO names(rid, type, name) VALUES(?,?,?)`, rid, r.Type, tok); err != nil {
				return err
			}
		}
	}
	return nil
}

// decide compares a stored version with an incoming one. The same content is
// unchanged; otherwise the later lastUpdated wins, and at equal lastUpdated
// the higher numeric meta.versionId. An incoming version that is not newer
// never overwrites the stored one.
func decide(storedLU int64, storedVer string, storedHash []byte, inLU int64, inVer string, inHash []byte) lifeboat.PutOutcome {
	if string(storedHash) == string(inHash) {
		return lifeboat.Unchanged
	}
	switch {
	case inLU > storedLU:
		return lifeboat.Updated
	case inLU < storedLU:
		return lifeboat.Stale
	}
	a, aerr := strconv.ParseInt(storedVer, 10, 64)
	b, berr := strconv.ParseInt(inVer, 10, 64)
	if aerr == nil && berr == nil && b > a {
		return lifeboat.Updated
	}
	return lifeboat.Stale
}
