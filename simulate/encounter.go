package simulate

import "time"

var admitSources = map[string]string{
	"emd": "From accident/emergency department", "hosp-trans": "Transferred from other hospital",
	"outp": "From outpatient department", "mp": "Medical Practitioner/physician referral",
}

func (g *gen) encounter(p *patient) {
	w := &g.w
	w.begin("Encounter", p.encID, p.inBed)
	w.arr("identifier")
	w.obj("")
	w.str("use", "official")
	w.cc("type", "Visit number", concept{sysIDType, "VN", "Visit number"})
	w.str("system", VisitSystem)
	w.str("value", "V"+pad(int((uint64(p.i)*104729+g.salt>>7)%1000000000), 9))
	w.end()
	w.endA()
	w.str("status", "in-progress")
	if p.u.kind == kED {
		w.obj("class")
		w.str("system", sysActCode)
		w.str("code", "EMER")
		w.str("display", "emergency")
		w.end()
		w.ccs("type", "Emergency department visit", sct("4525004", "Emergency department patient visit"))
	} else {
		w.obj("class")
		w.str("system", sysActCode)
		w.str("code", "IMP")
		w.str("display", "inpatient encounter")
		w.end()
		w.ccs("type", "Inpatient admission", sct("32485007", "Hospital admission"))
	}
	w.ref("subject", "Patient/"+p.id, p.name.full())
	w.arr("participant")
	w.obj("")
	w.ccs("type", "Attending", concept{sysPartType, "ATND", "attender"})
	w.obj("period")
	w.dt("start", p.admit)
	w.end()
	w.ref("individual", "Practitioner/"+p.att.id, p.att.display)
	w.end()
	w.endA()
	w.obj("period")
	w.dt("start", p.admit)
	w.end()
	w.ccs("reasonCode", p.sc.reason, p.sc.dx)
	w.obj("hospitalization")
	w.cc("admitSource", "", concept{"http://terminology.hl7.org/CodeSystem/admit-source", p.source, admitSources[p.source]})
	w.end()
	w.arr("location")
	for _, m := range p.moves {
		g.encLocation(m.b, "completed", m.from, m.to)
	}
	g.encLocation(p.b, "active", p.inBed, time.Time{})
	w.endA()
	w.ref("serviceProvider", "Organization/"+orgID, orgName)
	g.done("Encounter", p.encID)
}

func (g *gen) encLocation(b *bed, status string, from, to time.Time) {
	w := &g.w
	w.obj("")
	w.ref("location", "Location/"+b.id, b.label)
	w.str("status", status)
	w.cc("physicalType", "", concept{sysPhysType, "bd", "Bed"})
	w.obj("period")
	w.dt("start", from)
	if !to.IsZero() {
		w.dt("end", to)
	}
	w.end()
	w.end()
}

// priorEncounter writes an earlier, finished office visit or admission for
// some patients.
func (g *gen) priorEncounter(p *patient) {
	r, w := p.r, &g.w
	if !chance(r, 0.35) {
		return
	}
	id := p.nextID("enc")
	inpatient := chance(r, 0.3) && !p.child()
	day := p.admit.AddDate(0, 0, -30-r.IntN(500))
	y, m, d := day.Date()
	start := time.Date(y, m, d, 8+r.IntN(8), 15*r.IntN(4), 0, 0, day.Location())
	end := start.Add(time.Duration(20+r.IntN(30)) * time.Minute)
	reason := "Annual wellness visit"
	var code concept
	if len(p.comorb) > 0 {
		c := pick(r, p.comorb)
		reason, code = "Follow-up: "+lowerFirst(c.c.display), c.c
	}
	if inpatient {
		s := pick(r, scenarios[kMedSurg])
		reason, code = s.reason, s.dx
		end = start.Add(time.Duration(40+r.IntN(80)) * time.Hour)
	}
	w.begin("Encounter", id, end)
	w.str("status", "finished")
	w.obj("class")
	w.str("system", sysActCode)
	if inpatient {
		w.str("code", "IMP")
		w.str("display", "inpatient encounter")
		w.end()
		w.ccs("type", "Inpatient admission", sct("32485007", "Hospital admission"))
	} else {
		w.str("code", "AMB")
		w.str("display", "ambulatory")
		w.end()
		w.ccs("type", "Office visit", sct("390906007", "Follow-up encounter"))
	}
	w.ref("subject", "Patient/"+p.id, p.name.full())
	w.arr("participant")
	w.obj("")
	w.ccs("type", "Attending", concept{sysPartType, "ATND", "attender"})
	if inpatient {
		doc := g.attending(r, "Hospital Medicine")
		w.ref("individual", "Practitioner/"+doc.id, doc.display)
	} else {
		doc := newPerson(r, chance(r, 0.5), nil)
		w.ref("individual", "", doc.full()+", MD")
	}
	w.end()
	w.endA()
	w.obj("period")
	w.dt("start", start)
	w.dt("end", end)
	w.end()
	w.ccs("reasonCode", reason, code)
	if inpatient {
		w.arr("location")
		u := g.unitsOf(kMedSurg)[0]
		w.obj("")
		w.ref("location", "Location/"+u.id, u.name)
		w.str("status", "completed")
		w.end()
		w.endA()
	}
	w.ref("serviceProvider", "Organization/"+orgID, orgName)
	g.done("Encounter", id)
}

// earlier returns the earlier of two times.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
