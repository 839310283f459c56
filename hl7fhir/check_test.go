package hl7fhir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// TestCheck: on every test message (and corpus message, with
// LIFEBOAT_CORPUS), and on messages with times FHIR cannot represent,
// Check fails exactly when Map does, with the same error; it is complete
// exactly when Map vouches for every index; and it leaves nothing behind
// in the pooled mapper that changes the next Map.
func TestCheck(t *testing.T) {
	var msgs []*hl7v2.Message
	var names []string
	for _, f := range hl7fhir.TestMessages(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if msg, err := hl7v2.Parse(data); err == nil {
			msgs, names = append(msgs, msg), append(names, filepath.Base(f))
		}
	}
	for i, text := range invalidTimes {
		msg, err := hl7v2.Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		msgs, names = append(msgs, msg), append(names, fmt.Sprintf("invalid time %d", i))
	}
	var mapped, incomplete int
	for i, msg := range msgs {
		for _, opts := range indexOptions() {
			before, mapErr := hl7fhir.Map(msg, opts)
			complete, checkErr := hl7fhir.Check(msg, opts)
			if fmt.Sprint(mapErr) != fmt.Sprint(checkErr) {
				t.Fatalf("%s: Check: %v, Map: %v", names[i], checkErr, mapErr)
			}
			if mapErr != nil {
				continue
			}
			mapped++
			indexed := true
			for _, o := range before.Resources {
				indexed = indexed && o.Indexed
			}
			if complete != indexed {
				t.Fatalf("%s: Check complete %v, Map indexed all %v", names[i], complete, indexed)
			}
			if !complete {
				incomplete++
			}
			if opts.Now == nil {
				continue // the mapping's time is the time of the call
			}
			after, err := hl7fhir.Map(msg, opts)
			if err != nil || !reflect.DeepEqual(before, after) {
				t.Fatalf("%s: Map after Check differs (%v)", names[i], err)
			}
		}
	}
	if incomplete == 0 {
		t.Fatal("no message left an index unvouched for")
	}
	t.Logf("%d mappings checked, %d of them incomplete", mapped, incomplete)
}
