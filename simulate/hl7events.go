package simulate

import (
	"slices"
	"time"
)

// event makes a message of the given kind; ok is false when nobody fits
// (no one to discharge, no free bed) and another kind must be drawn.
func (f *Feed) event(now time.Time, kind string) ([]byte, bool, error) {
	var data []byte
	var err error
	switch kind {
	case KindAdmit:
		b := f.freeBed(f.g.units)
		if b == nil {
			return nil, false, nil
		}
		p := f.newPatient(b.unit, now)
		f.place(p, b)
		data, _, err = f.adt(now, "A01", p, nil)
	case KindTransfer:
		p := f.pick(func(p *fpat) float64 {
			if p.class == "E" {
				return 6
			}
			return 1
		})
		if p == nil {
			return nil, false, nil
		}
		to := f.freeBed(f.transferUnits(p))
		if to == nil {
			return nil, false, nil
		}
		from := p.bed
		f.place(p, to)
		if from.unit.kind == kED && to.unit.kind != kED {
			p.class, p.kind = "I", to.unit.kind
		}
		data, _, err = f.adt(now, "A02", p, from)
	case KindDischarge:
		p := f.pick(func(p *fpat) float64 {
			h := now.Sub(p.admit).Hours()
			if p.class == "E" {
				return min(h, 6)
			}
			return max(h-4, 0)
		})
		if p == nil {
			return nil, false, nil
		}
		f.release(p, now)
		data, _, err = f.adt(now, "A03", p, nil)
	case KindUpdate:
		p := f.pick(nil)
		if p == nil {
			return nil, false, nil
		}
		switch x := f.r.Float64(); {
		case x < 0.3:
			f.addAllergy(p)
		case x < 0.5:
			p.att = f.g.attending(f.r, p.att.spec)
		default:
			p.phone = phone(f.r)
		}
		data, _, err = f.adt(now, "A08", p, nil)
	case KindCancelAdmit:
		p := f.pick(func(p *fpat) float64 {
			if !p.admitted.IsZero() && now.Sub(p.admitted) < time.Hour {
				return 1
			}
			return 0
		})
		if p == nil {
			return nil, false, nil
		}
		f.release(p, now)
		f.gone = f.gone[:len(f.gone)-1] // a cancelled admission cannot be undischarged
		data, _, err = f.adt(now, "A11", p, nil)
	case KindCancelDischarge:
		i := slices.IndexFunc(f.gone, func(p *fpat) bool { return now.Sub(p.discharged) < 2*time.Hour && f.occ[p.bed] == nil })
		if i < 0 {
			return nil, false, nil
		}
		p := f.gone[i]
		f.gone = slices.Delete(f.gone, i, i+1)
		p.discharged = time.Time{}
		f.place(p, p.bed)
		data, _, err = f.adt(now, "A13", p, nil)
	case KindResult:
		p := f.pick(nil)
		if p == nil {
			return nil, false, nil
		}
		data, _, err = f.oru(now, p)
	case KindOrder:
		p := f.pick(func(p *fpat) float64 { return 1 / float64(1+len(p.orders)) })
		if p == nil {
			return nil, false, nil
		}
		if act := activeOrders(p); len(act) > 3 && chance(f.r, 0.25) {
			o := pick(f.r, act)
			o.active = false
			data, _, err = f.rde(now, p, o, true)
			break
		}
		key := pick(f.r, orderKeys(p))
		o := f.makeOrder(p, key, now)
		if slices.ContainsFunc(activeOrders(p), func(x *forder) bool { return x.name == o.name }) {
			return nil, false, nil
		}
		p.orders = append(p.orders, o)
		data, _, err = f.rde(now, p, o, false)
	case KindAdministration:
		p := f.pick(func(p *fpat) float64 { return float64(activeCount(p)) })
		if p == nil {
			return nil, false, nil
		}
		act := activeOrders(p)
		ws := make([]int, len(act))
		for i, o := range act {
			ws[i] = 4
			if o.prn || o.pattern == "C" {
				ws[i] = 1
			}
		}
		data, _, err = f.ras(now, p, act[pickIndex(f.r, ws...)])
	case KindNote:
		p := f.pick(nil)
		if p == nil {
			return nil, false, nil
		}
		data, _, err = f.mdm(now, p)
	}
	return data, true, err
}

// pick chooses an admitted patient the feed may talk about, with weight w
// (uniform if nil); nil if none has a positive weight.
func (f *Feed) pick(w func(p *fpat) float64) *fpat {
	total := 0.0
	ws := make([]float64, len(f.pats))
	for i, p := range f.pats {
		if p.silent {
			continue
		}
		ws[i] = 1
		if w != nil {
			ws[i] = w(p)
		}
		total += ws[i]
	}
	if total <= 0 {
		return nil
	}
	x := f.r.Float64() * total
	for i, p := range f.pats {
		if ws[i] > 0 {
			if x -= ws[i]; x < 0 {
				return p
			}
		}
	}
	return nil
}

// freeBed picks a free bed on one of the units.
func (f *Feed) freeBed(units []*unit) *bed {
	var free []*bed
	for _, u := range units {
		for _, b := range u.beds {
			if f.occ[b] == nil {
				free = append(free, b)
			}
		}
	}
	if len(free) == 0 {
		return nil
	}
	return pick(f.r, free)
}

// transferUnits returns where p may move: out of the emergency department
// to an inpatient unit that fits, else mostly to another unit of the same
// kind of care, sometimes to another bed on the same unit.
func (f *Feed) transferUnits(p *fpat) []*unit {
	cur := p.bed.unit
	if p.kind == kMaternity || p.age < 18 && cur.kind != kED || chance(f.r, 0.3) && cur.kind != kED {
		return []*unit{cur}
	}
	switch {
	case p.age < 18:
		return f.g.unitsOf(kPeds)
	case p.kind == kED || cur.kind == kED:
		return f.g.unitsOf(kICU, kStepDown, kCardio, kMedSurg, kOnc)
	case cur.kind == kICU:
		return f.g.unitsOf(kStepDown, kMedSurg, kCardio)
	}
	return f.g.unitsOf(kICU, kStepDown, kCardio, kMedSurg, kOnc)
}
