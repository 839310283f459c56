package hl7fhir

import (
	"bytes"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// TestResultsOutliveTheMapper: Map reuses its mapper's buffers and values
// for the next message, so a result must hold nothing of them. Every golden
// message is mapped once and its result kept while all of them are mapped
// again, several times over on several goroutines; each kept result must
// still equal a fresh mapping of its message.
func TestResultsOutliveTheMapper(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.hl7"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden messages: %v", err)
	}
	kept := make([]*Result, len(files))
	for i, f := range files {
		kept[i] = mapFile(t, f)
	}
	want := make([]Result, len(files)) // deep copies, taken before any reuse
	for i, r := range kept {
		want[i] = copyResult(r)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				for _, f := range files {
					mapFile(t, f)
				}
			}
		})
	}
	wg.Wait()
	for i, f := range files {
		if !reflect.DeepEqual(copyResult(kept[i]), want[i]) {
			t.Errorf("%s: the kept result changed while other messages were mapped", filepath.Base(f))
		}
		if again := mapFile(t, f); !reflect.DeepEqual(copyResult(again), want[i]) {
			t.Errorf("%s: mapping it again gives another result", filepath.Base(f))
		}
	}
}

// copyResult copies a result down to the bytes of its JSON.
func copyResult(r *Result) Result {
	c := *r
	c.Resources = make([]Output, len(r.Resources))
	for i, o := range r.Resources {
		o.JSON = bytes.Clone(o.JSON)
		o.Index.Identifiers = append(o.Index.Identifiers[:0:0], o.Index.Identifiers...)
		o.Index.Names = append(o.Index.Names[:0:0], o.Index.Names...)
		c.Resources[i] = o
	}
	c.Warnings = append(r.Warnings[:0:0], r.Warnings...)
	return c
}
