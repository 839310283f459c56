package http

import (
	"time"

	"github.com/lifeboat-health/lifeboat"
)

var fresh = lifeboat.Freshness{AsOf: t0.Add(-2 * time.Minute), Source: "hl7v2 ADT feed", Age: 2 * time.Minute}

func fixtureCharts() *fakeCharts {
	given := t0.Add(-2 * time.Hour)
	lastPRN := t0.Add(-3 * time.Hour)
	name := patFamily + ", " + patGiven
	chart := &lifeboat.Chart{
		Banner: lifeboat.Banner{
			PatientID: patID, Name: name, MRN: patMRN, BirthDate: patBirth, Age: "76 y", Sex: "male",
			Location: "4 West 12A", Attending: "Dr Who", Admitted: t0.Add(-48 * time.Hour), Reason: "Pneumonia",
			Allergies: lifeboat.AllergiesPresent, AllergyList: []string{"Penicillin"}, CodeStatus: "DNR/DNI",
			Weight: "72.4 kg", WeightDate: t0.Add(-24 * time.Hour),
		},
		Problems:  []lifeboat.Problem{{Name: "Community-acquired pneumonia", Onset: "2024-07-17", Status: "active"}},
		Allergies: []lifeboat.Allergy{{Substance: "Penicillin", Reactions: []string{"Anaphylaxis"}, Severity: "severe", Criticality: "high"}},
		Medications: []lifeboat.Medication{
			{RequestID: "mr1", Name: "Ceftriaxone", Dose: "1 g", Route: "IV", Frequency: "every 24 h", Start: t0.Add(-40 * time.Hour)},
		},
		MAR: lifeboat.MAR{
			From: t0.Add(-12 * time.Hour), To: t0.Add(12 * time.Hour),
			Scheduled: []lifeboat.MARLine{{
				Medication: lifeboat.Medication{Name: "Metoprolol", Dose: "25 mg", Route: "PO", Frequency: "every 12 h"},
				Doses: []lifeboat.Dose{
					{Due: t0.Add(-2 * time.Hour), Status: lifeboat.DoseGiven, GivenAt: &given},
					{Due: t0.Add(-1 * time.Hour), Status: lifeboat.DoseMissed},
					{Due: t0.Add(-30 * time.Minute), Status: lifeboat.DoseNotGiven, Reason: "patient refused"},
					{Due: t0.Add(10 * time.Hour), Status: lifeboat.DoseDue},
				},
			}},
			PRN: []lifeboat.MARLine{{
				Medication: lifeboat.Medication{Name: "Paracetamol", Dose: "1 g", Route: "PO", PRN: true, PRNReason: "pain"},
				LastGiven:  &lastPRN, Given: []time.Time{lastPRN},
			}},
			Continuous: []lifeboat.MARLine{{
				Medication: lifeboat.Medication{Name: "Heparin infusion", Continuous: true, Rate: "18 units/kg/h"},
			}},
		},
		Vitals: []lifeboat.ResultSeries{{Name: "Heart rate", Unit: "/min", Range: "60-100",
			Latest: lifeboat.ResultValue{Time: t0.Add(-time.Hour), Value: "112", Flag: "H"},
			Trend:  []lifeboat.ResultValue{{Time: t0.Add(-5 * time.Hour), Value: "98"}}}},
		Labs: []lifeboat.ResultSeries{
			{Name: "Potassium", Unit: "mmol/L", Range: "3.5-5.1",
				Latest: lifeboat.ResultValue{Time: t0.Add(-30 * time.Minute), Value: "6.9", Flag: "HH", Critical: true},
				Trend:  []lifeboat.ResultValue{{Time: t0.Add(-6 * time.Hour), Value: "5.4", Flag: "H"}}},
			{Name: "Sodium", Unit: "mmol/L", Range: "135-145",
				Latest: lifeboat.ResultValue{Time: t0.Add(-30 * time.Minute), Value: "139"}},
		},
		Encounters: []lifeboat.EncounterSummary{{ID: "enc1", Class: "inpatient", Start: t0.Add(-48 * time.Hour), Status: "in-progress", Location: "4 West"}},
		Notes:      []lifeboat.Note{{Time: t0.Add(-4 * time.Hour), Type: "Progress note", Author: "Dr Who", Text: "Stable.\n<script>alert(1)</script>"}},
		Freshness:  fresh,
	}
	nka := &lifeboat.Chart{Banner: lifeboat.Banner{PatientID: "pat-nka", Name: "NKA, Patient", Allergies: lifeboat.AllergiesNoneKnown}, Freshness: fresh}
	unrec := &lifeboat.Chart{Banner: lifeboat.Banner{PatientID: "pat-unrec", Name: "UNREC, Patient"}, Freshness: fresh}
	stale := &lifeboat.Chart{Banner: lifeboat.Banner{PatientID: "pat-stale", Name: "STALE, Patient"},
		Freshness: lifeboat.Freshness{AsOf: t0.Add(-3 * time.Hour), Source: "bulk export", Stale: true, Age: 3 * time.Hour}}
	unit := lifeboat.UnitSummary{ID: unitID, Name: "4 West", Kind: "Medical-surgical", Occupied: 3, Beds: 20}
	return &fakeCharts{
		census: &lifeboat.Census{Units: []lifeboat.UnitSummary{unit}, Freshness: fresh},
		units: map[string]*lifeboat.UnitCensus{unitID: {Unit: unit, Freshness: fresh, Rows: []lifeboat.CensusRow{
			{Bed: "12A", PatientID: patID, Name: name, MRN: patMRN, Age: "76 y", Sex: "M", Attending: "Dr Who",
				Admitted: t0.Add(-48 * time.Hour), Allergies: lifeboat.AllergiesPresent, CodeStatus: "DNR/DNI", DueNextHour: 2},
			{Bed: "12B", PatientID: "pat-nka", Name: "NKA, Patient", Allergies: lifeboat.AllergiesNoneKnown},
			{Bed: "14", PatientID: "pat-unrec", Name: "UNREC, Patient", Allergies: lifeboat.AllergiesNotRecorded},
		}}},
		charts: map[string]*lifeboat.Chart{patID: chart, "pat-nka": nka, "pat-unrec": unrec, "pat-stale": stale},
		search: []lifeboat.PatientMatch{{PatientID: patID, Name: name, MRN: patMRN, BirthDate: patBirth, Sex: "male", Location: "4 West 12A"}},
	}
}

func fixtureResources() *fakeResources {
	pat := `{"resourceType":"Patient","id":"` + patID + `","name":[{"family":"` + patFamily + `","given":["` + patGiven +
		`"]}],"birthDate":"` + patBirth + `","identifier":[{"value":"` + patMRN + `"}]}`
	obs := `{"resourceType":"Observation","id":"obs1","status":"final","subject":{"reference":"Patient/` + patID + `"}}`
	return &fakeResources{m: map[string]*lifeboat.Resource{
		"Patient/" + patID: {Type: "Patient", ID: patID, Version: 3, LastUpdated: t0, JSON: []byte(pat),
			Index: lifeboat.Index{Identifiers: []lifeboat.Identifier{{System: "urn:mrn", Value: patMRN}}}},
		"Observation/obs1": {Type: "Observation", ID: "obs1", Version: 1, JSON: []byte(obs), Index: lifeboat.Index{Patient: patID}},
		"Observation/gone": {Type: "Observation", ID: "gone", Deleted: true, Index: lifeboat.Index{Patient: patID}},
	}}
}
