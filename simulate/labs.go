package simulate

import (
	"slices"
	"strings"
	"time"
)

// labDef is a laboratory test.
type labDef struct {
	key      string
	name     string
	c        concept
	unit     string // UCUM code
	show     string // unit as shown, when not the UCUM code
	lo, hi   float64
	clo, chi float64 // critical limits (0: none)
	prec     int
	noise    float64 // draw-to-draw variation (a fraction of the value if rel)
	rel      bool
}

var labDefs = []*labDef{
	{key: "na", name: "Sodium", c: loinc("2951-2", "Sodium [Moles/volume] in Serum or Plasma"), unit: "mmol/L", lo: 136, hi: 145, clo: 120, chi: 160, noise: 1.5},
	{key: "k", name: "Potassium", c: loinc("2823-3", "Potassium [Moles/volume] in Serum or Plasma"), unit: "mmol/L", lo: 3.5, hi: 5.1, clo: 2.8, chi: 6.2, prec: 1, noise: 0.15},
	{key: "cl", name: "Chloride", c: loinc("2075-0", "Chloride [Moles/volume] in Serum or Plasma"), unit: "mmol/L", lo: 98, hi: 107, noise: 1.5},
	{key: "co2", name: "CO2", c: loinc("2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma"), unit: "mmol/L", lo: 22, hi: 29, clo: 10, chi: 40, noise: 1},
	{key: "bun", name: "BUN", c: loinc("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 7, hi: 20, noise: 0.06, rel: true},
	{key: "cr", name: "Creatinine", c: loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 0.7, hi: 1.3, prec: 2, noise: 0.05, rel: true},
	{key: "glu", name: "Glucose", c: loinc("2345-7", "Glucose [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 70, hi: 99, clo: 50, chi: 450, noise: 0.07, rel: true},
	{key: "ca", name: "Calcium", c: loinc("17861-6", "Calcium [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 8.6, hi: 10.3, clo: 6.5, chi: 13, prec: 1, noise: 0.15},
	{key: "alb", name: "Albumin", c: loinc("1751-7", "Albumin [Mass/volume] in Serum or Plasma"), unit: "g/dL", lo: 3.5, hi: 5, prec: 1, noise: 0.1},
	{key: "tp", name: "Total protein", c: loinc("2885-2", "Protein [Mass/volume] in Serum or Plasma"), unit: "g/dL", lo: 6, hi: 8.3, prec: 1, noise: 0.15},
	{key: "tbili", name: "Total bilirubin", c: loinc("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 0.1, hi: 1.2, prec: 1, noise: 0.08, rel: true},
	{key: "ast", name: "AST", c: loinc("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), unit: "U/L", lo: 10, hi: 40, noise: 0.08, rel: true},
	{key: "alt", name: "ALT", c: loinc("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), unit: "U/L", lo: 7, hi: 56, noise: 0.08, rel: true},
	{key: "alp", name: "Alkaline phosphatase", c: loinc("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma"), unit: "U/L", lo: 44, hi: 147, noise: 0.06, rel: true},
	{key: "wbc", name: "WBC", c: loinc("6690-2", "Leukocytes [#/volume] in Blood by Automated count"), unit: "10*3/uL", lo: 4.5, hi: 11, clo: 1, chi: 50, prec: 1, noise: 0.08, rel: true},
	{key: "hgb", name: "Hemoglobin", c: loinc("718-7", "Hemoglobin [Mass/volume] in Blood"), unit: "g/dL", lo: 13.5, hi: 17.5, clo: 7, chi: 20, prec: 1, noise: 0.25},
	{key: "hct", name: "Hematocrit", c: loinc("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count"), unit: "%", lo: 41, hi: 53, clo: 20, chi: 60, prec: 1, noise: 0.8},
	{key: "plt", name: "Platelets", c: loinc("777-3", "Platelets [#/volume] in Blood by Automated count"), unit: "10*3/uL", lo: 150, hi: 400, clo: 20, chi: 1000, noise: 0.06, rel: true},
	{key: "anc", name: "Neutrophils (absolute)", c: loinc("751-8", "Neutrophils [#/volume] in Blood by Automated count"), unit: "10*3/uL", lo: 1.8, hi: 7.7, clo: 0.5, prec: 2, noise: 0.1, rel: true},
	{key: "trop", name: "Troponin I", c: loinc("10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma"), unit: "ng/mL", hi: 0.04, prec: 2, noise: 0.08, rel: true},
	{key: "lactate", name: "Lactate", c: loinc("2524-7", "Lactate [Moles/volume] in Serum or Plasma"), unit: "mmol/L", lo: 0.5, hi: 2.2, chi: 4, prec: 1, noise: 0.1, rel: true},
	{key: "inr", name: "INR", c: loinc("6301-6", "INR in Platelet poor plasma by Coagulation assay"), unit: "{INR}", show: "INR", lo: 0.8, hi: 1.2, chi: 5, prec: 1, noise: 0.05, rel: true},
	{key: "mg", name: "Magnesium", c: loinc("19123-9", "Magnesium [Mass/volume] in Serum or Plasma"), unit: "mg/dL", lo: 1.7, hi: 2.2, clo: 1, chi: 4.9, prec: 1, noise: 0.1},
	{key: "bnp", name: "BNP", c: loinc("30934-4", "Natriuretic peptide B [Mass/volume] in Serum or Plasma"), unit: "pg/mL", hi: 100, noise: 0.1, rel: true},
	{key: "poc", name: "Glucose (POC)", c: loinc("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"), unit: "mg/dL", lo: 70, hi: 180, clo: 50, chi: 450, noise: 0.1, rel: true},
}

var labByKey = func() map[string]*labDef {
	m := map[string]*labDef{}
	for _, d := range labDefs {
		m[d.key] = d
	}
	return m
}()

// labRange returns the reference range of a test for this patient.
func (p *patient) labRange(d *labDef) (lo, hi float64) {
	lo, hi = d.lo, d.hi
	switch {
	case d.key == "cr" && p.child():
		return 0.2, 0.7
	case d.key == "cr" && !p.male:
		return 0.6, 1.1
	case d.key == "wbc" && p.age < 6:
		return 5, 15.5
	case d.key == "hgb" && p.child():
		return 11, 14.5
	case d.key == "hgb" && !p.male:
		return 12, 15.5
	case d.key == "hct" && p.child():
		return 33, 43
	case d.key == "hct" && !p.male:
		return 36, 46
	case d.key == "alp" && p.child():
		return 100, 390
	}
	return lo, hi
}

// panel is a group of tests resulted together, with its report code.
type panel struct {
	name  string
	c     concept
	tests []string
	tat   time.Duration // collection to result
}

var panels = map[string]panel{
	"bmp":     {"Basic metabolic panel", loinc("51990-0", "Basic metabolic panel - Blood"), split("na k cl co2 bun cr glu ca"), 70 * time.Minute},
	"cmp":     {"Comprehensive metabolic panel", loinc("24323-8", "Comprehensive metabolic 2000 panel - Serum or Plasma"), split("na k cl co2 bun cr glu ca alb tp tbili ast alt alp"), 80 * time.Minute},
	"cbc":     {"CBC", loinc("58410-2", "CBC panel - Blood by Automated count"), split("wbc hgb hct plt"), 45 * time.Minute},
	"diff":    {"CBC with differential", loinc("57021-8", "CBC W Auto Differential panel - Blood"), split("wbc hgb hct plt anc"), 55 * time.Minute},
	"trop":    {"Troponin I", loinc("10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma"), split("trop"), 60 * time.Minute},
	"lactate": {"Lactate", loinc("2524-7", "Lactate [Moles/volume] in Serum or Plasma"), split("lactate"), 25 * time.Minute},
	"inr":     {"PT/INR", loinc("6301-6", "INR in Platelet poor plasma by Coagulation assay"), split("inr"), 50 * time.Minute},
	"mg":      {"Magnesium", loinc("19123-9", "Magnesium [Mass/volume] in Serum or Plasma"), split("mg"), 70 * time.Minute},
	"bnp":     {"BNP", loinc("30934-4", "Natriuretic peptide B [Mass/volume] in Serum or Plasma"), split("bnp"), 75 * time.Minute},
	"poc":     {"Point-of-care glucose", loinc("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer"), split("poc"), time.Minute},
}

// draw is one panel collected at a time.
type draw struct {
	panel string
	t     time.Time
}

// labDraws plans the lab draws of the last 72 hours: admission labs, daily
// morning labs, serial troponins and lactates, and bedside glucose checks.
func (p *patient) labDraws() []draw {
	r, now := p.r, p.g.now
	tests := " " + unitDefaults[p.u.kind].tests + " " + p.sc.tests + " "
	has := func(k string) bool { return strings.Contains(tests, " "+k+" ") }
	if p.hasComorb("dm1") || p.hasComorb("dm2") {
		tests += "poc "
	}
	if p.hasComorb("cirrhosis") || slices.ContainsFunc(p.orders, func(o *order) bool {
		return o.d.group == "anticoag" && o.d.freq == "cont" || o.d.name == meds["warfarin"].name
	}) {
		tests += "inr "
	}
	cbc, daily := "cbc", "bmp"
	if has("diff") {
		cbc = "diff"
	}
	if has("cmp") {
		daily = "cmp"
	}
	var ds []draw
	at := p.admit.Add(time.Duration(15+r.IntN(35)) * time.Minute)
	ds = append(ds, draw{"cmp", at}, draw{cbc, at})
	for _, k := range []string{"trop", "lactate", "inr", "bnp", "mg"} {
		if has(k) {
			ds = append(ds, draw{k, at})
		}
	}
	if has("trop") {
		ds = append(ds, draw{"trop", at.Add(6 * time.Hour)}, draw{"trop", at.Add(12 * time.Hour)})
	}
	if has("lactate") && p.peak["lactate"] > 2 {
		ds = append(ds, draw{"lactate", at.Add(4 * time.Hour)}, draw{"lactate", at.Add(10 * time.Hour)})
	}
	if p.u.kind != kED {
		for day := slot(p.admit.Add(8*time.Hour), 24*time.Hour).Add(4 * time.Hour); !day.After(now); day = day.Add(24 * time.Hour) {
			t := day.Add(time.Duration(r.IntN(60)) * time.Minute)
			ds = append(ds, draw{daily, t}, draw{cbc, t})
			for _, k := range []string{"mg", "inr"} {
				if has(k) {
					ds = append(ds, draw{k, t})
				}
			}
			if has("lactate") && t.Sub(p.admit) < 50*time.Hour {
				ds = append(ds, draw{"lactate", t})
			}
		}
	}
	if has("poc") {
		for day := slot(p.admit, 24*time.Hour).Add(-24 * time.Hour); !day.After(now); day = day.Add(24 * time.Hour) {
			for _, hm := range []time.Duration{450, 690, 990, 1260} { // 07:30, 11:30, 16:30, 21:00
				ds = append(ds, draw{"poc", day.Add(hm*time.Minute + time.Duration(r.IntN(15)-10)*time.Minute)})
			}
		}
	}
	from := now.Add(-72 * time.Hour)
	ds = slices.DeleteFunc(ds, func(d draw) bool {
		return d.t.Before(from) || d.t.Before(p.admit) || d.t.Add(panels[d.panel].tat).After(now)
	})
	slices.SortStableFunc(ds, func(a, b draw) int { return a.t.Compare(b.t) })
	return ds
}

// labs writes the lab observations of each draw and its DiagnosticReport.
func (g *gen) labs(p *patient) {
	r := p.r
	ds := p.labDraws()
	critDraw := -1
	var critVal float64
	if c, ok := crits[p.crit]; ok {
		var cands []int
		for i, d := range ds {
			if slices.Contains(panels[d.panel].tests, c.lab) {
				cands = append(cands, i)
			}
		}
		if len(cands) > 0 {
			critDraw = cands[len(cands)-1]
			if chance(r, 0.4) {
				critDraw = pick(r, cands)
			}
			critVal = between(r, c.lo, c.hi)
		}
	}
	for i, d := range ds {
		pn := panels[d.panel]
		issued := d.t.Add(pn.tat - time.Duration(r.IntN(15))*time.Minute)
		var ids []string
		var hgb float64
		for _, k := range pn.tests {
			def := labByKey[k]
			key := k
			if k == "poc" {
				key = "glu"
			}
			v := p.level(key, d.t)
			if def.rel {
				v *= 1 + def.noise*r.NormFloat64()
			} else {
				v += def.noise * r.NormFloat64()
			}
			if k == "hct" {
				v = hgb*3 + def.noise*r.NormFloat64()
			}
			note := ""
			if i == critDraw && k == crits[p.crit].lab {
				v = critVal
				note = "Critical value called to " + p.nurseAt(issued).initialFamily() + ", RN at " + issued.Add(8*time.Minute).Format("15:04") + "; read back and verified."
			}
			v = max(round(v, def.prec), 1/float64(pow10(def.prec)))
			if k == "hgb" {
				hgb = v
			}
			lo, hi := p.labRange(def)
			shown := def.unit
			if def.show != "" {
				shown = def.show
			}
			id := p.nextID("lab")
			ids = append(ids, id)
			g.observation(p, obs{id: id, cat: "laboratory", codes: []concept{def.c}, text: def.name, t: d.t, issued: issued, v: v, prec: def.prec,
				unit: shown, ucum: def.unit, lo: lo, hi: hi, flag: flag(v, lo, hi, def.clo, def.chi), ranged: true, note: note})
		}
		g.report(p, pn, d.t, issued, ids)
	}
}

func pow10(n int) int {
	x := 1
	for range n {
		x *= 10
	}
	return x
}

// nurseAt returns the nurse on shift at t.
func (p *patient) nurseAt(t time.Time) person {
	if h := t.Hour(); h >= 7 && h < 19 {
		return p.rn[0]
	}
	return p.rn[1]
}

func (g *gen) report(p *patient, pn panel, t, issued time.Time, ids []string) {
	w := &g.w
	id := p.nextID("dr")
	w.begin("DiagnosticReport", id, issued)
	w.str("status", "final")
	w.ccs("category", "Laboratory", concept{"http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory"})
	w.cc("code", pn.name, pn.c)
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", t)
	w.dt("issued", issued)
	w.arr("performer")
	w.ref("", "Organization/"+orgID, orgName+" Laboratory")
	w.endA()
	w.arr("result")
	for _, x := range ids {
		w.ref("", "Observation/"+x, "")
	}
	w.endA()
	g.done("DiagnosticReport", id)
}

// obs is an Observation with a quantity value.
type obs struct {
	id         string
	cat        string
	codes      []concept
	text       string
	t, issued  time.Time
	v          float64
	prec       int
	unit, ucum string
	lo, hi     float64
	ranged     bool
	flag       string
	note       string
}

var catDisplay = map[string]string{"vital-signs": "Vital Signs", "laboratory": "Laboratory"}

func (g *gen) observation(p *patient, o obs) {
	w := &g.w
	if o.id == "" {
		o.id = p.nextID("vs")
	}
	updated := o.t
	if !o.issued.IsZero() {
		updated = o.issued
	}
	w.begin("Observation", o.id, updated)
	w.str("status", "final")
	w.ccs("category", catDisplay[o.cat], concept{sysObsCat, o.cat, catDisplay[o.cat]})
	w.cc("code", o.text, o.codes...)
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", o.t)
	if !o.issued.IsZero() {
		w.dt("issued", o.issued)
	}
	w.qty("valueQuantity", o.v, o.prec, o.unit, o.ucum)
	if o.flag != "" {
		w.ccs("interpretation", "", interp(o.flag))
	}
	if o.note != "" {
		w.arr("note")
		w.obj("")
		w.str("text", o.note)
		w.end()
		w.endA()
	}
	if o.ranged {
		g.refRange(o.lo, o.hi, o.unit, o.ucum)
	}
	g.done("Observation", o.id)
}

// refRange writes a referenceRange with low (if not 0), high and text.
func (g *gen) refRange(lo, hi float64, unit, code string) {
	w := &g.w
	w.arr("referenceRange")
	w.obj("")
	text := "<" + fmtNum(hi)
	if lo > 0 {
		w.qty("low", lo, decimals(lo), unit, code)
		text = fmtNum(lo) + "-" + fmtNum(hi)
	}
	w.qty("high", hi, decimals(hi), unit, code)
	w.str("text", text)
	w.end()
	w.endA()
}
