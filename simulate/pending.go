package simulate

import "time"

// pendingStream offsets the random streams of pending results from every
// other stream, so that adding them changed no other resource.
const pendingStream = 1 << 60

// pendingTest is a test that is often still running during a shift.
type pendingTest struct {
	c           concept
	preliminary string // a preliminary conclusion, or "" for a test not yet resulted
	minAge      time.Duration
}

var pendingTests = []pendingTest{
	{loinc("600-7", "Bacteria identified in Blood by Culture"), "No growth at 24 hours; final report to follow.", 26 * time.Hour},
	{loinc("630-4", "Bacteria identified in Urine by Culture"), "", 4 * time.Hour},
	{loinc("6463-4", "Bacteria identified in Specimen by Culture"), "", 2 * time.Hour},
	{loinc("89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method"), "", 20 * time.Minute},
	{loinc("2024-8", "Oxygen saturation in Arterial blood"), "", 10 * time.Minute},
}

// pending writes, for about a third of admitted patients, a lab that has
// been collected but not resulted (a registered DiagnosticReport) or only
// preliminarily resulted (a blood culture with no growth yet), so that
// the unit census and the printed pack list pending results.
func (g *gen) pending(p *patient) {
	r := g.rng(pendingStream + uint64(p.i))
	if !chance(r, 0.33) {
		return
	}
	pt := pendingTests[r.IntN(len(pendingTests))]
	collected := g.now.Add(-pt.minAge - time.Duration(r.IntN(90))*time.Minute)
	if collected.Before(p.admit) {
		collected = earlier(p.admit.Add(30*time.Minute), g.now)
	}
	w := &g.w
	id := p.nextID("dr")
	status := "registered"
	if pt.preliminary != "" {
		status = "preliminary"
	}
	w.begin("DiagnosticReport", id, collected)
	w.str("status", status)
	w.ccs("category", "Laboratory", concept{"http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory"})
	w.cc("code", pt.c.display, pt.c)
	w.ref("subject", "Patient/"+p.id, "")
	w.ref("encounter", "Encounter/"+p.encID, "")
	w.dt("effectiveDateTime", collected)
	if pt.preliminary != "" {
		w.dt("issued", earlier(collected.Add(24*time.Hour), g.now))
		w.str("conclusion", pt.preliminary)
	}
	g.done("DiagnosticReport", id)
}
