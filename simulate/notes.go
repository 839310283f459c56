package simulate

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// notes writes an admission note and, for longer stays, a nursing shift
// note and a progress note.
func (g *gen) notes(p *patient) {
	r, now := p.r, g.now
	stay := now.Sub(p.admit)
	hp := p.admit.Add(time.Duration(50+r.IntN(100)) * time.Minute)
	if hp.After(now) {
		hp = now.Add(-time.Duration(r.IntN(5)) * time.Minute)
	}
	if hp.Before(p.admit) {
		hp = p.admit
	}
	if p.u.kind == kED {
		g.note(p, hp, loinc("34111-5", "Emergency department Note"), "ED provider note", p.att.display, "Practitioner/"+p.att.id, p.admissionText("EMERGENCY DEPARTMENT PROVIDER NOTE"))
	} else {
		g.note(p, hp, loinc("34117-2", "History and physical note"), "History and physical", p.att.display, "Practitioner/"+p.att.id, p.admissionText("HISTORY AND PHYSICAL"))
	}
	if stay > 8*time.Hour && chance(r, 0.75) {
		// Written at the end of the last completed shift (07:00-19:00 or 19:00-07:00).
		y, m, d := now.Date()
		end := time.Date(y, m, d, 18, 30, 0, 0, now.Location())
		for end.Add(45 * time.Minute).After(now) {
			end = end.Add(-12 * time.Hour)
		}
		t := end.Add(time.Duration(r.IntN(45)) * time.Minute)
		if t.After(hp) {
			g.note(p, t, loinc("34746-8", "Nurse Note"), "Nursing shift note", p.nurseAt(t.Add(-time.Hour)).full()+", RN", "", p.nursingText(t))
		}
	}
	if stay > 20*time.Hour && p.u.kind != kED {
		y, m, d := now.Date()
		t := time.Date(y, m, d, 9, r.IntN(120), 0, 0, now.Location())
		if t.After(now) {
			t = t.AddDate(0, 0, -1)
		}
		if t.After(hp) {
			g.note(p, t, loinc("11506-3", "Progress note"), "Progress note", p.att.display, "Practitioner/"+p.att.id, p.progressText(t))
		}
	}
}

func (g *gen) note(p *patient, t time.Time, c concept, title, author, authorRef, text string) {
	w := &g.w
	id := p.nextID("doc")
	w.begin("DocumentReference", id, t)
	w.str("status", "current")
	w.str("docStatus", "final")
	w.cc("type", title, c)
	w.ccs("category", "Clinical Note", concept{"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "clinical-note", "Clinical Note"})
	w.ref("subject", "Patient/"+p.id, "")
	w.dt("date", t)
	w.arr("author")
	w.ref("", authorRef, author)
	w.endA()
	w.str("description", title)
	w.arr("content")
	w.obj("")
	w.obj("attachment")
	w.str("contentType", "text/plain")
	w.str("language", "en-US")
	w.key("data")
	w.b = append(w.b, '"')
	w.b = base64.StdEncoding.AppendEncode(w.b, []byte(text))
	w.b = append(w.b, '"')
	w.str("title", title)
	w.dt("creation", t)
	w.end()
	w.end()
	w.endA()
	w.obj("context")
	w.arr("encounter")
	w.ref("", "Encounter/"+p.encID, "")
	w.endA()
	w.obj("period")
	w.dt("start", p.admit)
	w.end()
	w.end()
	g.done("DocumentReference", id)
}

// who returns "67-year-old woman", "14-month-old boy", ...
func (p *patient) who() string {
	switch {
	case p.age < 1 && p.male:
		return p.ageText() + " male infant"
	case p.age < 1:
		return p.ageText() + " female infant"
	case p.child() && p.male:
		return p.ageText() + " boy"
	case p.child():
		return p.ageText() + " girl"
	case p.male:
		return p.ageText() + " man"
	}
	return p.ageText() + " woman"
}

func (p *patient) allergyText() string {
	switch p.nka {
	case 1:
		return "No known allergies."
	case 2:
		return strings.Join(p.allerg, ", ") + "."
	}
	return "Not yet obtained - verify with patient or family."
}

func (p *patient) admissionText(title string) string {
	var b strings.Builder
	b.WriteString(title + "\n")
	bed := p.b
	if len(p.moves) > 0 {
		bed = p.moves[0].b
	}
	b.WriteString("Arrived: " + p.admit.Format("2006-01-02 15:04") + "   Location: " + bed.unit.name + ", bed " + bed.label + "\n\n")
	b.WriteString("Chief complaint: " + p.sc.reason + "\n\n")
	pmh := "no significant past medical history"
	if len(p.comorb) > 0 {
		var hs []string
		for _, c := range p.comorb {
			hs = append(hs, lowerFirst(c.c.display))
		}
		pmh = "a history of " + strings.Join(hs, ", ")
	}
	b.WriteString("HPI: " + p.who() + " with " + pmh + ", presenting with " + p.sc.hpi + ".\n\n")
	b.WriteString("Allergies: " + p.allergyText() + "\n")
	code := p.code
	if code == "" {
		code = "Not yet discussed."
	}
	b.WriteString("Code status: " + code + "\n\n")
	t := p.admit.Add(10 * time.Minute)
	b.WriteString("Exam: T " + strconv.FormatFloat(round(p.level("t", t), 1), 'f', 1, 64) +
		", HR " + itoa(p.level("hr", t)) + ", BP " + itoa(p.level("sbp", t)) + "/" + itoa(p.level("dbp", t)) +
		", RR " + itoa(p.level("rr", t)) + ", SpO2 " + itoa(min(p.level("spo2", t), 100)) + "%.\n\n")
	b.WriteString("Assessment and plan: " + p.sc.plan + "\n")
	return b.String()
}

func itoa(v float64) string { return strconv.Itoa(int(round(v, 0))) }

func (p *patient) nursingText(t time.Time) string {
	var b strings.Builder
	shift := "Night shift 19:00-07:00"
	if t.Hour() >= 18 {
		shift = "Day shift 07:00-19:00"
	}
	b.WriteString("NURSING SHIFT NOTE - " + shift + "\n")
	switch {
	case p.u.kind == kICU && p.sc.npo:
		b.WriteString("Neuro: sedated, RASS -1, follows simple commands off sedation.\n")
	case p.child():
		b.WriteString("Neuro: alert, interactive, consolable. Parent at bedside.\n")
	case p.hasComorb("dementia"):
		b.WriteString("Neuro: alert, oriented to self only; intermittently agitated overnight.\n")
	default:
		b.WriteString("Neuro: alert and oriented x4.\n")
	}
	b.WriteString("Vitals: HR " + itoa(p.level("hr", t)) + ", BP " + itoa(p.level("sbp", t)) + "/" + itoa(p.level("dbp", t)) +
		", SpO2 " + itoa(min(p.level("spo2", t), 100)) + "%, T " + strconv.FormatFloat(round(p.level("t", t), 1), 'f', 1, 64) + ".\n")
	var drips, prns []string
	for _, o := range p.orders {
		switch {
		case o.d.rateUnit != "":
			drips = append(drips, o.d.name)
		case o.f.prn:
			prns = append(prns, shortName(o.d))
		}
	}
	if len(drips) > 0 {
		b.WriteString("Infusions: " + strings.Join(drips, "; ") + ", running as ordered.\n")
	} else {
		b.WriteString("Lines: peripheral IV, flushed and patent.\n")
	}
	if len(prns) > 0 {
		b.WriteString("PRN available: " + strings.Join(prns, ", ") + ". Pain reassessed after each dose.\n")
	}
	if p.age >= 65 {
		b.WriteString("Safety: high fall risk, bed alarm on, call light in reach.\n")
	} else {
		b.WriteString("Safety: call light in reach, side rails up x2.\n")
	}
	b.WriteString("Plan: continue per orders; " + pick(p.r, []string{"family updated by phone.", "patient updated on plan of care.", "handoff given at bedside."}) + "\n")
	return b.String()
}

func (p *patient) progressText(t time.Time) string {
	day := int(t.Sub(p.admit).Hours()/24) + 1
	var b strings.Builder
	b.WriteString("PROGRESS NOTE - Hospital day " + strconv.Itoa(day) + "\n\n")
	better := p.tau < 60
	switch {
	case better && p.child():
		b.WriteString("S: More comfortable per parents; feeding better, playful at times.\n")
	case better:
		b.WriteString("S: Feels better today. Tolerating diet, ambulating with assistance.\n")
	default:
		b.WriteString("S: Remains ill; no acute events overnight per nursing.\n")
	}
	b.WriteString("O: T " + strconv.FormatFloat(round(p.level("t", t), 1), 'f', 1, 64) + ", HR " + itoa(p.level("hr", t)) +
		", BP " + itoa(p.level("sbp", t)) + "/" + itoa(p.level("dbp", t)) + ", SpO2 " + itoa(min(p.level("spo2", t), 100)) + "%. Labs reviewed.\n")
	b.WriteString("A/P: " + p.sc.reason + ", hospital day " + strconv.Itoa(day) + ". " + p.sc.plan + "\n")
	if p.code != "" {
		b.WriteString("Code status: " + p.code + ".\n")
	}
	return b.String()
}
