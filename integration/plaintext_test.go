package integration

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/internal/diskscan"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// samplePatients returns, for up to n stored patients, their family and
// given names and identifier values of six or more characters.
func samplePatients(t *testing.T, db *sqlite.DB, n int) [][]string {
	t.Helper()
	rs, err := db.Resources(context.Background(), lifeboat.ResourceFilter{Type: "Patient", Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range rs {
		var p struct {
			Name []struct {
				Family string   `json:"family"`
				Given  []string `json:"given"`
			} `json:"name"`
			Identifier []struct {
				Value string `json:"value"`
			} `json:"identifier"`
		}
		if err := json.Unmarshal(r.JSON, &p); err != nil {
			t.Fatal(err)
		}
		var words []string
		for _, nm := range p.Name {
			words = append(words, nm.Family)
			words = append(words, nm.Given...)
		}
		for _, id := range p.Identifier {
			words = append(words, id.Value)
		}
		var keep []string
		for _, w := range words {
			if len(w) >= 6 { // shorter strings occur by chance in encrypted bytes
				keep = append(keep, w)
			}
		}
		out = append(out, keep)
	}
	if len(out) == 0 {
		t.Fatal("no patients stored")
	}
	return out
}

// assertNoPlaintext fails if any file under dir contains any of the words,
// in any letter case.
func assertNoPlaintext(t *testing.T, dir string, words ...string) {
	t.Helper()
	found, files, err := diskscan.Find(dir, words...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s in clear", f)
	}
	if files == 0 {
		t.Fatal("no files in the data directory")
	}
}

// TestDemoHospitalNotOnDisk loads the demo hospital and checks that no
// patient name or MRN reaches the data directory in clear.
func TestDemoHospitalNotOnDisk(t *testing.T) {
	db, dir := openStore(t)
	loadHospital(t, db, demoOptions(40))
	var words []string
	for _, p := range samplePatients(t, db, 40) {
		words = append(words, p...)
	}
	assertNoPlaintext(t, dir, words...)
	db.Checkpoint(context.Background())
	assertNoPlaintext(t, dir, words...)
}
