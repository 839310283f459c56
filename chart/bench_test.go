package chart

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// realisticPatient returns about 300 resources for one inpatient, as a
// chart request reads them: the patient, encounters, problems, allergies,
// 72 h of vital signs every 4 h, three days of labs, point-of-care glucose,
// code status, 8 medication orders with 48 h of administrations, and notes.
// Observations carry the extra elements real feeds send (meta, performer,
// encounter, issued), so decoding costs what it would.
func realisticPatient(tb testing.TB, now time.Time) []*lifeboat.Resource {
	rs := load(tb, "smith.json")[:3] // patient and two encounters
	obs := func(id, cat, code, display string, tm time.Time, value string, unit string, rng string) {
		rs = append(rs, resf(tb, `{"resourceType":"Observation","id":%q,
			"meta":{"versionId":"1","lastUpdated":%q,"source":"#lab-interface"},
			"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":%q,"display":%q}]}],
			"code":{"coding":[{"system":"http://loinc.org","code":%q,"display":%q}],"text":%q},
			"subject":{"reference":"Patient/pat-smith"},"encounter":{"reference":"Encounter/enc-smith-now"},
			"effectiveDateTime":%q,"issued":%q,
			"performer":[{"reference":"Practitioner/pract-house","display":"Dr. Gregory House"}],
			"valueQuantity":{"value":%s,"unit":%q,"system":"http://unitsofmeasure.org","code":%q}%s}`,
			id, iso(tm), cat, cat, code, display, display, iso(tm), iso(tm.Add(20*time.Minute)), value, unit, unit, rng))
	}
	n := 0
	id := func() string { n++; return fmt.Sprintf("o%d", n) }
	rng := `,"referenceRange":[{"low":{"value":3.5,"unit":"mmol/L"},"high":{"value":5.1,"unit":"mmol/L"}}],
		"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}]}]`
	for i := 0; i < 18; i++ { // 72 h every 4 h
		tm := now.Add(-time.Duration(i*4+1) * time.Hour)
		rs = append(rs, resf(tb, `{"resourceType":"Observation","id":%q,"status":"final",
			"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
			"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}]},
			"subject":{"reference":"Patient/pat-smith"},"encounter":{"reference":"Encounter/enc-smith-now"},"effectiveDateTime":%q,
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":%d,"unit":"mmHg"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":%d,"unit":"mmHg"}}]}`,
			id(), iso(tm), 120+i, 70+i%5))
		obs(id(), "vital-signs", "8867-4", "Heart rate", tm, fmt.Sprint(70+i), "/min", "")
		obs(id(), "vital-signs", "9279-1", "Respiratory rate", tm, "16", "/min", "")
		obs(id(), "vital-signs", "8310-5", "Body temperature", tm, "37.2", "Cel", "")
		obs(id(), "vital-signs", "59408-5", "Oxygen saturation", tm, "95", "%", "")
		obs(id(), "vital-signs", "72514-3", "Pain severity", tm, "3", "{score}", "")
		obs(id(), "vital-signs", "9269-2", "Glasgow coma score total", tm, "15", "{score}", "")
	}
	for i := 0; i < 6; i++ { // fall risk every 12 h: a survey, not shown
		obs(id(), "survey", "73830-2", "Fall risk", now.Add(-time.Duration(i*12+2)*time.Hour), "45", "{score}", "")
	}
	for i := 0; i < 8; i++ { // lactate every 6 h for the first two days
		obs(id(), "laboratory", "2524-7", "Lactate", now.Add(-time.Duration(24+i*6)*time.Hour), "1.9", "mmol/L", rng)
	}
	labs := [][2]string{{"2951-2", "Sodium"}, {"2823-3", "Potassium"}, {"2075-0", "Chloride"}, {"2028-9", "CO2"},
		{"3094-0", "BUN"}, {"2160-0", "Creatinine"}, {"2345-7", "Glucose"}, {"17861-6", "Calcium"}}
	cbc := [][2]string{{"6690-2", "WBC"}, {"718-7", "Hemoglobin"}, {"4544-3", "Hematocrit"}, {"777-3", "Platelets"},
		{"19123-9", "Magnesium"}, {"2777-1", "Phosphate"}, {"5902-2", "PT"}, {"6301-6", "INR"}, {"3173-2", "aPTT"}}
	for d := 0; d < 3; d++ {
		for _, h := range []int{6, 18} { // BMP twice a day
			tm := now.Add(-time.Duration(d*24+h) * time.Hour)
			for _, l := range labs {
				obs(id(), "laboratory", l[0], l[1], tm, "4.1", "mmol/L", rng)
			}
		}
		tm := now.Add(-time.Duration(d*24+5) * time.Hour)
		for _, l := range cbc {
			obs(id(), "laboratory", l[0], l[1], tm, "11.2", "10*3/uL", rng)
		}
	}
	for i := 0; i < 12; i++ { // point-of-care glucose every 6 h
		obs(id(), "laboratory", "2339-0", "Glucose POC", now.Add(-time.Duration(i*6+2)*time.Hour), "142", "mg/dL", "")
	}
	for i := 0; i < 3; i++ {
		obs(id(), "vital-signs", loincWeight, "Body weight", now.Add(-time.Duration(i*24+4)*time.Hour), "72.4", "kg", "")
	}
	rs = append(rs, resf(tb, `{"resourceType":"Observation","id":"cs","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"75320-2"}]},"subject":{"reference":"Patient/pat-smith"},
		"effectiveDateTime":%q,"valueCodeableConcept":{"text":"Full code"}}`, iso(now.Add(-70*time.Hour))))
	rs = append(rs, load(tb, "smith.json")[4:13]...) // conditions and allergies
	orders := []struct{ id, name, dosage string }{
		{"m1", "Vancomycin", q8h},
		{"m2", "Ceftriaxone", `{"timing":{"repeat":{"frequency":1,"period":24,"periodUnit":"h","boundsPeriod":{"start":"2025-06-12T18:00:00-04:00"}}},"doseAndRate":[{"doseQuantity":{"value":1,"unit":"g"}}]}`},
		{"m3", "Metoprolol", `{"timing":{"repeat":{"timeOfDay":["09:00:00","21:00:00"]}},"route":{"text":"PO"},"doseAndRate":[{"doseQuantity":{"value":25,"unit":"mg"}}]}`},
		{"m4", "Enoxaparin", `{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":40,"unit":"mg"}}]}`},
		{"m5", "Insulin lispro", `{"timing":{"repeat":{"when":["ACM","ACD","ACV"]}},"doseAndRate":[{"doseRange":{"low":{"value":2,"unit":"U"},"high":{"value":10,"unit":"U"}}}]}`},
		{"m6", "Morphine", `{"asNeededCodeableConcept":{"text":"pain"},"timing":{"repeat":{"frequency":1,"period":4,"periodUnit":"h"}},"doseAndRate":[{"doseQuantity":{"value":2,"unit":"mg"}}]}`},
		{"m7", "Ondansetron", `{"asNeededBoolean":true,"doseAndRate":[{"doseQuantity":{"value":4,"unit":"mg"}}]}`},
		{"m8", "Heparin infusion", `{"doseAndRate":[{"rateQuantity":{"value":18,"unit":"mL/h"}}]}`},
	}
	for _, o := range orders {
		rs = append(rs, medOrder(tb, o.id, o.name, o.dosage))
	}
	a := 0
	give := func(req string, tm time.Time) {
		a++
		rs = append(rs, medAdmin(tb, fmt.Sprintf("a%d", a), req, "completed", tm, `"dosage":{"dose":{"value":1,"unit":"g"}}`))
	}
	for h := 0; h < 48; h++ {
		tm := now.Add(-time.Duration(h) * time.Hour).Truncate(time.Hour)
		switch local := tm.In(ny).Hour(); {
		case local%8 == 6:
			give("m1", tm.Add(10*time.Minute))
		case local == 18:
			give("m2", tm)
		case local == 9 || local == 21:
			give("m3", tm)
		case local == 7 || local == 11 || local == 17:
			give("m5", tm.Add(30*time.Minute))
		}
		if h%6 == 3 {
			give("m6", tm)
			give("m8", tm)
		}
	}
	text := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("Patient seen and examined. Plan unchanged. ", 40)))
	for i := 0; i < 10; i++ {
		rs = append(rs, resf(tb, `{"resourceType":"DocumentReference","id":"d%d","status":"current","type":{"text":"Progress note"},
			"subject":{"reference":"Patient/pat-smith"},"date":%q,"author":[{"display":"Dr. Gregory House"}],
			"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, i, iso(now.Add(-time.Duration(i*12)*time.Hour)), text))
	}
	// The store returns observations newest first.
	return rs
}

func TestRealisticPatient(t *testing.T) {
	now := smithNow(t)
	rs := realisticPatient(t, now)
	if len(rs) < 280 || len(rs) > 340 {
		t.Errorf("%d resources, want about 300", len(rs))
	}
	c, missing := buildChart(now, hospital(t), rs)
	if len(missing) != 0 {
		t.Errorf("missing %v", missing)
	}
	if len(c.Vitals) != 8 || len(c.Labs) != 19 || len(c.Medications) != 8 || len(c.Notes) != 10 ||
		len(c.MAR.Scheduled) != 5 || len(c.MAR.PRN) != 2 || len(c.MAR.Continuous) != 1 {
		t.Errorf("chart: %d vitals, %d labs, %d meds, %d notes, MAR %d/%d/%d", len(c.Vitals), len(c.Labs),
			len(c.Medications), len(c.Notes), len(c.MAR.Scheduled), len(c.MAR.PRN), len(c.MAR.Continuous))
	}
	for _, v := range c.Vitals {
		if len(v.Trend) != TrendLen && v.Name != "Weight" {
			t.Errorf("%s trend %d", v.Name, len(v.Trend))
		}
	}
}

// BenchmarkBuildChart builds the chart of a realistic inpatient (about 300
// resources) with a warm directory, as Service.Chart does after the store
// queries.
func BenchmarkBuildChart(b *testing.B) {
	now := smithNow(b)
	rs := realisticPatient(b, now)
	dir := hospital(b)
	b.ReportAllocs()
	for b.Loop() {
		BuildChart(now, dir, rs)
	}
	b.ReportMetric(float64(len(rs)), "resources")
}

// BenchmarkDueNextHour counts due doses for one patient, as each unit
// census row does.
func BenchmarkDueNextHour(b *testing.B) {
	now := smithNow(b)
	var rs []*lifeboat.Resource
	for _, r := range realisticPatient(b, now) {
		if strings.HasPrefix(r.Type, "Medication") {
			rs = append(rs, r)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		DueNextHour(now, rs)
	}
}
