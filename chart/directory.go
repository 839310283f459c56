package chart

import (
	"sort"
	"strings"
	"sync"

	"github.com/lifeboat-health/lifeboat"
)

// Directory resolves what the views name by reference: Locations (units,
// rooms and beds, related through partOf), Practitioners and Medications.
// It decodes each resource once, so a Service can keep one between requests.
// A Directory is safe for concurrent use; the zero value and nil are empty.
type Directory struct {
	mu    sync.RWMutex
	locs  map[string]*location // by Location id
	names map[string]string    // "Practitioner/id", "Medication/id" -> display name
}

// location is a decoded Location.
type location struct {
	ID     string
	Name   string
	Kind   string // physicalType code: "wa" unit, "ro" room, "bd" bed, ...
	Type   string // type[0] text, e.g. "ICU"
	PartOf string // id of the parent Location
	Active bool   // status active or absent
}

// Physical types of Location.
const (
	kindUnit = "wa"
	kindRoom = "ro"
	kindBed  = "bd"
)

// NewDirectory returns a Directory holding the Location, Practitioner and
// Medication resources of rs; other resources are ignored.
func NewDirectory(rs []*lifeboat.Resource) *Directory {
	d := &Directory{}
	d.Add(rs...)
	return d
}

// Add adds or replaces Location, Practitioner and Medication resources;
// other resources are ignored, and a deleted one is removed.
func (d *Directory) Add(rs ...*lifeboat.Resource) {
	for _, r := range rs {
		switch r.Type {
		case "Location", "Practitioner", "Medication":
		default:
			continue
		}
		var loc *location
		var name string
		ok := false
		switch r.Type {
		case "Location":
			loc, ok = decodeLocation(r)
		case "Practitioner":
			name, ok = decodePractitioner(r)
		case "Medication":
			name, ok = decodeMedication(r)
		}
		d.mu.Lock()
		if d.locs == nil {
			d.locs = make(map[string]*location)
			d.names = make(map[string]string)
		}
		key := r.Type + "/" + r.ID
		switch {
		case r.Type == "Location" && ok:
			d.locs[r.ID] = loc
		case r.Type == "Location":
			delete(d.locs, r.ID)
		case ok:
			d.names[key] = name
		default:
			delete(d.names, key)
		}
		d.mu.Unlock()
	}
}

// Len returns the number of resources held.
func (d *Directory) Len() int {
	if d == nil {
		return 0
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.locs) + len(d.names)
}

func (d *Directory) location(id string) *location {
	if d == nil {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.locs[id]
}

func (d *Directory) name(key string) (string, bool) {
	if d == nil {
		return "", false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	n, ok := d.names[key]
	return n, ok
}

// has reports whether the directory holds the resource "Type/id".
func (d *Directory) has(key string) bool {
	if typ, id := splitRef(key); typ == "Location" {
		return d.location(id) != nil
	}
	_, ok := d.name(key)
	return ok
}

// parent returns the partOf reference key of a Location, or "".
func (d *Directory) parent(key string) string {
	typ, id := splitRef(key)
	if typ != "Location" {
		return ""
	}
	if l := d.location(id); l != nil && l.PartOf != "" {
		return "Location/" + l.PartOf
	}
	return ""
}

// snapshot returns all locations.
func (d *Directory) snapshot() []*location {
	if d == nil {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]*location, 0, len(d.locs))
	for _, l := range d.locs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// within returns the ids of unitID and every Location under it (rooms,
// beds), following partOf.
func (d *Directory) within(unitID string) []string {
	rv := newResolver(d, nil)
	var out []string
	for _, l := range d.snapshot() {
		if l.ID == unitID || rv.placeOf(l).UnitID == unitID {
			out = append(out, l.ID)
		}
	}
	return out
}

// copyNames copies the practitioner and medication names of src into d.
func (d *Directory) copyNames(src *Directory) {
	if src == nil || d == src {
		return
	}
	src.mu.RLock()
	names := make(map[string]string, len(src.names))
	for k, v := range src.names {
		names[k] = v
	}
	src.mu.RUnlock()
	d.mu.Lock()
	if d.locs == nil {
		d.locs = make(map[string]*location)
	}
	d.names = names
	d.mu.Unlock()
}

func decodeLocation(r *lifeboat.Resource) (*location, bool) {
	var v struct {
		Status       string    `json:"status"`
		Name         string    `json:"name"`
		Type         []concept `json:"type"`
		PhysicalType concept   `json:"physicalType"`
		PartOf       reference `json:"partOf"`
	}
	if !decode(r, &v) {
		return nil, false
	}
	l := &location{
		ID:     r.ID,
		Name:   v.Name,
		Kind:   strings.ToLower(v.PhysicalType.code()),
		PartOf: v.PartOf.id("Location"),
		Active: v.Status == "" || v.Status == "active",
	}
	if len(v.Type) > 0 {
		l.Type = v.Type[0].display()
	}
	if l.Name == "" {
		l.Name = r.ID
	}
	return l, true
}

func decodePractitioner(r *lifeboat.Resource) (string, bool) {
	var v struct {
		Name []humanName `json:"name"`
	}
	if !decode(r, &v) {
		return "", false
	}
	return practitionerName(v.Name), true
}

func decodeMedication(r *lifeboat.Resource) (string, bool) {
	var v struct {
		Code concept `json:"code"`
	}
	if !decode(r, &v) {
		return "", false
	}
	return v.Code.display(), true
}

// resolver looks references up in one or more directories and records the
// ones it could not resolve, so a Service can fetch them and build again.
type resolver struct {
	dirs    []*Directory
	missing map[string]bool
}

func newResolver(dir *Directory, rs []*lifeboat.Resource) *resolver {
	rv := &resolver{}
	if dir != nil {
		rv.dirs = append(rv.dirs, dir)
	}
	// Location, Practitioner and Medication resources passed with the
	// others take precedence over the shared directory.
	var local []*lifeboat.Resource
	for _, r := range rs {
		switch r.Type {
		case "Location", "Practitioner", "Medication":
			local = append(local, r)
		}
	}
	if len(local) > 0 {
		rv.dirs = append([]*Directory{NewDirectory(local)}, rv.dirs...)
	}
	return rv
}

func (rv *resolver) miss(key string) {
	if rv.missing == nil {
		rv.missing = make(map[string]bool)
	}
	rv.missing[key] = true
}

// missingKeys returns the unresolved references, sorted.
func (rv *resolver) missingKeys() []string {
	out := make([]string, 0, len(rv.missing))
	for k := range rv.missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// name returns the display of a Practitioner or Medication reference: its
// own display, else the referenced resource's name.
func (rv *resolver) name(ref reference) string {
	if ref.Display != "" {
		return ref.Display
	}
	typ, id := splitRef(ref.Reference)
	if id == "" || (typ != "Practitioner" && typ != "Medication") {
		return ""
	}
	key := typ + "/" + id
	for _, d := range rv.dirs {
		if n, ok := d.name(key); ok {
			return n
		}
	}
	rv.miss(key)
	return ""
}

func (rv *resolver) location(id string) *location {
	for _, d := range rv.dirs {
		if l := d.location(id); l != nil {
			return l
		}
	}
	rv.miss("Location/" + id)
	return nil
}

// place is where a patient is: their unit and bed.
type place struct {
	UnitID   string
	Unit     string
	UnitKind string
	Bed      string // bed name (or room name when placed in a room)
	Other    string // name of a Location that is not in a unit
}

// label returns "Unit / Bed", or whichever part is known.
func (p place) label() string {
	switch {
	case p.Unit != "" && p.Bed != "":
		return p.Unit + " / " + p.Bed
	case p.Unit != "":
		return p.Unit
	case p.Bed != "":
		return p.Bed
	}
	return p.Other
}

// place resolves a Location reference to its unit and bed, walking partOf
// from a bed through its room (if any) to the unit.
func (rv *resolver) place(ref reference) place {
	id := ref.id("Location")
	if id == "" {
		return place{Other: ref.Display}
	}
	loc := rv.location(id)
	if loc == nil {
		return place{Other: ref.Display}
	}
	return rv.placeOf(loc)
}

func (rv *resolver) placeOf(loc *location) place {
	var p place
	switch loc.Kind {
	case kindBed, kindRoom:
		p.Bed = loc.Name
	}
	cur := loc
	for depth := 0; depth < 8 && cur != nil; depth++ {
		if cur.Kind == kindUnit {
			p.UnitID, p.Unit, p.UnitKind = cur.ID, cur.Name, cur.Type
			return p
		}
		if cur.PartOf == "" {
			break
		}
		cur = rv.location(cur.PartOf)
	}
	if p.Bed == "" {
		p.Other = loc.Name
	}
	return p
}
