package simulate

import (
	"strings"
	"time"
)

// isolationStream offsets the random streams of isolation precautions from
// every other stream, so that adding them changed no other resource.
const isolationStream = 1 << 61

// precaution is a kind of isolation precautions, as a Flag code.
type precaution struct {
	text string
	c    concept // "" code: text only
}

var (
	precContact   = precaution{"Contact precautions", sct("409529001", "Contact precautions")}
	precDroplet   = precaution{"Droplet precautions", sct("409525007", "Respiratory secretion precautions")}
	precAirborne  = precaution{"Airborne precautions", sct("409524006", "Airborne precautions")}
	precEnteric   = precaution{"Contact precautions (enteric)", sct("409529001", "Contact precautions")}
	precProtected = precaution{"Neutropenic precautions", concept{}}
)

// isolation writes the patient's isolation precautions, if any, as active
// Flags (docs/DATA-MODEL.md): droplet for respiratory infections (RSV, most
// bronchiolitis; some pneumonia and exacerbations), enteric contact for
// gastroenteritis, neutropenic for leukemia and febrile neutropenia,
// airborne now and then for a respiratory patient being ruled out for
// tuberculosis, and contact (MRSA or VRE history) for a few others.
func (g *gen) isolation(p *patient) {
	r := g.rng(isolationStream + uint64(p.i))
	reason := strings.ToLower(p.sc.reason)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(reason, w) {
				return true
			}
		}
		return false
	}
	var precs []precaution
	switch {
	case has("rsv", "bronchiolitis"):
		if chance(r, 0.9) {
			precs = append(precs, precContact, precDroplet)
		}
	case has("pneumonia", "respiratory failure", "copd", "shortness of breath", "asthma"):
		switch {
		case !p.child() && chance(r, 0.06):
			precs = append(precs, precAirborne)
		case chance(r, 0.3):
			precs = append(precs, precDroplet)
		}
	case has("gastroenteritis"):
		if chance(r, 0.6) {
			precs = append(precs, precEnteric)
		}
	case has("neutropenia", "aml"):
		if chance(r, 0.75) {
			precs = append(precs, precProtected)
		}
	}
	if len(precs) == 0 && !p.child() && p.u.kind != kMaternity && chance(r, 0.07) {
		precs = append(precs, precContact)
	}
	start := earlier(p.admit.Add(time.Duration(10+r.IntN(110))*time.Minute), g.now)
	for _, pr := range precs {
		g.flag(p, pr, start)
	}
}

// flag writes one isolation Flag.
func (g *gen) flag(p *patient, pr precaution, start time.Time) {
	w := &g.w
	id := p.nextID("flag")
	w.begin("Flag", id, start)
	w.str("status", "active")
	w.ccs("category", "Clinical", concept{"http://terminology.hl7.org/CodeSystem/flag-category", "clinical", "Clinical"})
	w.cc("code", pr.text, pr.c)
	w.ref("subject", "Patient/"+p.id, "")
	w.obj("period")
	w.dt("start", start)
	w.end()
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.ref("author", "Practitioner/"+p.att.id, p.att.display)
	g.done("Flag", id)
}
