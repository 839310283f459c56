package report

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// ny is the hospital's zone in these tests.
var ny = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// testNow is the time the tests print at: 06:00 in New York.
var testNow = time.Date(2026, 3, 3, 6, 0, 0, 0, ny)

// fakeCharts is a ChartService and MARService over hand-made views.
type fakeCharts struct {
	census  lifeboat.Census
	units   map[string]*lifeboat.UnitCensus
	charts  map[string]*lifeboat.Chart
	mars    map[string]*lifeboat.MAR
	fail    error // returned by every call when set
	chartsN atomic.Int64
}

func (f *fakeCharts) Census(context.Context) (*lifeboat.Census, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	c := f.census
	return &c, nil
}

func (f *fakeCharts) Unit(_ context.Context, id string) (*lifeboat.UnitCensus, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	u, ok := f.units[id]
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Unit not found.")
	}
	return u, nil
}

func (f *fakeCharts) Chart(_ context.Context, id string) (*lifeboat.Chart, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.chartsN.Add(1)
	c, ok := f.charts[id]
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	}
	return c, nil
}

func (f *fakeCharts) Search(context.Context, string) ([]lifeboat.PatientMatch, error) {
	return nil, nil
}

func (f *fakeCharts) MAR(_ context.Context, id string, from, to time.Time) (*lifeboat.MAR, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	m, ok := f.mars[id]
	if !ok {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Patient not found.")
	}
	out := *m
	out.From, out.To = from, to
	return &out, nil
}

// at returns testNow moved by d.
func at(d time.Duration) time.Time { return testNow.Add(d) }

func ptr(t time.Time) *time.Time { return &t }

// fakeHospital is two units: 4 West with three patients (one with an
// accented name, one with a name outside cp1252, one whose allergies are
// not recorded) and an empty ICU.
func fakeHospital() *fakeCharts {
	fresh := lifeboat.Freshness{AsOf: at(-2 * time.Minute), Source: "ADT feed", Age: 2 * time.Minute}
	w4 := lifeboat.UnitSummary{ID: "unit-4w", Name: "4 West", Kind: "Medical-surgical", Occupied: 3, Beds: 12}
	icu := lifeboat.UnitSummary{ID: "unit-icu", Name: "MICU", Kind: "ICU", Occupied: 0, Beds: 8}
	admitted := at(-50 * time.Hour)
	rows := []lifeboat.CensusRow{
		{Bed: "4W-2A", PatientID: "p-garcia", Name: "GARCÍA, José Luis", MRN: "MRN1000001", Age: "67 y", Sex: "M",
			Attending: "Dr. Amélie Fontaine", Admitted: admitted, Allergies: lifeboat.AllergiesPresent,
			AllergyList: []string{"Penicillin"}, CodeStatus: "DNR/DNI", BirthDate: "1958-06-16", Isolation: "Contact precautions"},
		{Bed: "4W-3", PatientID: "p-wisniewski", Name: "WIŚNIEWSKI, Łukasz", MRN: "MRN1000002", Age: "45 y", Sex: "M",
			Attending: "Dr. Greta Jäger", Admitted: admitted, Allergies: lifeboat.AllergiesNoneKnown, CodeStatus: "Full code", BirthDate: "1980-11-02"},
		{Bed: "4W-10", PatientID: "p-zoe", Name: "BRENNAN, Zoë", MRN: "MRN1000003", Age: "8 y", Sex: "F",
			Attending: "Dr. Amélie Fontaine", Admitted: admitted, Allergies: lifeboat.AllergiesNotRecorded, BirthDate: "2017-05-30"},
	}
	f := &fakeCharts{
		census: lifeboat.Census{Units: []lifeboat.UnitSummary{w4, icu}, Freshness: fresh},
		units: map[string]*lifeboat.UnitCensus{
			"unit-4w":  {Unit: w4, Rows: rows, Freshness: fresh},
			"unit-icu": {Unit: icu, Freshness: fresh},
		},
		charts: map[string]*lifeboat.Chart{},
		mars:   map[string]*lifeboat.MAR{},
	}
	for _, r := range rows {
		b := bannerOf(r)
		b.Location = "4 West / " + r.Bed
		b.Reason = "Community-acquired pneumonia"
		b.Weight, b.WeightDate = "72.4 kg", at(-20*time.Hour)
		f.charts[r.PatientID] = &lifeboat.Chart{Banner: b, Freshness: fresh}
		f.mars[r.PatientID] = &lifeboat.MAR{}
	}
	g := f.charts["p-garcia"]
	g.Allergies = []lifeboat.Allergy{{Substance: "Penicillin", Reactions: []string{"Hives", "Anaphylaxis"}, Severity: "severe", Criticality: "high", Category: "medication"}}
	g.Problems = []lifeboat.Problem{{Name: "Community-acquired pneumonia", Onset: "2026-03-01", Category: "Encounter diagnosis"}, {Name: "Essential hypertension", Onset: "2010-04-01", Category: "Problem list"}}
	g.Medications = []lifeboat.Medication{
		{Name: "Ceftriaxone", Dose: "1 g", Route: "IV", Frequency: "every 24 h"},
		{Name: "Metoprolol tartrate", Dose: "25 mg", Route: "PO", Frequency: "at 08:00, 20:00"},
		{Name: "Acetaminophen", Dose: "650 mg", Route: "PO", Frequency: "every 6 h", PRN: true, PRNReason: "Fever or pain"},
		{Name: "Sodium chloride 0.9%", Route: "IV", Continuous: true, Rate: "75 mL/h"},
	}
	g.Vitals = []lifeboat.ResultSeries{
		{Name: "Blood pressure", Unit: "mmHg", Latest: lifeboat.ResultValue{Time: at(-time.Hour), Value: "142/88", Flag: "H"},
			Trend: []lifeboat.ResultValue{{Time: at(-5 * time.Hour), Value: "128/80"}}},
		{Name: "Heart rate", Unit: "/min", Latest: lifeboat.ResultValue{Time: at(-time.Hour), Value: "96"}},
	}
	g.Labs = []lifeboat.ResultSeries{
		{Name: "Potassium", Unit: "mmol/L", Range: "3.5-5.1", Latest: lifeboat.ResultValue{Time: at(-2 * time.Hour), Value: "6.8", Flag: "HH", Critical: true},
			Trend: []lifeboat.ResultValue{{Time: at(-26 * time.Hour), Value: "5.6", Flag: "H"}}},
		{Name: "Sodium", Unit: "mmol/L", Range: "136-145", Latest: lifeboat.ResultValue{Time: at(-2 * time.Hour), Value: "139"}},
	}
	g.Pending = []lifeboat.PendingResult{{Name: "Blood culture", Category: "Laboratory", Status: "Preliminary", Time: at(-30 * time.Hour)}}
	g.Contacts = []lifeboat.Contact{{Name: "María García", Relationship: "Emergency contact, Spouse", Phone: "(413) 555-0101 (mobile)"}}
	f.mars["p-garcia"] = &lifeboat.MAR{
		Scheduled: []lifeboat.MARLine{
			{Medication: g.Medications[0], Doses: []lifeboat.Dose{{Due: at(4 * time.Hour)}}},
			{Medication: g.Medications[1], Doses: []lifeboat.Dose{
				{Due: at(-40 * time.Minute), Status: lifeboat.DoseDue},
				{Due: at(2 * time.Hour)}, {Due: at(14 * time.Hour)},
			}},
		},
		PRN:        []lifeboat.MARLine{{Medication: g.Medications[2], LastGiven: ptr(at(-7 * time.Hour))}},
		Continuous: []lifeboat.MARLine{{Medication: g.Medications[3], LastGiven: ptr(at(-3 * time.Hour))}},
	}
	w := f.charts["p-wisniewski"]
	w.Medications = []lifeboat.Medication{{Name: "Enoxaparin", Dose: "40 mg", Route: "SC", Frequency: "every 24 h"}}
	f.mars["p-wisniewski"] = &lifeboat.MAR{Scheduled: []lifeboat.MARLine{{Medication: w.Medications[0], Doses: []lifeboat.Dose{
		{Due: at(-30 * time.Minute), Status: lifeboat.DoseGiven, GivenAt: ptr(at(-35 * time.Minute))},
		{Due: at(23*time.Hour + 30*time.Minute)},
	}}}}
	return f
}

// generator returns a Generator over f at testNow.
func generator(f *fakeCharts) *Generator {
	return &Generator{Charts: f, MAR: f, Now: func() time.Time { return testNow }, Location: ny, Hospital: "Aldermoor General Hospital"}
}
