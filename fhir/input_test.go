package fhir

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func touch(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func inputNames(ins []input) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.name)
	}
	return out
}

func TestInputsInDir(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"Patient.000.ndjson", "Patient-1.ndjson", "MedicationRequest.ndjson", "Medication.ndjson",
		"log.ndjson", "notes.txt", "bundle.json", ".hidden.ndjson", "Observation.001.ndjson.gz", "Unknown.ndjson"} {
		touch(t, dir, n, "")
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	ins := inputsInDir(dir)
	want := []string{"Medication.ndjson", "MedicationRequest.ndjson", "Observation.001.ndjson.gz", "Patient-1.ndjson",
		"Patient.000.ndjson", "bundle.json"}
	if got := inputNames(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	types := map[string]string{}
	for _, in := range ins {
		types[in.name] = in.typ
	}
	if types["MedicationRequest.ndjson"] != "MedicationRequest" || types["Medication.ndjson"] != "Medication" || types["Patient-1.ndjson"] != "Patient" {
		t.Errorf("types = %v", types)
	}
}

func TestInputsManifest(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.ndjson", "")
	touch(t, dir, "Patient.000.ndjson", "") // not in the manifest: not read
	touch(t, dir, "manifest.json", `{"transactionTime":"2024-01-01T00:00:00Z","request":"x","requiresAccessToken":false,
		"output":[{"type":"Practitioner","url":"https://files.example/export/7/a.ndjson?sig=1"},{"type":"Encounter","url":"enc.ndjson"}],"error":[]}`)
	touch(t, dir, "bundle.json", `{"resourceType":"Bundle","output":[]}`) // not a manifest
	ins := collectInputs([]string{dir})
	if got, want := inputNames(ins), []string{"a.ndjson", "enc.ndjson"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	if ins[0].typ != "Practitioner" || ins[0].format != formatNDJSON || ins[1].typ != "Encounter" {
		t.Errorf("inputs = %+v", ins)
	}
}

func TestCollectInputsMissing(t *testing.T) {
	ins := collectInputs([]string{filepath.Join(t.TempDir(), "nope.json")})
	if len(ins) != 1 || ins[0].err == nil {
		t.Fatalf("inputs = %+v", ins)
	}
	if in := fileInput("/x/export.data", true); in.format != formatJSON {
		t.Errorf("explicit file of unknown extension: format %v", in.format)
	}
}

func TestOrderInputs(t *testing.T) {
	ins := []input{
		{name: "Observation.ndjson", format: formatNDJSON, typ: "Observation"},
		{name: "patient-bundle.json", format: formatJSON, hasPatient: true},
		{name: "Encounter.ndjson", format: formatNDJSON, typ: "Encounter"},
		{name: "Patient.ndjson", format: formatNDJSON, typ: "Patient"},
		{name: "hospital.json", format: formatJSON},
		{name: "Medication.ndjson", format: formatNDJSON, typ: "Medication"},
		{name: "PractitionerRole.ndjson", format: formatNDJSON, typ: "PractitionerRole"},
		{name: "Practitioner.ndjson", format: formatNDJSON, typ: "Practitioner"},
		{name: "Condition.ndjson", format: formatNDJSON, typ: "Condition"},
		{name: "Location.ndjson", format: formatNDJSON, typ: "Location"},
		{name: "Organization.ndjson", format: formatNDJSON, typ: "Organization"},
		{name: "export.ndjson", format: formatNDJSON},
	}
	orderInputs(ins)
	want := []string{"Organization.ndjson", "Location.ndjson", "Practitioner.ndjson", "PractitionerRole.ndjson",
		"Medication.ndjson", "hospital.json", "Patient.ndjson", "Encounter.ndjson", "Observation.ndjson",
		"Condition.ndjson", "export.ndjson", "patient-bundle.json"}
	if got := inputNames(ins); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v\nwant %v", got, want)
	}
}

func TestPrescan(t *testing.T) {
	dir := t.TempDir()
	p := touch(t, dir, "b.json", `{"resourceType":"Bundle","entry":[
		{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}},
		{"fullUrl":"urn:uuid:x2","resource":{"resourceType":"Observation"}},
		{"fullUrl":"http://x/Practitioner/d1","resource":{"resourceType":"Practitioner","id":"d1"}},
		{"fullUrl":"urn:uuid:bad","resource":{"resourceType":"Nope"}}]}`)
	in := fileInput(p, true)
	r := newResolver(nil)
	r.prescan(&in)
	if !in.hasPatient {
		t.Errorf("hasPatient = false")
	}
	want := map[string]string{"p1": "Patient", "x2": "Observation"}
	if !reflect.DeepEqual(r.byUUID, want) || r.byURL["http://x/Practitioner/d1"] != "Practitioner/d1" {
		t.Errorf("byUUID %v byURL %v", r.byUUID, r.byURL)
	}
}
