package ehr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/simulate"
)

// entry is the current version of one resource. Its line is never changed
// in place: a new version gets a new slice, so an export snapshot can keep
// the old one.
type entry struct {
	typ     int // index into store.types
	id      string
	pat     int32 // index into store.pats, or -1 outside any patient compartment
	line    []byte
	updated time.Time
	version int
}

// key identifies a resource: its type's index and its id.
type key struct {
	typ int
	id  string
}

// lookup returns the current version of a resource, or nil.
func (st *store) lookup(typ, id string) *entry {
	t, ok := st.typeIdx[typ]
	if !ok {
		return nil
	}
	return st.byKey[key{t, id}]
}

// deletion is a resource removed from the hospital.
type deletion struct {
	typ int
	id  string
	pat int32
	at  time.Time
}

// patient is one patient and their compartment.
type patient struct {
	id  string
	res []*entry // their resources, oldest first
	enc *entry   // the in-progress encounter, or nil once discharged
	bed *bed     // the bed of the in-progress encounter, or nil
}

// unit is a ward Location; each unit is also an exportable Group.
type unit struct {
	id, name string
	kind     string // the text of its type, such as "ICU" or "Pediatrics"
	beds     []*bed
}

// bed is a bed Location.
type bed struct {
	id, name string
	unit     *unit
	loc      *entry
	occupant *patient
}

// store holds the hospital. Its fields are guarded by Server.mu.
type store struct {
	types    []string
	typeIdx  map[string]int
	byType   [][]*entry
	byKey    map[key]*entry
	slab     []entry // where new entries are allocated from
	pats     []*patient
	patIdx   map[string]int32
	units    []*unit
	unitIdx  map[string]*unit
	beds     map[string]*bed
	pracs    map[string]string // practitioner id → display name
	mrns     map[string]bool
	dels     []deletion
	idWidth  int
	admitted int // patients with an in-progress encounter
	seq      int // numbers the resources Advance creates
}

// typeOf returns the index of a resource type, adding it if new.
func (st *store) typeOf(t string) int {
	if i, ok := st.typeIdx[t]; ok {
		return i
	}
	st.typeIdx[t] = len(st.types)
	st.types = append(st.types, t)
	st.byType = append(st.byType, nil)
	return len(st.types) - 1
}

// add stores a new resource.
func (st *store) add(typ, id string, line []byte, updated time.Time) *entry {
	if len(st.slab) == 0 {
		st.slab = make([]entry, 4096)
	}
	e := &st.slab[0]
	st.slab = st.slab[1:]
	*e = entry{typ: st.typeOf(typ), id: id, pat: -1, line: line, updated: updated, version: 1}
	pid := id
	if typ != "Patient" {
		pid = patientOf(line)
	}
	if pid != "" {
		i, ok := st.patIdx[pid]
		if !ok {
			i = int32(len(st.pats))
			st.patIdx[pid] = i
			st.pats = append(st.pats, &patient{id: pid})
		}
		e.pat = i
		st.pats[i].res = append(st.pats[i].res, e)
	}
	st.byType[e.typ] = append(st.byType[e.typ], e)
	st.byKey[key{e.typ, id}] = e
	return e
}

// remove deletes a resource and records the deletion.
func (st *store) remove(e *entry, at time.Time) {
	l := st.byType[e.typ]
	if i := slices.Index(l, e); i >= 0 {
		st.byType[e.typ] = slices.Delete(l, i, i+1)
	}
	if e.pat >= 0 {
		p := st.pats[e.pat]
		if i := slices.Index(p.res, e); i >= 0 {
			p.res = slices.Delete(p.res, i, i+1)
		}
	}
	delete(st.byKey, key{e.typ, e.id})
	st.dels = append(st.dels, deletion{typ: e.typ, id: e.id, pat: e.pat, at: at})
}

// load generates the hospital and indexes it.
func load(seed uint64, n int, now time.Time) (*store, error) {
	st := &store{typeIdx: map[string]int{}, byKey: map[key]*entry{}, patIdx: map[string]int32{},
		unitIdx: map[string]*unit{}, beds: map[string]*bed{}, pracs: map[string]string{}, mrns: map[string]bool{}}
	if n == 0 {
		n = simulate.DefaultPatients
	}
	st.idWidth = max(4, len(strconv.Itoa(n)))
	// The generator runs in this goroutine while another prepares and
	// indexes what it emits, in batches.
	type emitted struct {
		typ, id string
		b       []byte
	}
	batches := make(chan []emitted, 64)
	var locs, encs []*entry
	var perr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		var a arena
		for batch := range batches {
			for _, r := range batch {
				if perr != nil {
					continue
				}
				line, updated, err := prepare(r.b, now, &a)
				if err != nil {
					perr = fmt.Errorf("ehr: %s: %w", r.typ, err)
					continue
				}
				e := st.add(r.typ, r.id, line, updated)
				switch r.typ {
				case "Location":
					locs = append(locs, e)
				case "Encounter":
					encs = append(encs, e)
				case "Practitioner":
					st.pracs[r.id] = practitionerDisplay(line)
				case "Patient":
					if mrn := mrnOf(line); mrn != "" {
						st.mrns[mrn] = true
					}
				}
			}
		}
	}()
	batch := make([]emitted, 0, 256)
	err := simulate.Generate(simulate.Options{Seed: seed, Now: now, Patients: n}, func(typ, id string, b []byte) error {
		if batch = append(batch, emitted{typ, id, b}); len(batch) == cap(batch) {
			batches <- batch
			batch = make([]emitted, 0, 256)
		}
		return nil
	})
	batches <- batch
	close(batches)
	<-done
	if err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	if err := st.indexPlaces(locs); err != nil {
		return nil, err
	}
	for _, e := range encs {
		if err := st.indexEncounter(e); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// locJSON is what the store reads from a Location.
type locJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type []struct {
		Text string `json:"text"`
	} `json:"type"`
	PhysicalType struct {
		Coding []struct {
			Code string `json:"code"`
		} `json:"coding"`
	} `json:"physicalType"`
	PartOf struct {
		Reference string `json:"reference"`
	} `json:"partOf"`
}

// arena hands out the byte slices of resource lines from large blocks, so
// that a hospital of a million resources is a few hundred allocations.
type arena struct{ free []byte }

// alloc returns an empty slice with room for n bytes.
func (a *arena) alloc(n int) []byte {
	if cap(a.free) < n {
		a.free = make([]byte, max(4<<20, n))
	}
	b := a.free[:0:n]
	a.free = a.free[n:]
	return b
}

// indexPlaces finds the units (wards) and their beds.
func (st *store) indexPlaces(locs []*entry) error {
	parsed := map[string]*locJSON{}
	for _, e := range locs {
		var l locJSON
		if err := json.Unmarshal(e.line, &l); err != nil {
			return fmt.Errorf("ehr: location: %w", err)
		}
		parsed[l.ID] = &l
		if physical(&l) == "wa" {
			u := &unit{id: l.ID, name: l.Name}
			if len(l.Type) > 0 {
				u.kind = l.Type[0].Text
			}
			st.units = append(st.units, u)
			st.unitIdx[u.id] = u
		}
	}
	for _, e := range locs {
		l := parsed[e.id]
		if physical(l) != "bd" {
			continue
		}
		var u *unit
		for p, hops := l, 0; p != nil && hops < 8; hops++ {
			if physical(p) == "wa" {
				u = st.unitIdx[p.ID]
				break
			}
			p = parsed[strings.TrimPrefix(p.PartOf.Reference, "Location/")]
		}
		if u == nil {
			continue
		}
		b := &bed{id: l.ID, name: l.Name, unit: u, loc: e}
		u.beds = append(u.beds, b)
		st.beds[b.id] = b
	}
	return nil
}

func physical(l *locJSON) string {
	if l == nil || len(l.PhysicalType.Coding) == 0 {
		return ""
	}
	return l.PhysicalType.Coding[0].Code
}

// encJSON is what the store reads from an Encounter.
type encJSON struct {
	Status   string `json:"status"`
	Location []struct {
		Location struct {
			Reference string `json:"reference"`
		} `json:"location"`
		Status string `json:"status"`
	} `json:"location"`
}

// indexEncounter notes an in-progress encounter as its patient's admission
// and its active bed as occupied.
func (st *store) indexEncounter(e *entry) error {
	var x encJSON
	if err := json.Unmarshal(e.line, &x); err != nil {
		return fmt.Errorf("ehr: encounter: %w", err)
	}
	if x.Status != "in-progress" || e.pat < 0 {
		return nil
	}
	p := st.pats[e.pat]
	if p.enc == nil {
		st.admitted++
	}
	p.enc = e
	for _, l := range x.Location {
		if l.Status == "active" {
			if b := st.beds[strings.TrimPrefix(l.Location.Reference, "Location/")]; b != nil && b.occupant == nil {
				b.occupant, p.bed = p, b
			}
		}
	}
	return nil
}

// practitionerDisplay is the display name references give a practitioner:
// "Given Family, MD".
func practitionerDisplay(line []byte) string {
	var x struct {
		Name []struct {
			Family string   `json:"family"`
			Given  []string `json:"given"`
			Suffix []string `json:"suffix"`
		} `json:"name"`
	}
	if json.Unmarshal(line, &x) != nil || len(x.Name) == 0 {
		return ""
	}
	n := x.Name[0]
	s := strings.TrimSpace(strings.Join(append(slices.Clone(n.Given), n.Family), " "))
	if len(n.Suffix) > 0 {
		s += ", " + n.Suffix[0]
	}
	return s
}

var mrnKey = []byte(`"system":"` + simulate.MRNSystem + `","value":"`)

// mrnOf returns a Patient's medical record number, or "".
func mrnOf(line []byte) string {
	i := bytes.Index(line, mrnKey)
	if i < 0 {
		return ""
	}
	s := line[i+len(mrnKey):]
	if j := bytes.IndexByte(s, '"'); j > 0 {
		return string(s[:j])
	}
	return ""
}

// unitOf returns the unit a patient is in, or nil.
func (p *patient) unitOf() *unit {
	if p.bed == nil {
		return nil
	}
	return p.bed.unit
}

// newPatientID returns an unused patient id continuing the generated ones.
func (st *store) newPatientID() string {
	for i := len(st.pats) + 1; ; i++ {
		id := "pt-" + fmt.Sprintf("%0*d", st.idWidth, i)
		if _, ok := st.patIdx[id]; !ok {
			return id
		}
	}
}

// group returns the members of a Group: nil for "all" (every patient), or a
// mask of the patients currently in the unit's beds.
func (st *store) group(id string) ([]bool, string, error) {
	if id == groupAll {
		return nil, "All patients", nil
	}
	u := st.unitIdx[id]
	if u == nil {
		return nil, "", lifeboat.Errorf(lifeboat.ENOTFOUND, "Group %q was not found.", clip(id))
	}
	mask := make([]bool, len(st.pats))
	for _, b := range u.beds {
		if b.occupant != nil {
			mask[st.patIdx[b.occupant.id]] = true
		}
	}
	return mask, u.name, nil
}

// groupAll is the id of the Group of every patient.
const groupAll = "all"
