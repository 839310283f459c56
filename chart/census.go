package chart

import (
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Admission is a patient on the census: their current encounter and where
// they are. A patient is on the census when an Encounter is in-progress, of
// class IMP, ACUTE, EMER or OBSENC, and its last active location entry
// resolves (through partOf) to a unit; with several such encounters the
// newest start wins.
type Admission struct {
	PatientID   string
	EncounterID string
	UnitID      string
	Unit        string
	Bed         string // bed (or room) name, "" when placed on the unit only
	Location    string // "Unit / Bed"
	Attending   string
	Admitted    time.Time
	Reason      string
}

// Admissions returns the admissions found in encounters (other resources are
// ignored), sorted by unit, then bed. Times without a zone are read in now's
// location.
func Admissions(now time.Time, dir *Directory, encounters []*lifeboat.Resource) []Admission {
	rv := newResolver(dir, encounters)
	return admissions(rv, decodeEncounters(now.Location(), encounters), "", true)
}

// admissions finds the admissions in encs, on the unit unitID only unless
// it is "", resolving attending names if names is set. A patient is placed
// by their newest census encounter before filtering by unit.
func admissions(rv *resolver, encs []*encounter, unitID string, names bool) []Admission {
	byPatient := make(map[string]*encounter)
	places := make(map[*encounter]place)
	for _, e := range encs {
		if !e.onCensus() || e.PatientID == "" {
			continue
		}
		p := rv.place(e.Location)
		if p.UnitID == "" {
			continue
		}
		if old := byPatient[e.PatientID]; old == nil || newer(e, old) {
			byPatient[e.PatientID] = e
			places[e] = p
		}
	}
	out := make([]Admission, 0, len(byPatient))
	for pid, e := range byPatient {
		p := places[e]
		if unitID != "" && p.UnitID != unitID {
			continue
		}
		attending := ""
		if names {
			attending = rv.name(e.Attending)
		}
		out = append(out, Admission{
			PatientID:   pid,
			EncounterID: e.ID,
			UnitID:      p.UnitID,
			Unit:        p.Unit,
			Bed:         p.Bed,
			Location:    p.label(),
			Attending:   attending,
			Admitted:    e.Start,
			Reason:      e.Reason,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Unit != b.Unit {
			return naturalLess(a.Unit, b.Unit)
		}
		if a.Bed != b.Bed {
			return bedLess(a.Bed, b.Bed)
		}
		return a.PatientID < b.PatientID
	})
	return out
}

// BuildCensus builds the hospital census from Location resources (in dir or
// among rs) and the in-progress Encounters of rs: every unit (a Location of
// physical type "wa") with its beds (active "bd" Locations under it,
// directly or through a room) and its occupancy (the patients on the census
// there, so it can exceed the beds when patients have no bed). Units are
// sorted by name; inactive units are listed only when occupied.
func BuildCensus(now time.Time, dir *Directory, rs []*lifeboat.Resource) *lifeboat.Census {
	rv := newResolver(dir, rs)
	units := unitSummaries(rv, admissions(rv, decodeEncounters(now.Location(), rs), "", false))
	c := &lifeboat.Census{Units: make([]lifeboat.UnitSummary, 0, len(units))}
	for _, u := range units {
		c.Units = append(c.Units, *u)
	}
	sort.SliceStable(c.Units, func(i, j int) bool { return naturalLess(c.Units[i].Name, c.Units[j].Name) })
	return c
}

// unitSummaries counts beds and patients per unit.
func unitSummaries(rv *resolver, adms []Admission) map[string]*lifeboat.UnitSummary {
	units := make(map[string]*lifeboat.UnitSummary)
	active := make(map[string]bool)
	seen := make(map[string]bool)
	var beds []*location
	for _, d := range rv.dirs {
		for _, l := range d.snapshot() {
			if seen[l.ID] {
				continue
			}
			seen[l.ID] = true
			switch l.Kind {
			case kindUnit:
				units[l.ID] = &lifeboat.UnitSummary{ID: l.ID, Name: l.Name, Kind: l.Type}
				active[l.ID] = l.Active
			case kindBed:
				if l.Active {
					beds = append(beds, l)
				}
			}
		}
	}
	for _, b := range beds {
		if u := units[rv.placeOf(b).UnitID]; u != nil {
			u.Beds++
		}
	}
	for _, a := range adms {
		if u := units[a.UnitID]; u != nil {
			u.Occupied++
		}
	}
	for id, u := range units {
		if !active[id] && u.Occupied == 0 {
			delete(units, id)
		}
	}
	return units
}

// BuildUnitCensus builds the census of the unit with Location id unitID.
// rs holds the in-progress Encounters (of any unit) and, for the patients
// on this unit, their Patient, AllergyIntolerance, Observation (for the
// code status), MedicationRequest, MedicationAdministration and Flag (for
// isolation) resources,
// grouped by Index.Patient. Locations and Practitioners come from dir or
// rs. Rows are sorted by bed in natural order ("2" before "10"), patients
// without a bed last. It reports false if there is no such unit.
func BuildUnitCensus(now time.Time, dir *Directory, unitID string, rs []*lifeboat.Resource) (*lifeboat.UnitCensus, bool) {
	uc, _, ok := buildUnitCensus(now, dir, unitID, rs)
	return uc, ok
}

func buildUnitCensus(now time.Time, dir *Directory, unitID string, rs []*lifeboat.Resource) (*lifeboat.UnitCensus, []string, bool) {
	rv := newResolver(dir, rs)
	loc := now.Location()
	onUnit := admissions(rv, decodeEncounters(loc, rs), unitID, true)
	u := unitSummaries(rv, onUnit)[unitID]
	if u == nil {
		return nil, rv.missingKeys(), false
	}
	byPatient := make(map[string][]*lifeboat.Resource)
	for _, r := range rs {
		switch r.Type {
		case "Patient", "AllergyIntolerance", "Observation", "MedicationRequest", "MedicationAdministration", "Flag":
			if pid := patientOf(r); pid != "" {
				byPatient[pid] = append(byPatient[pid], r)
			}
		}
	}
	uc := &lifeboat.UnitCensus{Unit: *u, Rows: make([]lifeboat.CensusRow, 0, len(onUnit))}
	for _, a := range onUnit {
		prs := byPatient[a.PatientID]
		row := lifeboat.CensusRow{
			Bed:       a.Bed,
			PatientID: a.PatientID,
			Attending: a.Attending,
			Admitted:  a.Admitted,
		}
		for _, r := range prs {
			if r.Type != "Patient" {
				continue
			}
			if p, ok := decodePatient(r); ok {
				row.Name, row.MRN, row.Sex, row.Age = p.Name, p.MRN, p.Sex, p.age(now)
				row.BirthDate = p.BirthDate
			}
			break
		}
		var list []lifeboat.Allergy
		row.Allergies, list = allergies(prs)
		row.AllergyList = substances(list)
		row.Isolation = isolation(now, prs)
		row.CodeStatus = readObservations(loc, prs, true).CodeStatus
		// Prescribers are not shown here: resolve nothing.
		row.DueNextHour = dueNextHour(now, decodeOrders(&resolver{}, loc, prs), decodeAdmins(loc, prs))
		uc.Rows = append(uc.Rows, row)
	}
	sort.SliceStable(uc.Rows, func(i, j int) bool {
		a, b := uc.Rows[i], uc.Rows[j]
		if a.Bed != b.Bed {
			return bedLess(a.Bed, b.Bed)
		}
		return a.Name < b.Name
	})
	return uc, rv.missingKeys(), true
}

// bedLess orders beds naturally, with no bed last.
func bedLess(a, b string) bool {
	if (a == "") != (b == "") {
		return b == ""
	}
	return naturalLess(a, b)
}

// naturalLess compares strings with their digit runs compared as numbers,
// case-insensitively: "4W-2" < "4W-10" < "4w-11".
func naturalLess(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			na2, nb2 := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(na2) != len(nb2) {
				return len(na2) < len(nb2)
			}
			if na2 != nb2 {
				return na2 < nb2
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) (digits, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}
