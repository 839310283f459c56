package chart

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

type obsRange struct {
	Low  *quantity `json:"low"`
	High *quantity `json:"high"`
	Text string    `json:"text"`
}

type obsComponent struct {
	Code           concept   `json:"code"`
	ValueQuantity  *quantity `json:"valueQuantity"`
	Interpretation []concept `json:"interpretation"`
}

// obsDoc is the part of an Observation the views read. It is filled by
// read on the fast path; its tags name the FHIR elements (and let tests
// compare read with encoding/json).
type obsDoc struct {
	Status               string         `json:"status"`
	Category             []concept      `json:"category"`
	Code                 concept        `json:"code"`
	EffectiveDateTime    string         `json:"effectiveDateTime"`
	EffectiveInstant     string         `json:"effectiveInstant"`
	EffectivePeriod      period         `json:"effectivePeriod"`
	Issued               string         `json:"issued"`
	ValueQuantity        *quantity      `json:"valueQuantity"`
	ValueString          *string        `json:"valueString"`
	ValueCodeableConcept *concept       `json:"valueCodeableConcept"`
	ValueInteger         *json.Number   `json:"valueInteger"`
	ValueBoolean         *bool          `json:"valueBoolean"`
	Interpretation       []concept      `json:"interpretation"`
	Component            []obsComponent `json:"component"`
	ReferenceRange       []obsRange     `json:"referenceRange"`

	time  time.Time
	value lifeboat.ResultValue
	unit  string
	ok    bool // has a shown status, a time and a value
}

// decodeObs decodes an Observation (on the fast path, see raw) and reads
// its time and value.
func decodeObs(r *lifeboat.Resource, loc *time.Location) *obsDoc {
	if r == nil || r.Deleted || len(r.JSON) == 0 {
		return nil
	}
	o := new(obsDoc)
	o.read(raw(r.JSON))
	switch o.Status {
	case "final", "amended", "corrected", "preliminary", "":
	default:
		return o // entered-in-error, cancelled, registered, unknown: not shown
	}
	o.time = firstTime(loc, o.EffectiveDateTime, o.EffectiveInstant, o.EffectivePeriod.Start, o.Issued)
	if o.time.IsZero() {
		o.time = r.Index.Date
	}
	o.readValue()
	o.ok = !o.time.IsZero() && o.value.Value != ""
	return o
}

// readValue fills value and unit: the quantity, string, concept, integer or
// boolean value, or systolic/diastolic for a blood pressure panel.
func (o *obsDoc) readValue() {
	v := &o.value
	v.Time = o.time
	switch {
	case o.ValueQuantity != nil && o.ValueQuantity.Value != "":
		v.Value = o.ValueQuantity.Comparator + string(o.ValueQuantity.Value)
		o.unit = o.ValueQuantity.unit()
	case o.ValueString != nil:
		v.Value = *o.ValueString
	case o.ValueCodeableConcept != nil:
		v.Value = o.ValueCodeableConcept.display()
	case o.ValueInteger != nil:
		v.Value = string(*o.ValueInteger)
	case o.ValueBoolean != nil:
		v.Value = strconv.FormatBool(*o.ValueBoolean)
	}
	var interp []concept
	if len(o.Interpretation) > 0 {
		interp = o.Interpretation[:1]
	}
	if v.Value == "" && len(o.Component) > 0 {
		var sys, dia *obsComponent
		for i := range o.Component {
			c := &o.Component[i]
			switch {
			case c.Code.has(sysLOINC, loincSystolic):
				sys = c
			case c.Code.has(sysLOINC, loincDiastolic):
				dia = c
			}
		}
		if sys != nil && dia != nil && sys.ValueQuantity != nil && dia.ValueQuantity != nil {
			v.Value = string(sys.ValueQuantity.Value) + "/" + string(dia.ValueQuantity.Value)
			o.unit = sys.ValueQuantity.unit()
			if interp == nil {
				interp = append(append(interp, sys.Interpretation...), dia.Interpretation...)
			}
		}
	}
	for i := range interp {
		f, crit := flagOf(interp[i].code())
		if crit || flagRank(f) > flagRank(v.Flag) {
			v.Flag = f
		}
		v.Critical = v.Critical || crit
	}
	if len(interp) == 0 && o.ValueQuantity != nil && len(o.ReferenceRange) > 0 {
		v.Flag = rangeFlag(string(o.ValueQuantity.Value), o.ReferenceRange[0].Low, o.ReferenceRange[0].High)
	}
}

// flagOf maps an interpretation code to a flag and whether it is critical.
// HH, LL and AA are critical; AA shows as "A".
func flagOf(code string) (string, bool) {
	switch code {
	case "H", "HU", ">":
		return "H", false
	case "L", "LU", "<":
		return "L", false
	case "HH":
		return "HH", true
	case "LL":
		return "LL", true
	case "A":
		return "A", false
	case "AA":
		return "A", true
	}
	return "", false
}

func flagRank(f string) int {
	switch f {
	case "HH", "LL":
		return 3
	case "H", "L":
		return 2
	case "A":
		return 1
	}
	return 0
}

// rangeFlag compares a numeric value with a reference range.
func rangeFlag(value string, low, high *quantity) string {
	x, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return ""
	}
	if low != nil && low.Value != "" {
		if l, err := strconv.ParseFloat(string(low.Value), 64); err == nil && x < l {
			return "L"
		}
	}
	if high != nil && high.Value != "" {
		if h, err := strconv.ParseFloat(string(high.Value), 64); err == nil && x > h {
			return "H"
		}
	}
	return ""
}

// read fills the decoded elements of o from an Observation's JSON.
func (o *obsDoc) read(r raw) {
	r.members(func(k, v raw) bool {
		switch string(k) {
		case "status":
			o.Status = v.str()
		case "category":
			o.Category = v.concepts()
		case "code":
			o.Code = v.concept()
		case "effectiveDateTime":
			o.EffectiveDateTime = v.str()
		case "effectiveInstant":
			o.EffectiveInstant = v.str()
		case "effectivePeriod":
			o.EffectivePeriod = v.period()
		case "issued":
			o.Issued = v.str()
		case "valueQuantity":
			o.ValueQuantity = v.quantity()
		case "valueString":
			s := v.str()
			o.ValueString = &s
		case "valueCodeableConcept":
			c := v.concept()
			o.ValueCodeableConcept = &c
		case "valueInteger":
			n := v.number()
			o.ValueInteger = &n
		case "valueBoolean":
			o.ValueBoolean = v.boolean()
		case "interpretation":
			o.Interpretation = v.concepts()
		case "component":
			v.elements(func(e raw) {
				var c obsComponent
				e.members(func(k, v raw) bool {
					switch string(k) {
					case "code":
						c.Code = v.concept()
					case "valueQuantity":
						c.ValueQuantity = v.quantity()
					case "interpretation":
						c.Interpretation = v.concepts()
					}
					return true
				})
				o.Component = append(o.Component, c)
			})
		case "referenceRange":
			v.elements(func(e raw) {
				var rr obsRange
				e.members(func(k, v raw) bool {
					switch string(k) {
					case "low":
						rr.Low = v.quantity()
					case "high":
						rr.High = v.quantity()
					case "text":
						rr.Text = v.str()
					}
					return true
				})
				o.ReferenceRange = append(o.ReferenceRange, rr)
			})
		}
		return true
	})
}
