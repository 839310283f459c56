package ehr

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is what one call of Advance changed.
type Step struct {
	// Time is the meta.lastUpdated of every resource changed, and when the
	// deleted ones were removed.
	Time time.Time
	// Created, Updated and Deleted name the resources ("Type/id").
	Created, Updated, Deleted []string
}

// Advance moves the hospital on by one step, at now: new vital signs for
// some admitted patients, new medication administrations, a transfer or a
// discharge, sometimes an admission, and sometimes a vital sign removed as
// entered in error. The changes depend only on the seed, the number of
// earlier steps and the times given. Every changed resource gets a new
// meta.versionId and meta.lastUpdated; that time is after every
// transactionTime already given out, so an export with _since of one of them
// sees the change.
func (s *Server) Advance(now time.Time) Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step++
	at := now.Truncate(time.Millisecond)
	if !at.After(s.lastTx) {
		at = s.lastTx.Add(time.Millisecond)
	}
	if at.Before(s.lastStamp) {
		at = s.lastStamp
	}
	s.lastStamp = at
	if s.target == 0 {
		s.target = s.st.admitted
	}
	c := &changer{st: s.st, at: at, seen: map[*entry]bool{},
		r: rand.New(rand.NewPCG(mix(s.seed^0x616476616e6365), uint64(s.step)))}
	c.step.Time = at
	c.vitals()
	c.medications()
	c.moveOrDischarge()
	admitP := 0.2
	if s.st.admitted < s.target {
		admitP = 0.7
	}
	if c.r.Float64() < admitP {
		c.admit(s.seed, s.step)
	}
	if c.r.Float64() < 0.3 {
		c.enteredInError()
	}
	s.created.Add(int64(len(c.step.Created)))
	s.updated.Add(int64(len(c.step.Updated)))
	s.deleted.Add(int64(len(c.step.Deleted)))
	return c.step
}

// changer makes the changes of one step. The caller holds Server.mu.
type changer struct {
	st   *store
	at   time.Time
	r    *rand.Rand
	step Step
	seen map[*entry]bool // updated already this step
}

// admitted returns the patients with an in-progress encounter.
func (c *changer) admitted() []*patient {
	var ps []*patient
	for _, p := range c.st.pats {
		if p.enc != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// pick returns k patients of ps, chosen at random.
func (c *changer) pick(ps []*patient, k int) []*patient {
	k = min(k, len(ps))
	out := make([]*patient, 0, k)
	for _, i := range c.r.Perm(len(ps))[:k] {
		out = append(out, ps[i])
	}
	return out
}

func (c *changer) create(typ, id string, o object) *entry {
	e := c.st.add(typ, id, withMeta(o, 1, c.at), c.at)
	c.step.Created = append(c.step.Created, typ+"/"+id)
	return e
}

func (c *changer) update(e *entry, o object) {
	e.version++
	e.line, e.updated = withMeta(o, e.version, c.at), c.at
	if !c.seen[e] {
		c.seen[e] = true
		c.step.Updated = append(c.step.Updated, c.st.types[e.typ]+"/"+e.id)
	}
}

// parse splits a stored resource into its members.
func parse(e *entry) object {
	o, err := parseObject(e.line[:len(e.line)-1])
	if err != nil {
		panic(fmt.Sprintf("ehr: stored %s is not valid JSON: %v", e.id, err)) // every stored line was written as JSON
	}
	return o
}

// newID returns an unused id for a new resource of a patient.
func (c *changer) newID(typ string, p *patient) string {
	for {
		c.st.seq++
		id := p.id + "-live-" + strconv.Itoa(c.st.seq)
		if c.st.lookup(typ, id) == nil {
			return id
		}
	}
}

// Vital signs that are charted again, with the noise of a new reading.
var vitalNoise = map[string]float64{"8867-4": 4, "85354-9": 5, "9279-1": 1.5, "8310-5": 0.2, "59408-5": 1.2}

var vitalCodes = []string{"8867-4", "85354-9", "9279-1", "8310-5", "59408-5"}

var (
	vitalCat  = []byte(`"code":"vital-signs"`)
	loincCode = []byte(`"code":{"coding":[{"system":"http://loinc.org","code":"`)
)

// latestVital returns the patient's latest vital sign observation of each
// code.
func latestVital(st *store, p *patient) map[string]*entry {
	m := map[string]*entry{}
	obs := st.typeIdx["Observation"]
	for i := len(p.res) - 1; i >= 0 && len(m) < len(vitalCodes); i-- {
		e := p.res[i]
		if e.typ != obs || !bytes.Contains(e.line, vitalCat) {
			continue
		}
		j := bytes.Index(e.line, loincCode)
		if j < 0 {
			continue
		}
		code, _, _ := bytes.Cut(e.line[j+len(loincCode):], []byte(`"`))
		if _, ok := vitalNoise[string(code)]; ok && m[string(code)] == nil {
			m[string(code)] = e
		}
	}
	return m
}

// vitals charts a new set of vital signs for some admitted patients, each
// reading near the last one.
func (c *changer) vitals() {
	adm := c.admitted()
	for _, p := range c.pick(adm, max(1, len(adm)/30)) {
		last := latestVital(c.st, p)
		for _, code := range vitalCodes {
			e := last[code]
			if e == nil {
				continue
			}
			o := parse(e)
			id := c.newID("Observation", p)
			o.set("id", id)
			o.set("encounter", ref("Encounter/"+p.enc.id))
			o.set("effectiveDateTime", instant(c.at))
			if vq := o.obj("valueQuantity"); vq != nil {
				c.reading(&o, vq, vitalNoise[code], code == "59408-5")
			}
			comps := o.objs("component")
			for i := range comps {
				if vq := comps[i].obj("valueQuantity"); vq != nil {
					c.reading(&comps[i], vq, vitalNoise[code], false)
				}
			}
			if comps != nil {
				o.set("component", comps)
			}
			c.create("Observation", id, o)
		}
	}
}

// reading replaces the value of an observation (or component) o with a new
// reading near it, drawn towards the middle of its reference range, and
// sets its interpretation.
func (c *changer) reading(o *object, vq object, noise float64, percent bool) {
	raw := string(vq.get("value"))
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return
	}
	prec := 0
	if i := strings.IndexByte(raw, '.'); i >= 0 {
		prec = len(raw) - i - 1
	}
	lo, hi, ranged := refRange(*o)
	if ranged {
		v += 0.15 * ((lo+hi)/2 - v)
	}
	v += noise * c.r.NormFloat64()
	if percent {
		v = min(v, 100)
	}
	p := math.Pow(10, float64(prec))
	v = max(math.Round(v*p)/p, 0)
	vq.set("value", numberJSON(v, prec))
	o.set("valueQuantity", vq)
	if !ranged {
		o.del("interpretation")
		return
	}
	flag, text := "N", "Normal"
	if v < lo {
		flag, text = "L", "Low"
	} else if v > hi {
		flag, text = "H", "High"
	}
	o.set("interpretation", []object{{{"coding", encode([]object{coding(sysInterp, flag, text)})}, {"text", encode(text)}}})
}

// numberJSON writes v with prec decimals.
func numberJSON(v float64, prec int) []byte { return strconv.AppendFloat(nil, v, 'f', prec, 64) }

// refRange returns the low and high of an observation's first reference
// range.
func refRange(o object) (lo, hi float64, ok bool) {
	rr := o.objs("referenceRange")
	if len(rr) == 0 {
		return 0, 0, false
	}
	l, e1 := strconv.ParseFloat(string(rr[0].obj("low").get("value")), 64)
	h, e2 := strconv.ParseFloat(string(rr[0].obj("high").get("value")), 64)
	return l, h, e1 == nil && e2 == nil
}

// medications records doses of active orders given to some admitted
// patients.
func (c *changer) medications() {
	adm := c.admitted()
	mrType, maType := c.st.typeIdx["MedicationRequest"], c.st.typeIdx["MedicationAdministration"]
	for _, p := range c.pick(adm, max(1, len(adm)/60)) {
		var orders []*entry
		var lastMA *entry
		for _, e := range p.res {
			switch {
			case e.typ == mrType && bytes.Contains(e.line, []byte(`"status":"active"`)):
				orders = append(orders, e)
			case e.typ == maType:
				lastMA = e
			}
		}
		if len(orders) == 0 {
			continue
		}
		mr := orders[c.r.IntN(len(orders))]
		o := parse(mr)
		id := c.newID("MedicationAdministration", p)
		ma := object{{"resourceType", encode("MedicationAdministration")}, {"id", encode(id)}, {"status", encode("completed")}}
		if m := o.get("medicationCodeableConcept"); m != nil {
			ma.set("medicationCodeableConcept", m)
		} else if m := o.get("medicationReference"); m != nil {
			ma.set("medicationReference", m)
		}
		ma.set("subject", ref("Patient/"+p.id))
		ma.set("context", ref("Encounter/"+p.enc.id))
		ma.set("effectiveDateTime", instant(c.at))
		if lastMA != nil {
			if perf := parse(lastMA).get("performer"); perf != nil {
				ma.set("performer", perf)
			}
		}
		ma.set("request", ref("MedicationRequest/"+mr.id))
		if di := o.objs("dosageInstruction"); len(di) > 0 {
			var d object
			if route := di[0].get("route"); route != nil {
				d.set("route", route)
			}
			if dr := di[0].objs("doseAndRate"); len(dr) > 0 {
				if q := dr[0].get("doseQuantity"); q != nil {
					d.set("dose", q)
				}
				if q := dr[0].get("rateQuantity"); q != nil {
					d.set("rateQuantity", q)
				}
			}
			if len(d) > 0 {
				ma.set("dosage", d)
			}
		}
		c.create("MedicationAdministration", id, ma)
	}
}

// enteredInError removes an admitted patient's latest vital sign, as if it
// had been charted on the wrong patient.
func (c *changer) enteredInError() {
	adm := c.admitted()
	for _, p := range c.pick(adm, 5) {
		last := latestVital(c.st, p)
		var victim *entry
		for _, code := range vitalCodes {
			if e := last[code]; e != nil && (victim == nil || slices.Index(p.res, e) > slices.Index(p.res, victim)) {
				victim = e
			}
		}
		if victim != nil {
			c.st.remove(victim, c.at)
			c.step.Deleted = append(c.step.Deleted, "Observation/"+victim.id)
			return
		}
	}
}
