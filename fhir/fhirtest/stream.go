package fhirtest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// brokenReader returns its data, then err instead of io.EOF.
type brokenReader struct {
	r   io.Reader
	err error
}

func (b *brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

// testStream imports NDJSON streams: provenance from Importer.Source, a bad
// line rejected, a broken stream an error and no reject, a second run idempotent.
func testStream(t *testing.T, s Stores) {
	ctx := context.Background()
	im := importer(s)
	im.Source = lifeboat.Source{Kind: "bulk", Name: "ehr"}
	body := `{"resourceType":"Patient","id":"s1","birthDate":"1970-01-01"}` + "\n" +
		`{"resourceType":"Patient","id":"s2","birthDate":"nope"}` + "\n" +
		`{"resourceType":"Patient","id":"s3","birthDate":"1980-02-02"}` + "\n"
	st, err := im.ImportNDJSON(ctx, "Patient.000.ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	wantCreated(t, st, map[string]int{"Patient": 2})
	if st.Rejected != 1 {
		t.Errorf("rejected = %d, want 1", st.Rejected)
	}
	r := get(t, s, "Patient", "s3")
	if r.Source.Kind != "bulk" || r.Source.Name != "ehr" || r.Source.Ref != "Patient.000.ndjson line 3" {
		t.Errorf("source = %+v, want bulk/ehr at Patient.000.ndjson line 3", r.Source)
	}

	again, err := im.ImportNDJSON(ctx, "Patient.000.ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if again.Types["Patient"].Created != 0 || again.Types["Patient"].Unchanged != 2 {
		t.Errorf("second import = %+v, want 2 unchanged", again.Types["Patient"])
	}

	before := countRejects(t, s)
	cut := errors.New("connection reset")
	half := `{"resourceType":"Patient","id":"s4"}` + "\n" + `{"resourceType":"Pat`
	_, err = im.ImportNDJSON(ctx, "Patient.001.ndjson", &brokenReader{strings.NewReader(half), cut})
	if !errors.Is(err, cut) {
		t.Errorf("broken stream: err = %v, want the read error", err)
	}
	if after := countRejects(t, s); after != before {
		t.Errorf("a broken stream left %d rejects; the caller retries it instead", after-before)
	}
}

func countRejects(t *testing.T, s Stores) int {
	t.Helper()
	if s.Rejects == nil {
		return 0
	}
	n, err := s.Rejects.CountRejects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
