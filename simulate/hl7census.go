package simulate

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// fpat is a patient of the feed's census.
type fpat struct {
	idx        int // patient index: Generate's for the starting census, n and up for admissions
	id         string
	mrn, visit string
	name       person
	male       bool
	birth      time.Time
	age        float64
	wt         float64
	phone      string
	line, city string
	zip        string
	kind       unitKind // kind of unit admitted to (decides where a transfer may go)
	bed        *bed
	class      string // PV1-2: "I" inpatient or "E" emergency
	att        *pract
	nurse      person
	admit      time.Time
	reason     string
	dx         concept
	allergies  []fallergy
	nka        bool
	orders     []*forder
	admitted   time.Time // when the feed admitted them (zero for the starting census)
	discharged time.Time
	silent     bool // a starting patient the feed sends nothing about (CensusSilent)
}

// fallergy is an allergy as AL1 carries it.
type fallergy struct {
	c                   concept
	text, typ, severity string
	reaction            string
}

// forder is a medication order as RDE and RAS carry it.
type forder struct {
	placer               string
	name                 string
	rx                   concept
	dose                 float64
	unit                 string // as shown; UCUM from the ucum table
	rate                 float64
	rateUnit             string
	route                string
	pattern, patternText string   // TQ1-3 repeat pattern: "Q6H", "BID", "C" (continuous)
	times                []string // TQ1-4 explicit times, "HHMM"
	prn                  bool
	prnReason            string
	note                 string
	start                time.Time
	active               bool
}

// fhirJSON is the part of the generated resources the feed reads back.
type fhirJSON struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
	Identifier   []struct {
		Value string `json:"value"`
	} `json:"identifier"`
	Name []struct {
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
	Gender    string `json:"gender"`
	BirthDate string `json:"birthDate"`
	Telecom   []struct {
		Value string `json:"value"`
	} `json:"telecom"`
	Address []struct {
		Line       []string `json:"line"`
		City       string   `json:"city"`
		PostalCode string   `json:"postalCode"`
	} `json:"address"`
	Class struct {
		Code string `json:"code"`
	} `json:"class"`
	Participant []struct {
		Individual struct {
			Reference string `json:"reference"`
		} `json:"individual"`
	} `json:"participant"`
	Period struct {
		Start string `json:"start"`
	} `json:"period"`
	ReasonCode []jsonCC `json:"reasonCode"`
	Code       jsonCC   `json:"code"`
	Reaction   []struct {
		Manifestation []jsonCC `json:"manifestation"`
		Severity      string   `json:"severity"`
	} `json:"reaction"`
	Medication jsonCC `json:"medicationCodeableConcept"`
	AuthoredOn string `json:"authoredOn"`
	Dosage     []struct {
		Timing struct {
			Repeat struct {
				Frequency  int      `json:"frequency"`
				Period     float64  `json:"period"`
				PeriodUnit string   `json:"periodUnit"`
				TimeOfDay  []string `json:"timeOfDay"`
			} `json:"repeat"`
			Code jsonCC `json:"code"`
		} `json:"timing"`
		AsNeeded    *jsonCC `json:"asNeededCodeableConcept"`
		Route       jsonCC  `json:"route"`
		DoseAndRate []struct {
			Dose *jsonQty `json:"doseQuantity"`
			Rate *jsonQty `json:"rateQuantity"`
		} `json:"doseAndRate"`
	} `json:"dosageInstruction"`
}

type jsonCC struct {
	Coding []struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	} `json:"coding"`
	Text string `json:"text"`
}

func (c jsonCC) concept() concept {
	if len(c.Coding) == 0 {
		return concept{display: c.Text}
	}
	return concept{c.Coding[0].System, c.Coding[0].Code, c.Coding[0].Display}
}

type jsonQty struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// startingCensus runs Generate and reads back its admitted patients, with
// their beds (g.slots), allergies, admitting diagnosis and active orders.
func (f *Feed) startingCensus(n int) error {
	pats := make([]*fpat, n)
	byID := map[string]*fpat{}
	err := Generate(Options{Seed: f.opts.Seed, Now: f.opts.Start, Patients: n}, func(typ, id string, data []byte) error {
		switch typ {
		case "Patient", "Encounter", "AllergyIntolerance", "MedicationRequest":
		default:
			return nil
		}
		var v fhirJSON
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		if typ == "Patient" {
			i, err := strconv.Atoi(strings.TrimPrefix(id, "pt-"))
			if err != nil || i < 1 || i > n {
				return nil
			}
			p := f.readPatient(i-1, &v)
			pats[i-1], byID[id] = p, p
			return nil
		}
		owner, _, _ := strings.Cut(strings.TrimPrefix(id, "pt-"), "-")
		p := byID["pt-"+owner]
		if p == nil {
			return nil
		}
		switch typ {
		case "Encounter":
			if v.Status == "in-progress" {
				f.readEncounter(p, &v)
			}
		case "AllergyIntolerance":
			readAllergy(p, &v)
		case "MedicationRequest":
			if v.Status == "active" {
				p.orders = append(p.orders, readOrder(id, &v))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range pats {
		if p == nil || p.bed == nil {
			continue
		}
		f.place(p, p.bed)
	}
	return nil
}

func (f *Feed) readPatient(i int, v *fhirJSON) *fpat {
	p := &fpat{idx: i, id: v.ID, male: v.Gender == "male", bed: f.g.slots[i], class: "I"}
	p.kind = p.bed.unit.kind
	if len(v.Identifier) > 0 {
		p.mrn = v.Identifier[0].Value
	}
	if len(v.Name) > 0 {
		p.name.family = v.Name[0].Family
		if g := v.Name[0].Given; len(g) > 0 {
			p.name.given = g[0]
			if len(g) > 1 {
				p.name.middle = g[1]
			}
		}
	}
	p.birth, _ = time.ParseInLocation("2006-01-02", v.BirthDate, f.opts.Start.Location())
	p.setAge(f.opts.Start)
	if len(v.Telecom) > 0 {
		p.phone = v.Telecom[0].Value
	}
	if len(v.Address) > 0 {
		a := v.Address[0]
		p.city, p.zip = a.City, a.PostalCode
		if len(a.Line) > 0 {
			p.line = a.Line[0]
		}
	}
	p.nurse = newPerson(f.r, chance(f.r, 0.2), nil)
	return p
}

func (f *Feed) readEncounter(p *fpat, v *fhirJSON) {
	if len(v.Identifier) > 0 {
		p.visit = v.Identifier[0].Value
	}
	if v.Class.Code == "EMER" {
		p.class = "E"
	}
	if len(v.Participant) > 0 {
		ref := strings.TrimPrefix(v.Participant[0].Individual.Reference, "Practitioner/")
		for _, d := range f.g.pracs {
			if d.id == ref {
				p.att = d
			}
		}
	}
	if p.att == nil {
		p.att = f.g.pracs[0]
	}
	p.admit, _ = time.Parse(time.RFC3339, v.Period.Start)
	if len(v.ReasonCode) > 0 {
		p.reason, p.dx = v.ReasonCode[0].Text, v.ReasonCode[0].concept()
	}
}

func readAllergy(p *fpat, v *fhirJSON) {
	c := v.Code.concept()
	if c.code == "716186003" || c.code == "409137002" {
		p.nka = true
		return
	}
	a := fallergy{c: c, text: v.Code.Text, typ: "DA"}
	if len(v.Reaction) > 0 {
		if m := v.Reaction[0].Manifestation; len(m) > 0 {
			a.reaction = m[0].Text
		}
		a.severity = severityCode[v.Reaction[0].Severity]
	}
	for _, d := range allergyDefs {
		if d.c.code == c.code {
			a.typ = allergyType[d.category]
		}
	}
	p.allergies = append(p.allergies, a)
}

var (
	severityCode = map[string]string{"severe": "SV", "moderate": "MO", "mild": "MI"}
	allergyType  = map[string]string{"medication": "DA", "food": "FA", "environment": "EA", "biologic": "MA"}
)

// readOrder turns an active MedicationRequest back into an order; its id is
// the placer order number, so the identifiers match the demo store's.
func readOrder(id string, v *fhirJSON) *forder {
	o := &forder{placer: id, name: v.Medication.Text, rx: v.Medication.concept(), active: true}
	o.start, _ = time.Parse(time.RFC3339, v.AuthoredOn)
	if len(v.Dosage) == 0 {
		return o
	}
	d := v.Dosage[0]
	o.route = d.Route.Text
	if d.AsNeeded != nil {
		o.prn, o.prnReason = true, d.AsNeeded.Text
	}
	if len(d.DoseAndRate) > 0 {
		if q := d.DoseAndRate[0].Dose; q != nil {
			o.dose, o.unit = q.Value, q.Unit
		}
		if q := d.DoseAndRate[0].Rate; q != nil {
			o.rate, o.rateUnit = q.Value, q.Unit
		}
	}
	rp := d.Timing.Repeat
	o.patternText = d.Timing.Code.Text
	for _, t := range rp.TimeOfDay {
		o.times = append(o.times, strings.ReplaceAll(t, ":", "")[:4])
	}
	switch {
	case o.rate > 0 && rp.Frequency == 0:
		o.pattern = "C"
	case len(o.times) > 0:
		o.pattern = dailyPattern(len(o.times))
	case rp.PeriodUnit == "h" || rp.PeriodUnit == "min":
		o.pattern = "Q" + strconv.Itoa(int(rp.Period)) + strings.ToUpper(rp.PeriodUnit[:1])
	case rp.PeriodUnit == "d" && rp.Period == 1:
		o.pattern = "QD"
	default:
		o.pattern = "QD"
	}
	return o
}
