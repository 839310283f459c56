package simulate

import (
	"strconv"
	"time"
)

// Note types of MDM messages (LOINC document codes).
var (
	nursingNote  = loinc("34746-8", "Nurse Note")
	progressNote = loinc("11506-3", "Progress note")
)

// mdm makes a note: a nursing note (most often) or a physician's progress
// note, one OBX per line.
func (f *Feed) mdm(now time.Time, p *fpat) ([]byte, string, error) {
	r := f.r
	kind, lines := nursingNote, f.nursingLines(p)
	if chance(r, 0.35) {
		kind, lines = progressNote, f.progressLines(p, now)
	}
	b := f.header(now, "MDM", "T02", "MDM_T02")
	b.Segment("EVN").Set(1, "T02").Set(2, ts(now))
	f.pid(b, p)
	f.pv1(b, p, nil, time.Time{})
	b.Segment("TXA").Set(1, "1").SetComponents(2, kind.code, kind.display, "LN").Set(3, "TX").Set(4, ts(now))
	if kind == progressNote {
		xcn(b, 5, p.att)
	} else {
		nurse(b, 5, p.nurse)
	}
	b.SetComponents(12, f.nextID("D"), "AGH-DOC").Set(17, "AU")
	for i, l := range lines {
		b.Segment("OBX").Set(1, strconv.Itoa(i+1)).Set(2, "TX").SetComponents(3, kind.code, kind.display, "LN").Set(5, l).Set(11, "F")
	}
	return f.done(KindNote)
}

var (
	neuro   = []string{"Alert and oriented x4.", "Alert and oriented x3, intermittently confused overnight.", "Sleeping, easily roused.", "Sedated, RASS -1."}
	resp    = []string{"Lungs clear, on room air.", "On 2 L nasal cannula, SpO2 95%.", "Coarse breath sounds, encouraged incentive spirometry.", "Weaning oxygen as tolerated."}
	cardiac = []string{"Heart rate regular.", "Sinus rhythm on telemetry.", "Blood pressure within parameters.", "Occasional PVCs on telemetry, provider aware."}
	gi      = []string{"Tolerating diet.", "NPO after midnight for procedure.", "Nausea relieved with ondansetron.", "Bowel sounds present, last BM today."}
	safety  = []string{"Bed in low position, call light within reach.", "Fall precautions in place.", "Family at bedside, updated on plan of care.", "Turned every 2 hours, skin intact."}
	events  = []string{"No acute events overnight.", "Febrile overnight, cultures sent.", "Ambulated in the hallway with assistance.", "Pain better controlled since regimen change."}
	plans   = []string{"Continue current management.", "Repeat labs in the morning.", "Physical therapy to evaluate.", "Discharge planning started with case management.", "Consult requested, recommendations pending."}
)

func (f *Feed) nursingLines(p *fpat) []string {
	r := f.r
	return []string{
		"Nursing note, " + p.bed.unit.name + " bed " + p.bed.label + ".",
		"Neuro: " + pick(r, neuro),
		"Resp: " + pick(r, resp),
		"CV: " + pick(r, cardiac),
		"GI: " + pick(r, gi),
		"Pain " + strconv.Itoa(r.IntN(8)) + "/10 & managed per orders.",
		pick(r, safety),
	}
}

func (f *Feed) progressLines(p *fpat, now time.Time) []string {
	r := f.r
	day := int(now.Sub(p.admit).Hours()/24) + 1
	reason := p.reason
	if reason == "" {
		reason = "Admission"
	}
	return []string{
		"Progress note - hospital day " + strconv.Itoa(day),
		"S: " + pick(r, events),
		"O: Vital signs reviewed. Labs reviewed.",
		"A/P: " + reason + ". " + pick(r, plans),
	}
}
