package chart

import (
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// BuildChart builds the chart summary of one patient at now, from the
// patient's resources: their Patient, Encounters, Conditions,
// AllergyIntolerances, MedicationRequests, MedicationAdministrations,
// Observations, DocumentReferences, Flags, DiagnosticReports and
// ServiceRequests. Locations, Practitioners and
// Medications are looked up in dir (which may be nil) and among rs, rs
// taking precedence. Local times (ages, MAR due times, dates without a
// zone) are in now's location. Freshness is left for the caller to fill.
//
// The chart shows: the banner (the current encounter's unit and bed,
// attending, admission date and reason; allergy status; code status; latest
// weight), active problems, allergies, active medication orders, the MAR
// for MARWindow(now), the latest vital signs and labs with their trends, the
// ten most recent encounters and the twenty most recent notes, newest first;
// the emergency contacts, the isolation precautions in force (active Flags)
// and the results not yet final (DiagnosticReports and ServiceRequests).
func BuildChart(now time.Time, dir *Directory, rs []*lifeboat.Resource) *lifeboat.Chart {
	c, _ := buildChart(now, dir, rs)
	return c
}

// buildChart is BuildChart, also returning the references ("Type/id") to
// Locations, Practitioners and Medications it could not resolve.
func buildChart(now time.Time, dir *Directory, rs []*lifeboat.Resource) (*lifeboat.Chart, []string) {
	rv := newResolver(dir, rs)
	loc := now.Location()
	c := &lifeboat.Chart{}

	for _, r := range rs {
		if r.Type != "Patient" {
			continue
		}
		if p, ok := decodePatient(r); ok {
			c.Banner.PatientID = p.ID
			c.Banner.Name = p.Name
			c.Banner.MRN = p.MRN
			c.Banner.BirthDate = p.BirthDate
			c.Banner.Age = p.age(now)
			c.Banner.Sex = p.Sex
			c.Contacts = contacts(r)
			break
		}
	}

	encs := decodeEncounters(loc, rs)
	if e := current(encs); e != nil {
		b := &c.Banner
		if e.HasActive {
			b.Location = rv.place(e.Location).label()
		}
		b.Attending = rv.name(e.Attending)
		b.Admitted = e.Start
		b.Reason = e.Reason
	}
	c.Encounters = encounterSummaries(rv, encs)

	c.Banner.Allergies, c.Allergies = allergies(rs)
	c.Banner.AllergyList = substances(c.Allergies)
	c.Problems = problems(rs)

	obs := readObservations(loc, rs, false)
	c.Vitals, c.Labs = obs.Vitals, obs.Labs
	c.Banner.CodeStatus = obs.CodeStatus
	c.Banner.Weight, c.Banner.WeightDate = obs.Weight, obs.WeightTime

	orders := decodeOrders(rv, loc, rs)
	c.Medications = medications(orders)
	from, to := MARWindow(now)
	c.MAR = buildMAR(now, from, to, orders, decodeAdmins(loc, rs))

	c.Notes = notes(rv, loc, rs)
	c.Banner.Isolation = isolation(now, rs)
	c.Pending = pending(loc, rs)
	return c, rv.missingKeys()
}
