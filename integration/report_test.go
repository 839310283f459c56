package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/chart"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/report"
	"github.com/lifeboat-health/lifeboat/simulate"
	"github.com/lifeboat-health/lifeboat/sqlite"
	"golang.org/x/text/encoding/charmap"
)

// reportZone is the hospital's zone in the report tests: not UTC, so that
// a time printed in the wrong zone shows.
var reportZone = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// needPDFTool skips without the poppler or qpdf tools, except in CI.
func needPDFTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
}

// pdfPages returns the text of each page of a PDF (pdftotext, -layout or
// -raw: the order the page was drawn in).
func pdfPages(t testing.TB, path, mode string) []string {
	t.Helper()
	needPDFTool(t, "pdftotext")
	out, err := exec.Command("pdftotext", mode, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", filepath.Base(path), err)
	}
	ps := strings.Split(string(out), "\f")
	if len(ps) > 0 && strings.TrimSpace(ps[len(ps)-1]) == "" {
		ps = ps[:len(ps)-1]
	}
	return ps
}

var mrnRE = regexp.MustCompile(`\bMRN\d{7}\b`)

// mrns returns the distinct MRNs in the texts, sorted.
func mrns(texts ...string) []string {
	seen := map[string]bool{}
	for _, s := range texts {
		for _, m := range mrnRE.FindAllString(s, -1) {
			seen[m] = true
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// doseRE is a dose box of the printed MAR, as pdftotext -raw reads it: its
// day ("Fri 27 Nov") and, on the next line, its due time.
var doseRE = regexp.MustCompile(`(?m)^((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2} [A-Z][a-z]{2})\n(\d{2}:\d{2})$`)

// printedDoses returns the due times of the dose boxes in a patient's MAR
// pages, in the hospital's zone.
func printedDoses(t *testing.T, now time.Time, pages []string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, p := range pages {
		for _, m := range doseRE.FindAllStringSubmatch(p, -1) {
			tm, err := time.ParseInLocation("Mon 02 Jan 2006 15:04", m[1]+" "+strconv.Itoa(now.Year())+" "+m[2], reportZone)
			if err != nil {
				t.Fatalf("dose %q: %v", m[0], err)
			}
			out = append(out, tm)
		}
	}
	return out
}

// putResources stores hand-made FHIR resources.
func putResources(t *testing.T, db *sqlite.DB, now time.Time, jsons ...string) {
	t.Helper()
	var rs []*lifeboat.Resource
	for _, js := range jsons {
		p, err := fhir.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, &lifeboat.Resource{Type: p.Type, ID: p.ID, JSON: []byte(js), Received: now, LastUpdated: now,
			Source: lifeboat.Source{Kind: "test", Name: "report test"}, Index: p.Index})
	}
	if _, err := db.PutResources(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// reportHospital stores the demo hospital and returns its chart service
// and a report generator at now.
func reportHospital(t testing.TB, patients int) (*sqlite.DB, *chart.Service, *report.Generator) {
	db, _ := openStore(t)
	loadHospital(t, db, demoOptions(patients))
	now := hospitalNow
	svc := &chart.Service{Store: db, Sources: db, Now: func() time.Time { return now }, StaleAfter: time.Hour, Location: reportZone}
	g := &report.Generator{Charts: svc, MAR: svc, Now: func() time.Time { return now }, Location: reportZone, Hospital: "Aldermoor General Hospital"}
	return db, svc, g
}

// TestReportPack makes the whole downtime pack of the demo hospital from a
// real encrypted store and reads it back: every file is a valid PDF, each
// unit's census lists exactly that unit's patients, its patients' packs
// and labels follow the census, and the due times on the printed MAR are
// those of the chart's MAR at the same moment.
func TestReportPack(t *testing.T) {
	needPDFTool(t, "qpdf")
	ctx := context.Background()
	db, svc, g := reportHospital(t, 0)
	now := hospitalNow

	census, err := svc.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]*lifeboat.UnitCensus{}
	for _, u := range census.Units {
		if units[u.ID], err = svc.Unit(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A pending lab and an open imaging order for the first patient of the
	// first unit.
	first := units[census.Units[0].ID].Rows[0]
	putResources(t, db, now,
		`{"resourceType":"DiagnosticReport","id":"dr-pending","status":"preliminary","category":[{"text":"Laboratory"}],
		  "code":{"text":"Blood culture, aerobic"},"subject":{"reference":"Patient/`+first.PatientID+`"},"effectiveDateTime":"`+now.Add(-20*time.Hour).Format(time.RFC3339)+`"}`,
		`{"resourceType":"ServiceRequest","id":"sr-open","status":"active","intent":"order","category":[{"text":"Imaging"}],
		  "code":{"text":"CT head without contrast"},"subject":{"reference":"Patient/`+first.PatientID+`"},"authoredOn":"`+now.Add(-time.Hour).Format(time.RFC3339)+`"}`)

	pack, err := g.Pack(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if keep := os.Getenv("LIFEBOAT_REPORT_OUT"); keep != "" { // to look at the pages
		dir = keep
	}
	if err := pack.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	files := map[string]report.File{}
	for _, f := range pack.Files {
		files[f.Name] = f
		out, err := exec.Command("qpdf", "--check", filepath.Join(dir, f.Name)).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors found")) {
			t.Errorf("qpdf --check %s: %v\n%s", f.Name, err, out)
		}
	}
	if _, ok := files["hospital-census.pdf"]; !ok {
		t.Fatal("no hospital census")
	}
	hospital := pdfPages(t, filepath.Join(dir, "hospital-census.pdf"), "-layout")
	var all []string
	for _, uc := range units {
		for _, r := range uc.Rows {
			all = append(all, r.MRN)
		}
	}
	sort.Strings(all)
	if got := mrns(hospital...); !slices.Equal(got, all) || len(all) != simulate.DefaultPatients {
		t.Errorf("hospital census lists %d MRNs, the units %d", len(got), len(all))
	}

	sawIsolation, sawAccent := false, false
	for _, f := range pack.Files {
		if f.Unit == "" {
			continue
		}
		uc := units[f.Unit]
		var want []string
		for _, r := range uc.Rows {
			want = append(want, r.MRN)
		}
		sort.Strings(want)
		ps := pdfPages(t, filepath.Join(dir, f.Name), "-layout")
		for i, p := range ps {
			if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, len(ps))) || !strings.Contains(p, "CONFIDENTIAL: contains protected health information") ||
				!strings.Contains(p, "Generated Fri 27 Nov 2026 05:30 EST") || !strings.Contains(p, "Data as of Fri 27 Nov 2026 05:30 EST") {
				t.Errorf("%s page %d lacks its footer:\n%s", f.Name, i+1, p)
			}
		}
		switch f.Kind {
		case lifeboat.ReportCensus:
			var censusPages, results []string
			for _, p := range ps {
				if strings.Contains(p, "Critical and pending results: ") {
					results = append(results, p)
				} else {
					censusPages = append(censusPages, p)
				}
			}
			if got := mrns(censusPages...); !slices.Equal(got, want) {
				t.Errorf("%s lists %v, the unit has %v", f.Name, got, want)
			}
			if got := mrns(results...); len(got) > 0 && !isSubset(got, want) {
				t.Errorf("%s results name other units' patients: %v", f.Name, got)
			}
			text := strings.Join(censusPages, "")
			sawIsolation = sawIsolation || strings.Contains(text, "precautions")
			for _, r := range uc.Rows {
				if inCP1252(r.Name) && strings.ContainsFunc(r.Name, func(c rune) bool { return c > 127 }) {
					sawAccent = true
					if !strings.Contains(text, r.Name) {
						t.Errorf("%s misprints %q", f.Name, r.Name)
					}
				}
			}
			if f.Unit == census.Units[0].ID {
				rs := strings.Join(strings.Fields(strings.Join(results, " ")), " ")
				for _, w := range []string{"Blood culture, aerobic", "Preliminary", "CT head without contrast", "Ordered", first.MRN} {
					if !strings.Contains(rs, w) {
						t.Errorf("%s results lack %q", f.Name, w)
					}
				}
			}
		case lifeboat.ReportPatients:
			// Patients follow the census, each on their own pages.
			var order []string
			for i, p := range ps {
				m := mrns(p)
				if len(m) != 1 {
					t.Fatalf("%s page %d names %v", f.Name, i+1, m)
				}
				if len(order) == 0 || order[len(order)-1] != m[0] {
					order = append(order, m[0])
				}
			}
			var rowsOrder []string
			for _, r := range uc.Rows {
				rowsOrder = append(rowsOrder, r.MRN)
			}
			if !slices.Equal(order, rowsOrder) {
				t.Errorf("%s patients in order %v, census %v", f.Name, order, rowsOrder)
			}
		case lifeboat.ReportLabels:
			if len(ps) != len(uc.Rows) {
				t.Errorf("%s: %d pages for %d patients", f.Name, len(ps), len(uc.Rows))
			}
			for i, r := range uc.Rows {
				if i < len(ps) && strings.Count(ps[i], r.MRN) < 30 {
					t.Errorf("%s page %d: %d labels of %s", f.Name, i+1, strings.Count(ps[i], r.MRN), r.MRN)
				}
			}
		}
	}
	// The chart's banner (face sheet, patient pages) agrees with the census
	// on isolation.
	for _, uc := range units {
		for _, r := range uc.Rows {
			if r.Isolation == "" {
				continue
			}
			c, err := svc.Chart(ctx, r.PatientID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Banner.Isolation != r.Isolation {
				t.Errorf("%s: isolation %q on the chart, %q on the census", r.PatientID, c.Banner.Isolation, r.Isolation)
			}
		}
	}
	if !sawIsolation || !sawAccent {
		t.Errorf("isolation shown %v, an accented name checked %v", sawIsolation, sawAccent)
	}

	checkMARs(t, svc, dir, pack, units, now)
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func inCP1252(s string) bool {
	for _, r := range s {
		if _, ok := charmap.Windows1252.EncodeRune(r); !ok && r > 127 {
			return false
		}
	}
	return true
}

// checkMARs compares, for the five patients with the most doses ahead, the
// due times printed on their MAR pages with the chart's MAR at the same
// moment (where the windows overlap: from an hour ago to 12 hours ahead)
// and with the MAR service's own window (all of it).
func checkMARs(t *testing.T, svc *chart.Service, dir string, pack *report.Pack, units map[string]*lifeboat.UnitCensus, now time.Time) {
	ctx := context.Background()
	type cand struct {
		id, mrn, file string
		n             int
	}
	var cands []cand
	for _, f := range pack.Files {
		if f.Kind != lifeboat.ReportPatients {
			continue
		}
		for _, r := range units[f.Unit].Rows {
			m, err := svc.MAR(ctx, r.PatientID, now.Add(-time.Hour), now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range m.Scheduled {
				n += len(l.Doses)
			}
			cands = append(cands, cand{r.PatientID, r.MRN, f.Name, n})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].n > cands[j].n })
	beyond := 0
	for _, c := range cands[:5] {
		var marPages []string
		for _, p := range pdfPages(t, filepath.Join(dir, c.file), "-raw") {
			if strings.Contains(p, "Medication administration record (MAR)") && strings.Contains(p, c.mrn) {
				marPages = append(marPages, p)
			}
		}
		printed := printedDoses(t, now, marPages)
		ch, err := svc.Chart(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		wide, err := svc.MAR(ctx, c.id, now.Add(-time.Hour), now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var fromChart, fromService, overlap []string
		for _, l := range ch.MAR.Scheduled {
			for _, d := range l.Doses {
				if !d.Due.Before(now.Add(-time.Hour)) {
					fromChart = append(fromChart, d.Due.In(reportZone).Format(time.DateTime))
				}
			}
		}
		for _, l := range wide.Scheduled {
			for _, d := range l.Doses {
				fromService = append(fromService, d.Due.In(reportZone).Format(time.DateTime))
			}
		}
		var all []string
		for _, d := range printed {
			s := d.Format(time.DateTime)
			all = append(all, s)
			if d.Before(ch.MAR.To) {
				overlap = append(overlap, s)
			} else {
				beyond++
			}
		}
		sort.Strings(fromChart)
		sort.Strings(fromService)
		sort.Strings(overlap)
		sort.Strings(all)
		if len(printed) != c.n || !slices.Equal(overlap, fromChart) {
			t.Errorf("%s: printed due times (to +12 h) %v\nchart's MAR %v", c.id, overlap, fromChart)
		}
		t.Logf("%s: %d doses printed, %d of them in the chart's window", c.id, len(all), len(overlap))
		if !slices.Equal(all, fromService) {
			t.Errorf("%s: printed due times %v\nMAR service %v", c.id, all, fromService)
		}
	}
	if beyond == 0 {
		t.Error("no dose printed beyond the chart's 12 hours ahead")
	}
}

// BenchmarkReportPack makes the whole downtime pack of the demo hospital
// (180 patients: census, face sheets, MARs, forms and labels) from a real
// encrypted store, as it is printed (plain) and as the scheduler keeps it
// on disk with a password (aes256).
func BenchmarkReportPack(b *testing.B) {
	_, _, g := reportHospital(b, 0)
	ctx := context.Background()
	for _, pw := range []string{"", "a long downtime passphrase"} {
		name := "plain"
		if pw != "" {
			name = "aes256"
		}
		b.Run(name, func(b *testing.B) {
			g.Password = pw
			var size int64
			var files int
			for b.Loop() {
				p, err := g.Pack(ctx)
				if err != nil {
					b.Fatal(err)
				}
				size, files = p.Size(), len(p.Files)
			}
			b.ReportMetric(float64(size)/1e6, "MB/pack")
			b.ReportMetric(float64(files), "files/pack")
		})
	}
}
