package simulate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// patient is one admitted patient while their resources are generated.
type patient struct {
	g      *gen
	r      *rand.Rand
	i      int
	id     string
	encID  string
	u      *unit
	b      *bed
	sc     *scenario
	name   person
	male   bool
	birth  time.Time
	age    float64 // years
	wt     float64 // weight on admission, kg
	admit  time.Time
	inBed  time.Time // arrival in the current bed
	moves  []move    // earlier beds
	source string    // admit-source code
	att    *pract
	comorb []*comorbidity
	base   map[string]float64
	peak   map[string]float64
	tau    float64 // hours for acute changes to settle
	crit   string  // key of a critical result to produce, or ""
	code   string  // code status text, or "" if not recorded
	allerg []string
	nka    int // 0 not recorded, 1 NKA, 2 allergies
	orders []*order
	rn     [2]person // day and night nurse
	seq    map[string]int
}

// move is a stay in an earlier bed.
type move struct {
	b        *bed
	from, to time.Time
}

// nextID returns the next id of a kind of resource of this patient.
func (p *patient) nextID(kind string) string {
	p.seq[kind]++
	return p.id + "-" + kind + "-" + strconv.Itoa(p.seq[kind])
}

func (p *patient) child() bool { return p.age < 18 }

// patient generates and emits everything about patient i.
func (g *gen) patient(i int) {
	r := g.rng(uint64(i) + 1)
	p := &patient{g: g, r: r, i: i, b: g.slots[i], seq: map[string]int{}}
	p.u = p.b.unit
	p.id = "pt-" + pad(i+1, g.idWidth)
	p.encID = p.id + "-enc-1"
	p.seq["enc"] = 1
	list := scenarios[p.u.kind]
	tw := 0
	for _, s := range list {
		tw += s.w
	}
	n := r.IntN(tw)
	for _, s := range list {
		if n -= s.w; n < 0 {
			p.sc = s
			break
		}
	}
	def := unitDefaults[p.u.kind]
	switch {
	case p.sc.sex == 'F' || p.u.kind == kMaternity:
	case p.sc.sex == 'M':
		p.male = true
	default:
		p.male = chance(r, 0.5)
	}
	ages := def.age
	if p.sc.age != [2]float64{} {
		ages = p.sc.age
	}
	u := r.Float64()
	switch p.u.kind {
	case kPeds:
	case kMaternity:
		u = (u + r.Float64()) / 2
		ages[0] += 0.02 // safely past the 18th birthday
	default:
		ages[0] += 0.02
		u = math.Pow(u, 0.62) // skewed older
	}
	days := int((ages[0] + (ages[1]-ages[0])*u) * 365.25)
	y, m, d := g.now.Date()
	p.birth = time.Date(y, m, d-days, 0, 0, 0, 0, g.now.Location())
	p.age = float64(days) / 365.25
	p.name = newPerson(r, p.male, nil)

	stay := def.stay
	if p.sc.stay != [2]float64{} {
		stay = p.sc.stay
	}
	h := stay[0] + (stay[1]-stay[0])*math.Pow(r.Float64(), 1.25)
	p.admit = g.now.Add(-time.Duration(h * float64(time.Hour))).Truncate(time.Minute)
	p.inBed = p.admit
	spec := def.spec
	if p.sc.spec != "" {
		spec = p.sc.spec
	}
	p.att = g.attending(r, spec)
	p.route()
	p.pickComorbidities()
	p.baseline()
	if g.critical[i] {
		if len(p.sc.crit) > 0 {
			p.crit = pick(r, p.sc.crit)
		} else {
			p.crit = pick(r, genericCrits)
		}
	}
	p.tau = between(r, 14, 48)
	if p.u.kind == kICU {
		p.tau = between(r, 36, 110)
	}
	p.rn[0] = newPerson(r, chance(r, 0.2), nil)
	p.rn[1] = newPerson(r, chance(r, 0.2), nil)

	g.patientResource(p)
	g.encounter(p)
	g.priorEncounter(p)
	g.conditions(p)
	g.allergies(p)
	g.codeStatus(p)
	g.medications(p)
	g.vitals(p)
	g.labs(p)
	g.notes(p)
	g.isolation(p)
	g.pending(p)
}

// route decides how the patient reached the current bed and records the
// earlier beds.
func (p *patient) route() {
	r, g := p.r, p.g
	via := p.sc.via
	if via == "" {
		switch p.u.kind {
		case kED:
			via = "none"
		case kMaternity:
			via = "direct"
		case kICU:
			via = pickWeighted(r, []string{"ed", "floor", "transfer"}, 65, 20, 15)
		default:
			via = pickWeighted(r, []string{"ed", "direct", "transfer"}, 70, 18, 12)
		}
	}
	if via == "icu" && p.child() {
		via = "ed"
	}
	p.source = map[string]string{"ed": "emd", "icu": "emd", "floor": "emd", "transfer": "hosp-trans", "or": "outp", "direct": "mp", "none": "emd"}[via]
	left := g.now.Sub(p.admit)
	t := p.admit
	step := func(kind unitKind, frac float64) {
		us := g.unitsOf(kind)
		if len(us) == 0 || left < 40*time.Minute {
			return
		}
		d := time.Duration(frac * float64(left))
		if kind == kED { // a few hours in the emergency department
			d = min(d, time.Duration(between(r, 2, 7)*float64(time.Hour)))
		}
		d = d.Truncate(time.Minute)
		p.moves = append(p.moves, move{b: pick(r, us[0].beds), from: t, to: t.Add(d)})
		t = t.Add(d)
		left -= d
	}
	switch via {
	case "ed":
		step(kED, 0.45)
	case "icu":
		step(kED, 0.2)
		step(kICU, 0.6)
	case "floor":
		step(kMedSurg, 0.5)
	}
	p.inBed = t
}

// pickWeighted returns one of xs chosen with the weights ws.
func pickWeighted(r *rand.Rand, xs []string, ws ...int) string { return xs[pickIndex(r, ws...)] }

// pickComorbidities chooses chronic problems fitting the age and scenario.
func (p *patient) pickComorbidities() {
	r, sc := p.r, p.sc
	room := 4 - len(sc.extra)
	if len(sc.oneOf) > 0 {
		room--
	}
	var n int
	switch {
	case p.child():
		n = 0
		if chance(r, 0.25) {
			n = 1
		}
	case p.age < 40:
		n = r.IntN(2)
	case p.age < 65:
		n = 1 + r.IntN(2)
	default:
		n = 2 + r.IntN(3)
	}
	if len(sc.chronic) > 0 {
		n = max(n, 1)
	}
	n = min(n, room)
	has := func(k string) bool {
		for _, c := range p.comorb {
			if c.key == k || (k == "dm1" && c.key == "dm2") || (k == "dm2" && c.key == "dm1") {
				return true
			}
		}
		return false
	}
	fits := func(c *comorbidity) bool {
		if has(c.key) || (c.sex == 'M' && !p.male) || (c.sex == 'F' && p.male) {
			return false
		}
		if p.child() {
			return c.child
		}
		return p.age >= c.minAge
	}
	for j, k := range sc.chronic {
		c := comorbidityByKey[k]
		if len(p.comorb) < n && fits(c) && (j == 0 && chance(r, 0.85) || chance(r, 0.45)) {
			p.comorb = append(p.comorb, c)
		}
	}
	for tries := 0; len(p.comorb) < n && tries < 40; tries++ {
		c := pick(r, comorbidities)
		w := c.w
		if p.child() { // children: only common conditions at random (diabetes, sickle cell come with their scenarios)
			w = 0
			if c.key == "asthma" && p.age >= 1 || c.key == "eczema" || c.key == "adhd" && p.age >= 5 {
				w = 5
			}
		}
		if fits(c) && r.IntN(30) < w {
			p.comorb = append(p.comorb, c)
		}
	}
}

func (p *patient) hasComorb(k string) bool {
	for _, c := range p.comorb {
		if c.key == k {
			return true
		}
	}
	return false
}

func (g *gen) patientResource(p *patient) {
	w, r := &g.w, p.r
	w.begin("Patient", p.id, p.admit)
	w.arr("identifier")
	w.obj("")
	w.str("use", "usual")
	w.cc("type", "MRN", concept{sysIDType, "MR", "Medical Record Number"})
	w.str("system", MRNSystem)
	w.str("value", p.mrn())
	w.end()
	w.endA()
	w.boolean("active", true)
	w.arr("name")
	w.obj("")
	w.str("use", "official")
	w.str("family", p.name.family)
	if p.name.middle != "" {
		w.strs("given", p.name.given, p.name.middle)
	} else {
		w.strs("given", p.name.given)
	}
	w.end()
	w.endA()
	w.arr("telecom")
	w.obj("")
	w.str("system", "phone")
	w.str("value", phone(r))
	w.str("use", pickWeighted(r, []string{"home", "mobile"}, 1, 2))
	w.end()
	w.endA()
	w.str("gender", p.gender())
	w.date("birthDate", p.birth)
	w.arr("address")
	w.obj("")
	w.str("use", "home")
	line := strconv.Itoa(10+r.IntN(1990)) + " " + pick(r, streets) + " " + pick(r, suffix)
	if chance(r, 0.2) {
		w.strs("line", line, "Apt "+strconv.Itoa(1+r.IntN(40)))
	} else {
		w.strs("line", line)
	}
	town := pick(r, towns)
	w.str("city", town.city)
	w.str("state", "MA")
	w.str("postalCode", town.zip)
	w.str("country", "US")
	w.end()
	w.endA()
	g.contact(p)
	if gr := p.name.group; gr.language != "" && chance(r, 0.4) {
		w.arr("communication")
		w.obj("")
		w.cc("language", gr.langName, concept{"urn:ietf:bcp:47", gr.language, gr.langName})
		w.boolean("preferred", true)
		w.end()
		w.endA()
	}
	w.ref("managingOrganization", "Organization/"+orgID, orgName)
	g.done("Patient", p.id)
}

// contact writes the emergency contact: a parent for children, else a
// spouse, child, sibling or friend.
func (g *gen) contact(p *patient) {
	w, r := &g.w, p.r
	var rel, relText string
	var male bool
	family := p.name.family
	switch {
	case p.child():
		male = chance(r, 0.3)
		rel, relText = "MTH", "Mother"
		if male {
			rel, relText = "FTH", "Father"
		}
	default:
		rel = pickWeighted(r, []string{"SPS", "DAU", "SON", "SIS", "BRO", "FRND"}, 40, 20, 15, 10, 8, 7)
		relText = map[string]string{"SPS": "Spouse", "DAU": "Daughter", "SON": "Son", "SIS": "Sister", "BRO": "Brother", "FRND": "Friend"}[rel]
		male = rel == "SON" || rel == "BRO" || (rel == "SPS" && !p.male) || (rel == "FRND" && chance(r, 0.5))
		if rel == "FRND" || (rel == "SPS" && chance(r, 0.3)) || chance(r, 0.15) {
			family = ""
		}
	}
	c := newPerson(r, male, p.name.group)
	if family != "" {
		c.family = family
	}
	w.arr("contact")
	w.obj("")
	w.arr("relationship")
	w.cc("", "Emergency contact", concept{"http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact"})
	w.cc("", relText, concept{sysRoleCode, rel, lowerFirst(relText)})
	w.endA()
	w.obj("name")
	w.str("family", c.family)
	w.strs("given", c.given)
	w.end()
	w.arr("telecom")
	w.obj("")
	w.str("system", "phone")
	w.str("value", phone(r))
	w.str("use", "mobile")
	w.end()
	w.endA()
	w.end()
	w.endA()
}

func lowerFirst(s string) string { return lower(s[:1]) + s[1:] }

func (p *patient) gender() string {
	if p.male {
		return "male"
	}
	return "female"
}

// mrn returns the patient's medical record number, unique in the hospital.
func (p *patient) mrn() string {
	return "MRN" + strconv.Itoa(1000000+int((uint64(p.i)*7919+p.g.salt)%9000000))
}

// ageText returns the age as shown in notes: "67-year-old", "14-month-old".
func (p *patient) ageText() string {
	if p.age < 2 {
		mo := int(p.age * 12)
		if mo < 1 {
			return strconv.Itoa(int(p.age*365.25)) + "-day-old"
		}
		return strconv.Itoa(mo) + "-month-old"
	}
	return strconv.Itoa(int(p.age)) + "-year-old"
}
