package hl7fhir

import (
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type appointmentResource struct {
	ResourceType    string                   `json:"resourceType"`
	ID              string                   `json:"id"`
	Meta            meta                     `json:"meta"`
	Identifier      []identifier             `json:"identifier,omitempty"`
	Status          string                   `json:"status"`
	AppointmentType *codeableConcept         `json:"appointmentType,omitempty"`
	ReasonCode      []codeableConcept        `json:"reasonCode,omitempty"`
	Description     string                   `json:"description,omitempty"`
	Start           string                   `json:"start,omitempty"`
	End             string                   `json:"end,omitempty"`
	MinutesDuration int                      `json:"minutesDuration,omitempty"`
	Comment         string                   `json:"comment,omitempty"`
	Participant     []appointmentParticipant `json:"participant"`
	RequestedPeriod []period                 `json:"requestedPeriod,omitempty"`
}

type appointmentParticipant struct {
	Actor  *reference `json:"actor,omitempty"`
	Status string     `json:"status"`
}

// appointmentStatus maps the trigger event and SCH-25 (filler status,
// table 0278) to Appointment.status.
func (m *mapper) appointmentStatus(sch hl7v2.Segment) string {
	switch strings.ToUpper(text(sch.Field(25).Comp(1))) {
	case "BOOKED", "OVERBOOK", "BLOCKED":
		return "booked"
	case "CANCELLED", "CANCELED":
		return "cancelled"
	case "COMPLETE":
		return "fulfilled"
	case "NOSHOW":
		return "noshow"
	case "PENDING":
		return "pending"
	case "WAITLIST":
		return "waitlist"
	case "DELETED":
		return "entered-in-error"
	case "STARTED":
		return "arrived"
	}
	switch m.trigger {
	case "S15", "S16":
		return "cancelled"
	case "S17":
		return "entered-in-error"
	case "S26":
		return "noshow"
	case "S25":
		return "booked"
	}
	return "booked"
}

// siu maps SIU^S12-S26 to an Appointment with the patient, personnel (AIP)
// and locations (AIL) as participants.
func (m *mapper) siu() error {
	sch, ok := m.msg.First("SCH")
	if !ok {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "SCH", Msg: "segment missing"}
	}
	a := &appointmentResource{ResourceType: "Appointment", Meta: m.meta(), Status: m.appointmentStatus(sch)}
	var pat patientCtx
	if pid, ok := m.msg.First("PID"); ok {
		var err error
		if pat, err = m.patient(pid, nil, true); err != nil {
			return err
		}
		a.Participant = append(a.Participant, appointmentParticipant{Actor: pat.ref(), Status: "accepted"})
	}
	filler, placer := ei(sch.Field(2)), ei(sch.Field(1))
	switch {
	case filler != nil:
		a.ID = makeID("Appointment", "filler", filler.System, filler.Value)
	case placer != nil:
		a.ID = makeID("Appointment", "placer", placer.System, placer.Value)
	default:
		a.ID = makeID("Appointment", pat.id, text(sch.Field(11)), m.res.ControlID)
		m.warnSeg(sch, 2, "no appointment id: keyed by message")
	}
	for _, id := range []*identifier{placer, filler} {
		if id != nil {
			a.Identifier = append(a.Identifier, *id)
		}
	}
	a.AppointmentType = withText(cwe(sch.Field(8)))
	if r := withText(cwe(sch.Field(7))); r != nil {
		a.ReasonCode = []codeableConcept{*r}
	} else if r := withText(cwe(sch.Field(6))); r != nil {
		a.ReasonCode = []codeableConcept{*r}
	}
	start, end, dur := m.appointmentTimes(sch)
	switch {
	case !start.IsZero() && !end.IsZero() && !end.Before(start.Time):
		a.Start, a.End = m.fhirInstant(start), m.fhirInstant(end)
		a.MinutesDuration = int(end.Sub(start.Time) / time.Minute)
	case !start.IsZero() && dur > 0:
		end = hl7v2.Time{Time: start.Add(dur), Precision: hl7v2.PrecisionSecond}
		a.Start, a.End = m.fhirInstant(start), m.fhirInstant(end)
		a.MinutesDuration = int(dur / time.Minute)
	case !start.IsZero():
		a.RequestedPeriod = []period{{Start: m.fhirDateTime(start)}}
	}
	if a.MinutesDuration <= 0 {
		a.MinutesDuration = 0
	}
	for aip := range m.msg.All("AIP") {
		if p := m.practitioner(aip.Field(3).Rep(1)); p != nil {
			a.Participant = append(a.Participant, appointmentParticipant{Actor: p, Status: "accepted"})
		}
	}
	for ail := range m.msg.All("AIL") {
		if l := m.location(ail.Field(3).Rep(1)); l != nil {
			a.Participant = append(a.Participant, appointmentParticipant{Actor: l, Status: "accepted"})
		}
	}
	if len(a.Participant) == 0 {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	var comments []string
	for _, n := range notes(m.namedAll("NTE")) {
		comments = append(comments, n.Text)
	}
	a.Comment = strings.Join(comments, "\n")
	m.emit("Appointment", a.ID, false, a)
	return nil
}

func (m *mapper) namedAll(name string) []hl7v2.Segment {
	var out []hl7v2.Segment
	for s := range m.msg.All(name) {
		out = append(out, s)
	}
	return out
}

// appointmentTimes finds the start, end and duration: SCH-11 (TQ, older),
// else TQ1-7/8, else the first AIS-4 start with AIS-7/8 duration.
func (m *mapper) appointmentTimes(sch hl7v2.Segment) (start, end hl7v2.Time, dur time.Duration) {
	tq := sch.Field(11).Rep(1)
	if t, ok := m.timeValue(sch, 11, tq.Comp(4)); ok {
		start = t
		if e, ok := m.timeValue(sch, 11, tq.Comp(5)); ok {
			end = e
		}
	}
	if start.IsZero() {
		if tq1, ok := m.msg.First("TQ1"); ok {
			start, _ = m.time(tq1, 7)
			end, _ = m.time(tq1, 8)
		}
	}
	durField, unitField := sch.Field(9), sch.Field(10)
	if ais, ok := m.msg.First("AIS"); ok {
		if start.IsZero() {
			start, _ = m.time(ais, 4)
		}
		if durField.IsEmpty() {
			durField, unitField = ais.Field(7), ais.Field(8)
		}
	}
	if n, err := strconv.Atoi(text(durField)); err == nil && n > 0 && n < 100000 {
		unit := time.Minute
		switch strings.ToUpper(text(unitField.Comp(1))) {
		case "S", "SEC":
			unit = time.Second
		case "H", "HR", "HOUR":
			unit = time.Hour
		case "D", "DAY":
			unit = 24 * time.Hour
		}
		dur = time.Duration(n) * unit
	}
	return start, end, dur
}

func (v *appointmentResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = str(b, "status", v.Status)
	b = opt(b, "appointmentType", v.AppointmentType)
	b = optList(b, "reasonCode", v.ReasonCode)
	b = optStr(b, "description", v.Description)
	b = optStr(b, "start", v.Start)
	b = optStr(b, "end", v.End)
	b = optInt(b, "minutesDuration", v.MinutesDuration)
	b = optStr(b, "comment", v.Comment)
	b = list(b, "participant", v.Participant)
	b = optList(b, "requestedPeriod", v.RequestedPeriod)
	return append(b, '}')
}

// index: fhir.Parse reads no patient, code or date of an Appointment (its
// patient is a participant, its start not one of the date elements).
func (v *appointmentResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.Start)
	x := lifeboat.Index{Status: clean(v.Status), Identifiers: c.indexIdentifiers(v.Identifier), Date: date}
	for _, p := range v.Participant { // the patient is a participant
		if x.Patient = c.refID(p.Actor, "Patient"); x.Patient != "" {
			break
		}
	}
	return x, ok
}

func (v *appointmentParticipant) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "actor", v.Actor)
	b = str(b, "status", v.Status)
	return append(b, '}')
}
