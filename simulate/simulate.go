// Package simulate generates a synthetic, realistic and current hospital as
// FHIR R4 JSON: an organization, its units and beds, attending physicians,
// and admitted patients with encounters, problems, allergies, code status,
// medication orders and administrations, vital signs, labs and notes, all
// dated relative to a given time and following docs/DATA-MODEL.md.
//
// Everything is made up: names are random combinations of common names, and
// identifiers, phone numbers and addresses are fictional. The output is
// deterministic for a given seed and time.
package simulate

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultPatients is the number of admitted patients when Options.Patients is 0.
const DefaultPatients = 180

// Identifier systems of the generated hospital.
const (
	MRNSystem   = "urn:oid:2.16.840.1.113883.3.9999.1" // medical record numbers
	VisitSystem = "urn:oid:2.16.840.1.113883.3.9999.2" // encounter (visit) numbers
	NPISystem   = "http://hl7.org/fhir/sid/us-npi"     // practitioner NPIs
)

const (
	orgID   = "org-aldermoor"
	orgName = "Aldermoor General Hospital"
)

// Options configures Generate.
type Options struct {
	// Seed selects the hospital: the same seed and Now give the same bytes.
	Seed uint64
	// Now is the current time; every date is relative to it, and times are
	// written in its location. Required.
	Now time.Time
	// Patients is the number of admitted patients (DefaultPatients if 0).
	// Medical-surgical units are added when the base hospital is too small.
	Patients int
}

// EmitFunc receives one generated resource: its type, id and complete JSON
// (with resourceType and id). The slice is not reused, so it may be kept.
// An error stops generation and is returned by Generate.
type EmitFunc func(typ, id string, json []byte) error

// MaxPatients is the largest number of patients Generate accepts.
const MaxPatients = 50000

// Generate emits every resource of the hospital: the shared ones first
// (Organization, Locations for units, rooms and beds, Practitioners), then
// each patient's resources, each resource after those it references.
func Generate(opts Options, emit EmitFunc) error {
	if opts.Now.IsZero() {
		return lifeboat.Errorf(lifeboat.EINVALID, "The simulation needs a current time.")
	}
	n := opts.Patients
	if n == 0 {
		n = DefaultPatients
	}
	if n < 0 || n > MaxPatients {
		return lifeboat.Errorf(lifeboat.EINVALID, "The number of patients must be between 1 and %d.", MaxPatients)
	}
	g := &gen{seed: opts.Seed, now: opts.Now.Truncate(time.Minute), emit: emit, w: jw{b: make([]byte, 0, 8192)}}
	rs := g.rng(1 << 62) // staff and identifiers do not depend on the census
	g.staff(rs)
	g.salt = rs.Uint64()
	r := g.rng(0)
	g.units, g.slots = placePatients(r, n)
	g.idWidth = max(4, len(fmt.Sprint(n)))
	g.critical = make([]bool, n)
	for _, u := range g.units { // a few patients per unit get a critical lab
		var in []int
		for _, b := range u.beds {
			if b.occupant > 0 {
				in = append(in, b.occupant-1)
			}
		}
		k := min(len(in), 2+r.IntN(2))
		for _, j := range r.Perm(len(in))[:k] {
			g.critical[in[j]] = true
		}
	}

	g.emitPlaces()
	g.emitStaff()
	for i := range n {
		if g.err != nil {
			break
		}
		g.patient(i)
	}
	return g.err
}

// gen holds the state of one Generate call.
type gen struct {
	seed     uint64
	now      time.Time
	units    []*unit
	slots    []*bed // the bed of each patient
	pracs    []*pract
	critical []bool // patients who get a critical lab result
	salt     uint64 // varies MRNs and NPIs by seed
	idWidth  int

	w    jw
	emit EmitFunc
	err  error
}

// rng returns the random source for stream k (0 for the hospital, i+1 for
// patient i), so each patient is independent of the others.
func (g *gen) rng(k uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(g.seed^0x6c696665626f6174), mix(g.seed+k*0x9e3779b97f4a7c15)))
}

// mix is the splitmix64 finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// done closes the resource being written and emits it.
func (g *gen) done(typ, id string) {
	g.w.end()
	if g.err != nil {
		return
	}
	b := make([]byte, len(g.w.b))
	copy(b, g.w.b)
	if err := g.emit(typ, id, b); err != nil {
		g.err = fmt.Errorf("simulate: emit %s/%s: %w", typ, id, err)
	}
}

// pract is an attending physician.
type pract struct {
	id, display, spec, npi, degree string
	p                              person
}

var staffing = []struct {
	spec string
	n    int
}{
	{"Hospital Medicine", 8}, {"Critical Care", 4}, {"Cardiology", 4}, {"Hematology/Oncology", 3},
	{"Pediatrics", 4}, {"Emergency Medicine", 4}, {"Obstetrics and Gynecology", 3},
	{"General Surgery", 2}, {"Orthopedic Surgery", 2},
}

// staff creates the attending physicians.
func (g *gen) staff(r *rand.Rand) {
	salt := r.Uint64()
	for _, s := range staffing {
		for range s.n {
			i := len(g.pracs)
			p := &pract{id: "pract-" + pad(i+1, 3), spec: s.spec, npi: npi(i, salt), degree: "MD"}
			if chance(r, 0.15) {
				p.degree = "DO"
			}
			p.p = newPerson(r, chance(r, 0.5), nil)
			p.p.middle = ""
			p.display = p.p.full() + ", " + p.degree
			g.pracs = append(g.pracs, p)
		}
	}
}

// attending picks a physician of the specialty.
func (g *gen) attending(r *rand.Rand, spec string) *pract {
	var pool []*pract
	for _, p := range g.pracs {
		if p.spec == spec {
			pool = append(pool, p)
		}
	}
	return pick(r, pool)
}

func (g *gen) emitStaff() {
	w := &g.w
	for _, p := range g.pracs {
		w.begin("Practitioner", p.id, g.now)
		w.arr("identifier")
		w.obj("")
		w.str("system", NPISystem)
		w.str("value", p.npi)
		w.end()
		w.endA()
		w.boolean("active", true)
		w.arr("name")
		w.obj("")
		w.str("use", "official")
		w.str("text", "Dr. "+p.p.full())
		w.str("family", p.p.family)
		w.strs("given", p.p.given)
		w.strs("prefix", "Dr.")
		w.strs("suffix", p.degree)
		w.end()
		w.endA()
		w.arr("telecom")
		w.obj("")
		w.str("system", "pager")
		w.str("value", "(413) 555-01"+p.npi[8:])
		w.str("use", "work")
		w.end()
		w.endA()
		if p.p.male {
			w.str("gender", "male")
		} else {
			w.str("gender", "female")
		}
		w.arr("qualification")
		w.obj("")
		w.cc("code", p.degree+", "+p.spec)
		w.ref("issuer", "", "State Board of Registration in Medicine")
		w.end()
		w.endA()
		g.done("Practitioner", p.id)
	}
}
