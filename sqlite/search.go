package sqlite

import (
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// queryPhase says which part of a result a query reads. Date order puts
// undated resources last; its pages are read in two parts (dated, then
// undated), each one index range: a single condition with an OR over both
// would scan from the top of the index on every page.
type queryPhase int

const (
	phaseAll          queryPhase = iota // the whole result in one query
	phaseDated                          // dated resources (after f.After, if set)
	phaseUndated                        // every undated resource
	phaseUndatedAfter                   // undated resources after f.After (itself undated)
)

// resourcesPhases returns the queries that read f's result, in order.
// Unpaged queries narrowed by patient, location or id, and every query
// without a limit, are read at once as they always were.
func resourcesPhases(f lifeboat.ResourceFilter) []queryPhase {
	narrow := f.Patient != "" || len(f.Locations) > 0 || len(f.IDs) > 0
	switch {
	case f.Order != lifeboat.OrderDate, f.After == nil && (narrow || f.Limit == 0):
		return []queryPhase{phaseAll}
	case f.After != nil && f.After.Value.IsZero():
		return []queryPhase{phaseUndatedAfter}
	case !f.Date.IsZero() || !f.Since.IsZero():
		return []queryPhase{phaseDated} // a date bound leaves out every undated resource
	}
	return []queryPhase{phaseDated, phaseUndated}
}

// resourcesQuery builds the first query of Resources.
func resourcesQuery(f lifeboat.ResourceFilter) (string, []any) {
	return buildResourcesQuery(f, resourcesPhases(f)[0])
}

// keyRid is the SQL of the store position (rid) of a page key's resource.
// Were that resource gone from the store, the position falls back to the
// end where ties at the key's value are read again rather than lost.
const (
	keyRidDesc = "coalesce((SELECT rid FROM resources WHERE id=? AND type=?),9223372036854775807)"
	keyRidAsc  = "coalesce((SELECT rid FROM resources WHERE id=? AND type=?),0)"
)

// whereBuilder collects the conditions and arguments of a query.
type whereBuilder struct {
	where []string
	args  []any
}

func (b *whereBuilder) add(cond string, args ...any) {
	b.where = append(b.where, cond)
	b.args = append(b.args, args...)
}

// in adds "col IN (?,...)" for values.
func (b *whereBuilder) in(col string, values []string) {
	b.where = append(b.where, col+inList(len(values)))
	for _, v := range values {
		b.args = append(b.args, v)
	}
}

// inList returns " IN (?,?,...)" with n placeholders.
func inList(n int) string {
	return " IN (?" + strings.Repeat(",?", n-1) + ")"
}

// timeRange adds the bounds of r on the millisecond column col.
func (b *whereBuilder) timeRange(col string, r lifeboat.TimeRange) {
	if !r.From.IsZero() {
		op := ">="
		if r.FromExclusive {
			op = ">"
		}
		b.add(col+op+"?", r.From.UnixMilli())
	}
	if !r.To.IsZero() {
		op := "<"
		if r.ToInclusive {
			op = "<="
		}
		b.add(col+op+"?", r.To.UnixMilli())
	}
}

// buildResourcesQuery builds the query of one phase of Resources.
func buildResourcesQuery(f lifeboat.ResourceFilter, p queryPhase) (string, []any) {
	var b whereBuilder
	switch {
	case f.Type != "":
		b.add("type=?", f.Type)
	case len(f.Types) > 0:
		b.in("type", f.Types)
	}
	b.add("deleted=0")
	if f.Patient != "" {
		b.add("patient=?", f.Patient)
	}
	// With a patient or locations, their index is far more selective than
	// the status or code index: the unary + keeps the planner from
	// choosing the latter.
	narrow := f.Patient != "" || len(f.Locations) > 0 || len(f.IDs) > 0
	if len(f.Status) > 0 {
		col := "status"
		if narrow {
			col = "+status"
		}
		b.in(col, f.Status)
	}
	if len(f.Locations) > 0 {
		b.in("location", f.Locations)
	}
	if len(f.IDs) > 0 {
		b.in("id", f.IDs)
	}
	if f.Code != "" {
		b.add("code=?", f.Code)
	}
	if len(f.Codes) > 0 {
		b.codes(f.Codes, narrow || len(f.Status) > 0)
	}
	if len(f.Categories) > 0 {
		b.in("category", f.Categories)
	}
	if !f.Since.IsZero() {
		b.add("date>=?", millis(f.Since))
	}
	b.timeRange("date", f.Date)
	b.timeRange("last_updated", f.LastUpdated)

	order := " ORDER BY date DESC, rid DESC"
	k := f.After
	if f.Order == lifeboat.OrderLastUpdated {
		order = " ORDER BY last_updated, rid"
		if k != nil {
			v := millis(k.Value)
			b.add("last_updated>=? AND (last_updated>? OR rid>"+keyRidAsc+")", v, v, k.ID, k.Type)
		}
	} else {
		switch p {
		case phaseDated:
			if k == nil {
				b.add("date IS NOT NULL")
				break
			}
			v := k.Value.UnixMilli()
			b.add("date<=? AND (date<? OR rid<"+keyRidDesc+")", v, v, k.ID, k.Type)
		case phaseUndated:
			b.add("date IS NULL")
			order = " ORDER BY rid DESC"
		case phaseUndatedAfter:
			b.add("date IS NULL AND rid<"+keyRidDesc, k.ID, k.Type)
			order = " ORDER BY rid DESC"
		}
	}
	q := `SELECT ` + resourceColumns + ` FROM resources WHERE ` + strings.Join(b.where, " AND ") + order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, b.args
}

// codes adds the condition of ResourceFilter.Codes: "system|code" tokens
// match Index.Code exactly, bare codes match its code part in any system.
// With plain, the code index is kept out of the planner's choice.
func (b *whereBuilder) codes(tokens []string, plain bool) {
	var exact, bare []string
	for _, t := range tokens {
		if strings.Contains(t, "|") {
			exact = append(exact, t)
		} else {
			bare = append(bare, t)
		}
	}
	codeValue := "code_value"
	if plain {
		codeValue = "+code_value"
	}
	var conds []string
	// "system|code" also restricts code_value, so that both kinds of token
	// are served by the one index on (type, code_value).
	values := append([]string(nil), bare...)
	if len(exact) > 0 {
		conds = append(conds, "code"+inList(len(exact)))
		for _, t := range exact {
			b.args = append(b.args, t)
			_, c, _ := strings.Cut(t, "|")
			values = append(values, c)
		}
	}
	if len(bare) > 0 {
		conds = append(conds, codeValue+inList(len(bare)))
		for _, t := range bare {
			b.args = append(b.args, t)
		}
	}
	cond := conds[0]
	if len(conds) > 1 {
		cond = "(" + strings.Join(conds, " OR ") + ")"
	}
	b.where = append(b.where, cond)
	if len(exact) > 0 {
		b.in(codeValue, values)
	}
}

// dateOf converts a stored date in milliseconds to a time, keeping the
// epoch itself distinct from no date.
func dateOf(ms int64, valid bool) time.Time {
	if !valid {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
