package simulate

import (
	"time"
)

var pastProblems = []concept{
	sct("233604007", "Pneumonia"), sct("74400008", "Appendicitis"), sct("68566005", "Urinary tract infectious disease"),
	sct("128045006", "Cellulitis"), sct("36971009", "Sinusitis"),
}

// conditions writes the problem list: the admitting diagnosis and what came
// with it, the chronic problems, and for some a resolved one.
func (g *gen) conditions(p *patient) {
	r := p.r
	onsetAcute := p.admit.Add(-time.Duration(r.IntN(48)) * time.Hour)
	g.condition(p, p.sc.dx, "active", onsetAcute, true, time.Time{})
	for _, c := range p.sc.extra {
		g.condition(p, c, "active", onsetAcute, true, time.Time{})
	}
	if len(p.sc.oneOf) > 0 {
		g.condition(p, pick(r, p.sc.oneOf), "active", p.admit.AddDate(0, -2-r.IntN(30), -r.IntN(28)), false, time.Time{})
	}
	for _, c := range p.comorb {
		years := 1 + r.IntN(max(1, min(20, int(p.age)-int(c.minAge))))
		if p.child() {
			years = int(p.age * r.Float64())
		}
		g.condition(p, c.c, "active", p.admit.AddDate(-years, -r.IntN(12), -r.IntN(28)), false, time.Time{})
	}
	if !p.child() && chance(r, 0.15) {
		onset := p.admit.AddDate(-1-r.IntN(15), -r.IntN(12), 0)
		g.condition(p, pick(r, pastProblems), "resolved", onset, false, onset.AddDate(0, 0, 10+r.IntN(30)))
	}
}

func (g *gen) condition(p *patient, c concept, status string, onset time.Time, acute bool, abated time.Time) {
	w := &g.w
	id := p.nextID("cond")
	if onset.Before(p.birth) {
		onset = p.birth.AddDate(0, 1, 0)
	}
	recorded := p.admit.Add(time.Duration(30+p.r.IntN(150)) * time.Minute)
	if !acute {
		recorded = onset.AddDate(0, 0, p.r.IntN(20))
	}
	if recorded.After(g.now) {
		recorded = g.now
	}
	w.begin("Condition", id, recorded)
	w.cc("clinicalStatus", "", concept{"http://terminology.hl7.org/CodeSystem/condition-clinical", status, ""})
	w.cc("verificationStatus", "", concept{"http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", ""})
	w.ccs("category", "Problem list item", concept{"http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"})
	w.cc("code", "", c)
	w.ref("subject", "Patient/"+p.id, "")
	if acute {
		w.ref("encounter", "Encounter/"+p.encID, "")
		w.dt("onsetDateTime", onset)
	} else {
		w.date("onsetDateTime", onset)
	}
	if !abated.IsZero() {
		w.date("abatementDateTime", abated)
	}
	w.dt("recordedDate", recorded)
	if acute {
		w.ref("recorder", "Practitioner/"+p.att.id, p.att.display)
	}
	g.done("Condition", id)
}

// allergies writes an explicit "no known allergies", one to three
// allergies, or nothing at all (not recorded).
func (g *gen) allergies(p *patient) {
	r, w := p.r, &g.w
	notRec, nka := 0.10, 0.60
	if p.u.kind == kED {
		notRec, nka = 0.22, 0.50
	} else if p.child() {
		nka = 0.70
	}
	x := r.Float64()
	recorded := earlier(p.admit.Add(time.Duration(10+r.IntN(60))*time.Minute), g.now)
	switch {
	case x < notRec:
		return
	case x < notRec+nka:
		p.nka = 1
		id := p.nextID("alg")
		w.begin("AllergyIntolerance", id, recorded)
		g.allergyStatus("active", "confirmed")
		if chance(r, 0.15) && !p.child() {
			w.cc("code", "NKDA", sct("409137002", "No known drug allergy"))
		} else {
			w.cc("code", "No known allergies", sct("716186003", "No known allergy"))
		}
		g.allergyTail(p, recorded)
		g.done("AllergyIntolerance", id)
		return
	}
	p.nka = 2
	n := 1 + pickIndex(r, 60, 28, 12)
	var chosen []*allergyDef
	for tries := 0; len(chosen) < n && tries < 30; tries++ {
		a := &allergyDefs[r.IntN(len(allergyDefs))]
		if (p.child() && r.Float64()*3 >= a.child) || containsDef(chosen, a) {
			continue
		}
		chosen = append(chosen, a)
	}
	for _, a := range chosen {
		id := p.nextID("alg")
		text := a.text
		if text == "" {
			text = a.c.display
		}
		p.allerg = append(p.allerg, text)
		w.begin("AllergyIntolerance", id, recorded)
		verif := "confirmed"
		if chance(r, 0.12) {
			verif = "unconfirmed"
		}
		g.allergyStatus("active", verif)
		if a.intol {
			w.str("type", "intolerance")
		} else {
			w.str("type", "allergy")
		}
		w.strs("category", a.category)
		rs := []reaction{pick(r, a.reactions)}
		if chance(r, 0.35) {
			if o := pick(r, a.reactions); o != rs[0] {
				rs = append(rs, o)
			}
		}
		crit := "low"
		for _, x := range rs {
			if x.severity == "severe" {
				crit = "high"
			}
		}
		if chance(r, 0.08) {
			crit = "unable-to-assess"
		}
		w.str("criticality", crit)
		w.cc("code", text, a.c)
		g.allergyTail(p, recorded)
		w.arr("reaction")
		for _, x := range rs {
			w.obj("")
			w.arr("manifestation")
			t := reactionText[x.c.code]
			if t == "" {
				t = x.c.display
			}
			w.cc("", t, x.c)
			w.endA()
			w.str("severity", x.severity)
			w.end()
		}
		w.endA()
		g.done("AllergyIntolerance", id)
	}
	if chance(r, 0.1) { // an allergy ruled out by testing: not to be shown
		id := p.nextID("alg")
		w.begin("AllergyIntolerance", id, recorded)
		g.allergyStatus("inactive", "refuted")
		w.cc("code", "Cephalosporin", sct("373262009", "Cephalosporin"))
		g.allergyTail(p, recorded)
		w.arr("note")
		w.obj("")
		w.str("text", "Tolerated cefazolin; allergy refuted.")
		w.end()
		w.endA()
		g.done("AllergyIntolerance", id)
	}
}

func containsDef(xs []*allergyDef, a *allergyDef) bool {
	for _, x := range xs {
		if x == a {
			return true
		}
	}
	return false
}

func (g *gen) allergyStatus(clinical, verification string) {
	g.w.cc("clinicalStatus", "", concept{"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", clinical, ""})
	g.w.cc("verificationStatus", "", concept{"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", verification, ""})
}

func (g *gen) allergyTail(p *patient, recorded time.Time) {
	w := &g.w
	w.ref("patient", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("recordedDate", recorded)
	w.ref("recorder", "", p.rn[0].full()+", RN")
}

// codeStatus writes the advance directive observation(s), or none.
func (g *gen) codeStatus(p *patient) {
	r := p.r
	var ws []int // Full code, DNR, DNR/DNI, Comfort care, none
	switch {
	case p.child():
		ws = []int{97, 0, 0, 0, 3}
	case p.age < 60:
		ws = []int{86, 3, 3, 0, 8}
	case p.age < 80:
		ws = []int{66, 10, 14, 2, 8}
	default:
		ws = []int{40, 18, 30, 5, 7}
	}
	if p.u.kind == kED {
		ws[4] += 12
	}
	if p.sc.dx.code == "G89.3" {
		ws[3] += 25
	}
	k := pickIndex(r, ws...)
	if k == 4 {
		return
	}
	t := earlier(p.admit.Add(time.Duration(30+r.IntN(120))*time.Minute), g.now)
	if k > 0 && g.now.Sub(p.admit) > 36*time.Hour && chance(r, 0.3) {
		g.codeStatusObs(p, 0, t) // changed after a goals-of-care talk
		t = p.admit.Add(time.Duration(float64(g.now.Sub(p.admit)) * between(r, 0.4, 0.9))).Truncate(time.Minute)
	}
	p.code = codeStatuses[k].text
	g.codeStatusObs(p, k, t)
}

func (g *gen) codeStatusObs(p *patient, k int, t time.Time) {
	w := &g.w
	id := p.nextID("cs")
	w.begin("Observation", id, t)
	w.str("status", "final")
	w.cc("code", "Code status", loinc("75320-2", "Advance directive"))
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", t)
	w.arr("performer")
	w.ref("", "Practitioner/"+p.att.id, p.att.display)
	w.endA()
	w.cc("valueCodeableConcept", codeStatuses[k].text, codeStatuses[k].c)
	g.done("Observation", id)
}
