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
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
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

	// Index holds the resource's search and view fields, the same values
	// fhir.Parse(JSON).Index gives, when Indexed is true. Indexed is false
	// when the JSON has a value fhir.Parse would refuse (a time the message
	// gave that FHIR cannot represent, such as year 0000): then check the
	// JSON with fhir.Parse, which reports the problem.
	Index   lifeboat.Index
	Indexed bool
}

// Result is what Map produced from one message.
type Result struct {
	Resources   []Output
	Feed        string   // the sender, "MSH-3^MSH-4" (namespace ids, no PHI)
	ControlID   string   // MSH-10
	MessageType string   // MSH-9-1^MSH-9-2, such as "ADT^A01"
	Warnings    []string // data that was skipped, by position (no PHI)
}

// mapper holds the state of mapping one message. Map takes one from a pool
// and puts it back once the result is made, so its buffers (and the map
// and slices below) serve message after message; the resources it emitted
// are not kept by the result, only their JSON and Index.
type mapper struct {
	message // what mapping this message has found out
	buffers // what it writes to, kept for the next message
}

// message is the state of mapping one message, zeroed for the next.
type message struct {
	msg     *hl7v2.Message
	opts    Options
	loc     *time.Location
	res     *Result
	updated time.Time
	trigger string

	lastUpdated string // m.updated as a FHIR instant
	updatedOK   bool   // lastUpdated is a valid FHIR instant

	checkOnly bool // Check: emit writes no JSON, and no result is made
	complete  bool // Check: every resource's index is vouched for

	times   timeCache  // the times last parsed and formatted
	indexed indexCache // the dates resources were indexed by, and their index lists

	lastPractitioner struct { // the value practitioner mapped last
		raw string
		ref *reference
	}
}

// buffers hold what a mapper writes to; Map keeps them for the next message.
type buffers struct {
	index   map[[2]string]int // type and id -> place in emitted
	emitted []emitted         // the resources, in the order of res.Resources
	buf     []byte            // their JSON, one after another
	occ     []int             // occurrence of each segment (by number) among its ID, made when first needed
	repeats repeats           // observation keys of the group being flushed
	items   []obsItem         // for an obsGroup
	arena   arenas            // the values the resources are made of
	memos   []byte            // the JSON of shared values (see share)
	scratch []byte            // for building keys and ids
}

// emitted is a resource the mapping emitted: res.Resources is made from
// them once the message is mapped.
type emitted struct {
	typ, id     string
	placeholder bool
	v           resource
	start, end  int // where its JSON is in buf
}

// mappers holds mappers whose buffers another message can use.
var mappers = sync.Pool{New: func() any { return new(mapper) }}

// Limits on what a pooled mapper keeps for the next message.
const (
	maxScratch = 1 << 20 // bytes of JSON
	maxKept    = 1 << 10 // resources
)

// Map maps one parsed HL7 v2 message to FHIR resources. A message that
// cannot be mapped gives a *MapError (which unwraps to a *lifeboat.Error
// with code EINVALID): code 200 for a message type that is not mapped, 201
// for an unmapped trigger event, 101 for a missing required field.
func Map(msg *hl7v2.Message, opts Options) (*Result, error) {
	m := mappers.Get().(*mapper)
	err := m.run(msg, opts)
	res := m.res
	m.release()
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Check maps msg as Map does but makes no resources, at about two thirds
// of the cost and a tenth of the memory (BenchmarkMap): its error is the
// one Map would give. complete says whether Map would vouch for the index
// of every resource (Output.Indexed); when it would not, only Map and a
// check of its JSON tell whether the message maps. A feed acknowledging
// faster than it can store uses it, and maps the message when it stores
// it.
func Check(msg *hl7v2.Message, opts Options) (complete bool, err error) {
	m := mappers.Get().(*mapper)
	m.checkOnly = true
	err = m.run(msg, opts)
	complete = m.complete
	m.release()
	return complete && err == nil, err
}

// mapMessage maps a message and returns the mapper, which holds the result
// and the values it was written from.
func mapMessage(msg *hl7v2.Message, opts Options) (*mapper, error) {
	m := new(mapper)
	if err := m.run(msg, opts); err != nil {
		return nil, err
	}
	return m, nil
}

// release empties m, keeping its buffers unless they grew large, and puts
// it back in the pool.
func (m *mapper) release() {
	m.message = message{}
	b := &m.buffers
	if len(b.index) > maxKept {
		b.index = nil
	}
	clear(b.index)
	clear(b.emitted)
	if cap(b.emitted) > maxKept {
		b.emitted = nil
	}
	if cap(b.buf) > maxScratch {
		b.buf = nil
	}
	if cap(b.occ) > maxKept {
		b.occ = nil
	}
	clear(b.items)
	b.repeats.reset()
	b.arena.reset()
	b.emitted, b.buf, b.occ, b.items = b.emitted[:0], b.buf[:0], b.occ[:0], b.items[:0]
	b.memos, b.scratch = b.memos[:0], b.scratch[:0]
	mappers.Put(m)
}

// run maps msg into m.res.
func (m *mapper) run(msg *hl7v2.Message, opts Options) error {
	if msg == nil {
		return &MapError{Code: hl7v2.CodeInternal, Msg: "no message"}
	}
	m.msg, m.opts, m.loc = msg, opts, opts.Location
	if m.loc == nil {
		m.loc = time.UTC
	}
	if m.index == nil {
		m.index = make(map[[2]string]int, msg.SegmentCount()+4)
	}
	if m.buf == nil {
		m.buf = make([]byte, 0, 16<<10)
	}
	h := m.header()
	m.res = &Result{ControlID: h.controlID, Feed: h.feed}
	code, trig := strings.ToUpper(h.code), strings.ToUpper(h.trigger)
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
	m.emitted = slices.Grow(m.emitted, msg.SegmentCount()+4)
	m.updated = m.messageTime(h)
	m.lastUpdated = instantString(m.updated)
	m.updatedOK = validInstant(m.lastUpdated)

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
	if err != nil {
		var me *MapError
		if !errors.As(err, &me) {
			err = &MapError{Code: hl7v2.CodeInternal, Msg: lifeboat.ErrorMessage(err)}
		}
		return err
	}
	if m.checkOnly {
		m.complete = m.updatedOK
		for i := range m.emitted {
			if _, ok := m.emitted[i].v.index(&m.indexed); !ok {
				m.complete = false
			}
		}
		return nil
	}
	m.finish()
	return nil
}

// finish makes res.Resources from what was emitted: the JSON of all of them
// is copied out of the scratch buffer in one piece.
func (m *mapper) finish() {
	if len(m.emitted) == 0 {
		return
	}
	all := bytes.Clone(m.buf)
	m.res.Resources = make([]Output, len(m.emitted))
	for i := range m.emitted {
		e := &m.emitted[i]
		o := &m.res.Resources[i]
		// Field by field: o is zero, and the Index is most of it.
		o.Type, o.ID, o.JSON, o.LastUpdated, o.Placeholder = e.typ, e.id, all[e.start:e.end:e.end], m.updated, e.placeholder
		o.Index, o.Indexed = e.v.index(&m.indexed)
		o.Indexed = o.Indexed && m.updatedOK
	}
}

// need runs f when ok, else reports an unsupported trigger event.
func (m *mapper) need(ok bool, f func() error) error {
	if !ok {
		return unsupported(hl7v2.CodeUnsupportedEvent, "trigger event not mapped")
	}
	return f()
}

// header holds the MSH fields that Map reads, as msg.Header() gives them.
type header struct {
	feed      string // the sender, "MSH-3^MSH-4" (namespace ids, else universal ids)
	controlID string // MSH-10
	code      string // MSH-9-1
	trigger   string // MSH-9-2
	dateTime  string // MSH-7-1, as written
}

// header reads the MSH fields that Map needs, and only those.
func (m *mapper) header() header {
	msh := m.msg.Segment(1)
	name := func(f hl7v2.Value) string { // of an HD: the namespace id, else the universal id
		r := f.Rep(1)
		if r.IsEmpty() {
			return ""
		}
		if ns := r.Comp(1).Text(); ns != "" {
			return ns
		}
		return r.Comp(2).Text()
	}
	h := header{feed: name(msh.Field(3)) + "^" + name(msh.Field(4)), controlID: msh.Field(10).Text(),
		dateTime: msh.Field(7).Comp(1).Raw()}
	if r := msh.Field(9).Rep(1); !r.IsEmpty() {
		h.code, h.trigger = r.Comp(1).Text(), r.Comp(2).Text()
	}
	return h
}

// messageTime is MSH-7, else EVN-2, else Now.
func (m *mapper) messageTime(h header) time.Time {
	if t, err := hl7v2.ParseTime(h.dateTime, m.loc); err == nil {
		return t.Time
	} else if h.dateTime != "" {
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
	if len(m.occ) == 0 {
		m.countSegments()
	}
	if n := s.Number(); n > 0 && n < len(m.occ) {
		return m.occ[n]
	}
	return 0
}

// countSegments numbers each segment among those with its ID (m.occ).
func (m *mapper) countSegments() {
	m.occ = slices.Grow(m.occ[:0], m.msg.SegmentCount()+1)[:m.msg.SegmentCount()+1]
	counts := map[string]int{}
	for s := range m.msg.Segments() {
		counts[s.Name()]++
		m.occ[s.Number()] = counts[s.Name()]
	}
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
	if t, ok := m.times.parsed(raw.Raw()); ok {
		return t, true
	}
	t, err := hl7v2.ParseTime(strings.TrimSpace(raw.Text()), m.loc)
	if err != nil {
		m.warnSeg(s, f, "invalid date/time")
		return hl7v2.Time{}, false
	}
	m.times.add(raw.Raw(), t)
	return t, true
}

// dateTime returns field f of s as a FHIR dateTime, "" if absent or invalid.
func (m *mapper) dateTime(s hl7v2.Segment, f int) string {
	if t, ok := m.time(s, f); ok {
		return m.fhirDateTime(t)
	}
	return ""
}

// instant returns field f of s as a FHIR instant, "" if absent or invalid.
func (m *mapper) instant(s hl7v2.Segment, f int) string {
	if t, ok := m.time(s, f); ok {
		return m.fhirInstant(t)
	}
	return ""
}

func (m *mapper) meta() meta { return meta{LastUpdated: m.lastUpdated} }

// share returns r, from the arena, with a memo of its JSON: for a reference
// that many resources of the message hold, which must not change.
func (m *mapper) share(r reference) *reference {
	p := m.arena.references.new()
	*p = r
	start := len(m.memos)
	m.memos = p.appendJSON(m.memos)
	memo := m.arena.memos.new()
	*memo = jsonMemo[reference]{of: p, json: m.memos[start:len(m.memos):len(m.memos)]}
	p.memo = memo
	return p
}

// emit adds a resource to the result. A resource already emitted with the
// same type and id is replaced, except that a placeholder never replaces a
// full version. Its JSON is written now; v must not change afterwards.
func (m *mapper) emit(typ, id string, placeholder bool, v resource) {
	key := [2]string{typ, id}
	i, seen := m.index[key]
	if seen && placeholder && !m.emitted[i].placeholder {
		return
	}
	start := len(m.buf)
	if !m.checkOnly {
		m.buf = v.appendJSON(m.buf)
	}
	e := emitted{typ: typ, id: id, placeholder: placeholder, v: v, start: start, end: len(m.buf)}
	if seen {
		m.emitted[i] = e
		return
	}
	m.index[key] = len(m.emitted)
	m.emitted = append(m.emitted, e)
}
