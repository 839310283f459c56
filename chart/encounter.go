package chart

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// censusClasses are the encounter classes that put a patient on the census.
var censusClasses = map[string]bool{"IMP": true, "ACUTE": true, "EMER": true, "OBSENC": true}

// classLabels names encounter classes (v3 ActCode).
var classLabels = map[string]string{
	"IMP": "inpatient", "ACUTE": "inpatient acute", "NONAC": "inpatient non-acute",
	"EMER": "emergency", "OBSENC": "observation", "AMB": "ambulatory", "HH": "home health",
	"VR": "virtual", "SS": "short stay", "PRENC": "pre-admission", "FLD": "field",
}

// encounter is a decoded Encounter.
type encounter struct {
	ID        string
	PatientID string
	Status    string
	Class     string // class code
	ClassText string
	Type      string
	Start     time.Time
	End       time.Time
	Reason    string
	Attending reference
	Location  reference // the last active (or status-less) location entry
	HasActive bool      // Location is set
	LastLoc   reference // the last location entry of any status
	updated   time.Time
}

func decodeEncounter(r *lifeboat.Resource, loc *time.Location) (*encounter, bool) {
	var v struct {
		Status      string          `json:"status"`
		Subject     reference       `json:"subject"`
		Class       json.RawMessage `json:"class"`
		Type        []concept       `json:"type"`
		Period      period          `json:"period"`
		ReasonCode  []concept       `json:"reasonCode"`
		ReasonRef   []reference     `json:"reasonReference"`
		Participant []struct {
			Type       []concept `json:"type"`
			Individual reference `json:"individual"`
		} `json:"participant"`
		Location []struct {
			Location reference `json:"location"`
			Status   string    `json:"status"`
		} `json:"location"`
	}
	if r.Type != "Encounter" || !decode(r, &v) {
		return nil, false
	}
	e := &encounter{
		ID:        r.ID,
		PatientID: r.Index.Patient,
		Status:    v.Status,
		Start:     parseTime(v.Period.Start, loc),
		End:       parseTime(v.Period.End, loc),
		updated:   r.LastUpdated,
	}
	if e.PatientID == "" {
		e.PatientID = v.Subject.id("Patient")
	}
	// R4 class is a Coding; accept a CodeableConcept array (R5) too.
	var c coding
	if json.Unmarshal(v.Class, &c) != nil {
		var cs []concept
		if json.Unmarshal(v.Class, &cs) == nil && len(cs) > 0 && len(cs[0].Coding) > 0 {
			c = cs[0].Coding[0]
		}
	}
	e.Class = c.Code
	e.ClassText = classLabels[c.Code]
	if e.ClassText == "" {
		e.ClassText = firstNonEmpty(c.Display, c.Code)
	}
	if len(v.Type) > 0 {
		e.Type = v.Type[0].display()
	}
	if len(v.ReasonCode) > 0 {
		e.Reason = v.ReasonCode[0].display()
	}
	if e.Reason == "" && len(v.ReasonRef) > 0 {
		e.Reason = v.ReasonRef[0].Display
	}
	for _, p := range v.Participant {
		if anyHas(p.Type, sysParticipant, "ATND") {
			e.Attending = p.Individual
			break
		}
	}
	for _, l := range v.Location {
		e.LastLoc = l.Location
		if l.Status == "" || l.Status == "active" {
			e.Location, e.HasActive = l.Location, true
		}
	}
	return e, true
}

// onCensus reports whether the encounter can put its patient on the census.
func (e *encounter) onCensus() bool {
	return e.Status == "in-progress" && censusClasses[e.Class] && e.HasActive
}

// decodeEncounters decodes the Encounters of rs, newest start first. The
// census decodes every in-progress encounter on every page, so decoded
// encounters are cached by content (see encounterCache); callers must not
// change them.
func decodeEncounters(loc *time.Location, rs []*lifeboat.Resource) []*encounter {
	var out []*encounter
	for _, r := range rs {
		if r.Type != "Encounter" {
			continue
		}
		if e, ok := encounters.decode(r, loc); ok {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return newer(out[i], out[j]) })
	return out
}

// newer orders encounters by start, then by last update, newest first.
func newer(a, b *encounter) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.After(b.Start)
	}
	return a.updated.After(b.updated)
}

// current returns the patient's current encounter: the newest in-progress
// one of a census class, else the newest in-progress one, else nil.
func current(encs []*encounter) *encounter {
	var other *encounter
	for _, e := range encs {
		if e.Status != "in-progress" {
			continue
		}
		if censusClasses[e.Class] {
			return e
		}
		if other == nil {
			other = e
		}
	}
	return other
}

// maxEncounters is how many recent encounters the chart shows.
const maxEncounters = 10

// encounterSummaries returns the most recent encounters, newest first.
func encounterSummaries(rv *resolver, encs []*encounter) []lifeboat.EncounterSummary {
	var out []lifeboat.EncounterSummary
	for _, e := range encs {
		if len(out) == maxEncounters {
			break
		}
		if e.Status == "entered-in-error" || e.Status == "cancelled" {
			continue
		}
		ref := e.LastLoc
		if e.HasActive {
			ref = e.Location
		}
		s := lifeboat.EncounterSummary{
			ID:     e.ID,
			Class:  e.ClassText,
			Type:   e.Type,
			Start:  e.Start,
			End:    e.End,
			Status: e.Status,
			Reason: e.Reason,
		}
		if ref.Reference != "" || ref.Display != "" {
			s.Location = rv.place(ref).label()
		}
		out = append(out, s)
	}
	return out
}
