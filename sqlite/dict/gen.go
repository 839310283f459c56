//go:build ignore

// gen writes fhir-v1.dict, the compression dictionary of stored resource bodies:
// three resources of each type from the synthetic demo hospital (seed 99 at
// a fixed time). Stored bodies name the dictionary they were compressed
// with, so a dictionary, once released, must never change: make a new
// version instead.
//
//	go run gen.go
package main

import (
	"log"
	"os"
	"time"

	"github.com/lifeboat-health/lifeboat/simulate"
)

func main() {
	var dict []byte
	seen := map[string]int{}
	err := simulate.Generate(simulate.Options{Seed: 99, Now: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}, func(typ, id string, js []byte) error {
		if seen[typ] < 3 {
			seen[typ]++
			dict = append(dict, js...)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("fhir-v1.dict", dict, 0o644); err != nil {
		log.Fatal(err)
	}
}
