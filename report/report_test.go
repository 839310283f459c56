package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// checkPages checks what every page must carry: the confidentiality line,
// when it was generated and how fresh the data was, and "Page x of y".
func checkPages(t *testing.T, what string, ps []string) {
	t.Helper()
	for i, p := range ps {
		s := squash(p)
		mustContain(t, fmt.Sprintf("%s page %d", what, i+1), s,
			"CONFIDENTIAL: contains protected health information",
			"Generated Tue 03 Mar 2026 06:00 EST", "Data as of Tue 03 Mar 2026 05:58 EST",
			fmt.Sprintf("Page %d of %d", i+1, len(ps)))
	}
}

func unitReport(t *testing.T, g *Generator, unit string, kind lifeboat.ReportKind) []byte {
	t.Helper()
	var buf bytes.Buffer
	ids, err := g.UnitReport(context.Background(), &buf, unit, kind)
	if err != nil {
		t.Fatal(err)
	}
	uc, _ := g.Charts.Unit(context.Background(), unit)
	var want []string
	for _, r := range uc.Rows {
		if r.PatientID != "" {
			want = append(want, r.PatientID)
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("%s %s report names patients %v, want the unit's %v", unit, kind, ids, want)
	}
	qpdfCheck(t, buf.Bytes(), "")
	return buf.Bytes()
}

func TestUnitCensusReport(t *testing.T) {
	b := unitReport(t, generator(fakeHospital()), "unit-4w", lifeboat.ReportCensus)
	ps := pages(t, b, "")
	if len(ps) != 2 {
		t.Fatalf("%d pages", len(ps))
	}
	checkPages(t, "census", ps)
	census := squash(page(t, b, 1))
	mustContain(t, "census", census, "Unit census: 4 West (Medical-surgical)", "3 patients, 12 beds",
		"4W-2A GARCÍA, José Luis", "MRN MRN1000001", "DOB 16 Jun 1958", "67 y M", "Dr. Amélie Fontaine", "Penicillin", "DNR/DNI", "Contact",
		"4W-3 WISNIEWSKI, Lukasz", "MRN MRN1000002", "NKA", "Full code",
		"4W-10 BRENNAN, Zoë", "MRN MRN1000003", "NOT RECORDED", "01 Mar 04:00")
	// Rows are in bed order.
	if i, j, k := strings.Index(census, "4W-2A"), strings.Index(census, "4W-3"), strings.Index(census, "4W-10"); !(i < j && j < k) {
		t.Errorf("beds out of order: %d %d %d", i, j, k)
	}
	results := squash(page(t, b, 2))
	mustContain(t, "results", results, "CRITICAL RESULTS", "Potassium", "CRITICAL 6.8", "(HH)", "GARCÍA, José Luis",
		"PENDING RESULTS", "Blood culture", "Preliminary", "02 Mar 00:00")
	mustNotContain(t, "results", results, "5.6") // the earlier potassium was high, not critical
}

func TestPatientsReport(t *testing.T) {
	f := fakeHospital()
	b := unitReport(t, generator(f), "unit-4w", lifeboat.ReportPatients)
	ps := pages(t, b, "")
	checkPages(t, "patients", ps)
	ids := map[string][]string{
		"MRN1000001": {"GARCÍA, José Luis", "DOB 16 Jun 1958"},
		"MRN1000002": {"WISNIEWSKI, Lukasz", "DOB 02 Nov 1980"},
		"MRN1000003": {"BRENNAN, Zoë", "DOB 30 May 2017"},
	}
	// Every page belongs to one patient and carries their name, MRN and
	// birth date, and no other patient's MRN; patients follow the census.
	var order []string
	titles := map[string][]string{}
	for i, p := range ps {
		s := squash(p)
		var mine []string
		for mrn := range ids {
			if strings.Contains(s, mrn) {
				mine = append(mine, mrn)
			}
		}
		if len(mine) != 1 {
			t.Fatalf("page %d has MRNs %v", i+1, mine)
		}
		mustContain(t, fmt.Sprintf("page %d", i+1), s, ids[mine[0]]...)
		if len(order) == 0 || order[len(order)-1] != mine[0] {
			order = append(order, mine[0])
		}
		for _, title := range []string{"Face sheet", "Medication administration record (MAR)", "Downtime medication administration form",
			"Downtime vital signs flowsheet", "Downtime progress notes"} {
			if strings.Contains(s, title+": 4 West") {
				titles[mine[0]] = append(titles[mine[0]], title)
			}
		}
	}
	if strings.Join(order, " ") != "MRN1000001 MRN1000002 MRN1000003" {
		t.Errorf("patient order %v", order)
	}
	for mrn, ts := range titles {
		if len(ts) < 5 {
			t.Errorf("%s has pages %v", mrn, ts)
		}
	}

	// García's MAR page, found and read on its own.
	n := 0
	for i, p := range ps {
		if strings.Contains(p, "Medication administration record (MAR)") && strings.Contains(p, "MRN1000001") {
			n = i + 1
			break
		}
	}
	mar := squash(page(t, b, n))
	mustContain(t, "MAR", mar, "Next 24 hours: Tue 03 Mar 2026 06:00 EST to Wed 04 Mar 2026 06:00 EST",
		"Allergies: Penicillin", "Code status: DNR/DNI", "Isolation: Contact precautions",
		"Ceftriaxone", "1 g IV", "Metoprolol tartrate", "OVERDUE",
		"Acetaminophen", "Fever or pain", "02 Mar 23:00", "Sodium chloride 0.9%", "75 mL/h", "03 Mar 03:00", "Initials")
	// Each dose box, in drawing order: its day, then its due time.
	raw := run(t, "pdftotext", "-raw", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), tempPDF(t, b), "-")
	var doses []string
	for _, m := range regexp.MustCompile(`(?m)^(\w{3} \d{2} \w{3})\n(\d{2}:\d{2})$`).FindAllStringSubmatch(raw, -1) {
		doses = append(doses, m[1]+" "+m[2])
	}
	if got := strings.Join(doses, ", "); got != "Tue 03 Mar 10:00, Tue 03 Mar 05:20, Tue 03 Mar 08:00, Tue 03 Mar 20:00" {
		t.Errorf("doses printed: %s", got)
	}
	face := squash(ps[0])
	mustContain(t, "face sheet", face, "4 West / 4W-2A", "Attending: Dr. Amélie Fontaine", "Reason: Community-acquired pneumonia",
		"Weight: 72.4 kg", "ALLERGIES", "Penicillin Hives, Anaphylaxis severe HIGH", "ACTIVE PROBLEMS", "Essential hypertension",
		"ACTIVE MEDICATIONS", "LATEST VITAL SIGNS", "142/88 mmHg", "LATEST LABS", "6.8 mmol/L CRITICAL")
	rest := squash(strings.Join(ps[:n], " "))
	mustContain(t, "face sheet", rest, "PENDING RESULTS", "Blood culture", "CONTACTS", "María García", "Emergency contact, Spouse", "(413) 555-0101")

	// The other patients: a dose given, NKA, allergies not recorded.
	all := squash(strings.Join(ps, " "))
	mustContain(t, "pack", all, "GIVEN 05:25", "Enoxaparin", "NKA (no known allergies)", "ALLERGIES NOT RECORDED", "Allergies: NOT RECORDED - ASK THE PATIENT")
}

func TestHospitalReport(t *testing.T) {
	var buf bytes.Buffer
	if _, err := generator(fakeHospital()).HospitalReport(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	qpdfCheck(t, buf.Bytes(), "")
	ps := pages(t, buf.Bytes(), "")
	checkPages(t, "hospital census", ps)
	if len(ps) != 3 {
		t.Fatalf("%d pages", len(ps))
	}
	mustContain(t, "summary", squash(ps[0]), "Hospital census: all units", "4 West Medical-surgical 3 12", "MICU ICU 0 8", "All units 3 20")
	mustContain(t, "4 West", squash(ps[1]), "Hospital census: 4 West (Medical-surgical)", "GARCÍA, José Luis", "WISNIEWSKI, Lukasz", "BRENNAN, Zoë")
	mustContain(t, "MICU", squash(ps[2]), "Hospital census: MICU (ICU)", "No patients on this unit.")
}

func TestLabelsReport(t *testing.T) {
	b := unitReport(t, generator(fakeHospital()), "unit-4w", lifeboat.ReportLabels)
	ps := pages(t, b, "")
	checkPages(t, "labels", ps)
	if len(ps) != 3 {
		t.Fatalf("%d pages", len(ps))
	}
	for i, want := range []string{"MRN1000001", "MRN1000002", "MRN1000003"} {
		if n := strings.Count(ps[i], want); n < 30 {
			t.Errorf("page %d has %s %d times", i+1, want, n)
		}
	}
	mustContain(t, "labels", squash(ps[0]), "GARCÍA, José Luis", "DOB 16 Jun 1958 67 y M")
	// The barcodes scan (zbarimg, from Debian zbar-tools, when installed).
	if _, err := exec.LookPath("zbarimg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg (zbar-tools) is not installed")
		}
		t.Log("zbarimg not installed: barcodes not scanned")
		return
	}
	needTool(t, "pdftoppm")
	dir := t.TempDir()
	run(t, "pdftoppm", "-r", "200", "-png", "-f", "2", "-l", "2", tempPDF(t, b), dir+"/l")
	out, _ := exec.Command("zbarimg", "-q", "--raw", dir+"/l-2.png").Output()
	if got := strings.Fields(string(out)); len(got) == 0 || got[0] != "MRN1000002" {
		t.Errorf("scanned %q", got)
	}
}

func TestPatientReport(t *testing.T) {
	g := generator(fakeHospital())
	ctx := context.Background()
	var buf bytes.Buffer
	if _, err := g.PatientReport(ctx, &buf, "p-wisniewski", lifeboat.ReportPatients); err != nil {
		t.Fatal(err)
	}
	qpdfCheck(t, buf.Bytes(), "")
	ps := pages(t, buf.Bytes(), "")
	checkPages(t, "patient", ps)
	mustContain(t, "patient", squash(ps[0]), "Face sheet", "WISNIEWSKI, Lukasz", "MRN MRN1000002")
	buf.Reset()
	if _, err := g.PatientReport(ctx, &buf, "p-wisniewski", lifeboat.ReportLabels); err != nil {
		t.Fatal(err)
	}
	if ps := pages(t, buf.Bytes(), ""); len(ps) != 1 {
		t.Errorf("labels: %d pages", len(ps))
	}
	if _, err := g.PatientReport(ctx, &buf, "nobody", lifeboat.ReportPatients); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("unknown patient: %v", err)
	}
	if _, err := g.PatientReport(ctx, &buf, "p-zoe", "census"); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("census of a patient: %v", err)
	}
	if _, err := g.UnitReport(ctx, &buf, "nope", lifeboat.ReportCensus); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("unknown unit: %v", err)
	}
	if _, err := g.UnitReport(ctx, &buf, "unit-4w", "x"); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestPack(t *testing.T) {
	f := fakeHospital()
	p, err := generator(f).Pack(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, file := range p.Files {
		names = append(names, file.Name)
		qpdfCheck(t, file.Data, "")
	}
	want := "hospital-census.pdf 4-west-census.pdf 4-west-patients.pdf 4-west-labels.pdf micu-census.pdf"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files %s, want %s", got, want)
	}
	if !p.Generated.Equal(testNow) || !p.DataAsOf.Equal(testNow.Add(-2*60e9)) || p.Stale || p.Size() == 0 {
		t.Errorf("pack %v %v %v %d", p.Generated, p.DataAsOf, p.Stale, p.Size())
	}
	if n := f.chartsN.Load(); n != 3 {
		t.Errorf("read %d charts for 3 patients", n)
	}
	up, err := generator(f).UnitPack(context.Background(), "unit-4w")
	if err != nil || len(up.Files) != 3 || up.Files[0].Name != "4-west-census.pdf" {
		t.Fatalf("unit pack: %v %v", up, err)
	}
	dir := t.TempDir()
	if err := up.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
}

func TestA4AndPageSize(t *testing.T) {
	needTool(t, "pdfinfo")
	g := generator(fakeHospital())
	g.PageSize = PageA4
	for _, kind := range []lifeboat.ReportKind{lifeboat.ReportCensus, lifeboat.ReportPatients, lifeboat.ReportLabels} {
		b := unitReport(t, g, "unit-4w", kind)
		info := run(t, "pdfinfo", tempPDF(t, b))
		if !strings.Contains(info, "(A4)") {
			t.Errorf("%s: %s", kind, info)
		}
		checkPages(t, string(kind), pages(t, b, ""))
	}
	g.PageSize = "legal"
	if _, err := g.HospitalReport(context.Background(), &bytes.Buffer{}); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Errorf("legal: %v", err)
	}
}

func TestEncrypted(t *testing.T) {
	g := generator(fakeHospital())
	g.Password = "correct horse battery"
	var buf bytes.Buffer
	if _, err := g.UnitReport(context.Background(), &buf, "unit-4w", lifeboat.ReportCensus); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	qpdfCheck(t, b, g.Password)
	enc := run(t, "qpdf", "--show-encryption", "--password="+g.Password, tempPDF(t, b))
	mustContain(t, "encryption", enc, "R = 6", "AESv3", "print low resolution: allowed")
	if err := exec.Command("pdftotext", tempPDF(t, b), "-").Run(); err == nil {
		t.Error("the encrypted PDF opened without its password")
	}
	ps := pages(t, b, g.Password)
	checkPages(t, "encrypted", ps)
	mustContain(t, "encrypted", squash(ps[0]), "GARCÍA, José Luis")
}

func TestStaleData(t *testing.T) {
	f := fakeHospital()
	u := f.units["unit-4w"]
	u.Freshness.Stale = true
	u.Freshness.AsOf = testNow.Add(-3 * 3600e9)
	b := unitReport(t, generator(f), "unit-4w", lifeboat.ReportCensus)
	s := squash(page(t, b, 1))
	mustContain(t, "stale", s, "DATA MAY BE OUT OF DATE: last received Tue 03 Mar 2026 03:00 EST, 3 h 0 min before this report.",
		"Data as of Tue 03 Mar 2026 03:00 EST (OUT OF DATE)")
}

func TestUnreadableChart(t *testing.T) {
	f := fakeHospital()
	delete(f.charts, "p-zoe") // discharged since the census was read
	b := unitReport(t, generator(f), "unit-4w", lifeboat.ReportPatients)
	all := squash(strings.Join(pages(t, b, ""), " "))
	mustContain(t, "pack", all, "BRENNAN, Zoë", "MRN1000003", "This patient's chart could not be read")

	f.fail = errors.New("disk on fire")
	_, err := generator(f).Pack(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "report: read census: ") || !errors.Is(err, f.fail) {
		t.Errorf("got %v", err)
	}
	if _, err := (&Generator{}).HospitalReport(context.Background(), &bytes.Buffer{}); lifeboat.ErrorCode(err) != lifeboat.EINTERNAL {
		t.Errorf("unconfigured: %v", err)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"GARCÍA, José":        "GARCÍA, José",
		"Zoë Müller-Sørensen": "Zoë Müller-Sørensen",
		"WIŚNIEWSKI, Łukasz":  "WISNIEWSKI, Lukasz",
		"NGUYỄN, Đức":         "NGUYEN, Duc",
		"Dvořák Alžběta":      "Dvorák Alžbeta",
		"Œuvre – “quoted” €5": "Œuvre – “quoted” €5",
		"日本":                  "??",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnitFileNames(t *testing.T) {
	got := unitFileNames(
		[]string{"u1", "u2", "u3", "u4", "u5", "u6"},
		[]string{"4 West", "4 west", "../../etc/passwd", "", "Hospital", "Unité de soins intensifs"})
	want := map[string]string{"u1": "4-west", "u2": "4-west-u2", "u3": "etc-passwd", "u4": "u4", "u5": "hospital-u5", "u6": "unite-de-soins-intensifs"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
}

func TestLongNamesAndAllergies(t *testing.T) {
	f := fakeHospital()
	c := f.charts["p-garcia"]
	c.Banner.Name = "GARCÍA-RODRÍGUEZ DE LA SANTÍSIMA TRINIDAD, José Luis María Guadalupe"
	c.Banner.AllergyList = nil
	c.Allergies = nil
	for _, s := range []string{"Penicillin", "Sulfonamide antibiotics", "Latex", "Peanut", "Shellfish", "Iodinated contrast media", "Morphine", "Codeine", "Aspirin", "Ibuprofen"} {
		c.Banner.AllergyList = append(c.Banner.AllergyList, s)
		c.Allergies = append(c.Allergies, lifeboat.Allergy{Substance: s})
	}
	var buf bytes.Buffer
	if _, err := generator(f).PatientReport(context.Background(), &buf, "p-garcia", lifeboat.ReportPatients); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("REPORT_LOOK"); dir != "" {
		os.WriteFile(dir+"/long.pdf", buf.Bytes(), 0o600)
	}
	ps := pages(t, buf.Bytes(), "")
	band := squash(ps[0])
	mustContain(t, "band", band, "GARCÍA-RODRÍGUEZ DE LA SANTÍSIMA TRINIDAD, José Luis María Guadalupe", "Allergies: Penicillin,", "MORE: SEE FACE SHEET")
	for _, s := range c.Banner.AllergyList {
		mustContain(t, "face sheet", band, s)
	}
	buf.Reset()
	if _, err := generator(f).PatientReport(context.Background(), &buf, "p-garcia", lifeboat.ReportLabels); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "labels", squash(pages(t, buf.Bytes(), "")[0]), "GARCÍA-RODRÍGUEZ DE LA")
}

func TestFileName(t *testing.T) {
	for _, c := range []struct {
		unit    string
		kind    lifeboat.ReportKind
		patient bool
		want    string
	}{
		{"", lifeboat.ReportCensus, false, "hospital-census.pdf"},
		{"4 West", lifeboat.ReportLabels, false, "4-west-labels.pdf"},
		{"4 West", lifeboat.ReportPatients, true, "patient-patients.pdf"},
		{"../..", lifeboat.ReportCensus, false, "unit-census.pdf"},
	} {
		if got := FileName(c.unit, c.kind, c.patient); got != c.want {
			t.Errorf("FileName(%q, %s, %v) = %q, want %q", c.unit, c.kind, c.patient, got, c.want)
		}
	}
}
