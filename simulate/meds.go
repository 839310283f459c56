package simulate

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// order is one medication order of a patient.
type order struct {
	id    string
	name  string // as ordered: the product, in a liquid form for children
	d     *medDef
	f     freq
	dose  float64
	rate  float64
	start time.Time
}

// medKeys chooses the patient's orders: the scenario's, VTE prophylaxis,
// home medications, and routine as-needed orders; 4 to 10 of them.
func (p *patient) medKeys() []string {
	r := p.r
	var keys []string
	groups := map[string]bool{}
	add := func(k string) {
		d := meds[k]
		if d == nil {
			panic("simulate: unknown medication " + k)
		}
		if len(keys) >= 10 || slices.Contains(keys, k) || (d.group != "" && groups[d.group]) {
			return
		}
		keys = append(keys, k)
		if d.group != "" {
			groups[d.group] = true
		}
	}
	for _, k := range p.sc.meds {
		add(k)
	}
	if !p.child() && p.u.kind != kED && p.u.kind != kMaternity && !groups["anticoag"] {
		add(pickWeighted(r, []string{"heparin-sc", "enox-ppx"}, 1, 1))
	}
	resume := 0.8
	if p.u.kind == kICU || p.u.kind == kED {
		resume = 0.45
	}
	for _, c := range p.comorb {
		for _, k := range c.meds {
			if chance(r, resume) {
				add(k)
			}
		}
	}
	fill := []string{"apap-prn", "ondansetron", "docusate", "senna", "melatonin-prn", "peg-prn"}
	if p.child() {
		fill = []string{"apap-prn", "ibuprofen-prn", "ondansetron"}
	}
	for _, k := range fill {
		if chance(r, 0.5) {
			add(k)
		}
	}
	for _, k := range fill {
		if len(keys) < 4 {
			add(k)
		}
	}
	return keys
}

// medications writes the orders and their administrations over the last
// 24 hours.
func (g *gen) medications(p *patient) {
	r := p.r
	keys := p.medKeys()
	nsc := len(p.sc.meds)
	for j, k := range keys {
		d := meds[k]
		o := &order{id: p.nextID("mr"), name: d.name, d: d, f: freqs[d.freq], dose: p.doseFor(d), rate: p.rateFor(k, d)}
		if p.child() && d.route == "oral" {
			o.name = strings.NewReplacer("tablet", "suspension", "capsule", "solution").Replace(o.name)
		}
		var after time.Duration
		switch {
		case j < nsc:
			after = time.Duration(20+r.IntN(70)) * time.Minute
		default:
			after = time.Duration(60+r.IntN(300)) * time.Minute
		}
		if j >= nsc && chance(r, 0.2) && g.now.Sub(p.admit) > 8*time.Hour { // added later in the stay
			after = time.Duration(r.Int64N(int64(g.now.Sub(p.admit) - 2*time.Hour)))
		}
		o.start = p.admit.Add(after)
		if lim := g.now.Add(-10 * time.Minute); o.start.After(lim) {
			o.start = lim
		}
		if o.start.Before(p.admit) {
			o.start = p.admit
		}
		o.start = o.start.Truncate(5 * time.Minute)
		p.orders = append(p.orders, o)
		g.medRequest(p, o, "active")
	}
	if !p.child() && chance(r, 0.3) { // a one-time dose given on arrival
		d := &medDef{name: "Sodium chloride 0.9% bolus", rx: rx("9863", "sodium chloride"), dose: 1000, unit: "mL", route: "IV"}
		if chance(r, 0.5) {
			d = &medDef{name: "Ondansetron injection", rx: rx("26225", "ondansetron"), dose: 4, unit: "mg", route: "IV"}
		}
		o := &order{id: p.nextID("mr"), name: d.name, d: d, f: freq{text: "once"}, dose: d.dose, start: p.admit.Add(10 * time.Minute).Truncate(5 * time.Minute)}
		if !o.start.After(g.now) {
			g.medRequest(p, o, "completed")
			if g.now.Sub(o.start) < 24*time.Hour {
				g.administration(p, o, o.start.Add(time.Duration(5+r.IntN(20))*time.Minute), "", o.rate)
			}
		}
	}
	for _, o := range p.orders {
		g.administrations(p, o)
	}
}

// doseFor returns the dose for this patient, by weight for children.
func (p *patient) doseFor(d *medDef) float64 {
	if d.kg > 0 && p.child() && d.rateUnit == "" {
		return roundDose(min(d.kg*p.wt, d.dose))
	}
	return d.dose
}

// rateFor returns the starting rate of an infusion (0 for other orders).
func (p *patient) rateFor(key string, d *medDef) float64 {
	switch {
	case d.rateUnit == "":
		return 0
	case key == "d5-peds": // 4-2-1 rule
		w := p.wt
		return math.Round(4*min(w, 10) + 2*min(max(w-10, 0), 10) + max(w-20, 0))
	case d.rateKg:
		return math.Round(d.rate*p.wt/50) * 50
	case d.kg > 0 && p.child():
		return roundDose(min(d.kg*p.wt, d.rate))
	case d.hi > d.lo:
		return roundDose(d.lo + (d.hi-d.lo)*between(p.r, 0.1, 0.6))
	}
	return d.rate
}

// roundDose rounds to what a pharmacy would dispense.
func roundDose(v float64) float64 {
	switch {
	case v >= 100:
		return math.Round(v/10) * 10
	case v >= 10:
		return math.Round(v)
	case v >= 1:
		return math.Round(v*10) / 10
	}
	return math.Round(v*100) / 100
}

// decimals returns how many decimals v needs (up to 3).
func decimals(v float64) int {
	for d := 0; d < 3; d++ {
		p := math.Pow10(d)
		if math.Abs(v*p-math.Round(v*p)) < 1e-9 {
			return d
		}
	}
	return 3
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', decimals(v), 64) }

// period splits an interval into a FHIR period and unit.
func period(d time.Duration) (int, string) {
	switch {
	case d%(24*time.Hour) == 0:
		return int(d / (24 * time.Hour)), "d"
	case d%time.Hour == 0:
		return int(d / time.Hour), "h"
	}
	return int(d / time.Minute), "min"
}

func (g *gen) medication(o *order) {
	g.w.cc("medicationCodeableConcept", o.name, o.d.rx)
}

func (g *gen) medRequest(p *patient, o *order, status string) {
	w, d, f := &g.w, o.d, o.f
	w.begin("MedicationRequest", o.id, o.start)
	w.str("status", status)
	w.str("intent", "order")
	g.medication(o)
	w.ref("subject", "Patient/"+p.id, p.name.full())
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("authoredOn", o.start)
	w.ref("requester", "Practitioner/"+p.att.id, p.att.display)
	w.arr("dosageInstruction")
	w.obj("")
	w.int("sequence", 1)
	var text string
	if d.rateUnit != "" {
		text = fmtNum(o.rate) + " " + d.rateUnit + " " + d.route + ", continuous"
	} else {
		text = fmtNum(o.dose) + " " + d.unit + " " + d.route + " " + f.text
		if f.prn {
			text += " for " + d.prn
		}
	}
	if d.note != "" {
		text += ". " + d.note
	}
	w.str("text", text)
	w.obj("timing")
	w.obj("repeat")
	if !f.prn {
		w.obj("boundsPeriod")
		w.dt("start", o.start)
		w.end()
	}
	switch {
	case f.text == "once":
		w.int("count", 1)
	case len(f.times) > 0:
		w.int("frequency", len(f.times))
		w.int("period", 1)
		w.str("periodUnit", "d")
		w.arr("timeOfDay")
		for _, t := range f.times {
			w.str("", t+":00")
		}
		w.endA()
	case f.every > 0:
		n, unit := period(f.every)
		w.int("frequency", 1)
		w.int("period", n)
		w.str("periodUnit", unit)
	}
	w.end()
	if f.text != "continuous" {
		if f.gts != "" {
			w.cc("code", f.text, concept{"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", f.gts, ""})
		} else {
			w.cc("code", f.text)
		}
	}
	w.end()
	if f.prn {
		w.cc("asNeededCodeableConcept", d.prn)
	}
	w.cc("route", d.route, routes[d.route])
	w.arr("doseAndRate")
	w.obj("")
	if d.rateUnit != "" {
		w.qty("rateQuantity", o.rate, decimals(o.rate), d.rateUnit, ucum[d.rateUnit])
	} else {
		w.qty("doseQuantity", o.dose, decimals(o.dose), d.unit, ucum[d.unit])
	}
	w.end()
	w.endA()
	w.end()
	w.endA()
	g.done("MedicationRequest", o.id)
}

// shortName is a medication's name without form and strength.
func shortName(d *medDef) string {
	if d.rx.display != "" {
		return strings.ToUpper(d.rx.display[:1]) + d.rx.display[1:]
	}
	var ws []string
	for _, w := range strings.Fields(d.name) {
		if strings.ContainsAny(w, "0123456789") || w == "oral" || w == "injection" || w == "infusion" {
			break
		}
		ws = append(ws, w)
	}
	return strings.Join(ws, " ")
}
