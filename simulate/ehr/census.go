// Changes to the census: transfers, discharges and admissions.

package ehr

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat/simulate"
)

// freeBeds returns the beds nobody is in, on the units ok accepts.
func (c *changer) freeBeds(ok func(*unit) bool) []*bed {
	var free []*bed
	for _, u := range c.st.units {
		if !ok(u) {
			continue
		}
		for _, b := range u.beds {
			if b.occupant == nil {
				free = append(free, b)
			}
		}
	}
	return free
}

// adultWard reports whether adults are moved to a unit: any inpatient unit
// but pediatrics and maternity.
func adultWard(u *unit) bool {
	return u.kind != "Pediatrics" && u.kind != "Maternity" && u.kind != "Emergency department"
}

// Code systems of the codes Advance writes.
const (
	sysInterp    = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	sysDischarge = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
	sysBedStatus = "http://terminology.hl7.org/CodeSystem/v2-0116"
)

// coding is a Coding.
func coding(system, code, display string) object {
	return object{{"system", encode(system)}, {"code", encode(code)}, {"display", encode(display)}}
}

var bedStatusText = map[string]string{"O": "Occupied", "U": "Unoccupied", "H": "Housekeeping"}

// setBed sets a bed's operational status (v2-0116).
func (c *changer) setBed(b *bed, code string) {
	o := parse(b.loc)
	o.set("operationalStatus", coding(sysBedStatus, code, bedStatusText[code]), "status")
	c.update(b.loc, o)
}

// bedLocation is an Encounter.location entry for a stay starting now.
func (c *changer) bedLocation(b *bed, physicalType []byte) object {
	l := object{{"location", encode(object{{"reference", encode("Location/" + b.id)}, {"display", encode(b.name)}})},
		{"status", encode("active")}}
	if physicalType != nil {
		l.set("physicalType", physicalType)
	}
	l.set("period", object{{"start", encode(instant(c.at))}})
	return l
}

// endStay closes the active locations of an encounter.
func (c *changer) endStay(o object) (physicalType []byte) {
	locs := o.objs("location")
	for i := range locs {
		l := &locs[i]
		if l.str("status") != "active" {
			continue
		}
		physicalType = l.get("physicalType")
		l.set("status", "completed")
		per := l.obj("period")
		per.set("end", instant(c.at))
		l.set("period", per)
	}
	if locs != nil {
		o.set("location", locs)
	}
	return physicalType
}

// moveOrDischarge transfers an admitted adult to a bed on another adult
// inpatient unit, or discharges a patient home.
func (c *changer) moveOrDischarge() {
	adm := c.admitted()
	if len(adm) == 0 {
		return
	}
	p := adm[c.r.IntN(len(adm))]
	o := parse(p.enc)
	cur := p.unitOf()
	movable := cur != nil && cur.kind != "Pediatrics" && cur.kind != "Maternity"
	free := c.freeBeds(func(u *unit) bool { return u != cur && adultWard(u) })
	if c.r.Float64() < 0.55 && movable && len(free) > 0 {
		b := free[c.r.IntN(len(free))]
		pt := c.endStay(o)
		o.set("location", append(o.objs("location"), c.bedLocation(b, pt)))
		c.update(p.enc, o)
		if p.bed != nil {
			p.bed.occupant = nil
			c.setBed(p.bed, "H")
		}
		p.bed, b.occupant = b, p
		c.setBed(b, "O")
		return
	}
	o.set("status", "finished")
	per := o.obj("period")
	per.set("end", instant(c.at))
	o.set("period", per)
	c.endStay(o)
	hosp := o.obj("hospitalization")
	hosp.set("dischargeDisposition", object{{"coding", encode([]object{coding(sysDischarge, "home", "Home")})},
		{"text", encode("Discharged home")}})
	o.set("hospitalization", hosp, "reasonCode")
	c.update(p.enc, o)
	if p.bed != nil {
		p.bed.occupant = nil
		c.setBed(p.bed, "H")
	}
	p.enc, p.bed = nil, nil
	c.st.admitted--
}

// admit admits a new patient: the person and the reason for admission come
// from a one-patient hospital generated with another seed, placed in a free
// bed of the same unit here.
func (c *changer) admit(seed uint64, step int) {
	st := c.st
	for try := range 8 {
		var pat, enc []byte
		err := simulate.Generate(simulate.Options{Seed: mix(seed + uint64(step)<<8 + uint64(try) + 0x61646d6974), Now: c.at, Patients: 1},
			func(typ, id string, b []byte) error {
				if typ == "Patient" {
					pat = b
				} else if typ == "Encounter" && enc == nil && bytes.Contains(b, []byte(`"status":"in-progress"`)) {
					enc = b
				}
				return nil
			})
		if err != nil || pat == nil || enc == nil || st.mrns[mrnOf(pat)] {
			continue
		}
		po, err1 := parseObject(pat)
		eo, err2 := parseObject(enc)
		if err1 != nil || err2 != nil {
			continue
		}
		var there *bed
		for _, l := range eo.objs("location") {
			if l.str("status") == "active" {
				there = st.beds[strings.TrimPrefix(l.obj("location").str("reference"), "Location/")]
			}
		}
		if there == nil {
			continue
		}
		free := c.freeBeds(func(u *unit) bool { return u == there.unit })
		if len(free) == 0 {
			continue
		}
		b := free[c.r.IntN(len(free))]
		pid := st.newPatientID()
		po.set("id", pid)
		st.mrns[mrnOf(pat)] = true
		c.create("Patient", pid, po)

		eid := pid + "-enc-1"
		eo.set("id", eid)
		if ids := eo.objs("identifier"); len(ids) > 0 {
			ids[0].set("value", fmt.Sprintf("V%09d", c.r.IntN(1e9)))
			eo.set("identifier", ids)
		}
		subj := eo.obj("subject")
		subj.set("reference", "Patient/"+pid)
		eo.set("subject", subj)
		parts := eo.objs("participant")
		for i := range parts {
			pa := &parts[i]
			pa.set("period", object{{"start", encode(instant(c.at))}})
			if ind := pa.obj("individual"); ind != nil {
				if d := st.pracs[strings.TrimPrefix(ind.str("reference"), "Practitioner/")]; d != "" {
					ind.set("display", d)
					pa.set("individual", ind)
				}
			}
		}
		if parts != nil {
			eo.set("participant", parts)
		}
		eo.set("period", object{{"start", encode(instant(c.at))}})
		var pt []byte
		if locs := eo.objs("location"); len(locs) > 0 {
			pt = locs[0].get("physicalType")
		}
		eo.set("location", []object{c.bedLocation(b, pt)})
		e := c.create("Encounter", eid, eo)
		p := st.pats[st.patIdx[pid]]
		p.enc, p.bed, b.occupant = e, b, p
		st.admitted++
		c.setBed(b, "O")
		return
	}
}
