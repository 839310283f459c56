package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// openSearchStore opens a new store in a temporary directory.
func openSearchStore(t testing.TB) *DB {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	db, err := Open(context.Background(), t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var searchBase = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// clinical returns a resource of typ about patient with the given index
// fields; hours places Index.Date that many hours after searchBase (a
// negative value leaves it without a date).
func clinical(typ, id, patient string, hours int, code, category, status string) *lifeboat.Resource {
	r := &lifeboat.Resource{Type: typ, ID: id,
		JSON:        []byte(fmt.Sprintf(`{"resourceType":%q,"id":%q}`, typ, id)),
		LastUpdated: searchBase.Add(time.Duration(len(id)) * time.Minute),
		Index:       lifeboat.Index{Patient: patient, Code: code, Category: category, Status: status}}
	if hours >= 0 {
		r.Index.Date = searchBase.Add(time.Duration(hours) * time.Hour)
	}
	return r
}

func put(t testing.TB, db *DB, rs ...*lifeboat.Resource) {
	t.Helper()
	if _, err := db.PutResources(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func idsOf(rs []*lifeboat.Resource) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

func TestSearchFilters(t *testing.T) {
	ctx := context.Background()
	db := openSearchStore(t)
	put(t, db,
		clinical("Observation", "o1", "p1", 1, "http://loinc.org|8480-6", "vital-signs", "final"),
		clinical("Observation", "o2", "p1", 2, "http://loinc.org|2345-7", "laboratory", "final"),
		clinical("Observation", "o3", "p1", 3, "|2345-7", "laboratory", "preliminary"),
		clinical("Observation", "o4", "p2", 4, "http://loinc.org|8480-6", "vital-signs", "amended"),
		clinical("Observation", "o5", "p2", -1, "urn:local|x1", "", "final"),
		clinical("Condition", "c1", "p1", 5, "http://snomed.info/sct|44054006", "problem-list-item", "active"),
	)
	// A tombstone never matches a search.
	gone := clinical("Observation", "o6", "p1", 6, "http://loinc.org|8480-6", "vital-signs", "final")
	gone.Deleted = true
	put(t, db, gone)
	// o4 was updated later than the rest.
	late := clinical("Observation", "o4", "p2", 4, "http://loinc.org|8480-6", "vital-signs", "amended")
	late.JSON = []byte(`{"resourceType":"Observation","id":"o4","status":"amended"}`)
	late.LastUpdated = searchBase.Add(48 * time.Hour)
	put(t, db, late)

	for _, c := range []struct {
		name string
		f    lifeboat.ResourceFilter
		want string
	}{
		{"type", lifeboat.ResourceFilter{Type: "Observation"}, "o4,o3,o2,o1,o5"},
		{"patient", lifeboat.ResourceFilter{Type: "Observation", Patient: "p1"}, "o3,o2,o1"},
		{"category", lifeboat.ResourceFilter{Type: "Observation", Categories: []string{"laboratory"}}, "o3,o2"},
		{"categories", lifeboat.ResourceFilter{Type: "Observation", Patient: "p1", Categories: []string{"vital-signs", "laboratory"}}, "o3,o2,o1"},
		{"system|code", lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"http://loinc.org|2345-7"}}, "o2"},
		{"bare code", lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"2345-7"}}, "o3,o2"},
		{"code without system", lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"|2345-7"}}, "o3"},
		{"codes", lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"x1", "http://loinc.org|8480-6"}}, "o4,o1,o5"},
		{"codes with patient", lifeboat.ResourceFilter{Type: "Observation", Patient: "p1", Codes: []string{"8480-6", "nothing"}}, "o1"},
		{"status", lifeboat.ResourceFilter{Type: "Observation", Status: []string{"final", "amended"}}, "o4,o2,o1,o5"},
		{"ids", lifeboat.ResourceFilter{Type: "Observation", IDs: []string{"o5", "o1", "c1", "o6"}}, "o1,o5"},
		{"date from", lifeboat.ResourceFilter{Type: "Observation", Date: lifeboat.TimeRange{From: searchBase.Add(2 * time.Hour)}}, "o4,o3,o2"},
		{"date from exclusive", lifeboat.ResourceFilter{Type: "Observation", Date: lifeboat.TimeRange{From: searchBase.Add(2 * time.Hour), FromExclusive: true}}, "o4,o3"},
		{"date to", lifeboat.ResourceFilter{Type: "Observation", Date: lifeboat.TimeRange{To: searchBase.Add(2 * time.Hour)}}, "o1"},
		{"date to inclusive", lifeboat.ResourceFilter{Type: "Observation", Date: lifeboat.TimeRange{To: searchBase.Add(2 * time.Hour), ToInclusive: true}}, "o2,o1"},
		{"date range", lifeboat.ResourceFilter{Type: "Observation", Date: lifeboat.TimeRange{From: searchBase.Add(2 * time.Hour), To: searchBase.Add(4 * time.Hour)}}, "o3,o2"},
		{"last updated", lifeboat.ResourceFilter{Type: "Observation", LastUpdated: lifeboat.TimeRange{From: searchBase.Add(time.Hour)}}, "o4"},
		{"last updated order", lifeboat.ResourceFilter{Type: "Observation", Order: lifeboat.OrderLastUpdated}, "o1,o2,o3,o5,o4"},
		{"every type of a patient", lifeboat.ResourceFilter{Patient: "p1"}, "c1,o3,o2,o1"},
		{"some types of a patient", lifeboat.ResourceFilter{Patient: "p1", Types: []string{"Condition"}}, "c1"},
		{"limit", lifeboat.ResourceFilter{Type: "Observation", Limit: 2}, "o4,o3"},
		{"limit into the undated", lifeboat.ResourceFilter{Type: "Observation", Status: []string{"final"}, Limit: 3}, "o2,o1,o5"},
	} {
		got, err := db.Resources(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if idsOf(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.name, idsOf(got), c.want)
		}
	}
	if _, err := db.Resources(ctx, lifeboat.ResourceFilter{}); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("no type and no patient: %v", err)
	}
	// A date at the epoch itself is a date, not "no date".
	epoch := clinical("Observation", "o7", "p3", 0, "", "", "final")
	epoch.Index.Date = time.UnixMilli(0)
	put(t, db, epoch)
	if got, _ := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Observation", Patient: "p3"}); len(got) != 1 || got[0].Index.Date.IsZero() {
		t.Errorf("epoch date read back as %v", got[0].Index.Date)
	}
}

// pageAll reads a result page by page, each resuming after the last
// resource of the one before, and calls between after each page.
func pageAll(t *testing.T, db *DB, f lifeboat.ResourceFilter, size int, between func()) []*lifeboat.Resource {
	t.Helper()
	var out []*lifeboat.Resource
	f.Limit = size
	for range 10000 {
		rs, err := db.Resources(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rs...)
		if len(rs) < size {
			return out
		}
		k := lifeboat.KeyOf(rs[len(rs)-1], f.Order)
		f.After = &k
		if between != nil {
			between()
		}
	}
	t.Fatal("paging does not end")
	return nil
}

// pagingStore holds 3 patients' Observations and Conditions with many
// equal dates and some without a date.
func pagingStore(t *testing.T) *DB {
	db := openSearchStore(t)
	var rs []*lifeboat.Resource
	for i := range 300 {
		hours := i % 17 // many ties
		if i%23 == 0 {
			hours = -1 // no date
		}
		typ := "Observation"
		if i%5 == 0 {
			typ = "Condition"
		}
		r := clinical(typ, fmt.Sprintf("r%03d", (i*7919)%1000), fmt.Sprintf("p%d", i%3), hours, "http://loinc.org|1", "laboratory", "final")
		r.LastUpdated = searchBase.Add(time.Duration(i%11) * time.Minute)
		rs = append(rs, r)
	}
	put(t, db, rs...)
	return db
}

func TestKeysetPaging(t *testing.T) {
	db := pagingStore(t)
	for _, f := range []lifeboat.ResourceFilter{
		{Type: "Observation"},
		{Type: "Observation", Codes: []string{"1"}},
		{Type: "Observation", Patient: "p1"},
		{Type: "Observation", Order: lifeboat.OrderLastUpdated},
		{Type: "Condition", Categories: []string{"laboratory"}, Date: lifeboat.TimeRange{From: searchBase.Add(3 * time.Hour)}},
		{Patient: "p2"},
		{Patient: "p0", Order: lifeboat.OrderLastUpdated},
	} {
		all, err := db.Resources(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 20 {
			t.Fatalf("%+v: only %d resources", f, len(all))
		}
		for _, size := range []int{1, 7, 50} {
			paged := pageAll(t, db, f, size, nil)
			if idsOf(paged) != idsOf(all) {
				t.Errorf("%+v by %d:\n got %s\nwant %s", f, size, idsOf(paged), idsOf(all))
			}
		}
	}
}

// TestKeysetPagingConcurrentInserts pages while other resources are
// written: every resource stored before paging began is read exactly once,
// in order.
func TestKeysetPagingConcurrentInserts(t *testing.T) {
	db := pagingStore(t)
	for _, f := range []lifeboat.ResourceFilter{
		{Type: "Observation"},
		{Patient: "p1"},
		{Type: "Observation", Order: lifeboat.OrderLastUpdated},
	} {
		before, err := db.Resources(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, r := range before {
			stored[r.ID] = true
		}
		var (
			wg sync.WaitGroup
			n  int
		)
		between := func() {
			// New resources at every position of the order: before, among
			// and after those already read, dated and not.
			wg.Add(1)
			go func() {
				defer wg.Done()
				var rs []*lifeboat.Resource
				for j := range 4 {
					n++
					hours := (n * 5) % 17
					if j == 3 {
						hours = -1
					}
					r := clinical("Observation", fmt.Sprintf("new%04d", n), "p1", hours, "", "", "final")
					r.LastUpdated = searchBase.Add(time.Duration(n%13) * time.Minute)
					rs = append(rs, r)
				}
				put(t, db, rs...)
			}()
			wg.Wait()
		}
		paged := pageAll(t, db, f, 9, between)
		seen := map[string]int{}
		var old []*lifeboat.Resource
		for _, r := range paged {
			seen[r.ID]++
			if stored[r.ID] {
				old = append(old, r)
			}
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%+v: %s read %d times", f, id, c)
			}
		}
		if idsOf(old) != idsOf(before) {
			t.Errorf("%+v: stored before paging:\n got %s\nwant %s", f, idsOf(old), idsOf(before))
		}
	}
}

func TestSearchPatientsFHIR(t *testing.T) {
	ctx := context.Background()
	db := openSearchStore(t)
	pat := func(id, family, given, birth string, hours int, mrns ...string) *lifeboat.Resource {
		var gs []string
		for _, g := range strings.Fields(given) {
			gs = append(gs, fmt.Sprintf("%q", g))
		}
		r := &lifeboat.Resource{Type: "Patient", ID: id,
			JSON: []byte(fmt.Sprintf(`{"resourceType":"Patient","id":%q,"name":[{"family":%q,"given":[%s]}],"birthDate":%q}`,
				id, family, strings.Join(gs, ","), birth)),
			LastUpdated: searchBase.Add(time.Duration(hours) * time.Hour),
			Index: lifeboat.Index{Patient: id, BirthDate: birth,
				Names: []string{lifeboat.FoldName(family), lifeboat.FoldName(given)}}}
		for _, m := range mrns {
			sys, v, _ := strings.Cut(m, "|")
			r.Index.Identifiers = append(r.Index.Identifiers, lifeboat.Identifier{System: sys, Value: v})
		}
		return r
	}
	put(t, db,
		pat("a1", "Núñez", "José Luis", "1948-03-17", 1, "urn:mrn|M1"),
		pat("a2", "Luis", "Ana", "1948-11-02", 2, "urn:mrn|M2", "urn:other|M1"),
		pat("a3", "Nunes", "Maria", "1950", 3, "urn:mrn|M3"),
		pat("a4", "Okafor", "Chidi Nunez", "1961-07-30", 4, "urn:mrn|M4"),
	)
	for _, c := range []struct {
		name string
		q    lifeboat.PatientQuery
		want string
	}{
		{"family", lifeboat.PatientQuery{Family: "nun"}, "a1,a3"},
		{"family accents", lifeboat.PatientQuery{Family: "NÚÑEZ"}, "a1"},
		{"given", lifeboat.PatientQuery{Given: "luis"}, "a1"},
		{"given is not family", lifeboat.PatientQuery{Given: "nunez"}, "a4"},
		{"family and given", lifeboat.PatientQuery{Family: "nu", Given: "ma"}, "a3"},
		{"name any part", lifeboat.PatientQuery{Name: "luis"}, "a1,a2"},
		{"identifier any system", lifeboat.PatientQuery{Identifier: "M1"}, "a1,a2"},
		{"identifier with system", lifeboat.PatientQuery{Identifier: "M1", IdentifierSystem: "urn:other"}, "a2"},
		{"birth year", lifeboat.PatientQuery{BirthFrom: "1948", BirthBefore: "1949"}, "a1,a2"},
		{"born before", lifeboat.PatientQuery{BirthBefore: "1950-01-01"}, "a1,a2,a3"},
		{"born from", lifeboat.PatientQuery{BirthFrom: "1950-01-01"}, "a4"},
		{"id", lifeboat.PatientQuery{ID: "a3"}, "a3"},
		{"last updated", lifeboat.PatientQuery{LastUpdated: lifeboat.TimeRange{From: searchBase.Add(2 * time.Hour), ToInclusive: true, To: searchBase.Add(3 * time.Hour)}}, "a2,a3"},
		{"all", lifeboat.PatientQuery{All: true}, "a1,a2,a3,a4"},
		{"all after", lifeboat.PatientQuery{All: true, After: "a2"}, "a3,a4"},
		{"limit", lifeboat.PatientQuery{All: true, Limit: 2}, "a1,a2"},
		{"nothing", lifeboat.PatientQuery{}, ""},
		{"family paged", lifeboat.PatientQuery{Family: "n", Limit: 1, After: "a1"}, "a3"},
	} {
		got, err := db.SearchPatients(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if idsOf(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.name, idsOf(got), c.want)
		}
	}
}

// TestSearchQueryPlans checks that the FHIR search queries use the index
// they were written for, and that the view queries keep theirs.
func TestSearchQueryPlans(t *testing.T) {
	db := openSearchStore(t)
	after := &lifeboat.PageKey{Value: searchBase, Type: "Observation", ID: "o1"}
	for _, c := range []struct {
		f    lifeboat.ResourceFilter
		want string
	}{
		{lifeboat.ResourceFilter{Type: "Observation", Limit: 51}, "resources_type_date (type=? AND date>?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Limit: 51, After: after}, "resources_type_date (type=? AND date<?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Limit: 51, After: &lifeboat.PageKey{ID: "x", Type: "Observation"}}, "resources_type_undated (type=? AND rowid<?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"8480-6"}, Limit: 51}, "resources_type_date (type=? AND date>?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Codes: []string{"http://loinc.org|8480-6"}, Limit: 51, After: after}, "resources_type_date (type=? AND date<?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Order: lifeboat.OrderLastUpdated, Limit: 51, After: after}, "resources_type_status (type=?)"}, // sorted: see 0006
		{lifeboat.ResourceFilter{Type: "Observation", Patient: "p", Codes: []string{"8480-6"}, Limit: 51, After: after}, "resources_patient (patient=? AND type=? AND date<?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Patient: "p", Categories: []string{"laboratory"}, Limit: 51}, "resources_patient (patient=? AND type=?)"},
		{lifeboat.ResourceFilter{Patient: "p", Limit: 51, After: after}, "resources_patient (patient=?"},
		{lifeboat.ResourceFilter{Type: "Practitioner", IDs: []string{"a", "b"}}, "resources_id_type (id=? AND type=?)"},
		// The view queries of TestQueryPlans, which the new indexes must not take.
		{lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}, Locations: []string{"b1", "b2"}}, "resources_location (location=? AND type=?)"},
		{lifeboat.ResourceFilter{Type: "Observation", Patient: "p", Since: time.Now()}, "resources_patient (patient=? AND type=? AND date>?)"},
		{lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}}, "resources_type_status (type=? AND status=?)"},
	} {
		for i, p := range resourcesPhases(c.f) {
			q, args := buildResourcesQuery(c.f, p)
			plan := queryPlan(t, db, q, args...)
			if i == 0 && !strings.Contains(plan, c.want) {
				t.Errorf("%+v: plan %q, want %q", c.f, plan, c.want)
			}
			if strings.Contains(plan, "SCAN resources") {
				t.Errorf("%+v phase %d: plan %q scans the table", c.f, p, plan)
			}
		}
	}
	for _, c := range []struct {
		q    lifeboat.PatientQuery
		want string
	}{
		{lifeboat.PatientQuery{BirthFrom: "1948", BirthBefore: "1949"}, "resources_birthdate (birthdate>? AND birthdate<?)"},
		{lifeboat.PatientQuery{BirthBefore: "1949"}, "resources_birthdate (birthdate>? AND birthdate<?)"},
		{lifeboat.PatientQuery{BirthDate: "1949-01-02"}, "resources_birthdate (birthdate=?)"},
		{lifeboat.PatientQuery{All: true}, "resources_patient_ids (id>?)"},
		{lifeboat.PatientQuery{All: true, Family: "x"}, "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)"},
		{lifeboat.PatientQuery{Name: "x"}, "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)"},
		{lifeboat.PatientQuery{Identifier: "x"}, "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)"},
		{lifeboat.PatientQuery{ID: "x"}, "resources_id_type (id=?)"},
		{lifeboat.PatientQuery{LastUpdated: lifeboat.TimeRange{From: searchBase}}, "resources_type_status (type=?)"},
	} {
		if plan := patientPlan(t, db, c.q); !strings.Contains(plan, c.want) || strings.Contains(plan, "SCAN r") {
			t.Errorf("%+v: plan %q, want %q", c.q, plan, c.want)
		}
	}
}

func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.read.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// patientPlan returns the plan of SearchPatients' query for q.
func patientPlan(t *testing.T, db *DB, q lifeboat.PatientQuery) string {
	t.Helper()
	query, args, _ := patientsQuery(q)
	return queryPlan(t, db, query, append(args, "")...)
}
