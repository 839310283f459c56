package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/simulate"
)

// demoStore fills a new store with a small synthetic hospital.
func demoStore(t *testing.T, patients int) (dir, keyFile string) {
	t.Helper()
	dir, keyFile = newStoreDir(t)
	db := openStore(t, dir, keyFile)
	defer db.Close()
	if _, err := loadDemo(context.Background(), db, simulate.Options{Seed: 5, Now: time.Now(), Patients: patients}); err != nil {
		t.Fatal(err)
	}
	return dir, keyFile
}

// pdfText extracts a PDF's text with poppler's pdftotext.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", filepath.Base(path), err)
	}
	return string(out)
}

func TestReportCommand(t *testing.T) {
	dir, keyFile := demoStore(t, 30)
	db := openStore(t, dir, keyFile)
	pats, err := db.SearchPatients(context.Background(), lifeboat.PatientQuery{Name: "a", Limit: 1})
	db.Close()
	if err != nil || len(pats) == 0 {
		t.Fatalf("no patient to look for: %v", err)
	}
	var p struct {
		Identifier []struct{ System, Value string }
	}
	if err := json.Unmarshal(pats[0].JSON, &p); err != nil {
		t.Fatal(err)
	}
	mrn := ""
	for _, id := range p.Identifier {
		if id.System == simulate.MRNSystem {
			mrn = id.Value
		}
	}
	if mrn == "" {
		t.Fatal("the patient has no MRN")
	}
	out := filepath.Join(t.TempDir(), "pack")
	stdout, err := runCLI(t, "", nil, "report", "--data", dir, "--key-file", keyFile, "--out", out, "--hospital", "Aldermoor")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stdout)
	}
	if !regexp.MustCompile(`Wrote \d+ PDFs`).MatchString(stdout) {
		t.Errorf("report printed:\n%s", stdout)
	}
	census := pdfText(t, filepath.Join(out, "hospital-census.pdf"))
	if !strings.Contains(census, mrn) || !strings.Contains(census, "Aldermoor") || !strings.Contains(census, "CONFIDENTIAL") {
		t.Errorf("the hospital census lacks MRN %s, the hospital name or the confidentiality line", mrn)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*-patients.pdf"))
	found := false
	for _, f := range files {
		found = found || strings.Contains(pdfText(t, f), mrn)
	}
	if !found {
		t.Errorf("no patient pack holds MRN %s", mrn)
	}
	if _, err := runCLI(t, "", nil, "report", "--data", dir, "--key-file", keyFile, "--out", out, "--unit", "no-such-unit"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("an unknown unit: %v, want ENOTFOUND", err)
	}
}

// TestServeReportSchedule: serve writes the pack into report_dir at once,
// names it in the manifest, and says so on /reports and in metrics.
func TestServeReportSchedule(t *testing.T) {
	dir, keyFile := demoStore(t, 12)
	if _, err := runCLI(t, "correct horse battery\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "clinician", "nat"); err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(t.TempDir(), "downtime")
	addr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "lifeboat.json")
	cfg := fmt.Sprintf(`{"addr":%q,"report_dir":%q,"report_every":"1h","report_keep":2,"report_page_size":"a4"}`, addr, reports)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	startCLI(t, nil, "serve", "--data", dir, "--key-file", keyFile, "--config", cfgPath)
	waitListening(t, addr)
	var manifest struct {
		Set   string
		Files []struct{ Name string }
	}
	waitFor(t, "the first set", func() bool {
		b, err := os.ReadFile(filepath.Join(reports, "manifest.json"))
		return err == nil && json.Unmarshal(b, &manifest) == nil && len(manifest.Files) > 0
	})
	for _, f := range manifest.Files {
		if _, err := os.Stat(filepath.Join(reports, manifest.Set, f.Name)); err != nil {
			t.Errorf("the manifest names %s, which is not in the set", f.Name)
		}
	}
	c := newClient(t, "http://"+addr)
	if _, m := c.get("/metrics"); !regexp.MustCompile(`lifeboat_report_last_good_timestamp_seconds [1-9]`).MatchString(m) ||
		!strings.Contains(m, "lifeboat_report_failing 0") {
		t.Errorf("metrics do not show the good set")
	}
	c.login("nat", "correct horse battery")
	code, page := c.get("/reports")
	if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("%d files", len(manifest.Files))) {
		t.Errorf("/reports (%d) does not show the scheduled set", code)
	}
	resp, err := c.http.Get(c.base + "/reports/hospital-census.pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("hospital census download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
