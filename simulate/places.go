package simulate

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
)

// unitKind is the clinical kind of a unit; it decides who is admitted there.
type unitKind int

const (
	kICU unitKind = iota
	kStepDown
	kCardio
	kMedSurg
	kOnc
	kPeds
	kED
	kMaternity
)

// unit is an inpatient unit (a ward Location) with its beds.
type unit struct {
	id, name, alias, kindText string
	kind                      unitKind
	role                      concept // ServiceDeliveryLocationRoleType
	prefix                    string  // bed label prefix
	nbeds                     int
	rooms                     bool    // two beds (A, B) per room
	occLo, occHi              float64 // target occupancy
	ext                       int     // phone extension
	beds                      []*bed
}

// bed is a bed Location.
type bed struct {
	id, label string
	unit      *unit
	room      string // id of the room Location it is in, or ""
	occupant  int    // index of the patient in it + 1, or 0
	status    string // v2-0116 bed status code
}

var (
	roleICU  = concept{sysRoleCode, "ICU", "Intensive care unit"}
	roleHU   = concept{sysRoleCode, "HU", "Hospital unit"}
	rolePEDU = concept{sysRoleCode, "PEDU", "Pediatric unit"}
	roleER   = concept{sysRoleCode, "ER", "Emergency room"}
)

// baseUnits returns the hospital's units, without beds.
func baseUnits() []*unit {
	return []*unit{
		{id: "unit-micu", name: "Medical Intensive Care Unit", alias: "MICU", kindText: "ICU", kind: kICU, role: roleICU, prefix: "ICU-", nbeds: 16, occLo: 0.85, occHi: 0.97, ext: 4100},
		{id: "unit-pcu", name: "Progressive Care Unit", alias: "PCU", kindText: "Step-down", kind: kStepDown, role: roleHU, prefix: "PCU-", nbeds: 16, occLo: 0.8, occHi: 0.95, ext: 4150},
		{id: "unit-3n", name: "3 North Cardiac Telemetry", alias: "3N", kindText: "Cardiology (telemetry)", kind: kCardio, role: roleHU, prefix: "3N-", nbeds: 28, occLo: 0.8, occHi: 0.95, ext: 4300},
		{id: "unit-4w", name: "4 West Medical-Surgical", alias: "4W", kindText: "Medical-surgical", kind: kMedSurg, role: roleHU, prefix: "4W-", nbeds: 32, rooms: true, occLo: 0.82, occHi: 0.96, ext: 4400},
		{id: "unit-5e", name: "5 East Medical-Surgical", alias: "5E", kindText: "Medical-surgical", kind: kMedSurg, role: roleHU, prefix: "5E-", nbeds: 28, rooms: true, occLo: 0.8, occHi: 0.95, ext: 4500},
		{id: "unit-6s", name: "6 South Oncology", alias: "6S", kindText: "Oncology", kind: kOnc, role: roleHU, prefix: "6S-", nbeds: 24, occLo: 0.78, occHi: 0.94, ext: 4600},
		{id: "unit-2e", name: "2 East Pediatrics", alias: "2E", kindText: "Pediatrics", kind: kPeds, role: rolePEDU, prefix: "2E-", nbeds: 20, occLo: 0.72, occHi: 0.9, ext: 4200},
		{id: "unit-ed", name: "Emergency Department", alias: "ED", kindText: "Emergency department", kind: kED, role: roleER, prefix: "ED-", nbeds: 20, occLo: 0.75, occHi: 0.95, ext: 4000},
		{id: "unit-mbu", name: "Mother-Baby Unit", alias: "MBU", kindText: "Maternity", kind: kMaternity, role: roleHU, prefix: "MB-", nbeds: 18, occLo: 0.72, occHi: 0.9, ext: 4250},
	}
}

// extraUnit returns the n-th additional medical-surgical unit, used when
// more patients are asked for than the base hospital holds.
func extraUnit(n int) *unit {
	floor := strconv.Itoa(7 + n/2)
	side, sideName := "W", " West"
	if n%2 == 1 {
		side, sideName = "E", " East"
	}
	a := floor + side
	return &unit{id: "unit-" + floor + lower(side), name: floor + sideName + " Medical-Surgical",
		alias: a, kindText: "Medical-surgical", kind: kMedSurg, role: roleHU, prefix: a + "-", nbeds: 30,
		rooms: true, occLo: 0.8, occHi: 0.95, ext: 4700 + 20*n}
}

// makeBeds creates a unit's beds and labels them.
func (u *unit) makeBeds() {
	u.beds = make([]*bed, u.nbeds)
	for i := range u.beds {
		b := &bed{unit: u, status: "U"}
		if u.rooms {
			room := pad(i/2+1, 2)
			b.label = u.prefix + room + string(rune('A'+i%2))
			b.room = "room-" + u.id[5:] + "-" + room
		} else {
			b.label = u.prefix + pad(i+1, 2)
		}
		b.id = "bed-" + u.id[5:] + "-" + lower(b.label[len(u.prefix):])
		u.beds[i] = b
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// placePatients builds the units and puts n patients in beds: it returns the
// units and the bed of each patient, in patient order.
func placePatients(r *rand.Rand, n int) ([]*unit, []*bed) {
	units := baseUnits()
	total := 0
	for _, u := range units {
		total += u.nbeds
	}
	for extra := 0; float64(n) > 0.9*float64(total); extra++ {
		u := extraUnit(extra)
		units = append(units, u)
		total += u.nbeds
	}
	// Share the patients out in proportion to each unit's target census.
	want := make([]float64, len(units))
	sum := 0.0
	for i, u := range units {
		want[i] = float64(u.nbeds) * between(r, u.occLo, u.occHi)
		sum += want[i]
	}
	counts := make([]int, len(units))
	placed := 0
	for i, u := range units {
		want[i] *= float64(n) / sum
		counts[i] = min(int(want[i]), int(float64(u.nbeds)*u.occHi))
		placed += counts[i]
	}
	for placed < n { // the rest go where the shortfall is largest, below each unit's usual peak if possible
		best := -1
		for _, full := range []float64{1, 0} {
			for i, u := range units {
				limit := u.nbeds
				if full == 1 {
					limit = int(float64(u.nbeds) * u.occHi)
				}
				if counts[i] < limit && (best < 0 || want[i]-float64(counts[i]) > want[best]-float64(counts[best])) {
					best = i
				}
			}
			if best >= 0 {
				break
			}
		}
		counts[best]++
		placed++
	}
	var slots []*bed
	for i, u := range units {
		u.makeBeds()
		for _, j := range r.Perm(u.nbeds)[:counts[i]] {
			slots = append(slots, u.beds[j])
		}
		for _, b := range u.beds {
			if chance(r, 0.12) {
				b.status = "H" // free, being cleaned
			}
		}
	}
	r.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	for i, b := range slots {
		b.occupant = i + 1
		b.status = "O"
	}
	return units, slots
}

var bedStatus = map[string]string{"O": "Occupied", "U": "Unoccupied", "H": "Housekeeping"}

// emitPlaces writes the Organization and every unit, room and bed.
func (g *gen) emitPlaces() {
	w := &g.w
	w.begin("Organization", orgID, g.now)
	w.arr("identifier")
	w.obj("")
	w.str("system", "urn:oid:2.16.840.1.113883.3.9999")
	w.str("value", "AGH")
	w.end()
	w.endA()
	w.boolean("active", true)
	w.ccs("type", "Healthcare Provider", concept{"http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider"})
	w.str("name", orgName)
	w.strs("alias", "AGH")
	w.arr("telecom")
	w.obj("")
	w.str("system", "phone")
	w.str("value", "(413) 555-0100")
	w.str("use", "work")
	w.end()
	w.endA()
	w.arr("address")
	w.obj("")
	w.strs("line", "1200 Riverside Parkway")
	w.str("city", "Aldermoor")
	w.str("state", "MA")
	w.str("postalCode", "01301")
	w.str("country", "US")
	w.end()
	w.endA()
	g.done("Organization", orgID)

	for _, u := range g.units {
		g.location(u.id, u.name, "wa", "Ward", "", lifeboat.LocationPath(u.name, "", ""), u)
		seen := ""
		for _, b := range u.beds {
			if b.room != "" && b.room != seen {
				seen = b.room
				room := roomName(u, b)
				g.location(b.room, room, "ro", "Room", u.id, lifeboat.LocationPath(u.name, room, ""), nil)
			}
			parent := b.room
			if parent == "" {
				parent = u.id
			}
			g.bedLocation(b, parent)
		}
	}
}

// roomName is the name of the room Location of a bed in a room.
func roomName(u *unit, b *bed) string {
	return u.alias + " Room " + b.label[len(u.prefix):len(b.label)-1]
}

// pathIdentifier writes the Location path identifier that HL7 v2 feeds
// give the same place (lifeboat.LocationPath).
func (w *jw) pathIdentifier(path string) {
	w.arr("identifier")
	w.obj("")
	w.str("system", lifeboat.LocationPathSystem)
	w.str("value", path)
	w.end()
	w.endA()
}

// location writes a unit (u != nil) or room Location.
func (g *gen) location(id, name, phys, physName, partOf, path string, u *unit) {
	w := &g.w
	w.begin("Location", id, g.now)
	w.pathIdentifier(path)
	w.str("status", "active")
	w.str("name", name)
	if u != nil {
		w.strs("alias", u.alias)
	}
	w.str("mode", "instance")
	if u != nil {
		w.ccs("type", u.kindText, u.role)
		w.arr("telecom")
		w.obj("")
		w.str("system", "phone")
		w.str("value", "(413) 555-01"+pad(u.ext%100, 2)+" ext. "+strconv.Itoa(u.ext))
		w.str("use", "work")
		w.end()
		w.endA()
	}
	w.cc("physicalType", "", concept{sysPhysType, phys, physName})
	w.ref("managingOrganization", "Organization/"+orgID, "")
	if partOf != "" {
		w.ref("partOf", "Location/"+partOf, "")
	}
	g.done("Location", id)
}

func (g *gen) bedLocation(b *bed, parent string) {
	w := &g.w
	w.begin("Location", b.id, g.now)
	room := ""
	if b.room != "" {
		room = roomName(b.unit, b)
	}
	w.pathIdentifier(lifeboat.LocationPath(b.unit.name, room, b.label))
	w.str("status", "active")
	w.obj("operationalStatus")
	w.str("system", sysBedStatus)
	w.str("code", b.status)
	w.str("display", bedStatus[b.status])
	w.end()
	w.str("name", b.label)
	w.str("mode", "instance")
	w.cc("physicalType", "", concept{sysPhysType, "bd", "Bed"})
	w.ref("managingOrganization", "Organization/"+orgID, "")
	w.ref("partOf", "Location/"+parent, "")
	g.done("Location", b.id)
}

// unitsOf returns the units of the given kinds, in hospital order.
func (g *gen) unitsOf(kinds ...unitKind) []*unit {
	var us []*unit
	for _, u := range g.units {
		if slices.Contains(kinds, u.kind) {
			us = append(us, u)
		}
	}
	return us
}
