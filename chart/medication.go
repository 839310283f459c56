package chart

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Kinds of medication order on the MAR.
const (
	orderScheduled = iota
	orderPRN
	orderContinuous
)

// order is a decoded active MedicationRequest.
type order struct {
	Med   lifeboat.Medication
	kind  int
	sched *schedule
}

type dosage struct {
	Text                    string   `json:"text"`
	Timing                  *timing  `json:"timing"`
	AsNeededBoolean         *bool    `json:"asNeededBoolean"`
	AsNeededCodeableConcept *concept `json:"asNeededCodeableConcept"`
	Route                   *concept `json:"route"`
	DoseAndRate             []doseAndRate
}

type doseAndRate struct {
	DoseQuantity *quantity
	DoseRange    *valueRange
	RateQuantity *quantity
	RateRatio    *ratio
	RateRange    *valueRange
}

// activeOrder reports whether a MedicationRequest status and intent make it
// an active order: status active, intent order (or any *-order, or absent).
func activeOrder(status, intent string) bool {
	return status == "active" && (intent == "" || strings.HasSuffix(intent, "order"))
}

// decodeOrders reads the active medication orders, sorted by name.
func decodeOrders(rv *resolver, loc *time.Location, rs []*lifeboat.Resource) []*order {
	var out []*order
	for _, r := range rs {
		if r.Type != "MedicationRequest" {
			continue
		}
		if o := decodeOrder(rv, loc, r); o != nil {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].Med.Name) < strings.ToLower(out[j].Med.Name)
	})
	return out
}

func decodeOrder(rv *resolver, loc *time.Location, r *lifeboat.Resource) *order {
	if r.Deleted {
		return nil
	}
	var v struct {
		Status, Intent, AuthoredOn string
		MedicationCodeableConcept  *concept
		MedicationReference        *reference
		Requester                  reference
		DosageInstruction          []dosage
	}
	raw(r.JSON).members(func(k, x raw) bool {
		switch string(k) {
		case "status":
			v.Status = x.str()
		case "intent":
			v.Intent = x.str()
		case "authoredOn":
			v.AuthoredOn = x.str()
		case "medicationCodeableConcept":
			c := x.concept()
			v.MedicationCodeableConcept = &c
		case "medicationReference":
			ref := x.reference()
			v.MedicationReference = &ref
		case "requester":
			v.Requester = x.reference()
		case "dosageInstruction":
			x.elements(func(d raw) {
				if len(v.DosageInstruction) == 0 {
					v.DosageInstruction = append(v.DosageInstruction, d.dosage())
				}
			})
		}
		return true
	})
	if !activeOrder(v.Status, v.Intent) {
		return nil
	}
	o := &order{Med: lifeboat.Medication{RequestID: r.ID}}
	m := &o.Med
	if v.MedicationCodeableConcept != nil {
		m.Name = v.MedicationCodeableConcept.display()
	}
	if m.Name == "" && v.MedicationReference != nil {
		m.Name = rv.name(*v.MedicationReference)
	}
	if m.Name == "" {
		m.Name = "Unnamed medication"
	}
	m.Prescriber = rv.name(v.Requester)
	m.Start = parseTime(v.AuthoredOn, loc)
	var d dosage
	if len(v.DosageInstruction) > 0 {
		d = v.DosageInstruction[0]
	}
	if d.Timing != nil && d.Timing.Repeat != nil && d.Timing.Repeat.BoundsPeriod != nil {
		if t := parseTime(d.Timing.Repeat.BoundsPeriod.Start, loc); !t.IsZero() {
			m.Start = t
		}
	}
	if d.Route != nil {
		m.Route = d.Route.display()
	}
	if len(d.DoseAndRate) > 0 {
		dr := d.DoseAndRate[0]
		m.Dose = dr.DoseQuantity.String()
		if m.Dose == "" {
			m.Dose = dr.DoseRange.String()
		}
		m.Rate = dr.RateQuantity.String()
		if m.Rate == "" {
			m.Rate = dr.RateRatio.String()
		}
		if m.Rate == "" {
			m.Rate = dr.RateRange.String()
		}
	}
	m.PRN = (d.AsNeededBoolean != nil && *d.AsNeededBoolean) || d.AsNeededCodeableConcept != nil
	if d.AsNeededCodeableConcept != nil {
		m.PRNReason = d.AsNeededCodeableConcept.display()
	}
	switch {
	case m.PRN:
		o.kind = orderPRN
	case m.Rate != "":
		o.kind = orderContinuous
		m.Continuous = true
	}
	if d.Timing != nil {
		o.sched = newSchedule(d.Timing, m.Start, loc)
		m.Frequency = o.sched.text
	} else {
		o.sched = &schedule{start: m.Start}
	}
	switch {
	case m.Frequency != "":
	case m.Continuous:
		m.Frequency = "continuous"
	default:
		m.Frequency = d.Text
	}
	return o
}

// medications returns the orders' medications.
func medications(orders []*order) []lifeboat.Medication {
	out := make([]lifeboat.Medication, 0, len(orders))
	for _, o := range orders {
		out = append(out, o.Med)
	}
	return out
}

// admin is a decoded MedicationAdministration.
type admin struct {
	request string // id of the MedicationRequest
	status  string
	time    time.Time
	reason  string // statusReason, for not-done
	rate    string
}

// given reports whether the administration counts as a dose given.
func (a *admin) given() bool { return a.status == "completed" || a.status == "in-progress" }

// decodeAdmins reads MedicationAdministrations by order id, oldest first.
func decodeAdmins(loc *time.Location, rs []*lifeboat.Resource) map[string][]*admin {
	out := make(map[string][]*admin)
	for _, r := range rs {
		if r.Type != "MedicationAdministration" {
			continue
		}
		if r.Deleted {
			continue
		}
		a := &admin{}
		raw(r.JSON).members(func(k, v raw) bool {
			switch string(k) {
			case "status":
				a.status = v.str()
			case "statusReason":
				if cs := v.concepts(); len(cs) > 0 {
					a.reason = cs[0].display()
				}
			case "request":
				ref := v.reference()
				a.request = ref.id("MedicationRequest")
			case "effectiveDateTime":
				a.time = parseTime(v.str(), loc)
			case "effectivePeriod":
				if a.time.IsZero() {
					a.time = parseTime(v.period().Start, loc)
				}
			case "dosage":
				v.members(func(k, v raw) bool {
					switch string(k) {
					case "rateQuantity":
						a.rate = v.quantity().String()
					case "rateRatio":
						a.rate = v.ratio().String()
					}
					return true
				})
			}
			return true
		})
		if a.time.IsZero() {
			a.time = r.Index.Date
		}
		if a.request == "" || a.time.IsZero() || (!a.given() && a.status != "not-done") {
			continue
		}
		out[a.request] = append(out[a.request], a)
	}
	for _, as := range out {
		slices.SortStableFunc(as, func(a, b *admin) int { return a.time.Compare(b.time) })
	}
	return out
}

// dosage reads a Dosage.
func (r raw) dosage() dosage {
	var d dosage
	r.members(func(k, x raw) bool {
		switch string(k) {
		case "text":
			d.Text = x.str()
		case "timing":
			d.Timing = x.timing()
		case "asNeededBoolean":
			d.AsNeededBoolean = x.boolean()
		case "asNeededCodeableConcept":
			c := x.concept()
			d.AsNeededCodeableConcept = &c
		case "route":
			c := x.concept()
			d.Route = &c
		case "doseAndRate":
			x.elements(func(e raw) {
				var dr doseAndRate
				e.members(func(k, x raw) bool {
					switch string(k) {
					case "doseQuantity":
						dr.DoseQuantity = x.quantity()
					case "doseRange":
						dr.DoseRange = x.valueRange()
					case "rateQuantity":
						dr.RateQuantity = x.quantity()
					case "rateRatio":
						dr.RateRatio = x.ratio()
					case "rateRange":
						dr.RateRange = x.valueRange()
					}
					return true
				})
				d.DoseAndRate = append(d.DoseAndRate, dr)
			})
		}
		return true
	})
	return d
}

// valueRange reads a Range, or nil.
func (r raw) valueRange() *valueRange {
	if len(r) == 0 || r[0] != '{' {
		return nil
	}
	x := new(valueRange)
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "low":
			x.Low = v.quantity()
		case "high":
			x.High = v.quantity()
		}
		return true
	})
	return x
}

// timing reads a Timing.
func (r raw) timing() *timing {
	t := new(timing)
	r.members(func(k, x raw) bool {
		switch string(k) {
		case "event":
			t.Event = x.strings()
		case "code":
			c := x.concept()
			t.Code = &c
		case "repeat":
			t.Repeat = x.repeat()
		}
		return true
	})
	return t
}

// repeat reads a Timing.repeat.
func (r raw) repeat() *repeat {
	rep := new(repeat)
	r.members(func(k, x raw) bool {
		switch string(k) {
		case "boundsPeriod":
			p := x.period()
			rep.BoundsPeriod = &p
		case "count":
			rep.Count, _ = strconv.Atoi(string(x.number()))
		case "frequency":
			rep.Frequency, _ = strconv.Atoi(string(x.number()))
		case "period":
			rep.Period, _ = strconv.ParseFloat(string(x.number()), 64)
		case "periodMax":
			rep.PeriodMax, _ = strconv.ParseFloat(string(x.number()), 64)
		case "periodUnit":
			rep.PeriodUnit = x.str()
		case "dayOfWeek":
			rep.DayOfWeek = x.strings()
		case "timeOfDay":
			rep.TimeOfDay = x.strings()
		case "when":
			rep.When = x.strings()
		}
		return true
	})
	return rep
}
