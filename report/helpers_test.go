package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// needTool skips the test when a command-line tool is missing, except in
// CI (CI=true), where it fails.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (Debian poppler-utils, qpdf): %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
}

// tempPDF writes b to a file in a temporary folder.
func tempPDF(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs a command and returns its standard output.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// pages extracts the text of every page with pdftotext -layout.
func pages(t testing.TB, b []byte, password string) []string {
	t.Helper()
	needTool(t, "pdftotext")
	args := []string{"-layout"}
	if password != "" {
		args = append(args, "-upw", password)
	}
	text := run(t, "pdftotext", append(args, tempPDF(t, b), "-")...)
	ps := strings.Split(text, "\f")
	if len(ps) > 0 && strings.TrimSpace(ps[len(ps)-1]) == "" {
		ps = ps[:len(ps)-1]
	}
	return ps
}

// page extracts the text of page n (from 1) with pdftotext -f n -l n.
func page(t testing.TB, b []byte, n int) string {
	t.Helper()
	needTool(t, "pdftotext")
	s := strconv.Itoa(n)
	return run(t, "pdftotext", "-layout", "-f", s, "-l", s, tempPDF(t, b), "-")
}

// qpdfCheck checks a PDF's structure with qpdf --check.
func qpdfCheck(t testing.TB, b []byte, password string) {
	t.Helper()
	needTool(t, "qpdf")
	args := []string{"--check"}
	if password != "" {
		args = append(args, "--password="+password)
	}
	out := run(t, "qpdf", append(args, tempPDF(t, b))...)
	if !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check:\n%s", out)
	}
}

// mustContain fails unless text has every one of want.
func mustContain(t testing.TB, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %q missing from:\n%s", what, w, text)
		}
	}
}

// mustNotContain fails if text has any of bad.
func mustNotContain(t testing.TB, what, text string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(text, w) {
			t.Errorf("%s: %q must not appear in:\n%s", what, w, text)
		}
	}
}

// squash collapses runs of spaces, so that text laid out in columns can be
// matched as a phrase.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
