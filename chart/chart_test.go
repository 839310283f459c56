package chart

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// smithNow is the fixed time of the chart tests.
func smithNow(t testing.TB) time.Time { return at(t, "2025-06-15 10:00") }

func smithChart(t *testing.T) *lifeboat.Chart {
	t.Helper()
	rs := load(t, "smith.json")
	rs = append(rs, medOrder(t, "mr-vanc", "Vancomycin", q8h))
	return BuildChart(smithNow(t), hospital(t), shuffled(rs))
}

func TestChartBanner(t *testing.T) {
	c := smithChart(t)
	b := c.Banner
	want := lifeboat.Banner{
		PatientID:   "pat-smith",
		Name:        "SMITH, Jane Q",
		MRN:         "MRN001234",
		BirthDate:   "1958-06-16",
		Age:         "66 y", // 67 tomorrow
		Sex:         "F",
		Location:    "4 West / 4W-2A", // bed -> room -> unit
		Attending:   "Dr. Gregory House",
		Admitted:    at(t, "2025-06-12 14:30"),
		Reason:      "Community-acquired pneumonia",
		Allergies:   lifeboat.AllergiesPresent,
		AllergyList: []string{"Penicillin", "Sulfonamide antibiotics"},
		CodeStatus:  "DNR/DNI", // the latest final one; a later entered-in-error one is ignored
		Weight:      "71.9 kg",
		WeightDate:  at(t, "2025-06-14 06:00"),
	}
	if !b.Admitted.Equal(want.Admitted) || !b.WeightDate.Equal(want.WeightDate) {
		t.Errorf("times: admitted %s weight %s", b.Admitted, b.WeightDate)
	}
	b.Admitted, b.WeightDate = want.Admitted, want.WeightDate
	if !reflect.DeepEqual(b, want) {
		t.Errorf("banner:\ngot  %+v\nwant %+v", b, want)
	}
}

func TestChartAllergiesAndProblems(t *testing.T) {
	c := smithChart(t)
	want := []lifeboat.Allergy{
		{Substance: "Penicillin", Reactions: []string{"Hives", "Anaphylaxis"}, Severity: "severe",
			Criticality: "high", Category: "medication", Status: "active"},
		{Substance: "Sulfonamide antibiotics", Reactions: []string{"Rash"}, Severity: "moderate",
			Criticality: "low", Category: "medication", Status: "active"},
	}
	if !reflect.DeepEqual(c.Allergies, want) {
		t.Errorf("allergies:\ngot  %+v\nwant %+v", c.Allergies, want)
	}
	wantP := []lifeboat.Problem{
		{Name: "Community-acquired pneumonia", Onset: "2025-06-12", Status: "active", Category: "Encounter diagnosis"},
		{Name: "Essential hypertension", Onset: "2010-04-01", Status: "active", Category: "Problem list"},
	}
	if !reflect.DeepEqual(c.Problems, wantP) {
		t.Errorf("problems:\ngot  %+v\nwant %+v", c.Problems, wantP)
	}
}

func TestAllergyStatus(t *testing.T) {
	nka := func(code, status string) *lifeboat.Resource {
		return resf(t, `{"resourceType":"AllergyIntolerance","id":"a-%s","patient":{"reference":"Patient/p"},
			"clinicalStatus":{"coding":[{"code":"active"}]},"verificationStatus":{"coding":[{"code":%q}]},
			"code":{"coding":[{"system":"http://snomed.info/sct","code":%q,"display":"No known allergy"}]}}`, code, status, code)
	}
	latex := res(t, `{"resourceType":"AllergyIntolerance","id":"a-latex","patient":{"reference":"Patient/p"},
		"verificationStatus":{"coding":[{"code":"entered-in-error"}]},"code":{"text":"Latex"}}`)
	peanut := res(t, `{"resourceType":"AllergyIntolerance","id":"a-peanut","patient":{"reference":"Patient/p"},
		"code":{"text":"Peanut"},"category":["food"]}`)
	for _, c := range []struct {
		name string
		rs   []*lifeboat.Resource
		want lifeboat.AllergyStatus
		list []string
	}{
		{"nothing", nil, lifeboat.AllergiesNotRecorded, nil},
		{"only entered in error", []*lifeboat.Resource{latex}, lifeboat.AllergiesNotRecorded, nil},
		{"NKA", []*lifeboat.Resource{nka("716186003", "confirmed")}, lifeboat.AllergiesNoneKnown, nil},
		{"NKDA", []*lifeboat.Resource{nka("409137002", "confirmed"), latex}, lifeboat.AllergiesNoneKnown, nil},
		{"refuted NKA", []*lifeboat.Resource{nka("716186003", "refuted")}, lifeboat.AllergiesNotRecorded, nil},
		{"allergy beats NKA", []*lifeboat.Resource{nka("716186003", "confirmed"), peanut}, lifeboat.AllergiesPresent, []string{"Peanut"}},
	} {
		b := BuildChart(smithNow(t), nil, c.rs).Banner
		if b.Allergies != c.want || !reflect.DeepEqual(b.AllergyList, c.list) {
			t.Errorf("%s: %v %v, want %v %v", c.name, b.Allergies, b.AllergyList, c.want, c.list)
		}
	}
}

func TestChartLabs(t *testing.T) {
	c := smithChart(t)
	if len(c.Labs) != 2 {
		t.Fatalf("labs = %+v", c.Labs)
	}
	k := c.Labs[0]
	if k.Name == "Lactate [Moles/volume] in Serum or Plasma" {
		k = c.Labs[1]
	}
	if k.Name != "Potassium" || k.Code != "2823-3" || k.Unit != "mmol/L" || k.Range != "3.5-5.1" {
		t.Errorf("potassium series = %+v", k)
	}
	if k.Latest.Value != "6.8" || k.Latest.Flag != "HH" || !k.Latest.Critical || !k.Latest.Time.Equal(at(t, "2025-06-15 06:10")) {
		t.Errorf("latest potassium = %+v", k.Latest)
	}
	if len(k.Trend) != 2 || k.Trend[0].Value != "5.6" || k.Trend[0].Flag != "H" || k.Trend[0].Critical ||
		k.Trend[1].Value != "4.0" && k.Trend[1].Value != "4" || k.Trend[1].Flag != "" {
		t.Errorf("potassium trend = %+v", k.Trend)
	}
	var lact lifeboat.ResultSeries
	for _, l := range c.Labs {
		if l.Code == "2524-7" {
			lact = l
		}
	}
	// No interpretation: flagged from the reference range.
	if lact.Latest.Value != "2.5" || lact.Latest.Flag != "H" || lact.Latest.Critical || lact.Range != "0.5-2.0" && lact.Range != "0.5-2" {
		t.Errorf("lactate = %+v", lact)
	}
}

// heartRates returns heart rates every 4 h for 72 h before now, the newest
// at now-1h, with values 60, 61, ... from the oldest.
func heartRates(t testing.TB, now time.Time) []*lifeboat.Resource {
	var rs []*lifeboat.Resource
	for i := 0; i < 18; i++ {
		tm := now.Add(-time.Hour - time.Duration(17-i)*4*time.Hour)
		rs = append(rs, vital(t, fmt.Sprintf("hr-%d", i), "8867-4", "Heart rate", tm, float64(60+i), "/min"))
	}
	return rs
}

func TestChartVitalsTrend(t *testing.T) {
	now := smithNow(t)
	for _, indexed := range []bool{true, false} {
		rs := append(load(t, "smith.json"), heartRates(t, now)...)
		if !indexed {
			// Without Index.Code every observation is decoded: same result.
			for _, r := range rs {
				r.Index.Code = ""
			}
		}
		c := BuildChart(now, hospital(t), shuffled(rs))
		var names []string
		for _, v := range c.Vitals {
			names = append(names, v.Name)
		}
		if got := strings.Join(names, ", "); got != "Blood pressure, Heart rate, Weight" {
			t.Fatalf("indexed=%v: vitals %s", indexed, got)
		}
		bp, hr := c.Vitals[0], c.Vitals[1]
		if bp.Latest.Value != "142/88" || bp.Unit != "mmHg" || bp.Latest.Flag != "H" {
			t.Errorf("blood pressure = %+v", bp)
		}
		if hr.Latest.Value != "77" || !hr.Latest.Time.Equal(now.Add(-time.Hour)) || hr.Unit != "/min" {
			t.Errorf("heart rate latest = %+v", hr.Latest)
		}
		var trend []string
		for _, v := range hr.Trend {
			trend = append(trend, v.Value+"@"+v.Time.In(ny).Format("15:04"))
		}
		if got := strings.Join(trend, " "); got != "76@05:00 75@01:00 74@21:00 73@17:00 72@13:00" {
			t.Errorf("indexed=%v: trend %s", indexed, got)
		}
	}
}

func TestChartEncountersAndNotes(t *testing.T) {
	c := smithChart(t)
	var encs []string
	for _, e := range c.Encounters {
		encs = append(encs, strings.Join([]string{e.ID, e.Class, e.Type, e.Status, e.Location, e.Reason}, "|"))
	}
	equalLists(t, "encounters", encs, []string{
		"enc-smith-now|inpatient|Inpatient admission|in-progress|4 West / 4W-2A|Community-acquired pneumonia",
		"enc-smith-ed|emergency|Emergency room admission|finished|Emergency Department|Dyspnea",
		"enc-smith-clinic|ambulatory|Office visit|finished||",
	})
	if len(c.Notes) != 2 {
		t.Fatalf("notes = %+v", c.Notes)
	}
	n0, n1 := c.Notes[0], c.Notes[1]
	if n0.Type != "Progress note" || n0.Author != "Dr. Gregory House" || n0.Text != "Day 2. Afebrile overnight.\nContinue ceftriaxone." {
		t.Errorf("newest note = %+v", n0)
	}
	if n1.Type != "History and physical" || n1.Author != "Dr. Lisa Cuddy" || !strings.Contains(n1.Text, "Café au lait") {
		t.Errorf("older note = %+v", n1)
	}
}

func TestChartMedications(t *testing.T) {
	c := smithChart(t)
	if len(c.Medications) != 1 || len(c.MAR.Scheduled) != 1 {
		t.Fatalf("medications = %+v", c.Medications)
	}
	m := c.Medications[0]
	if m.RequestID != "mr-vanc" || m.Prescriber != "Dr. Gregory House" || !m.Start.Equal(at(t, "2025-06-14 22:00")) {
		t.Errorf("medication = %+v", m)
	}
}

func TestChartMissingReferences(t *testing.T) {
	rs := load(t, "smith.json")
	_, missing := buildChart(smithNow(t), nil, rs)
	want := []string{"Location/bed-4w-2a", "Practitioner/pract-cuddy", "Practitioner/pract-house"}
	if !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %v, want %v", missing, want)
	}
	c, missing := buildChart(smithNow(t), hospital(t), rs)
	if len(missing) != 0 || c.Banner.Location != "4 West / 4W-2A" {
		t.Errorf("with directory: missing %v, location %q", missing, c.Banner.Location)
	}
}

func TestAge(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	for _, c := range []struct{ birth, want string }{
		{"1958-06-15", "67 y"},
		{"1958-06-16", "66 y"},
		{"2023-06-15", "2 y"},
		{"2023-06-16", "23 mo"},
		{"2025-02-14", "4 mo"},
		{"2025-05-15", "1 mo"},
		{"2025-05-16", "30 d"},
		{"2025-06-15", "0 d"},
		{"2025-06-16", ""},
		{"1970", "55 y"},
		{"", ""},
		{"garbage", ""},
	} {
		if got := Age(c.birth, now); got != c.want {
			t.Errorf("Age(%q) = %q, want %q", c.birth, got, c.want)
		}
	}
}

func TestSplitRef(t *testing.T) {
	for _, c := range []struct{ ref, typ, id string }{
		{"Patient/123", "Patient", "123"},
		{"http://ehr.example/fhir/Location/b1/_history/3", "Location", "b1"},
		{"urn:uuid:0a1b", "", "0a1b"},
		{"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999", "", ""},
		{"#contained", "", ""},
		{"", "", ""},
	} {
		if typ, id := splitRef(c.ref); typ != c.typ || id != c.id {
			t.Errorf("splitRef(%q) = %q, %q", c.ref, typ, id)
		}
	}
}
