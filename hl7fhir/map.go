// Package hl7fhir maps HL7 v2 messages to FHIR R4 resources.
//
// Map is pure: it reads one parsed message and returns the resources it
// describes as FHIR R4 JSON, with deterministic ids so that messages about
// the same patient, encounter, order or location converge without any store
// look-up. Resources built from partial data (a patient first seen in a lab
// result, a bed or a practitioner named in a message) are marked
// Placeholder: the store writes them only when it has no version yet, and
// any real version replaces them. Every resource carries the message time as
// its lastUpdated, so an older message never overwrites a newer one.
//
// Mapped: ADT (A01-A08, A11-A17, A28, A31, A34, A40 and patient-only
// updates), ORU^R01, RDE^O11/O25, OMP^O09, RAS^O17, MDM^T01-T11, PPR^PC1-PC3,
// SIU^S12-S26 and VXU^V04, following the HL7 Version 2 to FHIR
// implementation guide where it is sensible for a downtime chart.
package hl7fhir

import (
	"errors"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// Options configure Map.
type Options struct {
	// Now returns the current time, used when a message has no time of its
	// own (time.Now if nil).
	Now func() time.Time
	// Location is the zone of HL7 times written without an offset (UTC if nil).
	Location *time.Location
	// MRNSystem is the identifier system of PID-3 identifiers that name no
	// assigning authority.
	MRNSystem string
}

// Output is one FHIR resource produced from a message.
type Output struct {
	Type        string    // FHIR resourceType
	ID          string    // logical id (deterministic)
	JSON        []byte    // the resource as compact FHIR R4 JSON
	LastUpdated time.Time // the message time (MSH-7, else EVN-2, else Now)
	Placeholder bool      // built from partial data: write only if absent
	Deleted     bool      // the message deletes the resource
}

// Result is what Map produced from one message.
type Result struct {
	Resources   []Output
	Feed        string   // the sender, "MSH-3^MSH-4" (namespace ids, no PHI)
	ControlID   string   // MSH-10
	MessageType string   // MSH-9-1^MSH-9-2, such as "ADT^A01"
	Warnings    []string // data that was skipped, by position (no PHI)
}

// mapper holds the state of mapping one message.
type mapper struct {
	msg     *hl7v2.Message
	opts    Options
	loc     *time.Location
	res     *Result
	updated time.Time
	index   map[string]int
	occ     []int // occurrence of each segment (by number) among its ID
	trigger string
	err     error
}

// Map maps one parsed HL7 v2 message to FHIR resources. A message that
// cannot be mapped gives a *MapError (which unwraps to a *lifeboat.Error
// with code EINVALID): code 200 for a message type that is not mapped, 201
// for an unmapped trigger event, 101 for a missing required field.
func Map(msg *hl7v2.Message, opts Options) (*Result, error) {
	if msg == nil {
		return nil, &MapError{Code: hl7v2.CodeInternal, Msg: "no message"}
	}
	m := &mapper{msg: msg, opts: opts, loc: opts.Location, index: map[string]int{}}
	if m.loc == nil {
		m.loc = time.UTC
	}
	h := msg.Header()
	m.res = &Result{ControlID: h.ControlID, Feed: feedName(h)}
	code, trig := strings.ToUpper(h.Type.Code), strings.ToUpper(h.Type.Trigger)
	if trig == "" {
		if evn, ok := msg.First("EVN"); ok {
			trig = strings.ToUpper(text(evn.Field(1)))
		}
	}
	m.trigger = trig
	m.res.MessageType = code
	if trig != "" {
		m.res.MessageType += "^" + trig
	}
	m.occ = make([]int, msg.SegmentCount()+1)
	counts := map[string]int{}
	for s := range msg.Segments() {
		counts[s.Name()]++
		m.occ[s.Number()] = counts[s.Name()]
	}
	m.updated = m.messageTime(h)

	var err error
	switch code {
	case "ADT":
		err = m.adt()
	case "ORU":
		err = m.need(trig == "R01" || trig == "R30" || trig == "R31" || trig == "R32", m.oru)
	case "RDE":
		err = m.need(trig == "O11" || trig == "O25" || trig == "O01", m.pharmacyOrder)
	case "OMP":
		err = m.need(trig == "O09", m.pharmacyOrder)
	case "RAS":
		err = m.need(trig == "O17" || trig == "O02", m.ras)
	case "MDM":
		err = m.need(len(trig) == 3 && trig[0] == 'T' && trig >= "T01" && trig <= "T11", m.mdm)
	case "PPR":
		err = m.need(trig == "PC1" || trig == "PC2" || trig == "PC3", m.ppr)
	case "SIU":
		err = m.need(len(trig) == 3 && trig[0] == 'S' && trig >= "S12" && trig <= "S26", m.siu)
	case "VXU":
		err = m.need(trig == "V04", m.vxu)
	default:
		err = unsupported(hl7v2.CodeUnsupportedMessage, "message type not mapped")
	}
	if err == nil {
		err = m.err
	}
	if err != nil {
		var me *MapError
		if !errors.As(err, &me) {
			err = &MapError{Code: hl7v2.CodeInternal, Msg: lifeboat.ErrorMessage(err)}
		}
		return nil, err
	}
	return m.res, nil
}

// need runs f when ok, else reports an unsupported trigger event.
func (m *mapper) need(ok bool, f func() error) error {
	if !ok {
		return unsupported(hl7v2.CodeUnsupportedEvent, "trigger event not mapped")
	}
	return f()
}

func feedName(h hl7v2.Header) string {
	name := func(d hl7v2.HD) string {
		if d.Namespace != "" {
			return d.Namespace
		}
		return d.UniversalID
	}
	return name(h.SendingApplication) + "^" + name(h.SendingFacility)
}

// messageTime is MSH-7, else EVN-2, else Now.
func (m *mapper) messageTime(h hl7v2.Header) time.Time {
	if t, err := h.Time(m.loc); err == nil {
		return t.Time
	} else if h.DateTime != "" {
		m.warn("MSH", 1, 7, "invalid date/time")
	}
	if evn, ok := m.msg.First("EVN"); ok {
		if t, ok := m.time(evn, 2); ok {
			return t.Time
		}
	}
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return time.Now()
}

// warn records a PHI-free warning naming a segment occurrence and field.
func (m *mapper) warn(seg string, seq, field int, reason string) {
	w := seg
	if seq > 0 {
		w += "(" + itoa(seq) + ")"
	}
	if field > 0 {
		w += "-" + itoa(field)
	}
	m.res.Warnings = append(m.res.Warnings, w+": "+reason)
}

func (m *mapper) warnSeg(s hl7v2.Segment, field int, reason string) {
	m.warn(s.Name(), m.seq(s), field, reason)
}

// seq returns the occurrence of s among segments with its ID.
func (m *mapper) seq(s hl7v2.Segment) int {
	if n := s.Number(); n > 0 && n < len(m.occ) {
		return m.occ[n]
	}
	return 0
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// time parses field f of s; a value that is present but invalid gives a warning.
func (m *mapper) time(s hl7v2.Segment, f int) (hl7v2.Time, bool) {
	return m.timeValue(s, f, s.Field(f))
}

func (m *mapper) timeValue(s hl7v2.Segment, f int, v hl7v2.Value) (hl7v2.Time, bool) {
	raw := v.Comp(1)
	if raw.IsEmpty() || raw.IsNull() {
		return hl7v2.Time{}, false
	}
	t, err := hl7v2.ParseTime(strings.TrimSpace(raw.Text()), m.loc)
	if err != nil {
		m.warnSeg(s, f, "invalid date/time")
		return hl7v2.Time{}, false
	}
	return t, true
}

// dateTime returns field f of s as a FHIR dateTime, "" if absent or invalid.
func (m *mapper) dateTime(s hl7v2.Segment, f int) string {
	if t, ok := m.time(s, f); ok {
		return fhirDateTime(t)
	}
	return ""
}

// instant returns field f of s as a FHIR instant, "" if absent or invalid.
func (m *mapper) instant(s hl7v2.Segment, f int) string {
	if t, ok := m.time(s, f); ok {
		return fhirInstant(t)
	}
	return ""
}

func (m *mapper) meta() meta { return meta{LastUpdated: instantString(m.updated)} }

// emit adds a resource to the result. A resource already emitted with the
// same type and id is replaced, except that a placeholder never replaces a
// full version.
func (m *mapper) emit(typ, id string, placeholder bool, v any) {
	data, err := marshal(v)
	if err != nil {
		m.err = &MapError{Code: hl7v2.CodeInternal, Msg: "cannot encode " + typ}
		return
	}
	out := Output{Type: typ, ID: id, JSON: data, LastUpdated: m.updated, Placeholder: placeholder}
	key := typ + "/" + id
	if i, ok := m.index[key]; ok {
		if placeholder && !m.res.Resources[i].Placeholder {
			return
		}
		m.res.Resources[i] = out
		return
	}
	m.index[key] = len(m.res.Resources)
	m.res.Resources = append(m.res.Resources, out)
}
