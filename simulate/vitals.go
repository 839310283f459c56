package simulate

import (
	"math"
	"time"
)

// vitalNorm is the normal range and critical limits of a vital sign.
type vitalNorm struct{ lo, hi, clo, chi float64 }

// vitalNorms returns the normal ranges for an age in years.
func vitalNorms(age float64) map[string]vitalNorm {
	m := map[string]vitalNorm{
		"hr":   {60, 100, 40, 150},
		"rr":   {12, 20, 8, 35},
		"sbp":  {90, 140, 80, 200},
		"dbp":  {60, 90, 40, 120},
		"t":    {36.1, 37.9, 35, 40},
		"spo2": {92, 100, 85, 0},
	}
	switch {
	case age < 1:
		m["hr"], m["rr"], m["sbp"], m["dbp"] = vitalNorm{100, 160, 80, 220}, vitalNorm{30, 60, 20, 80}, vitalNorm{70, 100, 60, 130}, vitalNorm{35, 65, 25, 85}
	case age < 6:
		m["hr"], m["rr"], m["sbp"], m["dbp"] = vitalNorm{80, 140, 60, 200}, vitalNorm{22, 40, 14, 60}, vitalNorm{80, 110, 65, 140}, vitalNorm{45, 70, 35, 95}
	case age < 13:
		m["hr"], m["rr"], m["sbp"], m["dbp"] = vitalNorm{70, 120, 50, 180}, vitalNorm{18, 30, 10, 50}, vitalNorm{90, 120, 70, 160}, vitalNorm{55, 80, 40, 105}
	}
	return m
}

// baseline sets the patient's usual values (weight, vital signs, labs) and
// the values at presentation from the scenario.
func (p *patient) baseline() {
	r := p.r
	p.base = map[string]float64{}
	norms := vitalNorms(p.age)
	for _, k := range []string{"hr", "rr", "sbp", "dbp", "t", "spo2"} { // fixed order: deterministic
		n := norms[k]
		mid := (n.lo + n.hi) / 2
		switch k {
		case "spo2":
			mid = 97
		case "t":
			mid = 36.8
		}
		p.base[k] = mid + (n.hi-n.lo)*0.12*r.NormFloat64()
	}
	p.wt = typicalWeight(p.age, p.male)
	p.wt *= math.Exp(0.15 * r.NormFloat64())
	p.base["pain"] = between(r, 0, 2.5)
	if !p.child() && p.age > 50 {
		p.base["sbp"] += (p.age - 50) * 0.4
	}
	for _, d := range labDefs {
		lo, hi := p.labRange(d)
		if lo == 0 {
			p.base[d.key] = hi * between(r, 0.1, 0.5)
		} else {
			p.base[d.key] = (lo+hi)/2 + (hi-lo)*0.16*r.NormFloat64()
		}
	}
	for _, c := range p.comorb {
		apply(p.base, c.shifts)
	}
	p.base["wt"] = p.wt + p.base["wt"]
	p.wt = p.base["wt"]
	p.peak = map[string]float64{}
	for k, s := range p.sc.peak {
		v := s.v
		if s.rel {
			v += p.base[k]
		}
		p.peak[k] = v
	}
	if sbp, ok := p.peak["sbp"]; ok { // diastolic follows systolic
		if _, ok := p.peak["dbp"]; !ok {
			p.peak["dbp"] = p.base["dbp"] + 0.5*(sbp-p.base["sbp"])
		}
	}
}

// apply adds shifts to values in place.
func apply(m map[string]float64, shifts map[string]shift) {
	for k, s := range shifts {
		if s.rel {
			m[k] += s.v
		} else {
			m[k] = s.v
		}
	}
}

// level returns the expected value of key at t: the value at presentation
// settling back towards baseline (troponin rises and falls instead).
func (p *patient) level(key string, t time.Time) float64 {
	b := p.base[key]
	pk, ok := p.peak[key]
	if !ok {
		return b
	}
	h := max(t.Sub(p.admit).Hours(), 0)
	if key == "trop" && pk > b {
		x := (h + 2) / 14
		return b + (pk-b)*x*math.Exp(1-x)
	}
	return b + (pk-b)*math.Exp(-h/p.tau)
}

var (
	codeHR   = loinc("8867-4", "Heart rate")
	codeRR   = loinc("9279-1", "Respiratory rate")
	codeTemp = loinc("8310-5", "Body temperature")
	codeSpO2 = loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
	codeSaO2 = loinc("2708-6", "Oxygen saturation in Arterial blood")
	codeBP   = loinc("85354-9", "Blood pressure panel with all children optional")
	codeSBP  = loinc("8480-6", "Systolic blood pressure")
	codeDBP  = loinc("8462-4", "Diastolic blood pressure")
	codeWt   = loinc("29463-7", "Body weight")
	codePain = loinc("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
)

// vitals writes vital signs every 4 hours (every 2 in the emergency
// department) over the stay, up to 72 hours back, and a daily weight.
func (g *gen) vitals(p *patient) {
	r := p.r
	from := g.now.Add(-72 * time.Hour)
	step := 4 * time.Hour
	if p.u.kind == kED {
		step = 2 * time.Hour
	}
	var times []time.Time
	if !p.admit.Before(from) {
		times = append(times, p.admit.Add(time.Duration(8+r.IntN(15))*time.Minute))
		from = p.admit.Add(time.Hour)
	}
	for t := slot(from, step); !t.After(g.now); t = t.Add(step) {
		times = append(times, t.Add(time.Duration(r.IntN(22))*time.Minute))
	}
	norms := vitalNorms(p.age)
	for _, t := range times {
		if t.After(g.now) {
			break
		}
		g.vital(p, t, codeHR, "hr", norms["hr"], 4, 0, "beats/min", "/min")
		g.bloodPressure(p, t, norms)
		g.vital(p, t, codeRR, "rr", norms["rr"], 1.5, 0, "breaths/min", "/min")
		g.vital(p, t, codeTemp, "t", norms["t"], 0.2, 1, "°C", "Cel", codeTemp)
		g.vital(p, t, codeSpO2, "spo2", norms["spo2"], 1.2, 0, "%", "%", codeSaO2)
		if p.age >= 4 && !(p.u.kind == kICU && p.sc.npo) { // a self-reported score
			v := max(0, min(10, round(p.level("pain", t)+1.3*r.NormFloat64(), 0)))
			g.observation(p, obs{cat: "vital-signs", codes: []concept{codePain}, text: "Pain score", t: t, v: v, unit: "/10", ucum: "{score}"})
		}
	}
	// Weight on admission and each morning.
	var wts []time.Time
	if !p.admit.Before(g.now.Add(-72 * time.Hour)) {
		wts = append(wts, p.admit.Add(time.Duration(15+r.IntN(30))*time.Minute))
	}
	if p.u.kind != kED {
		for t := slot(later(p.admit.Add(4*time.Hour), g.now.Add(-72*time.Hour)), 24*time.Hour).Add(5 * time.Hour); !t.After(g.now); t = t.Add(24 * time.Hour) {
			wts = append(wts, t.Add(time.Duration(r.IntN(50))*time.Minute))
		}
	}
	for _, t := range wts {
		if t.After(g.now) {
			continue
		}
		v := p.level("wt", t) + 0.25*r.NormFloat64()
		prec := 1
		if p.age < 2 {
			prec = 2
		}
		g.observation(p, obs{cat: "vital-signs", codes: []concept{codeWt}, t: t, v: round(v, prec), prec: prec, unit: "kg", ucum: "kg"})
	}
}

// vital writes one vital sign observation.
func (g *gen) vital(p *patient, t time.Time, c concept, key string, n vitalNorm, noise float64, prec int, unit, code string, more ...concept) {
	v := round(p.level(key, t)+noise*p.r.NormFloat64(), prec)
	if key == "spo2" {
		v = min(v, 100)
	}
	g.observation(p, obs{cat: "vital-signs", codes: append([]concept{c}, more...), t: t, v: v, prec: prec, unit: unit, ucum: code,
		lo: n.lo, hi: n.hi, flag: flag(v, n.lo, n.hi, n.clo, n.chi), ranged: true})
}

func (g *gen) bloodPressure(p *patient, t time.Time, norms map[string]vitalNorm) {
	w, r := &g.w, p.r
	id := p.nextID("vs")
	w.begin("Observation", id, t)
	w.str("status", "final")
	w.ccs("category", "Vital Signs", concept{sysObsCat, "vital-signs", "Vital Signs"})
	w.cc("code", "Blood pressure", codeBP)
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", t)
	w.arr("component")
	s := round(p.level("sbp", t)+6*r.NormFloat64(), 0)
	d := round(min(p.level("dbp", t)+4*r.NormFloat64(), s*0.78), 0)
	for _, x := range []struct {
		c   concept
		v   float64
		key string
	}{{codeSBP, s, "sbp"}, {codeDBP, d, "dbp"}} {
		n := norms[x.key]
		w.obj("")
		w.cc("code", "", x.c)
		w.qty("valueQuantity", x.v, 0, "mmHg", "mm[Hg]")
		if f := flag(x.v, n.lo, n.hi, n.clo, n.chi); f != "" {
			w.ccs("interpretation", "", interp(f))
		}
		g.refRange(n.lo, n.hi, "mmHg", "mm[Hg]")
		w.end()
	}
	w.endA()
	g.done("Observation", id)
}

func round(v float64, prec int) float64 {
	p := math.Pow10(prec)
	return math.Round(v*p) / p
}

// flag computes the interpretation code of v; lo, clo or chi of 0 mean no limit.
func flag(v, lo, hi, clo, chi float64) string {
	switch {
	case clo > 0 && v < clo:
		return "LL"
	case chi > 0 && v > chi:
		return "HH"
	case lo > 0 && v < lo:
		return "L"
	case hi > 0 && v > hi:
		return "H"
	}
	return "N"
}

var interpDisplay = map[string]string{"N": "Normal", "H": "High", "L": "Low", "HH": "Critical high", "LL": "Critical low"}

func interp(f string) concept { return concept{sysInterp, f, interpDisplay[f]} }

// typicalWeight is a typical body weight in kg for an age in years and sex.
func typicalWeight(age float64, male bool) float64 {
	switch {
	case age < 1:
		return 3.4 + 0.55*age*12
	case age < 13:
		return 8 + 2.4*age
	case age < 18:
		return 40 + 4*(age-13)
	case male:
		return 84
	}
	return 71
}
