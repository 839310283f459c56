package fhir_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat/fhir"
)

func TestStatsPrint(t *testing.T) {
	st := &fhir.Stats{Types: map[string]*fhir.TypeStats{
		"Patient":     {Created: 2, Unchanged: 1},
		"Observation": {Created: 10, Updated: 3, Stale: 1},
	}, Read: 18, Rejected: 1, Files: 2}
	var buf bytes.Buffer
	if err := st.Print(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"TYPE", "Observation  10", "Patient      2", "Total        12       3        1          1",
		"read 18 entries from 2 files", "1 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "Observation") > strings.Index(out, "Patient") {
		t.Errorf("types not sorted:\n%s", out)
	}
}
