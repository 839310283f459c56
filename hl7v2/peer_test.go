package hl7v2

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// canonical describes a segment as the peer script does: its ID, then MSH-1 and
// MSH-2 as strings (for MSH) and every other field as repetitions of components of
// subcomponents, read through Rep, Comp and Sub by number.
func canonical(seg Segment) []any {
	var fields []any
	for n := 1; n <= seg.FieldCount(); n++ {
		f := seg.Field(n)
		if seg.isHeader() && n <= 2 {
			fields = append(fields, f.Raw())
			continue
		}
		var reps []any
		for r := 1; r <= max(f.RepCount(), 1); r++ {
			rep := f.Rep(r)
			var comps []any
			for c := 1; c <= max(rep.CompCount(), 1); c++ {
				comp := rep.Comp(c)
				var subs []any
				for s := 1; s <= max(comp.SubCount(), 1); s++ {
					subs = append(subs, comp.Sub(s).Raw())
				}
				comps = append(comps, subs)
			}
			reps = append(reps, comps)
		}
		fields = append(fields, reps)
	}
	return []any{seg.Name(), fields}
}

// TestCorpusAgainstPythonHL7 compares the structure of every corpus message, down to
// subcomponents, with what an independent parser finds: Debian's python3-hl7
// (hl7.parse), run by testdata/peer/python_hl7_dump.py. It runs when LIFEBOAT_CORPUS
// is set and /usr/bin/python3 can import hl7. Messages whose encoding characters
// python3-hl7 cannot read (it assumes four) are listed in peerDisagrees.
func TestCorpusAgainstPythonHL7(t *testing.T) {
	root := os.Getenv("LIFEBOAT_CORPUS")
	if root == "" {
		t.Skip("LIFEBOAT_CORPUS not set")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import hl7").Run(); err != nil {
		t.Skip("python3-hl7 not installed")
	}
	dir := filepath.Join(root, "hl7v2")
	out, err := exec.Command("/usr/bin/python3", filepath.Join("testdata", "peer", "python_hl7_dump.py"), dir).Output()
	if err != nil {
		t.Fatalf("peer: %v", err)
	}
	var peer map[string]struct {
		Error    string `json:"error"`
		Segments []any  `json:"segments"`
	}
	if err := json.Unmarshal(out, &peer); err != nil {
		t.Fatal(err)
	}
	agree := 0
	for rel, p := range peer {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		var ours []any
		for seg := range m.Segments() {
			ours = append(ours, canonical(seg))
		}
		// Round-trip through JSON so both sides have the same types.
		b, _ := json.Marshal(ours)
		var oursJSON []any
		_ = json.Unmarshal(b, &oursJSON)
		if reflect.DeepEqual(oursJSON, p.Segments) {
			agree++
			continue
		}
		if reason, ok := peerDisagrees[rel]; ok {
			t.Logf("%s: differs from python3-hl7 as expected: %s", rel, reason)
			continue
		}
		pb, _ := json.Marshal(p.Segments)
		t.Errorf("%s: differs from python3-hl7\nours: %s\npeer: %s", rel, b, pb)
	}
	t.Logf("%d of %d corpus messages have the same structure in python3-hl7", agree, len(peer))
}

// peerDisagrees lists corpus messages where python3-hl7 is wrong, and why.
var peerDisagrees = map[string]string{
	"linuxforhealth/sample_win.hl7":  "MSH-2 `^~\\\\&` repeats the escape character; python3-hl7 also takes it as the subcomponent separator, hl7v2 skips the repeat (subcomponent `&`)",
	"linuxforhealth/sample_unix.hl7": "MSH-2 `^~\\\\&` repeats the escape character; python3-hl7 also takes it as the subcomponent separator, hl7v2 skips the repeat (subcomponent `&`)",
}
