package simulate

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// administrations writes the doses given (or not) in the last 24 hours.
func (g *gen) administrations(p *patient, o *order) {
	r := p.r
	from := g.now.Add(-24 * time.Hour)
	if o.start.After(from) {
		from = o.start
	}
	switch {
	case o.d.rateUnit != "": // infusion: rate documented every 4 h
		rate := o.rate
		t := o.start.Add(time.Duration(r.IntN(10)) * time.Minute)
		for ; !t.After(g.now); t = slot(t, 4*time.Hour).Add(time.Duration(r.IntN(25)) * time.Minute) {
			if !t.Before(from) {
				g.administration(p, o, t, "", rate)
			}
			if o.d.hi > o.d.lo && chance(r, 0.5) { // titrated
				rate = roundDose(min(max(rate*math.Exp(0.2*r.NormFloat64()), o.d.lo), o.d.hi))
			}
		}
	case o.f.prn:
		n := pickIndex(r, 35, 30, 20, 10, 5)
		if !strings.Contains(o.d.prn, "pain") {
			n = pickIndex(r, 55, 30, 15)
		}
		span := g.now.Sub(from) - 5*time.Minute
		if span <= 0 {
			return
		}
		var ts []time.Time
		for range n {
			ts = append(ts, from.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Minute))
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		var last time.Time
		for _, t := range ts {
			if last.IsZero() || t.Sub(last) >= o.f.every {
				g.administration(p, o, t, "", 0)
				last = t
			}
		}
	default:
		for _, due := range o.dues(from, g.now) {
			g.scheduledDose(p, o, due)
		}
	}
}

// slot returns the first time after t that is a multiple of step from
// local midnight.
func slot(t time.Time, step time.Duration) time.Time {
	y, m, d := t.Date()
	s := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	for !s.After(t) {
		s = s.Add(step)
	}
	return s
}

// dues returns the scheduled due times in [from, to].
func (o *order) dues(from, to time.Time) []time.Time {
	var ts []time.Time
	if o.f.every > 0 {
		t := o.start
		if t.Before(from) {
			t = t.Add((from.Sub(t) + o.f.every - 1) / o.f.every * o.f.every)
		}
		for ; !t.After(to); t = t.Add(o.f.every) {
			ts = append(ts, t)
		}
		return ts
	}
	y, m, d := from.Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, from.Location()); !day.After(to); day = day.AddDate(0, 0, 1) {
		for _, s := range o.f.times {
			hh, _ := strconv.Atoi(s[:2])
			mm, _ := strconv.Atoi(s[3:])
			t := time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, day.Location())
			if !t.Before(from) && !t.Before(o.start) && !t.After(to) {
				ts = append(ts, t)
			}
		}
	}
	return ts
}

var notGivenReasons = []string{"Patient refused", "Patient refused", "Held - NPO for procedure", "Held - patient off unit"}

// scheduledDose writes what happened to one scheduled dose: usually given
// within 30 minutes of the due time, sometimes held or refused, sometimes
// not documented at all.
func (g *gen) scheduledDose(p *patient, o *order, due time.Time) {
	r := p.r
	if g.now.Sub(due) < 25*time.Minute && chance(r, 0.6) {
		return // not given yet
	}
	oral := o.d.route == "oral"
	x := r.Float64()
	switch {
	case p.sc.npo && oral && x < 0.2:
		g.administration(p, o, due.Add(time.Duration(r.IntN(20))*time.Minute), "Held - NPO", 0)
	case x < 0.05:
		reason := pick(r, notGivenReasons)
		if o.d.hold != "" && chance(r, 0.6) {
			reason = o.d.hold
		}
		g.administration(p, o, due.Add(time.Duration(r.IntN(25))*time.Minute), reason, 0)
	case x < 0.085:
		return // missed: nothing documented
	default:
		off := time.Duration(max(-30, min(30, r.NormFloat64()*11))) * time.Minute
		if chance(r, 0.03) {
			off = time.Duration(31+r.IntN(20)) * time.Minute
		}
		t := due.Add(off)
		if t.Before(o.start) {
			t = o.start.Add(time.Duration(2+r.IntN(20)) * time.Minute)
		}
		if !t.After(g.now) {
			g.administration(p, o, t, "", 0)
		}
	}
}

// administration writes one MedicationAdministration; reason makes it not-done.
func (g *gen) administration(p *patient, o *order, t time.Time, reason string, rate float64) {
	w := &g.w
	id := p.nextID("ma")
	w.begin("MedicationAdministration", id, t)
	if reason != "" {
		w.str("status", "not-done")
		w.ccs("statusReason", reason)
	} else {
		w.str("status", "completed")
	}
	g.medication(o)
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("context", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", t)
	w.arr("performer")
	w.obj("")
	nurse := p.rn[1]
	if h := t.Hour(); h >= 7 && h < 19 {
		nurse = p.rn[0]
	}
	w.ref("actor", "", nurse.full()+", RN")
	w.end()
	w.endA()
	w.ref("request", "MedicationRequest/"+o.id, "")
	w.obj("dosage")
	w.cc("route", o.d.route, routes[o.d.route])
	if o.d.rateUnit != "" {
		w.qty("rateQuantity", rate, decimals(rate), o.d.rateUnit, ucum[o.d.rateUnit])
	} else {
		w.qty("dose", o.dose, decimals(o.dose), o.d.unit, ucum[o.d.unit])
	}
	w.end()
	g.done("MedicationAdministration", id)
}
