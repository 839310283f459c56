package hl7fhir

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

var update = flag.Bool("update", false, "rewrite the golden testdata/*.json files")

// testOptions are the options of the golden and scenario tests: a fixed
// clock and the zone of a hospital five hours behind UTC.
func testOptions() Options {
	return Options{
		Now:       func() time.Time { return time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC) },
		Location:  time.FixedZone("EST", -5*3600),
		MRNSystem: "urn:oid:2.16.840.1.113883.3.9999.1",
	}
}

// golden is the shape of a golden file: the result with each resource as
// pretty-printed JSON.
type golden struct {
	MessageType string           `json:"messageType"`
	Feed        string           `json:"feed"`
	ControlID   string           `json:"controlId"`
	Warnings    []string         `json:"warnings,omitempty"`
	Resources   []goldenResource `json:"resources"`
}

type goldenResource struct {
	Placeholder bool            `json:"placeholder,omitempty"`
	LastUpdated time.Time       `json:"lastUpdated"`
	Resource    json.RawMessage `json:"resource"`
}

func mapFile(t testing.TB, path string) *Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := hl7v2.Parse(data)
	if err != nil {
		t.Fatalf("%s: parse: %v", path, err)
	}
	res, err := Map(msg, testOptions())
	if err != nil {
		t.Fatalf("%s: map: %v", path, err)
	}
	return res
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.hl7")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			res := mapFile(t, f)
			g := golden{MessageType: res.MessageType, Feed: res.Feed, ControlID: res.ControlID, Warnings: res.Warnings}
			for _, o := range res.Resources {
				checkResource(t, f, o)
				g.Resources = append(g.Resources, goldenResource{Placeholder: o.Placeholder, LastUpdated: o.LastUpdated, Resource: o.JSON})
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(f, ".hl7") + ".json"
			if *update {
				if err := os.WriteFile(want, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(exp, buf.Bytes()) {
				t.Errorf("%s differs from the mapping; run go test -run TestGolden -update and review the diff", want)
			}
		})
	}
}
