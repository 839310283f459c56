package simulate

import (
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// Assigning authorities of the identifiers in the messages: their
// universal ids are the identifier systems of the generated FHIR resources,
// so hl7fhir maps them to the same system|value.
var (
	mrnOID   = strings.TrimPrefix(MRNSystem, "urn:oid:")
	visitOID = strings.TrimPrefix(VisitSystem, "urn:oid:")
)

const facility = "AGH"

// v2Systems names the code systems of the catalogs in HL7 v2 (table 0396).
var v2Systems = map[string]string{sysSCT: "SCT", sysICD10: "I10C", sysLOINC: "LN", sysRxNorm: "RXNORM", sysUCUM: "UCUM"}

// v2Routes maps route text to table 0162.
var v2Routes = map[string][2]string{
	"oral": {"PO", "Oral"}, "IV": {"IV", "Intravenous"}, "subcutaneous": {"SC", "Subcutaneous"}, "IM": {"IM", "Intramuscular"},
	"nebulized": {"NB", "Nebulized"}, "inhaled": {"IH", "Inhalation"}, "transdermal": {"TD", "Transdermal"},
	"sublingual": {"SL", "Sublingual"}, "nasal": {"NS", "Nasal"},
}

// services maps a kind of unit to the hospital service of PV1-10.
var services = map[unitKind]string{kICU: "MED", kStepDown: "MED", kCardio: "CAR", kMedSurg: "MED", kOnc: "ONC", kPeds: "PED", kED: "EMR", kMaternity: "OBS"}

func ts(t time.Time) string {
	return string(hl7v2.AppendTime(nil, t, hl7v2.PrecisionSecond, true))
}

// header resets the builder and writes MSH for a message at now.
func (f *Feed) header(now time.Time, code, trigger, structure string) *hl7v2.Builder {
	f.seq++
	b := f.b
	b.Reset()
	b.Segment("MSH").Set(3, f.app).Set(4, f.fac).Set(5, "LIFEBOAT").Set(6, f.fac).Set(7, ts(now)).
		SetComponents(9, code, trigger, structure).Set(10, f.prefix+pad(f.seq, 9)).Set(11, "P").Set(12, "2.5.1").
		Set(18, "UNICODE UTF-8")
	return b
}

func (f *Feed) done(kind string) ([]byte, string, error) {
	data, err := f.b.Bytes()
	return data, kind, err
}

func (f *Feed) pid(b *hl7v2.Builder, p *fpat) {
	sex := "F"
	if p.male {
		sex = "M"
	}
	b.Segment("PID").Set(1, "1").
		SetPath("3-1", p.mrn).SetPath("3-4-1", facility).SetPath("3-4-2", mrnOID).SetPath("3-4-3", "ISO").SetPath("3-5", "MR").
		SetComponents(5, p.name.family, p.name.given, p.name.middle).
		Set(7, p.birth.Format("20060102")).Set(8, sex).
		SetComponents(11, p.line, "", p.city, "MA", p.zip, "USA", "H").
		SetComponents(13, p.phone, "PRN", "PH")
}

// pl writes a bed as PL: unit^room^bed^facility, named as the Locations of
// Generate are (unit name, "4W Room 02", bed label).
func pl(b *hl7v2.Builder, field int, bd *bed) {
	f := strconv.Itoa(field)
	u := bd.unit
	b.SetPath(f+"-1", u.name).SetPath(f+"-3", bd.label).SetPath(f+"-4", facility)
	if bd.room != "" {
		b.SetPath(f+"-2", roomName(u, bd))
	}
}

// xcn writes a physician as XCN with the NPI as identifier.
func xcn(b *hl7v2.Builder, field int, d *pract) {
	f := strconv.Itoa(field)
	b.SetPath(f+"-1", d.npi).SetPath(f+"-2", d.p.family).SetPath(f+"-3", d.p.given).SetPath(f+"-6", "Dr").
		SetPath(f+"-7", d.degree).SetPath(f+"-9-1", "NPI").SetPath(f+"-9-2", NPISystem).SetPath(f+"-13", "NPI")
}

// nurse writes a nurse as XCN, by name.
func nurse(b *hl7v2.Builder, field int, n person) {
	f := strconv.Itoa(field)
	b.SetPath(f+"-2", n.family).SetPath(f+"-3", n.given).SetPath(f+"-7", "RN")
}

func (f *Feed) pv1(b *hl7v2.Builder, p *fpat, prior *bed, discharged time.Time) {
	b.Segment("PV1").Set(1, "1").Set(2, p.class)
	pl(b, 3, p.bed)
	if prior != nil {
		pl(b, 6, prior)
	}
	xcn(b, 7, p.att)
	b.Set(10, services[p.bed.unit.kind]).
		SetPath("19-1", p.visit).SetPath("19-4-1", facility).SetPath("19-4-2", visitOID).SetPath("19-4-3", "ISO").SetPath("19-5", "VN").
		Set(44, ts(p.admit))
	if p.class == "E" {
		b.Set(14, "7") // table 0023: emergency room
	} else {
		b.Set(14, "1") // physician referral
	}
	if !discharged.IsZero() {
		b.Set(36, "01").Set(45, ts(discharged))
	}
}

func coded(b *hl7v2.Builder, field int, c concept, text string) {
	if text == "" {
		text = c.display
	}
	if c.code == "" {
		b.SetComponents(field, "", text)
		return
	}
	b.SetComponents(field, c.code, text, v2Systems[c.sys])
}

// adt makes an ADT message about p; prior is the bed left in a transfer.
func (f *Feed) adt(now time.Time, trigger string, p *fpat, prior *bed) ([]byte, string, error) {
	structure := map[string]string{"A02": "ADT_A02", "A03": "ADT_A03", "A11": "ADT_A09"}[trigger]
	if structure == "" {
		structure = "ADT_A01"
	}
	b := f.header(now, "ADT", trigger, structure)
	b.Segment("EVN").Set(1, trigger).Set(2, ts(now)).Set(6, ts(now))
	f.pid(b, p)
	var disch time.Time
	if trigger == "A03" {
		disch = now
	}
	f.pv1(b, p, prior, disch)
	if trigger == "A11" {
		return f.done("ADT^" + trigger)
	}
	b.Segment("PV2")
	coded(b, 3, p.dx, p.reason)
	switch {
	case p.nka:
		b.Segment("AL1").Set(1, "1").SetComponents(3, "NKA", "No known allergies")
	default:
		for i, a := range p.allergies {
			b.Segment("AL1").Set(1, strconv.Itoa(i+1)).Set(2, a.typ)
			coded(b, 3, a.c, a.text)
			b.Set(4, a.severity).Set(5, a.reaction)
		}
	}
	if p.dx.code != "" || p.reason != "" {
		b.Segment("DG1").Set(1, "1")
		coded(b, 3, p.dx, p.reason)
		b.Set(4, p.reason).Set(5, ts(p.admit)).Set(6, "A")
	}
	return f.done("ADT^" + trigger)
}

// labPanels are the panels resulted during a stay, with their weights.
var labPanels = []struct {
	key string
	w   int
}{{"bmp", 6}, {"cbc", 6}, {"cmp", 2}, {"diff", 1}, {"mg", 2}, {"poc", 5}, {"inr", 1}, {"trop", 1}, {"lactate", 1}, {"bnp", 1}}

// oru makes a lab result: one panel, numeric values with units, reference
// ranges and flags, now and then abnormal or critical.
func (f *Feed) oru(now time.Time, p *fpat) ([]byte, string, error) {
	r := f.r
	ws := make([]int, len(labPanels))
	tests := " " + unitDefaults[p.kind].tests + " "
	for i, lp := range labPanels {
		ws[i] = lp.w
		if strings.Contains(tests, " "+lp.key+" ") {
			ws[i] += 4
		}
	}
	key := labPanels[pickIndex(r, ws...)].key
	pn := panels[key]
	collected := now.Add(-min(pn.tat, 90*time.Minute)).Truncate(time.Minute)
	placer, filler := f.nextID("L"), f.nextID("F")
	b := f.header(now, "ORU", "R01", "ORU_R01")
	f.pid(b, p)
	f.pv1(b, p, nil, time.Time{})
	b.Segment("ORC").Set(1, "RE").SetComponents(2, placer, "AGH-EHR").SetComponents(3, filler, "AGH-LAB").Set(5, "CM")
	xcn(b, 12, p.att)
	b.Segment("OBR").Set(1, "1").SetComponents(2, placer, "AGH-EHR").SetComponents(3, filler, "AGH-LAB").
		SetComponents(4, pn.c.code, pn.name, "LN").Set(7, ts(collected)).Set(22, ts(now)).Set(24, "LAB").Set(25, "F")
	xcn(b, 16, p.att)
	tmp := &patient{age: p.age, male: p.male}
	for i, k := range pn.tests {
		d := labByKey[k]
		lo, hi := tmp.labRange(d)
		var v float64
		switch x := r.Float64(); {
		case x < 0.03 && (d.clo > 0 || d.chi > 0): // critical
			if d.chi > 0 && (d.clo == 0 || chance(r, 0.5)) {
				v = d.chi * between(r, 1.05, 1.3)
			} else {
				v = d.clo * between(r, 0.75, 0.95)
			}
		case x < 0.3: // outside the range
			if lo > 0 && chance(r, 0.5) {
				v = lo * between(r, 0.75, 0.97)
			} else {
				v = hi * between(r, 1.03, 1.6)
			}
		default:
			v = between(r, lo, hi)
			if lo == 0 {
				v = hi * between(r, 0.05, 0.8)
			}
		}
		v = round(v, d.prec)
		rng := strconv.FormatFloat(lo, 'f', d.prec, 64) + "-" + strconv.FormatFloat(hi, 'f', d.prec, 64)
		if lo == 0 {
			rng = "<" + strconv.FormatFloat(hi, 'f', max(d.prec, decimals(hi)), 64)
		}
		show := d.show
		if show == "" {
			show = d.unit
		}
		b.Segment("OBX").Set(1, strconv.Itoa(i+1)).Set(2, "NM").SetComponents(3, d.c.code, d.c.display, "LN").
			Set(5, strconv.FormatFloat(v, 'f', d.prec, 64)).SetComponents(6, d.unit, show, "UCUM").Set(7, rng).
			Set(8, flag(v, lo, hi, d.clo, d.chi)).Set(11, "F").Set(14, ts(collected))
	}
	return f.done(KindResult)
}

// orc writes the common order control segment of RDE and RAS.
func (*Feed) orc(b *hl7v2.Builder, control, status string, o *forder) {
	b.Segment("ORC").Set(1, control).SetComponents(2, o.placer, "AGH-EHR").SetComponents(3, "F"+o.placer, "AGH-RX")
	if status != "" {
		b.Set(5, status)
	}
}

func ucumOf(unit string) string {
	if c, ok := ucum[unit]; ok {
		return c
	}
	return unit
}

// rde makes a pharmacy order (or its discontinuation) with TQ1 timing.
func (f *Feed) rde(now time.Time, p *fpat, o *forder, stop bool) ([]byte, string, error) {
	if o.placer == "" {
		o.placer = f.nextID("O")
	}
	b := f.header(now, "RDE", "O11", "RDE_O11")
	f.pid(b, p)
	f.pv1(b, p, nil, time.Time{})
	if stop {
		f.orc(b, "DC", "DC", o)
	} else {
		f.orc(b, "NW", "IP", o)
	}
	b.Set(9, ts(o.start))
	xcn(b, 12, p.att)
	b.Segment("TQ1").Set(1, "1").SetPath("3-1-1", o.pattern).SetPath("3-1-2", o.patternText)
	for _, t := range o.times {
		b.AddRepetition(4, t)
	}
	b.Set(7, ts(o.start))
	if stop {
		b.Set(8, ts(now))
	}
	if o.prn {
		b.Set(9, "PRN").Set(10, o.prnReason)
	}
	b.Segment("RXE")
	coded(b, 2, o.rx, o.name)
	if o.dose > 0 {
		b.Set(3, fmtNum(o.dose)).SetComponents(5, ucumOf(o.unit), o.unit, "UCUM")
	}
	if o.note != "" {
		b.SetComponents(7, "", o.note)
	}
	if o.rate > 0 {
		b.Set(23, fmtNum(o.rate)).SetComponents(24, ucumOf(o.rateUnit), o.rateUnit, "UCUM")
	}
	if rt, ok := v2Routes[o.route]; ok {
		b.Segment("RXR").SetComponents(1, rt[0], rt[1], "HL70162")
	}
	return f.done(KindOrder)
}

// refusals are the reasons a dose is not given.
var refusals = []string{"Patient refused", "Patient refused", "Held - NPO for procedure", "Held - patient off unit"}

// ras makes an administration of an active order, given or now and then
// refused.
func (f *Feed) ras(now time.Time, p *fpat, o *forder) ([]byte, string, error) {
	b := f.header(now, "RAS", "O17", "RAS_O17")
	f.pid(b, p)
	f.pv1(b, p, nil, time.Time{})
	f.orc(b, "RE", "", o)
	given := now.Add(-time.Duration(f.r.IntN(15)) * time.Minute).Truncate(time.Minute)
	b.Segment("RXA").Set(1, "0").Set(2, "1").Set(3, ts(given)).Set(4, ts(given))
	coded(b, 5, o.rx, o.name)
	refused := chance(f.r, 0.05)
	switch {
	case refused:
		b.Set(6, "0")
	case o.rate > 0:
		b.Set(6, fmtNum(o.rate)).SetComponents(7, ucumOf(o.rateUnit), o.rateUnit, "UCUM")
	default:
		b.Set(6, fmtNum(o.dose)).SetComponents(7, ucumOf(o.unit), o.unit, "UCUM")
	}
	nurse(b, 10, p.nurse)
	if refused {
		b.SetComponents(18, "", pick(f.r, refusals)).Set(20, "RE")
	} else {
		b.Set(20, "CP")
	}
	b.Set(21, "A")
	if rt, ok := v2Routes[o.route]; ok {
		b.Segment("RXR").SetComponents(1, rt[0], rt[1], "HL70162")
	}
	return f.done(KindAdministration)
}
