package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

const resourceColumns = `type, id, version, source_version, last_updated, received, source_kind, source_name, source_ref, deleted,
	coalesce(patient,''), coalesce(encounter,''), coalesce(location,''), coalesce(status,''), coalesce(category,''), coalesce(code,''), coalesce(date,0), coalesce(birthdate,''), body`

// scanResources reads rows of resourceColumns.
func (db *DB) scanResources(rows *sql.Rows) ([]*lifeboat.Resource, error) {
	defer rows.Close()
	var out []*lifeboat.Resource
	for rows.Next() {
		var (
			r             lifeboat.Resource
			lu, rcv, date int64
			body          []byte
		)
		if err := rows.Scan(&r.Type, &r.ID, &r.Version, &r.SourceVersion, &lu, &rcv, &r.Source.Kind, &r.Source.Name, &r.Source.Ref, &r.Deleted,
			&r.Index.Patient, &r.Index.Encounter, &r.Index.Location, &r.Index.Status, &r.Index.Category, &r.Index.Code, &date, &r.Index.BirthDate, &body); err != nil {
			return nil, fmt.Errorf("sqlite: scan resource: %w", err)
		}
		r.LastUpdated, r.Received, r.Index.Date = fromMillis(lu), fromMillis(rcv), fromMillis(date)
		js, err := db.codec.decode(body)
		if err != nil {
			return nil, err
		}
		r.JSON = js
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read resources: %w", err)
	}
	return out, nil
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
	rs, err := db.queryResources(ctx, `SELECT `+resourceColumns+` FROM resources WHERE type=? AND id=?`, typ, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "%s not found", typ)
	}
	return rs[0], nil
}

// Resources returns current resources matching f, newest Index.Date first.
func (db *DB) Resources(ctx context.Context, f lifeboat.ResourceFilter) ([]*lifeboat.Resource, error) {
	q, args := resourcesQuery(f)
	return db.queryResources(ctx, q, args...)
}

// resourcesQuery builds the query of Resources.
func resourcesQuery(f lifeboat.ResourceFilter) (string, []any) {
	var (
		where = []string{"type=?", "deleted=0"}
		args  = []any{f.Type}
	)
	if f.Patient != "" {
		where = append(where, "patient=?")
		args = append(args, f.Patient)
	}
	if len(f.Status) > 0 {
		// With a patient or locations, their index is far more selective
		// than the status index: the unary + keeps the planner from
		// choosing the latter.
		col := "status"
		if f.Patient != "" || len(f.Locations) > 0 {
			col = "+status"
		}
		where = append(where, col+" IN (?"+strings.Repeat(",?", len(f.Status)-1)+")")
		for _, s := range f.Status {
			args = append(args, s)
		}
	}
	if len(f.Locations) > 0 {
		where = append(where, "location IN (?"+strings.Repeat(",?", len(f.Locations)-1)+")")
		for _, l := range f.Locations {
			args = append(args, l)
		}
	}
	if f.Code != "" {
		where = append(where, "code=?")
		args = append(args, f.Code)
	}
	if !f.Since.IsZero() {
		where = append(where, "date>=?")
		args = append(args, millis(f.Since))
	}
	q := `SELECT ` + resourceColumns + ` FROM resources WHERE ` + strings.Join(where, " AND ") + ` ORDER BY date DESC, rid DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, args
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

// SearchPatients finds patients by name word prefixes (every word of the
// query must start some word of a name), identifier value, and birth date.
func (db *DB) SearchPatients(ctx context.Context, q lifeboat.PatientQuery) ([]*lifeboat.Resource, error) {
	var (
		where = []string{"r.type='Patient'", "r.deleted=0"}
		args  []any
	)
	for _, tok := range lifeboat.NameTokens(q.Name) {
		where = append(where, `r.rid IN (SELECT rid FROM names WHERE type='Patient' AND name>=? AND name<?)`)
		args = append(args, tok, tok+"\uffff")
	}
	if q.Identifier != "" {
		where = append(where, `r.rid IN (SELECT rid FROM identifiers WHERE value=? AND type='Patient')`)
		args = append(args, q.Identifier)
	}
	if q.BirthDate != "" {
		where = append(where, "r.birthdate=?")
		args = append(args, q.BirthDate)
	}
	if len(args) == 0 {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	cols := strings.ReplaceAll("r."+strings.ReplaceAll(resourceColumns, ", ", ", r."), "r.coalesce(", "coalesce(r.")
	query := fmt.Sprintf(`SELECT %s FROM resources r WHERE %s ORDER BY r.id LIMIT %d`, cols, strings.Join(where, " AND "), limit)
	return db.queryResources(ctx, query, args...)
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
