package hl7fhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// FuzzMap checks that no parsed message makes Map panic, and that whatever
// it maps is valid JSON with valid ids.
func FuzzMap(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.hl7")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := hl7v2.Parse(data)
		if err != nil {
			return
		}
		res, err := Map(msg, testOptions())
		if err != nil {
			if _, ok := err.(*MapError); !ok {
				t.Fatalf("error is not a *MapError: %v", err)
			}
			return
		}
		for _, o := range res.Resources {
			if !json.Valid(o.JSON) || !validID(o.ID) {
				t.Fatalf("bad output %s/%s: %s", o.Type, o.ID, o.JSON)
			}
		}
	})
}

// BenchmarkMap measures mapping throughput for a typical ADT and ORU.
func BenchmarkMap(b *testing.B) {
	for _, name := range []string{"adt_a01.hl7", "oru_r01_mixed.hl7", "oru_r01_lab.hl7"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Map(msg, testOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
