package hl7fhir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// TestCorpus maps every message of the shared corpus ($LIFEBOAT_CORPUS/hl7v2):
// each either maps without error, with valid JSON, or is refused as an
// unsupported message type or event (codes 200, 201).
func TestCorpus(t *testing.T) {
	root := os.Getenv("LIFEBOAT_CORPUS")
	if root == "" {
		t.Skip("LIFEBOAT_CORPUS not set")
	}
	files, err := filepath.Glob(filepath.Join(root, "hl7v2", "*", "*.hl7"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus messages under %s: %v", root, err)
	}
	type count struct{ mapped, unsupported, incomplete, resources int }
	counts := map[string]*count{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			t.Errorf("%s: parse: %v", f, err)
			continue
		}
		typ := msg.Header().Type
		key := typ.Code + "^" + typ.Trigger
		c := counts[key]
		if c == nil {
			c = &count{}
			counts[key] = c
		}
		res, err := Map(msg, Options{MRNSystem: "urn:test:mrn"})
		var me *MapError
		switch {
		case err == nil:
			c.mapped++
			c.resources += len(res.Resources)
			for _, o := range res.Resources {
				if !json.Valid(o.JSON) {
					t.Errorf("%s: %s/%s: invalid JSON", f, o.Type, o.ID)
				}
				checkResource(t, f, o)
			}
		case errors.As(err, &me) && (me.Code == 200 || me.Code == 201):
			c.unsupported++
		case errors.As(err, &me) && (me.Code == 100 || me.Code == 101):
			// Fragments from unit tests that lack PID or a patient identifier.
			c.incomplete++
			t.Logf("%s (%s): rejected: %v", filepath.Base(f), key, err)
		default:
			t.Errorf("%s (%s): %v", filepath.Base(f), key, err)
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var total count
	for _, k := range keys {
		c := counts[k]
		t.Logf("%-10s mapped %3d  unsupported %3d  incomplete %3d  resources %5d", k, c.mapped, c.unsupported, c.incomplete, c.resources)
		total.mapped += c.mapped
		total.unsupported += c.unsupported
		total.incomplete += c.incomplete
		total.resources += c.resources
	}
	t.Logf("%-10s mapped %3d  unsupported %3d  incomplete %3d  resources %5d", "total", total.mapped, total.unsupported, total.incomplete, total.resources)
}

// checkResource checks the basics every output must satisfy: a valid id,
// resourceType and id matching the Output, and no empty strings.
func checkResource(t *testing.T, name string, o Output) {
	t.Helper()
	if !lifeboat.ValidID(o.ID) {
		t.Errorf("%s: invalid id %q", name, o.ID)
	}
	var v map[string]any
	if err := json.Unmarshal(o.JSON, &v); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if v["resourceType"] != o.Type || v["id"] != o.ID {
		t.Errorf("%s: resourceType/id mismatch in %s/%s", name, o.Type, o.ID)
	}
	if p := emptyValue(v, o.Type); p != "" {
		t.Errorf("%s: empty value at %s", name, p)
	}
}

// emptyValue returns the path of an empty string, object or array, "" if none.
func emptyValue(v any, path string) string {
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			return path
		}
	case map[string]any:
		if len(x) == 0 {
			return path
		}
		for k, e := range x {
			if p := emptyValue(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		if len(x) == 0 {
			return path
		}
		for _, e := range x {
			if p := emptyValue(e, path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}
