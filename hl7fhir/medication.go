package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type medRequestResource struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id"`
	Meta                      meta              `json:"meta"`
	Identifier                []identifier      `json:"identifier,omitempty"`
	Status                    string            `json:"status"`
	Intent                    string            `json:"intent"`
	MedicationCodeableConcept *codeableConcept  `json:"medicationCodeableConcept"`
	Subject                   reference         `json:"subject"`
	Encounter                 *reference        `json:"encounter,omitempty"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *reference        `json:"requester,omitempty"`
	ReasonCode                []codeableConcept `json:"reasonCode,omitempty"`
	Note                      []annotation      `json:"note,omitempty"`
	DosageInstruction         []dosage          `json:"dosageInstruction,omitempty"`
}

type dosage struct {
	Text                    string           `json:"text,omitempty"`
	Timing                  *timing          `json:"timing,omitempty"`
	AsNeededBoolean         *bool            `json:"asNeededBoolean,omitempty"`
	AsNeededCodeableConcept *codeableConcept `json:"asNeededCodeableConcept,omitempty"`
	Route                   *codeableConcept `json:"route,omitempty"`
	DoseAndRate             []doseAndRate    `json:"doseAndRate,omitempty"`
}

type doseAndRate struct {
	DoseQuantity *quantity   `json:"doseQuantity,omitempty"`
	DoseRange    *valueRange `json:"doseRange,omitempty"`
	RateQuantity *quantity   `json:"rateQuantity,omitempty"`
}

// medStatus maps ORC-5 (order status), else ORC-1 (order control), to
// MedicationRequest.status.
func medStatus(orc hl7v2.Segment) string {
	switch strings.ToUpper(text(orc.Field(5))) {
	case "CM":
		return "completed"
	case "CA":
		return "cancelled"
	case "DC":
		return "stopped"
	case "HD":
		return "on-hold"
	case "ER":
		return "entered-in-error"
	case "IP", "SC", "A":
		return "active"
	}
	switch strings.ToUpper(text(orc.Field(1))) {
	case "CA", "OC", "CR":
		return "cancelled"
	case "DC", "OD", "DR":
		return "stopped"
	case "HD", "OH", "HR":
		return "on-hold"
	}
	return "active"
}

// orderID derives the MedicationRequest id of an order from its placer
// number ORC-2 (so RAS administrations join their order), else the filler
// number ORC-3, else alt (the medication and order time).
func orderID(orc hl7v2.Segment, alt ...string) (string, *identifier) {
	if id := ei(orc.Field(2)); id != nil {
		id.Type = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "PLAC"}}}
		return MedicationRequestID(id.System, id.Value), id
	}
	if id := ei(orc.Field(3)); id != nil {
		id.Type = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "FILL"}}}
		return makeID("MedicationRequest", "filler", id.System, id.Value), id
	}
	return makeID("MedicationRequest", alt...), nil
}

// doseQuantity builds a quantity from an amount and a CWE unit.
func doseQuantity(amount string, unit hl7v2.Value) *quantity {
	d := decimal(amount)
	if d == "" {
		return nil
	}
	q := &quantity{Value: jsonNumber(d)}
	code, name, sys := text(unit.Comp(1)), text(unit.Comp(2)), strings.ToUpper(text(unit.Comp(3)))
	q.Unit = name
	if q.Unit == "" {
		q.Unit = code
	}
	if code != "" && (sys == "UCUM" || sys == "" && ucumLike(code)) {
		q.System, q.Code = "http://unitsofmeasure.org", code
	}
	return q
}

// orderGroup is one ORC with the segments that follow it.
type orderGroup struct {
	pat  patientCtx
	enc  string
	orc  hl7v2.Segment
	segs []hl7v2.Segment
}

// orders walks a pharmacy message: PID and PV1 set the patient and encounter
// context (as placeholders), each ORC starts an order group.
func (m *mapper) orders(each func(g orderGroup) error) error {
	var pat patientCtx
	enc := ""
	var cur *orderGroup
	flush := func() error {
		if cur == nil {
			return nil
		}
		g := *cur
		cur = nil
		return each(g)
	}
	for s := range m.msg.Segments() {
		switch s.Name() {
		case "PID":
			if err := flush(); err != nil {
				return err
			}
			var err error
			if pat, err = m.patient(s, nil, true); err != nil {
				return err
			}
			enc = ""
		case "PV1":
			if pat.id != "" && cur == nil {
				enc = m.encounter(pat, s, hl7v2.Segment{}, evUpdate, true)
			}
		case "ORC":
			if err := flush(); err != nil {
				return err
			}
			if pat.id == "" {
				return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
			}
			cur = &orderGroup{pat: pat, enc: enc, orc: s}
		default:
			if cur == nil && pat.id != "" && (s.Name() == "RXA" || s.Name() == "RXE" || s.Name() == "RXO") {
				cur = &orderGroup{pat: pat, enc: enc} // an order without ORC
			}
			if cur != nil {
				cur.segs = append(cur.segs, s)
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if pat.id == "" {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	return nil
}

// pharmacyOrder maps RDE^O11/O25 and OMP^O09 orders to MedicationRequests.
func (m *mapper) pharmacyOrder() error {
	return m.orders(func(g orderGroup) error {
		m.medicationRequest(g)
		return nil
	})
}

func (m *mapper) medicationRequest(g orderGroup) {
	rxe, hasRXE := firstNamed(g.segs, "RXE")
	rxo, hasRXO := firstNamed(g.segs, "RXO")
	if !hasRXE && !hasRXO {
		m.warnSeg(g.orc, 0, "order without RXE or RXO skipped")
		return
	}
	r := &medRequestResource{ResourceType: "MedicationRequest", Meta: m.meta(), Subject: *g.pat.ref(), Intent: "order", Status: medStatus(g.orc)}
	var med *codeableConcept
	var dose doseAndRate
	var d dosage
	var sc schedule
	if hasRXE {
		med = withText(cwe(rxe.Field(2)))
		dose.DoseQuantity = doseQuantity(text(rxe.Field(3)), rxe.Field(5))
		if hi := doseQuantity(text(rxe.Field(4)), rxe.Field(5)); hi != nil && dose.DoseQuantity != nil && hi.Value != dose.DoseQuantity.Value {
			dose.DoseRange, dose.DoseQuantity = &valueRange{Low: dose.DoseQuantity, High: hi}, nil
		}
		dose.RateQuantity = doseQuantity(text(rxe.Field(23)), rxe.Field(24))
		d.Text = instructions(rxe.Field(7))
		for r2 := range rxe.Field(27).Reps() {
			if c := withText(cwe(r2)); c != nil {
				r.ReasonCode = append(r.ReasonCode, *c)
			}
		}
		sc = m.tq(rxe, 1)
	}
	if hasRXO {
		if med == nil {
			med = withText(cwe(rxo.Field(1)))
		}
		if dose.DoseQuantity == nil && dose.DoseRange == nil {
			dose.DoseQuantity = doseQuantity(text(rxo.Field(2)), rxo.Field(4))
		}
		if dose.RateQuantity == nil {
			dose.RateQuantity = doseQuantity(text(rxo.Field(21)), rxo.Field(22))
		}
		if d.Text == "" {
			d.Text = instructions(rxo.Field(7))
		}
		if len(r.ReasonCode) == 0 {
			if c := withText(cwe(rxo.Field(20))); c != nil {
				r.ReasonCode = append(r.ReasonCode, *c)
			}
		}
	}
	if tq1, ok := firstNamed(g.segs, "TQ1"); ok {
		sc = m.tq1(tq1)
	} else if sc.timing == nil && !sc.prn {
		sc = m.tq(g.orc, 7)
	}
	if med == nil {
		m.warnSeg(g.orc, 0, "order without medication code skipped")
		return
	}
	r.MedicationCodeableConcept = med
	r.ID, _ = orderID(g.orc, g.pat.id, codeKey(med), text(g.orc.Field(9)))
	if _, id := orderID(g.orc); id != nil {
		r.Identifier = []identifier{*id}
	}
	if g.enc != "" {
		r.Encounter = &reference{Reference: "Encounter/" + g.enc}
	}
	r.AuthoredOn = m.dateTime(g.orc, 9)
	r.Requester = m.practitioner(g.orc.Field(12).Rep(1))
	if rxr, ok := firstNamed(g.segs, "RXR"); ok {
		d.Route = withText(cwe(rxr.Field(1)))
	}
	d.Timing = sc.timing
	if sc.prn {
		if sc.condition != "" {
			d.AsNeededCodeableConcept = &codeableConcept{Text: sc.condition}
		} else {
			d.AsNeededBoolean = boolPtr(true)
		}
	}
	if dose.DoseQuantity != nil || dose.DoseRange != nil || dose.RateQuantity != nil {
		d.DoseAndRate = []doseAndRate{dose}
	}
	if d.Text != "" || d.Timing != nil || d.Route != nil || d.DoseAndRate != nil || sc.prn {
		r.DosageInstruction = []dosage{d}
	}
	r.Note = notes(named(g.segs, "NTE"))
	m.emit("MedicationRequest", r.ID, false, r)
}

// instructions joins the text of repeating CWE instructions.
func instructions(v hl7v2.Value) string {
	var parts []string
	for r := range v.Reps() {
		if t := ccText(cwe(r)); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "; ")
}

func (v *medRequestResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = str(b, "status", v.Status)
	b = str(b, "intent", v.Intent)
	b = obj(b, "medicationCodeableConcept", v.MedicationCodeableConcept)
	b = obj(b, "subject", &v.Subject)
	b = opt(b, "encounter", v.Encounter)
	b = optStr(b, "authoredOn", v.AuthoredOn)
	b = opt(b, "requester", v.Requester)
	b = optList(b, "reasonCode", v.ReasonCode)
	b = optList(b, "note", v.Note)
	b = optList(b, "dosageInstruction", v.DosageInstruction)
	return append(b, '}')
}

func (v *medRequestResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.AuthoredOn)
	return lifeboat.Index{Patient: c.refID(&v.Subject, "Patient"), Encounter: c.refID(v.Encounter, "Encounter"),
		Status: clean(v.Status), Code: v.MedicationCodeableConcept.token(), Date: date,
		Identifiers: c.indexIdentifiers(v.Identifier)}, ok
}

func (v *dosage) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optStr(b, "text", v.Text)
	b = opt(b, "timing", v.Timing)
	b = optBool(b, "asNeededBoolean", v.AsNeededBoolean)
	b = opt(b, "asNeededCodeableConcept", v.AsNeededCodeableConcept)
	b = opt(b, "route", v.Route)
	b = optList(b, "doseAndRate", v.DoseAndRate)
	return append(b, '}')
}

func (v *doseAndRate) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "doseQuantity", v.DoseQuantity)
	b = opt(b, "doseRange", v.DoseRange)
	b = opt(b, "rateQuantity", v.RateQuantity)
	return append(b, '}')
}
