package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReindexCommand: on a store an import just filled, reindexing reads
// every resource and finds each indexed as an import indexes it today.
func TestReindexCommand(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	if _, err := runCLI(t, "", nil, "import", "--data", dir, "--key-file", keyFile, filepath.Join("testdata", "synthea")); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "", nil, "reindex", "--data", dir, "--key-file", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^(\d+) resources read, 0 indexed again, 0 could not be parsed`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("reindex after import:\n%s", out)
	}
	if _, err := runCLI(t, "", nil, "reindex", "--data", dir, "--key-file", keyFile, "extra"); err == nil || !strings.Contains(err.Error(), "no arguments") {
		t.Fatalf("reindex with an argument: %v", err)
	}
}
