package sqlite_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/internal/diskscan"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

func newKey(t testing.TB) []byte {
	k := make([]byte, sqlite.KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func openDB(t testing.TB, dir string, key []byte) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func patient(id, family, given, mrn string, lastUpdated time.Time, version string) *lifeboat.Resource {
	js := fmt.Sprintf(`{"resourceType":"Patient","id":%q,"name":[{"family":%q,"given":[%q]}],"identifier":[{"system":"urn:mrn","value":%q}],"birthDate":"1950-02-03"}`, id, family, given, mrn)
	return &lifeboat.Resource{
		Type: "Patient", ID: id, JSON: []byte(js), LastUpdated: lastUpdated, SourceVersion: version,
		Source: lifeboat.Source{Kind: "file", Name: "import", Ref: "test line 1"},
		Index: lifeboat.Index{Patient: id, Identifiers: []lifeboat.Identifier{{System: "urn:mrn", Value: mrn}},
			Names: []string{family, given, given + " " + family}, BirthDate: "1950-02-03"},
	}
}

func TestOpenWrongKey(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, newKey(t))
	if _, err := db.PutResources(context.Background(), []*lifeboat.Resource{patient("p1", "Quenby", "Ada", "M1", time.Time{}, "")}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := sqlite.Open(context.Background(), dir, newKey(t))
	if lifeboat.ErrorCode(err) != lifeboat.EUNAUTHORIZED {
		t.Fatalf("wrong key: got %v, want EUNAUTHORIZED", err)
	}
	if _, err := sqlite.Open(context.Background(), dir, []byte("short")); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("short key: got %v", err)
	}
}

func TestPutOutcomes(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	put := func(r *lifeboat.Resource) lifeboat.PutOutcome {
		t.Helper()
		out, err := db.PutResources(ctx, []*lifeboat.Resource{r})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	if o := put(patient("p1", "Quenby", "Ada", "M1", t0, "1")); o != lifeboat.Created {
		t.Fatalf("first put: %v", o)
	}
	if o := put(patient("p1", "Quenby", "Ada", "M1", t0, "1")); o != lifeboat.Unchanged {
		t.Fatalf("same put: %v", o)
	}
	if o := put(patient("p1", "Quenby", "Adaline", "M1", t0.Add(time.Hour), "2")); o != lifeboat.Updated {
		t.Fatalf("newer put: %v", o)
	}
	if o := put(patient("p1", "Quenby", "Old", "M1", t0, "1")); o != lifeboat.Stale {
		t.Fatalf("older put: %v", o)
	}
	if o := put(patient("p1", "Quenby", "Same", "M1", t0.Add(time.Hour), "3")); o != lifeboat.Updated {
		t.Fatalf("same time, higher versionId: %v", o)
	}
	r, err := db.Resource(ctx, "Patient", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 3 || !bytes.Contains(r.JSON, []byte("Same")) || r.SourceVersion != "3" {
		t.Fatalf("stored version %d %q: %s", r.Version, r.SourceVersion, r.JSON)
	}
	if _, err := db.Resource(ctx, "Patient", "nope"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
	// The names index follows the current version.
	if got, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Name: "adaline"}); len(got) != 0 {
		t.Fatalf("old name still indexed")
	}
	if got, _ := db.SearchPatients(ctx, lifeboat.PatientQuery{Name: "same quen"}); len(got) != 1 {
		t.Fatalf("current name not found")
	}
}

func TestSearchAndResolve(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	rs := []*lifeboat.Resource{
		patient("p1", "Núñez", "José", "MRN0001", time.Time{}, ""),
		patient("p2", "Nunes", "Maria", "MRN0002", time.Time{}, ""),
		patient("p3", "Okafor", "Chidi", "MRN0003", time.Time{}, ""),
	}
	for _, r := range rs {
		r.Index.Names = []string{lifeboat.FoldName(r.Index.Names[0]), lifeboat.FoldName(r.Index.Names[1])}
	}
	if _, err := db.PutResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[lifeboat.PatientQuery]int{
		{Name: "NÚÑEZ"}:           1,
		{Name: "nun"}:             2,
		{Name: "jose nunez"}:      1,
		{Name: "maria okafor"}:    0,
		{Identifier: "MRN0003"}:   1,
		{BirthDate: "1950-02-03"}: 3,
		{}:                        0,
	} {
		got, err := db.SearchPatients(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%+v: %d results, want %d", q, len(got), want)
		}
	}
	id, err := db.ResolveIdentifier(ctx, "Patient", "urn:mrn", "MRN0002")
	if err != nil || id != "p2" {
		t.Fatalf("resolve identifier: %q %v", id, err)
	}
	if _, err := db.ResolveIdentifier(ctx, "Patient", "other", "MRN0002"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("wrong system: %v", err)
	}
	if typ, err := db.ResolveID(ctx, "p3"); err != nil || typ != "Patient" {
		t.Fatalf("resolve id: %q %v", typ, err)
	}
	counts, err := db.CountResources(ctx)
	if err != nil || counts["Patient"] != 3 {
		t.Fatalf("counts %v %v", counts, err)
	}
	srcs, err := db.Sources(ctx)
	if err != nil || len(srcs) != 1 || srcs[0].Resources != 3 || srcs[0].Name != "import" {
		t.Fatalf("sources %+v %v", srcs, err)
	}
}

func TestResourcesFilter(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var rs []*lifeboat.Resource
	for i := range 10 {
		status := "final"
		if i%2 == 1 {
			status = "preliminary"
		}
		rs = append(rs, &lifeboat.Resource{Type: "Observation", ID: fmt.Sprintf("o%d", i),
			JSON:  []byte(fmt.Sprintf(`{"resourceType":"Observation","id":"o%d"}`, i)),
			Index: lifeboat.Index{Patient: "p1", Status: status, Date: base.Add(time.Duration(i) * time.Hour)}})
		if i == 3 {
			rs[i].Index.Code = "http://loinc.org|75320-2"
		}
		if i < 3 {
			rs[i].Index.Location = fmt.Sprintf("bed-%d", i)
		}
	}
	if _, err := db.PutResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Observation", Patient: "p1", Status: []string{"final"}, Since: base.Add(3 * time.Hour), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "o8" || got[1].ID != "o6" || !got[0].Index.Date.Equal(base.Add(8*time.Hour)) {
		t.Fatalf("got %v", ids(got))
	}
	coded, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Observation", Code: "http://loinc.org|75320-2"})
	if err != nil || len(coded) != 1 || coded[0].ID != "o3" {
		t.Fatalf("by code: %v %v", ids(coded), err)
	}
	at, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Observation", Locations: []string{"bed-0", "bed-2", "bed-9"}})
	if err != nil || len(at) != 2 || at[0].ID != "o2" || at[0].Index.Location != "bed-2" {
		t.Fatalf("by location: %v %v", ids(at), err)
	}
	all, err := db.PatientResources(ctx, "p1", "Observation")
	if err != nil || len(all) != 10 {
		t.Fatalf("patient resources: %d %v", len(all), err)
	}
}

func ids(rs []*lifeboat.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestConcurrentWrites checks group commit: writers on many goroutines all
// land, and readers work meanwhile.
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("g%d-%d", g, i)
				if _, err := db.PutResources(ctx, []*lifeboat.Resource{patient(id, "Fam", "Giv", id, time.Time{}, "")}); err != nil {
					t.Error(err)
					return
				}
				if err := db.AddAudit(ctx, &lifeboat.AuditEvent{User: "u", Action: lifeboat.AuditChartView, PatientID: id}); err != nil {
					t.Error(err)
					return
				}
				if _, err := db.Resource(ctx, "Patient", id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	counts, _ := db.CountResources(ctx)
	if counts["Patient"] != 800 {
		t.Fatalf("got %d patients", counts["Patient"])
	}
	evs, _ := db.AuditEvents(ctx, lifeboat.AuditFilter{Limit: 1000})
	if len(evs) != 800 {
		t.Fatalf("got %d audit events", len(evs))
	}
}

// TestNoPlaintextOnDisk proves that names and MRNs never reach the disk in
// clear: not in the database, its WAL, or any other file in the directory.
func TestNoPlaintextOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir, newKey(t))
	var rs []*lifeboat.Resource
	for i := range 300 {
		rs = append(rs, patient(fmt.Sprintf("p%d", i), "Zebulonfamily", "Quintessagiven", fmt.Sprintf("MRNSECRET%04d", i), time.Time{}, ""))
	}
	if _, err := db.PutResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	db.AddAudit(ctx, &lifeboat.AuditEvent{User: "nurse", Action: lifeboat.AuditSearch, Query: "Zebulonfamily"})
	db.AddReject(ctx, &lifeboat.Reject{Reason: "bad", Raw: []byte(`{"name":"Zebulonfamily"}`)})
	if _, err := db.AcceptMessage(ctx, &lifeboat.Message{Feed: "LAB^GH", ControlID: "1", Raw: hl7("1")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.RejectMessage(ctx, &lifeboat.Message{Feed: "LAB^GH", ControlID: "2", Raw: hl7("2")}); err != nil {
		t.Fatal(err)
	}
	checkDir := func(stage string) {
		t.Helper()
		found, files, err := diskscan.Find(dir, "Zebulonfamily", "Quintessagiven", "MRNSECRET", "1950-02-03")
		if err != nil || files == 0 {
			t.Fatalf("%s: %d files, %v", stage, files, err)
		}
		for _, f := range found {
			t.Errorf("%s: %s in clear", stage, f)
		}
	}
	checkDir("open")
	db.Checkpoint(ctx)
	checkDir("checkpointed")
	db.Close()
	checkDir("closed")
}

func TestUsersSessionsTokens(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	u := &lifeboat.User{Name: "nurse1", Role: lifeboat.RoleClinician, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil || u.ID == 0 {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &lifeboat.User{Name: "nurse1", Role: "viewer", PasswordHash: "h"}); lifeboat.ErrorCode(err) != lifeboat.ECONFLICT {
		t.Fatalf("duplicate user: %v", err)
	}
	got, err := db.UserByName(ctx, "nurse1")
	if err != nil || got.ID != u.ID || got.Role != lifeboat.RoleClinician {
		t.Fatalf("%+v %v", got, err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := db.CreateSession(ctx, &lifeboat.Session{TokenHash: "s1", UserID: u.ID, Created: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchSession(ctx, "s1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, err := db.Session(ctx, "s1")
	if err != nil || !s.LastSeen.Equal(now.Add(time.Minute)) {
		t.Fatalf("%+v %v", s, err)
	}
	db.DeleteSessionsBefore(ctx, now.Add(2*time.Minute))
	if _, err := db.Session(ctx, "s1"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("expired session: %v", err)
	}
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: "t1", UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if tok, err := db.APIToken(ctx, "t1"); err != nil || tok.UserID != u.ID {
		t.Fatalf("%+v %v", tok, err)
	}
	if err := db.UpdatePassword(ctx, "nobody", "x"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("update missing: %v", err)
	}
	if n, _ := db.CountRejects(ctx); n != 0 {
		t.Fatal(n)
	}
}

// TestPlaceholder: a placeholder is written only when nothing is stored, and
// any real version replaces it, even one older than the placeholder's arrival.
func TestPlaceholder(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir(), newKey(t))
	defer db.Close()
	put := func(r *lifeboat.Resource) lifeboat.PutOutcome {
		t.Helper()
		out, err := db.PutResources(ctx, []*lifeboat.Resource{r})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	ph := patient("p1", "Unknown", "Placeholder", "M1", time.Now(), "")
	ph.Placeholder = true
	if o := put(ph); o != lifeboat.Created {
		t.Fatalf("placeholder into nothing: %v", o)
	}
	real := patient("p1", "Quenby", "Ada", "M1", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "")
	if o := put(real); o != lifeboat.Updated {
		t.Fatalf("an old real version over a placeholder: %v", o)
	}
	if o := put(ph); o != lifeboat.Unchanged {
		t.Fatalf("a placeholder over a real version: %v", o)
	}
	r, _ := db.Resource(ctx, "Patient", "p1")
	if !bytes.Contains(r.JSON, []byte("Quenby")) {
		t.Fatalf("stored %s", r.JSON)
	}
}
