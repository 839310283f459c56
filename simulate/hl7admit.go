package simulate

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dailyPattern returns the repeat pattern of n doses a day.
func dailyPattern(n int) string {
	switch n {
	case 1:
		return "QD"
	case 2:
		return "BID"
	case 3:
		return "TID"
	case 4:
		return "QID"
	}
	return strconv.Itoa(n) + "ID"
}

func (p *fpat) setAge(now time.Time) {
	p.age = now.Sub(p.birth).Hours() / 24 / 365.25
	p.wt = typicalWeight(p.age, p.male)
}

// newPatient makes a patient arriving on unit u at now, with the next free
// patient index (so the MRN and visit number formulas of Generate give new,
// unique values).
func (f *Feed) newPatient(u *unit, now time.Time) *fpat {
	r := f.r
	i := f.nextIdx
	f.nextIdx++
	list := scenarios[u.kind]
	ws := make([]int, len(list))
	for j, s := range list {
		ws[j] = s.w
	}
	sc := list[pickIndex(r, ws...)]
	def := unitDefaults[u.kind]
	p := &fpat{idx: i, kind: u.kind, class: "I", admit: now.Truncate(time.Second), admitted: now, reason: sc.reason, dx: sc.dx}
	p.id = "feed-" + strconv.Itoa(i+1)
	if u.kind == kED {
		p.class = "E"
	}
	switch {
	case sc.sex == 'F' || u.kind == kMaternity:
	case sc.sex == 'M':
		p.male = true
	default:
		p.male = chance(r, 0.5)
	}
	ages := def.age
	if sc.age != [2]float64{} {
		ages = sc.age
	}
	x := r.Float64()
	if u.kind != kPeds {
		ages[0] += 0.02
		if u.kind != kMaternity {
			x = math.Pow(x, 0.62)
		}
	}
	y, m, d := now.Date()
	p.birth = time.Date(y, m, d-int((ages[0]+(ages[1]-ages[0])*x)*365.25), 0, 0, 0, 0, now.Location())
	p.setAge(now)
	p.name = newPerson(r, p.male, nil)
	p.nurse = newPerson(r, chance(r, 0.2), nil)
	p.mrn = "MRN" + strconv.Itoa(1000000+int((uint64(i)*7919+f.g.salt)%9000000))
	p.visit = "V" + pad(int((uint64(i)*104729+f.g.salt>>7)%1000000000), 9)
	p.phone = phone(r)
	p.line = strconv.Itoa(10+r.IntN(1990)) + " " + pick(r, streets) + " " + pick(r, suffix)
	town := pick(r, towns)
	p.city, p.zip = town.city, town.zip
	spec := def.spec
	if sc.spec != "" {
		spec = sc.spec
	}
	p.att = f.g.attending(r, spec)
	switch x := r.Float64(); {
	case x < 0.1: // not recorded yet
	case x < 0.7 || p.age < 18 && x < 0.8:
		p.nka = true
	default:
		f.addAllergy(p)
		if chance(r, 0.3) {
			f.addAllergy(p)
		}
	}
	for _, k := range sc.meds[:min(len(sc.meds), 2+r.IntN(3))] {
		f.soon = append(f.soon, pending{p: p, o: f.makeOrder(p, k, now)})
	}
	return p
}

// addAllergy adds an allergy from the catalog that the patient does not have.
func (f *Feed) addAllergy(p *fpat) {
	a := &allergyDefs[f.r.IntN(len(allergyDefs))]
	if p.age < 18 && a.child == 0 || slices.ContainsFunc(p.allergies, func(x fallergy) bool { return x.c == a.c }) {
		return
	}
	rc := pick(f.r, a.reactions)
	txt := a.text
	if txt == "" {
		txt = a.c.display
	}
	show := reactionText[rc.c.code]
	if show == "" {
		show = rc.c.display
	}
	p.nka = false
	p.allergies = append(p.allergies, fallergy{c: a.c, text: txt, typ: allergyType[a.category], severity: severityCode[rc.severity], reaction: show})
}

// makeOrder builds a new order of catalog medication key for p.
func (f *Feed) makeOrder(p *fpat, key string, now time.Time) *forder {
	d := meds[key]
	fq := freqs[d.freq]
	tmp := &patient{r: f.r, age: p.age, male: p.male, wt: p.wt}
	o := &forder{name: d.name, rx: d.rx, dose: tmp.doseFor(d), unit: d.unit, rate: tmp.rateFor(key, d), rateUnit: d.rateUnit,
		route: d.route, patternText: fq.text, prn: fq.prn, prnReason: d.prn, note: d.note, start: now.Truncate(time.Minute), active: true}
	if d.rateUnit != "" {
		o.dose, o.unit = 0, ""
	}
	if p.age < 18 && d.route == "oral" {
		o.name = strings.NewReplacer("tablet", "suspension", "capsule", "solution").Replace(o.name)
	}
	for _, t := range fq.times {
		o.times = append(o.times, strings.ReplaceAll(t, ":", ""))
	}
	switch {
	case d.freq == "cont":
		o.pattern = "C"
	case fq.gts != "":
		o.pattern = fq.gts
	case len(o.times) > 0:
		o.pattern = dailyPattern(len(o.times))
	case fq.every > 0:
		n, unit := period(fq.every)
		o.pattern = "Q" + strconv.Itoa(n) + strings.ToUpper(unit[:1])
	}
	return o
}

// orderKeys are the medications newly ordered during a stay, by kind of unit.
func orderKeys(p *fpat) []string {
	switch {
	case p.age < 18:
		return split("apap-prn ibuprofen-prn ondansetron ceftriax-peds dexa-peds albuterol-q4 d5-peds")
	case p.kind == kICU:
		return split("norepi propofol fentanyl insulin-drip vanc cefepime ppi-iv kcl lorazepam-prn heparin-sc ondansetron")
	case p.kind == kMaternity:
		return split("ibuprofen apap-prn docusate pnv ferrous oxytocin ondansetron")
	case p.kind == kCardio || p.kind == kStepDown:
		return split("heparin-drip metoprolol furosemide-iv aspirin atorvastatin nitro-prn kcl apap-prn ondansetron")
	}
	return split("apap-prn oxycodone-prn ondansetron ceftriaxone piptazo vanc ns docusate senna enox-ppx pantoprazole melatonin-prn kcl hydromorph-prn")
}
