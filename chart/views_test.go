package chart

import (
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestIsolation(t *testing.T) {
	now := smithNow(t)
	flag := func(id, status, code, text, end string) *lifeboat.Resource {
		period := `"start":"2025-06-12T15:00:00-04:00"`
		if end != "" {
			period += `,"end":"` + end + `"`
		}
		coding := ""
		if code != "" {
			coding = `"coding":[{"system":"http://snomed.info/sct","code":"` + code + `"}],`
		}
		return resf(t, `{"resourceType":"Flag","id":%q,"status":%q,"code":{%s"text":%q},
			"subject":{"reference":"Patient/pat-smith"},"period":{%s}}`, id, status, coding, text, period)
	}
	for _, c := range []struct {
		name string
		rs   []*lifeboat.Resource
		want string
	}{
		{"none", nil, ""},
		{"contact", []*lifeboat.Resource{flag("f1", "active", "409529001", "Contact precautions", "")}, "Contact precautions"},
		{"by text", []*lifeboat.Resource{flag("f1", "active", "", "Neutropenic precautions", "")}, "Neutropenic precautions"},
		{"two sorted", []*lifeboat.Resource{
			flag("f1", "active", "409525007", "Droplet precautions", ""),
			flag("f2", "active", "409529001", "Contact precautions", ""),
		}, "Contact precautions; Droplet precautions"},
		{"inactive", []*lifeboat.Resource{flag("f1", "inactive", "409529001", "Contact precautions", "")}, ""},
		{"ended", []*lifeboat.Resource{flag("f1", "active", "409529001", "Contact precautions", "2025-06-15T09:00:00-04:00")}, ""},
		{"ends later", []*lifeboat.Resource{flag("f1", "active", "409529001", "Contact precautions", "2025-06-16T09:00:00-04:00")}, "Contact precautions"},
		{"other flag", []*lifeboat.Resource{flag("f1", "active", "", "Fall risk", "")}, ""},
	} {
		if got := isolation(now, c.rs); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		rs := append(load(t, "smith.json"), c.rs...)
		if got := BuildChart(now, hospital(t), shuffled(rs)).Banner.Isolation; got != c.want {
			t.Errorf("%s: banner got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestContacts(t *testing.T) {
	p := res(t, `{"resourceType":"Patient","id":"p1","name":[{"family":"Test"}],"contact":[
		{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"C","display":"Emergency Contact"}],"text":"Emergency contact"},
			{"coding":[{"code":"SPS","display":"spouse"}],"text":"Spouse"}],
		 "name":{"family":"Lefèvre","given":["Amélie"]},
		 "telecom":[{"system":"phone","value":"(413) 555-0101","use":"mobile"},{"system":"email","value":"x@example.org"}]},
		{"organization":{"display":"Hampden Nursing Home"},"telecom":[{"value":"(413) 555-0199"}]},
		{"relationship":[{"text":"Friend"}]}]}`)
	want := []lifeboat.Contact{
		{Name: "Amélie Lefèvre", Relationship: "Emergency contact, Spouse", Phone: "(413) 555-0101 (mobile)"},
		{Name: "Hampden Nursing Home", Phone: "(413) 555-0199"},
	}
	if got := contacts(p); !reflect.DeepEqual(got, want) {
		t.Errorf("contacts:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestPending(t *testing.T) {
	now := smithNow(t)
	dr := func(id, status, basedOn, eff string) *lifeboat.Resource {
		b := ""
		if basedOn != "" {
			b = `"basedOn":[{"reference":"ServiceRequest/` + basedOn + `"}],`
		}
		return resf(t, `{"resourceType":"DiagnosticReport","id":%q,"status":%q,%s
			"category":[{"coding":[{"code":"LAB","display":"Laboratory"}]}],"code":{"text":"Blood culture"},
			"subject":{"reference":"Patient/pat-smith"},"effectiveDateTime":%q}`, id, status, b, eff)
	}
	sr := func(id, status, intent, authored string) *lifeboat.Resource {
		return resf(t, `{"resourceType":"ServiceRequest","id":%q,"status":%q,"intent":%q,
			"category":[{"text":"Imaging"}],"code":{"text":"Chest X-ray"},
			"subject":{"reference":"Patient/pat-smith"},"authoredOn":%q}`, id, status, intent, authored)
	}
	rs := append(load(t, "smith.json"),
		dr("dr-prelim", "preliminary", "", "2025-06-15T06:00:00-04:00"),
		dr("dr-final", "final", "sr-done", "2025-06-15T05:00:00-04:00"),
		sr("sr-done", "active", "order", "2025-06-15T04:00:00-04:00"),
		sr("sr-open", "active", "order", "2025-06-15T08:00:00-04:00"),
		sr("sr-plan", "active", "plan", "2025-06-15T08:00:00-04:00"),
		sr("sr-gone", "revoked", "order", "2025-06-15T08:00:00-04:00"),
	)
	c := BuildChart(now, hospital(t), shuffled(rs))
	want := []lifeboat.PendingResult{
		{Name: "Chest X-ray", Category: "Imaging", Status: "Ordered", Time: at(t, "2025-06-15 08:00")},
		{Name: "Blood culture", Category: "Laboratory", Status: "Preliminary", Time: at(t, "2025-06-15 06:00")},
	}
	if len(c.Pending) != len(want) {
		t.Fatalf("pending = %+v", c.Pending)
	}
	for i := range want {
		g := c.Pending[i]
		if !g.Time.Equal(want[i].Time) {
			t.Errorf("pending %d time %s", i, g.Time)
		}
		g.Time = want[i].Time
		if g != want[i] {
			t.Errorf("pending %d = %+v, want %+v", i, g, want[i])
		}
	}
}

// TestMARRangeAgreesWithChart checks that a MAR for another window (the
// printed one: from an hour ago to a day ahead) has the same doses as the
// chart's MAR where the windows overlap, and the same last given times.
func TestMARRangeAgreesWithChart(t *testing.T) {
	now := smithNow(t)
	rs := append(load(t, "smith.json"),
		medOrder(t, "mr-q6", "Q6", `{"timing":{"repeat":{"frequency":1,"period":6,"periodUnit":"h","boundsPeriod":{"start":"2025-06-12T15:00:00-04:00"}}}}`),
		medOrder(t, "mr-tid", "TID", `{"timing":{"repeat":{"timeOfDay":["08:00:00","14:00:00","22:00:00"]}}}`),
		medOrder(t, "mr-prn", "PRN", `{"asNeededBoolean":true}`),
		medAdmin(t, "ma-1", "mr-tid", "completed", at(t, "2025-06-15 08:10"), ""),
		medAdmin(t, "ma-2", "mr-prn", "completed", at(t, "2025-06-14 23:00"), ""),
	)
	chart := BuildChart(now, hospital(t), shuffled(rs)).MAR
	from, to := now.Add(-DoseTolerance), now.Add(24*time.Hour)
	wide := BuildMARRange(now, from, to, hospital(t), shuffled(rs))
	if !wide.From.Equal(from) || !wide.To.Equal(to) {
		t.Errorf("window %s - %s", wide.From, wide.To)
	}
	overlap := func(m lifeboat.MAR) map[string][]string {
		out := map[string][]string{}
		for _, l := range m.Scheduled {
			var ds []lifeboat.Dose
			for _, d := range l.Doses {
				if !d.Due.Before(from) && d.Due.Before(chart.To) {
					ds = append(ds, d)
				}
			}
			out[l.Medication.RequestID] = doseList(ds)
		}
		return out
	}
	if a, b := overlap(chart), overlap(wide); !reflect.DeepEqual(a, b) {
		t.Errorf("doses differ:\nchart %q\nrange %q", a, b)
	}
	var n int
	for _, l := range wide.Scheduled {
		for _, d := range l.Doses {
			if !d.Due.Before(chart.To) {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("no doses beyond the chart's window")
	}
	if len(wide.PRN) != len(chart.PRN) {
		t.Fatalf("PRN lines %d vs %d", len(wide.PRN), len(chart.PRN))
	}
	for i := range wide.PRN {
		a, b := wide.PRN[i].LastGiven, chart.PRN[i].LastGiven
		if (a == nil) != (b == nil) || a != nil && !a.Equal(*b) {
			t.Errorf("PRN %d last given %v vs %v", i, a, b)
		}
	}
}
