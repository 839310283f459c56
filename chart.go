package lifeboat

import (
	"context"
	"time"
)

// AllergyStatus distinguishes "no known allergies" from "not recorded".
type AllergyStatus int

// Allergy statuses.
const (
	AllergiesNotRecorded AllergyStatus = iota // nothing recorded: ask the patient
	AllergiesNoneKnown                        // an explicit "no known allergies"
	AllergiesPresent                          // one or more allergies recorded
)

// String returns a label for the status.
func (s AllergyStatus) String() string {
	return [...]string{"Not recorded", "NKA", "Allergies"}[s]
}

// Census is the hospital overview: every unit with its bed occupancy.
type Census struct {
	Units     []UnitSummary
	Freshness Freshness
}

// UnitSummary is one unit on the census.
type UnitSummary struct {
	ID       string // Location id of the unit
	Name     string
	Kind     string // e.g. "ICU", "Medical-surgical"
	Occupied int
	Beds     int
}

// UnitCensus lists a unit's patients by bed.
type UnitCensus struct {
	Unit      UnitSummary
	Rows      []CensusRow
	Freshness Freshness
}

// CensusRow is one patient on a unit census.
type CensusRow struct {
	Bed         string
	PatientID   string
	Name        string // "Family, Given"
	MRN         string
	Age         string // e.g. "67 y", "4 mo"
	Sex         string
	Attending   string
	Admitted    time.Time
	Allergies   AllergyStatus
	CodeStatus  string // e.g. "Full code", "DNR/DNI", "" if not recorded
	DueNextHour int    // scheduled doses due in the next hour not yet given
	BirthDate   string // YYYY-MM-DD (or YYYY-MM, YYYY) as recorded
	AllergyList []string
	// Isolation names the isolation precautions in force, e.g. "Contact
	// precautions" ("" when none are recorded; several are joined by "; ").
	Isolation string
}

// PatientMatch is one search result.
type PatientMatch struct {
	PatientID string
	Name      string
	MRN       string
	BirthDate string
	Sex       string
	Location  string // unit and bed, if admitted
}

// Chart is the chart summary of one patient.
type Chart struct {
	Banner      Banner
	Problems    []Problem
	Allergies   []Allergy
	Medications []Medication
	MAR         MAR
	Vitals      []ResultSeries
	Labs        []ResultSeries
	Encounters  []EncounterSummary
	Notes       []Note
	Freshness   Freshness
	Contacts    []Contact       // emergency contacts and next of kin
	Pending     []PendingResult // results ordered or collected and not yet final
}

// Banner is the patient identification strip at the top of every chart page.
type Banner struct {
	PatientID   string
	Name        string
	MRN         string
	BirthDate   string
	Age         string
	Sex         string
	Location    string // unit and bed
	Attending   string
	Admitted    time.Time
	Reason      string // admission reason
	Allergies   AllergyStatus
	AllergyList []string // substance names, for the banner
	CodeStatus  string
	Weight      string // latest weight with unit, e.g. "72.4 kg"
	WeightDate  time.Time
	Isolation   string // isolation precautions in force, as CensusRow.Isolation
}

// Contact is one of a patient's contacts (Patient.contact).
type Contact struct {
	Name         string // "Given Family"
	Relationship string // e.g. "Emergency contact, Spouse"
	Phone        string // phone numbers, "; "-separated
}

// PendingResult is a result ordered, collected or partly reported and not
// yet final: a DiagnosticReport registered, partial or preliminary, or an
// active ServiceRequest no report answers yet.
type PendingResult struct {
	Name     string    // the test or panel, e.g. "Basic metabolic panel"
	Category string    // e.g. "Laboratory", "Imaging"
	Status   string    // "Ordered", "In progress", "Partial", "Preliminary"
	Time     time.Time // when collected (effective), else ordered
}

// Problem is an active condition.
type Problem struct {
	Name     string
	Onset    string
	Status   string
	Category string
}

// Allergy is one allergy or intolerance.
type Allergy struct {
	Substance   string
	Reactions   []string
	Severity    string // mild / moderate / severe
	Criticality string // low / high / unable-to-assess
	Category    string
	Status      string
}

// Medication is an active medication order.
type Medication struct {
	RequestID  string
	Name       string
	Dose       string // e.g. "500 mg"
	Route      string
	Frequency  string // e.g. "every 8 h", "at 08:00, 20:00"
	PRN        bool
	PRNReason  string
	Continuous bool
	Rate       string // for infusions, e.g. "5 mL/h"
	Start      time.Time
	Prescriber string
}

// MAR is the medication administration record for a 24-hour window.
type MAR struct {
	From, To   time.Time
	Scheduled  []MARLine
	PRN        []MARLine
	Continuous []MARLine
}

// MARLine is one medication on the MAR with its doses.
type MARLine struct {
	Medication Medication
	Doses      []Dose      // scheduled doses in the window (scheduled lines)
	LastGiven  *time.Time  // last administration (PRN and continuous lines)
	Given      []time.Time // administrations in the window (PRN lines)
}

// DoseStatus is the state of one scheduled dose.
type DoseStatus int

// Dose statuses.
const (
	DoseDue      DoseStatus = iota // in the future
	DoseGiven                      // an administration matches it
	DoseNotGiven                   // recorded as not given (held, refused)
	DoseMissed                     // past due with no administration recorded
)

// String returns a label for the status.
func (s DoseStatus) String() string {
	return [...]string{"Due", "Given", "Not given", "Missed"}[s]
}

// Dose is one scheduled dose.
type Dose struct {
	Due     time.Time
	Status  DoseStatus
	GivenAt *time.Time
	Reason  string // why not given, if recorded
}

// ResultSeries is one vital sign or lab test with its latest value and trend.
type ResultSeries struct {
	Name   string
	Code   string
	Unit   string
	Range  string // reference range as text, e.g. "3.5-5.1"
	Latest ResultValue
	Trend  []ResultValue // previous values, newest first (a few)
}

// ResultValue is one observation value.
type ResultValue struct {
	Time     time.Time
	Value    string
	Flag     string // "", "H", "L", "HH", "LL", "A" (abnormal)
	Critical bool
}

// EncounterSummary is one recent encounter.
type EncounterSummary struct {
	ID       string
	Class    string // inpatient, emergency, ambulatory, ...
	Type     string
	Start    time.Time
	End      time.Time
	Status   string
	Location string
	Reason   string
}

// Note is a clinical note.
type Note struct {
	Time   time.Time
	Type   string
	Author string
	Text   string
}

// ChartService builds the clinician views from the store.
type ChartService interface {
	Census(ctx context.Context) (*Census, error)
	Unit(ctx context.Context, id string) (*UnitCensus, error)
	Chart(ctx context.Context, patientID string) (*Chart, error)
	Search(ctx context.Context, q string) ([]PatientMatch, error)
}
