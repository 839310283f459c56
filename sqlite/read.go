package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

const resourceColumns = `type, id, version, source_version, last_updated, received, source_kind, source_name, source_ref, deleted,
	coalesce(patient,''), coalesce(encounter,''), coalesce(location,''), coalesce(status,''), coalesce(category,''), coalesce(code,''), date, coalesce(birthdate,''), body`

// scanResources reads rows of resourceColumns.
func (db *DB) scanResources(rows *sql.Rows) ([]*lifeboat.Resource, error) {
	defer rows.Close()
	var out []*lifeboat.Resource
	for rows.Next() {
		r, err := db.scanResource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read resources: %w", err)
	}
	return out, nil
}

// scanResourceRows reads rows of a row id and resourceColumns, handing each
// to add.
func (db *DB) scanResourceRows(rows *sql.Rows, add func(rid int64, r *lifeboat.Resource)) error {
	defer rows.Close()
	for rows.Next() {
		var rid int64
		r, err := db.scanResource(rows, &rid)
		if err != nil {
			return err
		}
		add(rid, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read resources: %w", err)
	}
	return nil
}

// scanResource reads the current row: the columns into lead, then
// resourceColumns.
func (db *DB) scanResource(rows *sql.Rows, lead ...any) (*lifeboat.Resource, error) {
	var (
		r       lifeboat.Resource
		lu, rcv int64
		date    sql.NullInt64
		body    []byte
	)
	dest := append(lead, &r.Type, &r.ID, &r.Version, &r.SourceVersion, &lu, &rcv, &r.Source.Kind, &r.Source.Name, &r.Source.Ref, &r.Deleted,
		&r.Index.Patient, &r.Index.Encounter, &r.Index.Location, &r.Index.Status, &r.Index.Category, &r.Index.Code, &date, &r.Index.BirthDate, &body)
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("sqlite: scan resource: %w", err)
	}
	r.LastUpdated, r.Received, r.Index.Date = fromMillis(lu), fromMillis(rcv), dateOf(date.Int64, date.Valid)
	js, err := db.codec.decode(body)
	if err != nil {
		return nil, err
	}
	r.JSON = js
	return &r, nil
}

func (db *DB) queryResources(ctx context.Context, query string, args ...any) ([]*lifeboat.Resource, error) {
	stmt, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query resources: %w", err)
	}
	return db.scanResources(rows)
}

// Resource returns the current version of a resource, or ENOTFOUND. A
// deleted resource is returned with Deleted set.
func (db *DB) Resource(ctx context.Context, typ, id string) (*lifeboat.Resource, error) {
	r, gen := db.cache.get(typ, id)
	if r != nil {
		return r, nil
	}
	rs, err := db.queryResources(ctx, `SELECT `+resourceColumns+` FROM resources WHERE type=? AND id=?`, typ, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "%s not found", typ)
	}
	db.cache.put(gen, rs[0])
	return rs[0], nil
}

// Resources returns current resources matching f in f.Order (newest
// Index.Date first by default), resuming after f.After when it is set.
func (db *DB) Resources(ctx context.Context, f lifeboat.ResourceFilter) ([]*lifeboat.Resource, error) {
	if f.Type == "" && f.Patient == "" {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "a resource search needs a type or a patient")
	}
	phases := resourcesPhases(f)
	var out []*lifeboat.Resource
	for _, p := range phases {
		g := f
		if f.Limit > 0 {
			g.Limit = f.Limit - len(out)
		}
		q, args := buildResourcesQuery(g, p)
		rs, err := db.queryResources(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
	}
	return out, nil
}

// PatientResources returns all current resources about a patient of the
// given types (all types if none are given), newest first.
func (db *DB) PatientResources(ctx context.Context, patient string, types ...string) ([]*lifeboat.Resource, error) {
	q := `SELECT ` + resourceColumns + ` FROM resources WHERE patient=? AND deleted=0`
	args := []any{patient}
	if len(types) > 0 {
		q += ` AND type IN (?` + strings.Repeat(",?", len(types)-1) + `)`
		for _, t := range types {
			args = append(args, t)
		}
	}
	q += ` ORDER BY date DESC, rid DESC`
	return db.queryResources(ctx, q, args...)
}

// ResolveIdentifier returns the id of the resource of type typ that has the
// identifier system|value (any system when system is empty).
func (db *DB) ResolveIdentifier(ctx context.Context, typ, system, value string) (string, error) {
	q := `SELECT r.id FROM identifiers i JOIN resources r ON r.rid=i.rid WHERE i.value=? AND i.type=? AND r.deleted=0`
	args := []any{value, typ}
	if system != "" {
		q += ` AND i.system=?`
		args = append(args, system)
	}
	return db.oneID(ctx, typ, q+` LIMIT 2`, args...)
}

// ResolveID returns the type of the resource with logical id id.
func (db *DB) ResolveID(ctx context.Context, id string) (string, error) {
	return db.oneID(ctx, "resource", `SELECT type FROM resources WHERE id=? AND deleted=0 LIMIT 2`, id)
}

func (db *DB) oneID(ctx context.Context, what, q string, args ...any) (string, error) {
	stmt, err := db.prepared(ctx, q)
	if err != nil {
		return "", err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return "", fmt.Errorf("sqlite: resolve: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", fmt.Errorf("sqlite: resolve: %w", err)
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("sqlite: resolve: %w", err)
	}
	switch len(found) {
	case 0:
		return "", lifeboat.Errorf(lifeboat.ENOTFOUND, "%s not found", what)
	case 1:
		return found[0], nil
	}
	return "", lifeboat.Errorf(lifeboat.ECONFLICT, "more than one %s matches", what)
}

// CountResources returns the number of current resources per type.
func (db *DB) CountResources(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT type, count(*) FROM resources WHERE deleted=0 GROUP BY type`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count resources: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("sqlite: count resources: %w", err)
		}
		out[t] = n
	}
	return out, rows.Err()
}

// Sources returns every data source with when it last delivered.
func (db *DB) Sources(ctx context.Context) ([]lifeboat.SourceStatus, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, name, last_received, resources FROM sources ORDER BY last_received DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sources: %w", err)
	}
	defer rows.Close()
	var out []lifeboat.SourceStatus
	for rows.Next() {
		var s lifeboat.SourceStatus
		var at int64
		if err := rows.Scan(&s.Kind, &s.Name, &at, &s.Resources); err != nil {
			return nil, fmt.Errorf("sqlite: sources: %w", err)
		}
		s.LastReceived = fromMillis(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

var (
	_ lifeboat.ResourceStore = (*DB)(nil)
	_ lifeboat.SourceStore   = (*DB)(nil)
)
