package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// patientColumns are resourceColumns of the resources table aliased r.
var patientColumns = strings.ReplaceAll("r."+strings.ReplaceAll(resourceColumns, ", ", ", r."), "r.coalesce(", "coalesce(r.")

// SearchPatients finds patients by name word prefixes (every word of the
// query must start some word of a name), family and given names, identifier
// value (and system), birth date (exact or a range), id and last update,
// ordered by id and resuming after q.After.
func (db *DB) SearchPatients(ctx context.Context, q lifeboat.PatientQuery) ([]*lifeboat.Resource, error) {
	query, args, ok := patientsQuery(q)
	if !ok {
		return nil, nil
	}
	limit, batch := patientLimits(q)
	check := q.Family != "" || q.Given != ""
	var out []*lifeboat.Resource
	after := q.After
	for {
		rs, err := db.queryResources(ctx, query, append(args, after)...)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !check || namesMatch(r.JSON, q.Family, q.Given) {
				out = append(out, r)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if len(rs) < batch {
			return out, nil
		}
		after = rs[len(rs)-1].ID
	}
}

// patientLimits returns how many patients SearchPatients returns at most,
// and how many candidates each of its queries reads.
func patientLimits(q lifeboat.PatientQuery) (limit, batch int) {
	limit = q.Limit
	if limit <= 0 {
		limit = 100
	}
	if q.Family != "" || q.Given != "" {
		// Candidates are checked after the query: read more at once.
		return limit, max(2*limit, 64)
	}
	return limit, limit
}

// patientsQuery builds the query of SearchPatients; its last argument, the
// id to resume after, is left to the caller. ok is false for a query
// without criteria, which matches nothing.
func patientsQuery(q lifeboat.PatientQuery) (query string, args []any, ok bool) {
	b := whereBuilder{where: []string{"r.type='Patient'", "r.deleted=0"}}
	from := "resources r"
	switch {
	case q.Name != "" || q.Family != "" || q.Given != "" || q.Identifier != "" || q.ID != "" ||
		q.BirthDate != "" || q.BirthFrom != "" || q.BirthBefore != "":
		// The name, identifier, id and birth date indexes are the selective
		// ones, but the planner would rather scan an index on type: the
		// unary + rules that out.
		b.where[0] = "+r.type='Patient'"
	case q.LastUpdated.IsZero():
		// Every patient: walk them in id order rather than sort them all.
		from = "resources r INDEXED BY resources_patient_ids"
	}
	criteria := 0
	// Family and given words narrow through the name index (which does not
	// tell family from given); the match is checked on the resource after.
	for _, tok := range nameTokens(q.Name, q.Family, q.Given) {
		b.add(`r.rid IN (SELECT rid FROM names WHERE type='Patient' AND name>=? AND name<?)`, tok, tok+"\uffff")
		criteria++
	}
	if q.Identifier != "" {
		cond := `r.rid IN (SELECT rid FROM identifiers WHERE value=? AND type='Patient'`
		args := []any{q.Identifier}
		if q.IdentifierSystem != "" {
			cond += ` AND system=?`
			args = append(args, q.IdentifierSystem)
		}
		b.add(cond+`)`, args...)
		criteria++
	}
	if q.BirthDate != "" {
		b.add("r.birthdate=?", q.BirthDate)
		criteria++
	}
	if q.BirthFrom != "" {
		b.add("r.birthdate>=?", q.BirthFrom)
		criteria++
	}
	if q.BirthBefore != "" {
		// The lower bound keeps the birth date index in play (and patients
		// without a birth date out).
		b.add("r.birthdate<? AND r.birthdate>''", q.BirthBefore)
		criteria++
	}
	if q.ID != "" {
		b.add("r.id=?", q.ID)
		criteria++
	}
	if !q.LastUpdated.IsZero() {
		b.timeRange("r.last_updated", q.LastUpdated)
		criteria++
	}
	if criteria == 0 && !q.All {
		return "", nil, false
	}
	_, batch := patientLimits(q)
	query = fmt.Sprintf(`SELECT %s FROM %s WHERE %s AND r.id>? ORDER BY r.id LIMIT %d`, patientColumns, from, strings.Join(b.where, " AND "), batch)
	return query, b.args, true
}

// nameTokens returns the distinct name words of the given texts.
func nameTokens(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range texts {
		for _, tok := range lifeboat.NameTokens(s) {
			if !seen[tok] {
				seen[tok] = true
				out = append(out, tok)
			}
		}
	}
	return out
}

// humanNames is the part of a Patient that family and given searches read.
type humanNames struct {
	Name []struct {
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
}

// namesMatch reports whether the Patient JSON js has a name whose family
// matches family and a name whose given names match given (each may be
// empty to match anything): every word of the text must start a word of
// that part of the name.
func namesMatch(js []byte, family, given string) bool {
	var p humanNames
	if err := json.Unmarshal(js, &p); err != nil {
		return false
	}
	fam, giv := family == "", given == ""
	for _, n := range p.Name {
		fam = fam || wordsStart(lifeboat.NameTokens(n.Family), lifeboat.NameTokens(family))
		giv = giv || wordsStart(lifeboat.NameTokens(strings.Join(n.Given, " ")), lifeboat.NameTokens(given))
	}
	return fam && giv
}

// wordsStart reports whether every query word starts one of words.
func wordsStart(words, query []string) bool {
	for _, q := range query {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(query) > 0
}
