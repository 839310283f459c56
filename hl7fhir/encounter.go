package hl7fhir

import (
	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type encounterResource struct {
	ResourceType    string                 `json:"resourceType"`
	ID              string                 `json:"id"`
	Meta            meta                   `json:"meta"`
	Identifier      []identifier           `json:"identifier,omitempty"`
	Status          string                 `json:"status"`
	Class           coding                 `json:"class"`
	Subject         *reference             `json:"subject,omitempty"`
	Participant     []encounterParticipant `json:"participant,omitempty"`
	Period          *period                `json:"period,omitempty"`
	ReasonCode      []codeableConcept      `json:"reasonCode,omitempty"`
	Hospitalization *hospitalization       `json:"hospitalization,omitempty"`
	Location        []encounterLocation    `json:"location,omitempty"`
}

type encounterParticipant struct {
	Type       []codeableConcept `json:"type,omitempty"`
	Individual *reference        `json:"individual,omitempty"`
}

type hospitalization struct {
	AdmitSource          *codeableConcept `json:"admitSource,omitempty"`
	DischargeDisposition *codeableConcept `json:"dischargeDisposition,omitempty"`
}

type encounterLocation struct {
	Location reference `json:"location"`
	Status   string    `json:"status,omitempty"`
	Period   *period   `json:"period,omitempty"`
}

// adtEvent says what an ADT trigger event does to the encounter.
type adtEvent int

const (
	evPatientOnly     adtEvent = iota // Patient (and allergies, problems) only
	evMerge                           // PID/MRG patient merge
	evAdmit                           // A01: in-progress, start at admit
	evTransfer                        // A02, A17: prior location completed, new one active
	evDischarge                       // A03: finished, end at discharge
	evRegister                        // A04: in-progress visit
	evPlanned                         // A05, A14: planned
	evUpdate                          // A06, A07, A08: status from the data
	evCancelAdmit                     // A11: cancelled
	evCancelTransfer                  // A12: back to the location in PV1-3
	evCancelDischarge                 // A13: back to in-progress
)

var adtEvents = map[string]adtEvent{
	"A01": evAdmit, "A02": evTransfer, "A03": evDischarge, "A04": evRegister, "A05": evPlanned,
	"A06": evUpdate, "A07": evUpdate, "A08": evUpdate, "A11": evCancelAdmit, "A12": evCancelTransfer,
	"A13": evCancelDischarge, "A14": evPlanned, "A17": evTransfer,
	"A09": evPatientOnly, "A10": evPatientOnly, "A15": evPatientOnly, "A16": evPatientOnly,
	"A25": evPatientOnly, "A26": evPatientOnly, "A27": evPatientOnly, "A28": evPatientOnly,
	"A31": evPatientOnly, "A60": evPatientOnly,
	"A18": evMerge, "A34": evMerge, "A40": evMerge, "A47": evMerge,
}

// encounterClass maps PV1-2 (table 0004) to a v3 ActCode class.
func encounterClass(pc string) coding {
	switch pc {
	case "I", "B":
		return encounterClasses[0].class
	case "E":
		return encounterClasses[1].class
	case "O", "R", "C":
		return encounterClasses[2].class
	case "P":
		return encounterClasses[3].class
	}
	return encounterClasses[4].class
}

// encounterClasses are the classes encounterClass gives, with their tokens.
var encounterClasses = func() []struct {
	class coding
	token string
} {
	const act = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	classes := []coding{{System: act, Code: "IMP", Display: "inpatient encounter"}, {System: act, Code: "EMER", Display: "emergency"},
		{System: act, Code: "AMB", Display: "ambulatory"}, {System: act, Code: "PRENC", Display: "pre-admission"},
		{System: "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", Code: "UNK", Display: "unknown"}}
	out := make([]struct {
		class coding
		token string
	}, len(classes))
	for i := range classes {
		out[i].class, out[i].token = classes[i], classes[i].token()
	}
	return out
}()

// classToken returns c.token() for an encounter class.
func classToken(c coding) string {
	for i := range encounterClasses {
		if encounterClasses[i].class == c {
			return encounterClasses[i].token
		}
	}
	return c.token()
}

// encounterID derives the Encounter id from PV1-19, else the patient and the
// admit time PV1-44, else the patient alone.
func (m *mapper) encounterID(pat patientCtx, pv1 hl7v2.Segment) (id string, vn identifier, hasVN bool) {
	if vn, ok := m.cx(pv1.Field(19).Rep(1), ""); ok {
		if vn.Type == nil {
			vn.Type = visitNumberType
		}
		return EncounterID(vn.System, vn.Value), vn, true
	}
	if t, ok := m.time(pv1, 44); ok {
		return makeID("Encounter", pat.id, t.UTC().Format("20060102150405")), identifier{}, false
	}
	m.warnSeg(pv1, 19, "no visit number or admit time: encounter keyed by patient")
	return makeID("Encounter", pat.id), identifier{}, false
}

// visitNumberType is the type of a visit number identifier that gives none
// (shared, never modified).
var visitNumberType = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "VN"}}}

func init() {
	memoize(visitNumberType)
	for _, pt := range participantTypes {
		memoized(pt.typ)
	}
}

// eventTime is EVN-6 (event occurred), else EVN-2, else the message time.
func (m *mapper) eventTime() hl7v2.Time {
	if evn, ok := m.msg.First("EVN"); ok {
		if t, ok := m.time(evn, 6); ok {
			return t
		}
		if t, ok := m.time(evn, 2); ok {
			return t
		}
	}
	return hl7v2.Time{Time: m.updated, Precision: hl7v2.PrecisionSecond, HasOffset: true}
}

// participantTypes are the PV1 fields of an encounter's participants and
// the type each gives them (shared, never modified).
var participantTypes = []struct {
	field int
	typ   []codeableConcept
}{{7, participantType("ATND", "attender")}, {17, participantType("ADM", "admitter")},
	{8, participantType("REF", "referrer")}, {9, participantType("CON", "consultant")}}

func participantType(code, display string) []codeableConcept {
	return []codeableConcept{{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", Code: code, Display: display}}}}
}

// encounter maps PV1/PV2 to an Encounter. Full for ADT, a placeholder with
// status unknown otherwise (so a result never puts a patient on the census).
func (m *mapper) encounter(pat patientCtx, pv1, pv2 hl7v2.Segment, ev adtEvent, placeholder bool) string {
	id, vn, hasVN := m.encounterID(pat, pv1)
	a := m.arena.encounters.new()
	e := &a.e
	e.ResourceType, e.ID, e.Meta, e.Subject = "Encounter", id, m.meta(), m.patientRef(pat)
	e.Class = encounterClass(text(pv1.Field(2)))
	if hasVN {
		a.id[0] = vn
		e.Identifier = a.id[:]
	}
	for _, pt := range participantTypes {
		for r := range pv1.Field(pt.field).Reps() {
			if p := m.practitioner(r); p != nil {
				e.Participant = append(e.Participant, encounterParticipant{Type: pt.typ, Individual: p})
			}
		}
	}
	start, hasStart := m.time(pv1, 44)
	end, hasEnd := m.time(pv1, 45)
	evt := m.eventTime()
	switch ev {
	case evAdmit, evRegister:
		if !hasStart {
			start, hasStart = evt, true
		}
	case evDischarge:
		if !hasEnd {
			end, hasEnd = evt, true
		}
	case evCancelDischarge:
		hasEnd = false
	}
	if hasStart && hasEnd && end.Before(start.Time) {
		m.warnSeg(pv1, 45, "discharge before admit ignored")
		hasEnd = false
	}
	if hasStart || hasEnd {
		e.Period = &a.period
		if hasStart {
			e.Period.Start = m.fhirDateTime(start)
		}
		if hasEnd {
			e.Period.End = m.fhirDateTime(end)
		}
	}
	switch {
	case placeholder:
		e.Status = "unknown"
	case ev == evDischarge:
		e.Status = "finished"
	case ev == evPlanned:
		e.Status = "planned"
	case ev == evCancelAdmit:
		e.Status = "cancelled"
	case ev == evUpdate && hasEnd:
		e.Status = "finished"
	case ev == evUpdate && hasStart && start.After(m.updated):
		e.Status = "planned"
	default:
		e.Status = "in-progress"
	}
	if r := withText(m.cwe(pv2.Field(3))); r != nil {
		e.ReasonCode = []codeableConcept{*r}
	}
	h := &a.hospitalization
	*h = hospitalization{AdmitSource: m.v2Concept(pv1.Field(14), "0023"), DischargeDisposition: m.v2Concept(pv1.Field(36), "0112")}
	if h.AdmitSource != nil || h.DischargeDisposition != nil {
		e.Hospitalization = h
	}
	cur := m.location(pv1.Field(3))
	e.Location = m.arena.locationLists.slice(2)
	switch {
	case ev == evTransfer && !placeholder:
		if prior := m.location(pv1.Field(6)); prior != nil && (cur == nil || prior.Reference != cur.Reference) {
			e.Location = append(e.Location, encounterLocation{Location: *prior, Status: "completed", Period: &period{End: m.fhirDateTime(evt)}})
		}
		if cur != nil {
			e.Location = append(e.Location, encounterLocation{Location: *cur, Status: "active", Period: &period{Start: m.fhirDateTime(evt)}})
		}
	case cur == nil:
	case e.Status == "finished" || e.Status == "cancelled":
		l := encounterLocation{Location: *cur, Status: "completed"}
		if hasEnd {
			l.Period = &period{End: e.Period.End}
		}
		e.Location = append(e.Location, l)
	case e.Status == "planned":
		e.Location = append(e.Location, encounterLocation{Location: *cur, Status: "planned"})
	default:
		l := encounterLocation{Location: *cur, Status: "active"}
		if ev == evAdmit && hasStart {
			l.Period = &period{Start: e.Period.Start}
		}
		e.Location = append(e.Location, l)
	}
	m.emit("Encounter", id, placeholder, e)
	return id
}

// v2Concept maps a coded field from a v2 table, giving codes without a
// coding system the table's system.
func (m *mapper) v2Concept(v hl7v2.Value, table string) *codeableConcept {
	c := m.cwe(v)
	if c == nil {
		return nil
	}
	for i := range c.Coding {
		if c.Coding[i].System == "" {
			c.Coding[i].System = "http://terminology.hl7.org/CodeSystem/v2-" + table
		}
	}
	return c
}

func (v *encounterResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = str(b, "status", v.Status)
	b = obj(b, "class", &v.Class)
	b = opt(b, "subject", v.Subject)
	b = optList(b, "participant", v.Participant)
	b = opt(b, "period", v.Period)
	b = optList(b, "reasonCode", v.ReasonCode)
	b = opt(b, "hospitalization", v.Hospitalization)
	b = optList(b, "location", v.Location)
	return append(b, '}')
}

func (v *encounterResource) index(c *indexCache) (lifeboat.Index, bool) {
	var start string
	if v.Period != nil {
		start = v.Period.Start
	}
	date, ok := c.dates(start)
	x := lifeboat.Index{Patient: c.refID(v.Subject, "Patient"), Status: clean(v.Status), Code: classToken(v.Class), Date: date,
		Identifiers: c.indexIdentifiers(v.Identifier)}
	// The current location: the last whose status is active or absent.
	for i := range v.Location {
		l := &v.Location[i]
		if l.Status == "" || l.Status == "active" {
			if id := c.refID(&l.Location, "Location"); id != "" {
				x.Location = id
			}
		}
	}
	return x, ok
}

func (v *encounterParticipant) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optList(b, "type", v.Type)
	b = opt(b, "individual", v.Individual)
	return append(b, '}')
}

func (v *hospitalization) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "admitSource", v.AdmitSource)
	b = opt(b, "dischargeDisposition", v.DischargeDisposition)
	return append(b, '}')
}

func (v *encounterLocation) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = obj(b, "location", &v.Location)
	b = optStr(b, "status", v.Status)
	b = opt(b, "period", v.Period)
	return append(b, '}')
}
