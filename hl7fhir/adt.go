package hl7fhir

import (
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// groups splits the segments of the message into groups that each start
// with a segment named start; segments before the first are dropped.
func (m *mapper) groups(start string) [][]hl7v2.Segment {
	var segs []hl7v2.Segment // from the first start on
	n := 0                   // groups
	for s := range m.msg.Segments() {
		if s.Name() == start {
			if segs == nil {
				segs = m.arena.segments.slice(m.msg.SegmentCount() - s.Number() + 1)
			}
			n++
		}
		if segs != nil {
			segs = append(segs, s)
		}
	}
	out := m.arena.segmentGroups.slice(n)
	for i, s := range segs {
		if s.Name() == start {
			out = append(out, segs[i:i+1])
		} else {
			g := &out[len(out)-1]
			*g = segs[i-len(*g) : i+1 : i+1]
		}
	}
	return out
}

// named returns the segments of g with the given ID.
func named(g []hl7v2.Segment, name string) []hl7v2.Segment {
	var out []hl7v2.Segment
	for _, s := range g {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// firstNamed returns the first segment of g with the given ID (zero if none).
func firstNamed(g []hl7v2.Segment, name string) (hl7v2.Segment, bool) {
	for _, s := range g {
		if s.Name() == name {
			return s, true
		}
	}
	return hl7v2.Segment{}, false
}

// adt maps an ADT message: for each PID group, the Patient (full), its
// Encounter from PV1/PV2 as the trigger event says, allergies (AL1, IAM),
// diagnoses (DG1), problems (PRB) and observations (OBX).
func (m *mapper) adt() error {
	ev, ok := adtEvents[m.trigger]
	if !ok {
		return unsupported(hl7v2.CodeUnsupportedEvent, "trigger event not mapped")
	}
	groups := m.groups("PID")
	if len(groups) == 0 {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	for _, g := range groups {
		pid := g[0]
		nk1 := named(g, "NK1")
		var pat patientCtx
		var err error
		if mrg, ok := firstNamed(g, "MRG"); ok && ev == evMerge {
			if err = m.merge(pid, mrg, nk1); err == nil {
				pat, err = m.patientCtx(pid)
			}
		} else {
			pat, err = m.patient(pid, nk1, false)
		}
		if err != nil {
			return err
		}
		enc := ""
		if pv1, ok := firstNamed(g, "PV1"); ok && ev != evPatientOnly && ev != evMerge {
			pv2, _ := firstNamed(g, "PV2")
			enc = m.encounter(pat, pv1, pv2, ev, false)
		}
		m.clinical(g, pat, enc)
	}
	return nil
}

// patientCtx returns the context of a patient already emitted from pid.
func (m *mapper) patientCtx(pid hl7v2.Segment) (patientCtx, error) {
	key := identity(m.patientIDs(pid))
	if key == nil {
		return patientCtx{}, missing("PID", m.seq(pid), 3, "patient identifier")
	}
	display := ""
	if n, ok := m.xpn(pid.Field(5).Rep(1)); ok {
		display = n.display()
	}
	return newPatientCtx(key.System, key.Value, display), nil
}

// clinical maps the allergy, diagnosis, problem and observation segments of
// a patient group.
func (m *mapper) clinical(g []hl7v2.Segment, pat patientCtx, enc string) {
	var lastPRB hl7v2.Segment
	var prbNotes []hl7v2.Segment
	flush := func() {
		if lastPRB.Name() != "" {
			m.problem(pat, lastPRB, prbNotes)
		}
		lastPRB, prbNotes = hl7v2.Segment{}, nil
	}
	obs := m.arena.groups.new()
	*obs = obsGroup{pat: pat, enc: enc, scope: enc}
	if enc == "" {
		obs.scope = pat.id
	}
	last := ""
	for _, s := range g {
		name := s.Name()
		if name != "NTE" {
			last = name
		}
		switch name {
		case "AL1":
			m.allergyAL1(pat, s)
		case "IAM":
			m.allergyIAM(pat, s)
		case "DG1":
			m.diagnosis(pat, enc, s)
		case "PRB":
			flush()
			lastPRB = s
		case "NTE":
			if last == "PRB" {
				prbNotes = append(prbNotes, s)
			} else if last == "OBX" {
				obs.note(s)
			}
		case "OBX":
			obs.add(m, s)
		}
	}
	flush()
	obs.flush(m)
}
