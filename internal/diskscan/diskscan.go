// Package diskscan finds text in the files of a directory: the tests use it
// to prove that no patient name or identifier reaches the disk in clear.
package diskscan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Find returns "file: word" for every file under dir that contains one of
// the words in any letter case, and how many files it read.
func Find(dir string, words ...string) (found []string, files int, err error) {
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lower := bytes.ToLower(b)
		for _, w := range words {
			if w != "" && bytes.Contains(lower, []byte(strings.ToLower(w))) {
				found = append(found, fmt.Sprintf("%s: %q", filepath.Base(path), w))
			}
		}
		return nil
	})
	return found, files, err
}
