package fhirtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func orgBundle(name string) string {
	return `{"resourceType":"Bundle","type":"batch","entry":[{"fullUrl":"urn:uuid:0d8f5a8e-0000-4000-8000-000000000001",` +
		`"resource":{"resourceType":"Organization","id":"0d8f5a8e-0000-4000-8000-000000000001","name":"` + name + `"},` +
		`"request":{"method":"PUT","url":"Organization/0d8f5a8e-0000-4000-8000-000000000001"}}]}`
}

// The same resource in two files of one import: the later entry wins, and
// importing the same files again changes nothing.
func testSuperseded(t *testing.T, s Stores) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", orgBundle("First Name Clinic"))
	b := write(t, dir, "b.json", orgBundle("Second Name Clinic"))
	st := mustImport(t, s, a, b)
	if st.Superseded != 1 || st.Total().Created != 1 {
		t.Fatalf("superseded %d, created %d; want 1 and 1", st.Superseded, st.Total().Created)
	}
	r, err := s.Resources.Resource(context.Background(), "Organization", "0d8f5a8e-0000-4000-8000-000000000001")
	if err != nil || !strings.Contains(string(r.JSON), "Second Name Clinic") {
		t.Fatalf("stored %s, %v; want the later entry", r.JSON, err)
	}
	st = mustImport(t, s, a, b)
	if tot := st.Total(); tot.Created != 0 || tot.Updated != 0 || tot.Unchanged != 1 {
		t.Fatalf("second import: %+v, want one unchanged", tot)
	}
}

func versioned(version, lastUpdated, family string) string {
	return `{"resourceType":"Patient","id":"pv1","meta":{"versionId":"` + version + `","lastUpdated":"` + lastUpdated + `"},"name":[{"family":"` + family + `"}]}` + "\n"
}

// A newer version replaces an older one; an older one never overwrites a newer.
func testVersions(t *testing.T, s Stores) {
	dir := t.TempDir()
	ctx := context.Background()
	get := func() string {
		r, err := s.Resources.Resource(ctx, "Patient", "pv1")
		if err != nil {
			t.Fatal(err)
		}
		return string(r.JSON)
	}
	mustImport(t, s, write(t, dir, "Patient.v2.ndjson", versioned("2", "2026-03-02T10:00:00Z", "Newer")))
	st := mustImport(t, s, write(t, dir, "Patient.v1.ndjson", versioned("1", "2026-03-01T10:00:00Z", "Older")))
	if st.Total().Stale != 1 || !strings.Contains(get(), "Newer") {
		t.Fatalf("an older version overwrote a newer one: %+v %s", st.Total(), get())
	}
	st = mustImport(t, s, write(t, dir, "Patient.v3.ndjson", versioned("3", "2026-03-03T10:00:00Z", "Newest")))
	if st.Total().Updated != 1 || !strings.Contains(get(), "Newest") {
		t.Fatalf("a newer version did not replace the stored one: %+v %s", st.Total(), get())
	}
}
