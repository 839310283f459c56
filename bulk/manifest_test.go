package bulk

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

const specManifest = `{
  "transactionTime": "2021-01-01T00:00:00Z",
  "request" : "https://example.com/fhir/Patient/$export?_type=Patient,Observation",
  "requiresAccessToken" : true,
  "output" : [{"type" : "Patient", "url" : "https://example.com/output/patient_file_1.ndjson", "count": 2},
    {"type" : "Observation", "url" : "https://example.com/output/observation_file_1.ndjson"}],
  "deleted": [{"type" : "Bundle", "url" : "https://example.com/output/del_file_1.ndjson"}],
  "error" : [{"type" : "OperationOutcome", "url" : "https://example.com/output/err_file_1.ndjson"}],
  "extension":{"https://example.com/extra-property": true}
}`

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest(strings.NewReader(specManifest))
	if err != nil {
		t.Fatal(err)
	}
	if !m.TransactionTime.Equal(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)) || !m.RequiresAccessToken ||
		len(m.Output) != 2 || m.Output[0].Count != 2 || m.Output[1].Type != "Observation" ||
		len(m.Deleted) != 1 || m.Deleted[0].Type != "Bundle" || len(m.Error) != 1 {
		t.Errorf("%+v", m)
	}
	for name, bad := range map[string]string{
		"not json":     `[`,
		"no time":      `{"output":[]}`,
		"bad time":     `{"transactionTime":"2021-01-01"}`,
		"no zone":      `{"transactionTime":"2021-01-01T00:00:00"}`,
		"relative url": `{"transactionTime":"2021-01-01T00:00:00Z","output":[{"type":"Patient","url":"/out/p.ndjson"}]}`,
		"file url":     `{"transactionTime":"2021-01-01T00:00:00Z","output":[{"type":"Patient","url":"file:///etc/passwd"}]}`,
		"bad type":     `{"transactionTime":"2021-01-01T00:00:00Z","error":[{"type":"../x","url":"https://e/x"}]}`,
		"bad count":    `{"transactionTime":"2021-01-01T00:00:00Z","output":[{"type":"Patient","url":"https://e/x","count":-1}]}`,
	} {
		if _, err := ParseManifest(strings.NewReader(bad)); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSplitRef(t *testing.T) {
	for ref, want := range map[string]string{
		"Patient/123": "Patient 123",
		"https://ehr.example/fhir/Observation/a.b-c": "Observation a.b-c",
		"Encounter/e1/":                      "Encounter e1",
		"Patient/1?x=y":                      "Patient 1",
		"Patient":                            "",
		"/1":                                 "",
		"patient/1":                          "",
		"Patient/1/_history/2":               "",
		"Patient/" + strings.Repeat("x", 65): "",
	} {
		typ, id, ok := splitRef(ref)
		got := ""
		if ok {
			got = typ + " " + id
		}
		if got != want {
			t.Errorf("%q: %q, want %q", ref, got, want)
		}
	}
}

func TestEachLineLimits(t *testing.T) {
	long := bytes.Repeat([]byte("x"), maxLine+10)
	in := "\xef\xbb\xbf{\"a\":1}\r\n\n  \n" + string(long) + "\n{\"b\":2}"
	var lines []string
	err := eachLine(strings.NewReader(in), func(l []byte) error {
		if l == nil {
			lines = append(lines, "<long>")
		} else {
			lines = append(lines, string(l))
		}
		return nil
	})
	if err != nil || strings.Join(lines, "|") != `{"a":1}|<long>|{"b":2}` {
		t.Errorf("%v, %v", lines, err)
	}
	stop := errors.New("stop")
	if err := eachLine(strings.NewReader("a\nb\n"), func([]byte) error { return stop }); err != stop {
		t.Errorf("fn error: %v", err)
	}
}

func TestReadOutcomesKeepsNoText(t *testing.T) {
	var o Outcomes
	err := ReadOutcomes(strings.NewReader(`{"resourceType":"OperationOutcome","issue":[{"code":"Synthetic Patient Zed Quill"},{"code":"processing"}]}`+"\n{}\n"), &o)
	if err != nil || o.Issues != 2 || o.Codes["unknown"] != 1 || o.Codes["processing"] != 1 || o.Invalid != 1 {
		t.Errorf("%+v, %v", o, err)
	}
}
