package chart

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// doseList renders doses as "MM-DD HH:MM MST Status[ reason]".
func doseList(ds []lifeboat.Dose) []string {
	var out []string
	for _, d := range ds {
		s := hhmm(d.Due) + " " + d.Status.String()
		if d.GivenAt != nil {
			s += " at " + d.GivenAt.In(ny).Format("15:04")
		}
		if d.Reason != "" {
			s += " (" + d.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}

func equalLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

func TestMARWindow(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	from, to := MARWindow(now)
	if !from.Equal(at(t, "2025-06-14 22:00")) || !to.Equal(at(t, "2025-06-15 22:00")) {
		t.Errorf("window = %s .. %s", hhmm(from), hhmm(to))
	}
	mar := BuildMAR(now, nil, nil)
	if !mar.From.Equal(from) || !mar.To.Equal(to) {
		t.Errorf("MAR window = %s .. %s", hhmm(mar.From), hhmm(mar.To))
	}
}

const q8h = `{"text":"1 g IV every 8 hours","route":{"text":"IV"},
	"timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h","boundsPeriod":{"start":"2025-06-14T22:00:00-04:00"}}},
	"doseAndRate":[{"doseQuantity":{"value":1,"unit":"g"}}]}`

func TestMARScheduledQ8H(t *testing.T) {
	now := at(t, "2025-06-15 19:30")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-vanc", "Vancomycin", q8h),
		medAdmin(t, "ma-1", "mr-vanc", "completed", at(t, "2025-06-14 22:35"), ""),
		medAdmin(t, "ma-2", "mr-vanc", "not-done", at(t, "2025-06-15 06:05"), `"statusReason":[{"text":"Patient refused"}]`),
		// 2.5 h late for the 14:00 dose: outside the tolerance, so 14:00 is missed.
		medAdmin(t, "ma-3", "mr-vanc", "completed", at(t, "2025-06-15 16:30"), ""),
		// Another order's dose does not count.
		medAdmin(t, "ma-4", "mr-other", "completed", at(t, "2025-06-15 14:00"), ""),
		// Entered in error: ignored.
		medAdmin(t, "ma-5", "mr-vanc", "entered-in-error", at(t, "2025-06-15 14:00"), ""),
	}
	mar := BuildMARRange(now, now.Add(-24*time.Hour), now.Add(12*time.Hour), nil, shuffled(rs))
	if len(mar.Scheduled) != 1 || len(mar.PRN) != 0 || len(mar.Continuous) != 0 {
		t.Fatalf("lines: %+v", mar)
	}
	line := mar.Scheduled[0]
	equalLists(t, "doses", doseList(line.Doses), []string{
		"06-14 22:00 EDT Given at 22:35",
		"06-15 06:00 EDT Not given (Patient refused)",
		"06-15 14:00 EDT Missed",
		"06-15 22:00 EDT Due",
		"06-16 06:00 EDT Due",
	})
	m := line.Medication
	if m.Name != "Vancomycin" || m.Dose != "1 g" || m.Route != "IV" || m.Frequency != "every 8 h" || m.PRN || m.Continuous {
		t.Errorf("medication = %+v", m)
	}
	if line.LastGiven == nil || hhmm(*line.LastGiven) != "06-15 16:30 EDT" {
		t.Errorf("last given = %v", line.LastGiven)
	}

	// The default window [now-12h, now+12h) holds three of them.
	mar = BuildMAR(now, nil, rs)
	equalLists(t, "default window", doseList(mar.Scheduled[0].Doses), []string{
		"06-15 14:00 EDT Missed",
		"06-15 22:00 EDT Due",
		"06-16 06:00 EDT Due",
	})
}

func TestMARDueWithinTolerance(t *testing.T) {
	rs := []*lifeboat.Resource{medOrder(t, "mr-vanc", "Vancomycin", q8h)}
	for _, c := range []struct {
		now  string
		want string
	}{
		{"2025-06-15 13:59", "Due"},    // not yet due
		{"2025-06-15 14:30", "Due"},    // late but can still be given on time
		{"2025-06-15 15:00", "Due"},    // exactly 60 minutes
		{"2025-06-15 15:01", "Missed"}, // past tolerance
	} {
		now := at(t, c.now)
		mar := BuildMARRange(now, at(t, "2025-06-15 13:00"), at(t, "2025-06-15 15:00"), nil, rs)
		if got := doseList(mar.Scheduled[0].Doses); len(got) != 1 || !strings.HasSuffix(got[0], c.want) {
			t.Errorf("at %s: %v, want %s", c.now, got, c.want)
		}
	}
}

func TestMatchDosesNearestFirst(t *testing.T) {
	now := at(t, "2025-06-15 12:00")
	dues := []time.Time{at(t, "2025-06-15 08:00"), at(t, "2025-06-15 09:00")}
	mk := func(status string, times ...string) []*admin {
		var as []*admin
		for _, s := range times {
			as = append(as, &admin{status: status, time: at(t, "2025-06-15 "+s)})
		}
		return as
	}
	// 08:50 is nearest 09:00; 08:40 then goes to 08:00 even though it is
	// nearer 09:00.
	got := doseList(matchDoses(now, dues, mk("completed", "08:40", "08:50")))
	equalLists(t, "two", got, []string{"06-15 08:00 EDT Given at 08:40", "06-15 09:00 EDT Given at 08:50"})

	// One administration matches one dose only (ties go to the earlier dose).
	got = doseList(matchDoses(now, dues, mk("completed", "08:30")))
	equalLists(t, "one", got, []string{"06-15 08:00 EDT Given at 08:30", "06-15 09:00 EDT Missed"})

	// A given dose wins over a not-done record near the same time.
	as := append(mk("not-done", "07:58"), mk("completed", "08:20")...)
	as[0].reason = "Held"
	got = doseList(matchDoses(now, dues[:1], as))
	equalLists(t, "given first", got, []string{"06-15 08:00 EDT Given at 08:20"})
}

func TestMARTimeOfDayAcrossMidnight(t *testing.T) {
	now := at(t, "2025-06-15 23:30")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-meto", "Metoprolol tartrate", `{"route":{"coding":[{"display":"Oral"}]},
			"timing":{"repeat":{"timeOfDay":["22:00:00","06:00:00"]}},"doseAndRate":[{"doseQuantity":{"value":25,"unit":"mg"}}]}`),
		medAdmin(t, "ma-1", "mr-meto", "completed", at(t, "2025-06-15 21:50"), ""),
	}
	mar := BuildMAR(now, nil, rs)
	line := mar.Scheduled[0]
	equalLists(t, "doses", doseList(line.Doses), []string{
		"06-15 22:00 EDT Given at 21:50",
		"06-16 06:00 EDT Due",
	})
	if f := line.Medication.Frequency; f != "at 06:00, 22:00" {
		t.Errorf("frequency = %q", f)
	}
	if r := line.Medication.Route; r != "Oral" {
		t.Errorf("route = %q", r)
	}
}

func TestMARDaylightSavingSpring(t *testing.T) {
	// 2025-03-09: clocks go from 02:00 EST to 03:00 EDT.
	now := at(t, "2025-03-09 12:00")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-tod", "Timed", `{"timing":{"repeat":{"timeOfDay":["02:30:00","08:00:00","20:00:00"],
			"boundsPeriod":{"start":"2025-03-01T00:00:00-05:00"}}}}`),
		medOrder(t, "mr-q4h", "Every 4 h", `{"timing":{"repeat":{"frequency":1,"period":4,"periodUnit":"h",
			"boundsPeriod":{"start":"2025-03-08T00:00:00-05:00"}}}}`),
		medOrder(t, "mr-q1h", "Hourly", `{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"h",
			"boundsPeriod":{"start":"2025-03-08T00:00:00-05:00"}}}}`),
	}
	mar := BuildMAR(now, nil, rs)
	byName := map[string][]lifeboat.Dose{}
	for _, l := range mar.Scheduled {
		byName[l.Medication.Name] = l.Doses
	}
	// 02:30 does not exist that day: it is due at 03:30 EDT, once.
	equalLists(t, "timeOfDay", doseList(byName["Timed"]), []string{
		"03-09 03:30 EDT Missed", "03-09 08:00 EDT Missed", "03-09 20:00 EDT Due",
	})
	// Wall-clock times stay on the clock: 00:00 EST, then 04:00 EDT (3 h later).
	equalLists(t, "q4h", doseList(byName["Every 4 h"]), []string{
		"03-09 00:00 EST Missed", "03-09 04:00 EDT Missed", "03-09 08:00 EDT Missed",
		"03-09 12:00 EDT Due", "03-09 16:00 EDT Due", "03-09 20:00 EDT Due",
	})
	// Hourly: 23:00 the day before, then every hour of the 23-hour day, no
	// duplicate for the missing 02:00.
	hourly := byName["Hourly"]
	if len(hourly) != 24 {
		t.Errorf("hourly doses = %d: %v", len(hourly), doseList(hourly))
	}
	for i := 1; i < len(hourly); i++ {
		if !hourly[i].Due.After(hourly[i-1].Due) {
			t.Errorf("hourly doses not increasing at %d: %v", i, doseList(hourly))
		}
	}
}

func TestMARDaylightSavingFall(t *testing.T) {
	// 2025-11-02: clocks go back from 02:00 EDT to 01:00 EST.
	now := at(t, "2025-11-02 12:00")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-tod", "Timed", `{"timing":{"repeat":{"timeOfDay":["01:30:00","09:00:00","21:00:00"]}}}`),
		medOrder(t, "mr-daily", "Daily", `{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d",
			"boundsPeriod":{"start":"2025-11-01T09:00:00-04:00"}}}}`),
	}
	mar := BuildMAR(now, nil, rs)
	byName := map[string][]lifeboat.Dose{}
	for _, l := range mar.Scheduled {
		byName[l.Medication.Name] = l.Doses
	}
	// 01:30 happens twice that day: due once, at the first.
	equalLists(t, "timeOfDay", doseList(byName["Timed"]), []string{
		"11-02 01:30 EDT Missed", "11-02 09:00 EST Missed", "11-02 21:00 EST Due",
	})
	// A daily dose stays at 09:00 on the clock (25 h after the previous one).
	equalLists(t, "daily", doseList(byName["Daily"]), []string{"11-02 09:00 EST Missed"})
	if f := mar.Scheduled[0].Medication.Frequency; f != "once a day" {
		t.Errorf("frequency = %q", f)
	}
}

func TestMARWhenCodesAndBounds(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-hs", "Melatonin", `{"timing":{"repeat":{"when":["HS"]}}}`),
		medOrder(t, "mr-ac", "Insulin lispro", `{"timing":{"repeat":{"when":["ACM","ACD","ACV"]}}}`),
		medOrder(t, "mr-end", "Ceftriaxone", `{"timing":{"repeat":{"frequency":1,"period":4,"periodUnit":"h",
			"boundsPeriod":{"start":"2025-06-14T00:00:00-04:00","end":"2025-06-15T12:00:00-04:00"}}}}`),
		medOrder(t, "mr-bid", "Senna", `{"timing":{"code":{"coding":[{"code":"BID"}],"text":"twice a day"}}}`),
		medOrder(t, "mr-new", "Started later", `{"timing":{"repeat":{"timeOfDay":["08:00:00","20:00:00"],
			"boundsPeriod":{"start":"2025-06-15T09:00:00-04:00"}}}}`),
		medOrder(t, "mr-mwf", "Weekly", `{"timing":{"repeat":{"timeOfDay":["09:00:00"],"dayOfWeek":["mon","wed"]}}}`),
		medOrder(t, "mr-once", "Furosemide", `{"timing":{"repeat":{"count":1,"boundsPeriod":{"start":"2025-06-15T08:00:00-04:00"}}}}`),
		medAdmin(t, "ma-once", "mr-once", "completed", at(t, "2025-06-15 08:05"), ""),
	}
	// Not active orders: never on the MAR.
	stopped := medOrder(t, "mr-stopped", "Stopped", `{"timing":{"repeat":{"timeOfDay":["12:00:00"]}}}`)
	stopped.JSON = []byte(strings.Replace(string(stopped.JSON), `"active"`, `"stopped"`, 1))
	plan := medOrder(t, "mr-plan", "Plan", `{"timing":{"repeat":{"timeOfDay":["12:00:00"]}}}`)
	plan.JSON = []byte(strings.Replace(string(plan.JSON), `"order"`, `"plan"`, 1))
	rs = append(rs, stopped, plan)

	mar := BuildMAR(now, nil, rs)
	got := map[string][]string{}
	freq := map[string]string{}
	for _, l := range mar.Scheduled {
		got[l.Medication.Name] = doseList(l.Doses)
		freq[l.Medication.Name] = l.Medication.Frequency
	}
	if len(got) != 7 {
		t.Errorf("lines = %v", got)
	}
	equalLists(t, "HS", got["Melatonin"], []string{"06-15 21:00 EDT Due"})
	if freq["Melatonin"] != "at bedtime (21:00)" {
		t.Errorf("HS frequency = %q", freq["Melatonin"])
	}
	equalLists(t, "AC", got["Insulin lispro"], []string{"06-15 07:30 EDT Missed", "06-15 11:30 EDT Due", "06-15 17:30 EDT Due"})
	equalLists(t, "bounds end", got["Ceftriaxone"], []string{"06-15 00:00 EDT Missed", "06-15 04:00 EDT Missed", "06-15 08:00 EDT Missed"})
	// BID from the code, anchored at authoredOn 2025-06-12 15:00.
	equalLists(t, "BID", got["Senna"], []string{"06-15 03:00 EDT Missed", "06-15 15:00 EDT Due"})
	if freq["Senna"] != "2 times a day" {
		t.Errorf("BID frequency = %q", freq["Senna"])
	}
	equalLists(t, "bounds start", got["Started later"], []string{"06-15 20:00 EDT Due"})
	equalLists(t, "day of week", got["Weekly"], nil) // 2025-06-15 is a Sunday
	equalLists(t, "once", got["Furosemide"], []string{"06-15 08:00 EDT Given at 08:05"})
	if freq["Furosemide"] != "once" {
		t.Errorf("once frequency = %q", freq["Furosemide"])
	}
}

func TestMARPRN(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-morph", "Morphine", `{"asNeededCodeableConcept":{"text":"severe pain"},"route":{"text":"IV"},
			"timing":{"repeat":{"frequency":1,"period":4,"periodUnit":"h"}},
			"doseAndRate":[{"doseQuantity":{"value":2,"unit":"mg"}}]}`),
		medOrder(t, "mr-apap", "Acetaminophen", `{"asNeededBoolean":true,"doseAndRate":[{"doseQuantity":{"value":650,"unit":"mg"}}]}`),
		medAdmin(t, "ma-1", "mr-morph", "completed", at(t, "2025-06-14 12:00"), ""), // before the window
		medAdmin(t, "ma-2", "mr-morph", "completed", at(t, "2025-06-14 23:00"), ""),
		medAdmin(t, "ma-3", "mr-morph", "completed", at(t, "2025-06-15 08:15"), ""),
		medAdmin(t, "ma-4", "mr-morph", "entered-in-error", at(t, "2025-06-15 09:00"), ""),
	}
	mar := BuildMAR(now, nil, shuffled(rs))
	if len(mar.PRN) != 2 || len(mar.Scheduled) != 0 {
		t.Fatalf("MAR = %+v", mar)
	}
	apap, morph := mar.PRN[0], mar.PRN[1]
	if apap.LastGiven != nil || len(apap.Given) != 0 || !apap.Medication.PRN {
		t.Errorf("acetaminophen = %+v", apap)
	}
	if morph.LastGiven == nil || hhmm(*morph.LastGiven) != "06-15 08:15 EDT" {
		t.Errorf("last given = %v", morph.LastGiven)
	}
	var given []string
	for _, g := range morph.Given {
		given = append(given, hhmm(g))
	}
	equalLists(t, "given", given, []string{"06-14 23:00 EDT", "06-15 08:15 EDT"})
	m := morph.Medication
	if !m.PRN || m.PRNReason != "severe pain" || m.Dose != "2 mg" || m.Frequency != "every 4 h" || len(morph.Doses) != 0 {
		t.Errorf("morphine = %+v", morph)
	}
}

func TestMARContinuous(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	rs := []*lifeboat.Resource{
		medOrder(t, "mr-hep", "Heparin 25,000 units in D5W 250 mL", `{"route":{"text":"IV"},
			"doseAndRate":[{"rateQuantity":{"value":18,"unit":"mL/h"}}]}`),
		medOrder(t, "mr-ns", "Sodium chloride 0.9%", `{"doseAndRate":[{"rateRatio":{
			"numerator":{"value":100,"unit":"mL"},"denominator":{"value":1,"unit":"h"}}}]}`),
		medAdmin(t, "ma-1", "mr-hep", "completed", at(t, "2025-06-14 20:00"), `"dosage":{"rateQuantity":{"value":18,"unit":"mL/h"}}`),
		medAdmin(t, "ma-2", "mr-hep", "in-progress", at(t, "2025-06-15 07:00"), `"dosage":{"rateQuantity":{"value":20,"unit":"mL/h"}}`),
		medAdmin(t, "ma-3", "mr-hep", "completed", at(t, "2025-06-15 08:00"), ``),
	}
	mar := BuildMAR(now, nil, rs)
	if len(mar.Continuous) != 2 {
		t.Fatalf("MAR = %+v", mar)
	}
	hep, ns := mar.Continuous[0], mar.Continuous[1]
	if hep.Medication.Rate != "20 mL/h" || !hep.Medication.Continuous {
		t.Errorf("heparin rate = %q", hep.Medication.Rate)
	}
	// 20:00 yesterday is before the window: two administrations in it.
	if hep.LastGiven == nil || hhmm(*hep.LastGiven) != "06-15 08:00 EDT" || len(hep.Given) != 2 {
		t.Errorf("heparin = %+v", hep)
	}
	if ns.Medication.Rate != "100 mL/h" || ns.LastGiven != nil {
		t.Errorf("saline = %+v", ns)
	}
	// The medication list keeps the ordered rate.
	c := BuildChart(now, nil, rs)
	if c.Medications[0].Rate != "18 mL/h" {
		t.Errorf("ordered rate = %q", c.Medications[0].Rate)
	}
}

func TestDueNextHour(t *testing.T) {
	now := at(t, "2025-06-15 10:00")
	rs := []*lifeboat.Resource{
		// 09:15 overdue within tolerance, 10:30 and 10:59 due: counted; 11:00 is not.
		medOrder(t, "mr-a", "A", `{"timing":{"repeat":{"timeOfDay":["09:15:00","10:30:00","10:59:00","11:00:00"]}}}`),
		// 08:30 missed (past tolerance), 09:30 not given, 10:45 given early: none counted.
		medOrder(t, "mr-b", "B", `{"timing":{"repeat":{"timeOfDay":["08:30:00","09:30:00","10:45:00"]}}}`),
		medAdmin(t, "ma-1", "mr-b", "not-done", at(t, "2025-06-15 09:31"), `"statusReason":[{"text":"NPO"}]`),
		medAdmin(t, "ma-2", "mr-b", "completed", at(t, "2025-06-15 10:40"), ""),
		// PRN and continuous orders are never counted.
		medOrder(t, "mr-prn", "PRN", `{"asNeededBoolean":true,"timing":{"repeat":{"timeOfDay":["10:30:00"]}}}`),
		medOrder(t, "mr-inf", "Infusion", `{"doseAndRate":[{"rateQuantity":{"value":5,"unit":"mL/h"}}],
			"timing":{"repeat":{"timeOfDay":["10:30:00"]}}}`),
	}
	if n := DueNextHour(now, rs); n != 3 {
		t.Errorf("DueNextHour = %d, want 3", n)
	}
	// Across the MAR window's edge: at 21:30 the 22:00 dose of the q8h
	// order counts even though the window is computed separately.
	now = at(t, "2025-06-15 21:30")
	if n := DueNextHour(now, []*lifeboat.Resource{medOrder(t, "mr-vanc", "Vancomycin", q8h)}); n != 1 {
		t.Errorf("DueNextHour at 21:30 = %d, want 1", n)
	}
}

func TestFrequencyText(t *testing.T) {
	for _, c := range []struct {
		f       int
		p, pmax float64
		unit    string
		want    string
	}{
		{1, 8, 0, "h", "every 8 h"},
		{1, 1, 0, "h", "every hour"},
		{1, 4, 6, "h", "every 4-6 h"},
		{1, 1, 0, "d", "once a day"},
		{3, 1, 0, "d", "3 times a day"},
		{1, 1, 0, "wk", "once a week"},
		{2, 3, 0, "d", "2 times every 3 d"},
	} {
		if got := frequencyText(c.f, c.p, c.pmax, c.unit); got != c.want {
			t.Errorf("frequencyText(%d, %g, %g, %s) = %q, want %q", c.f, c.p, c.pmax, c.unit, got, c.want)
		}
	}
}
