package simulate

import (
	"strings"
	"testing"
	"time"
)

// TestMAR reads the orders as a view would (docs/DATA-MODEL.md) and checks
// that the administrations fit them: most past scheduled doses have an
// administration within 60 minutes, no given dose falls outside a due
// time, as-needed doses respect their interval, and infusions record rates.
func TestMAR(t *testing.T) {
	now := testNow.Truncate(time.Minute)
	rs := hospital(t, Options{Seed: 11, Now: testNow})
	orders := map[string]map[string]any{}
	admins := map[string][]map[string]any{}
	for _, r := range rs {
		switch r.typ {
		case "MedicationRequest":
			if str(r.m, "status") == "active" {
				orders[r.id] = r.m
			}
		case "MedicationAdministration":
			req := strings.TrimPrefix(str(r.m, "request", "reference"), "MedicationRequest/")
			admins[req] = append(admins[req], r.m)
		}
	}
	var dues, matched, stray, given int
	for id, o := range orders {
		d := get(o, "dosageInstruction", 0)
		as := admins[id]
		times := make([]time.Time, len(as))
		for i, a := range as {
			times[i], _ = time.Parse(time.RFC3339, str(a, "effectiveDateTime"))
			if times[i].After(now) {
				t.Fatalf("%s: administration in the future", id)
			}
		}
		switch {
		case get(d, "asNeededCodeableConcept") != nil:
			every := timingPeriod(t, get(d, "timing", "repeat"))
			for i := 1; i < len(times); i++ {
				if times[i].Sub(times[i-1]) < every {
					t.Fatalf("%s: PRN doses %s apart, interval %s", id, times[i].Sub(times[i-1]), every)
				}
			}
		case get(d, "doseAndRate", 0, "rateQuantity") != nil:
			for _, a := range as {
				if get(a, "dosage", "rateQuantity", "value") == nil {
					t.Fatalf("%s: infusion administration without rate", id)
				}
			}
		default:
			ds := dueTimes(t, get(d, "timing", "repeat"), now)
			for _, due := range ds {
				if now.Sub(due) < 90*time.Minute {
					continue
				}
				dues++
				for _, x := range times {
					if x.Sub(due).Abs() <= 60*time.Minute {
						matched++
						break
					}
				}
			}
			for i, x := range times {
				if str(as[i], "status") != "completed" {
					continue
				}
				given++
				ok := false
				for _, due := range ds {
					ok = ok || x.Sub(due).Abs() <= 60*time.Minute
				}
				if !ok {
					stray++
				}
			}
		}
	}
	f := float64(matched) / float64(dues)
	t.Logf("%d past scheduled doses, %.3f documented; %d given", dues, f, given)
	if dues < 500 || f < 0.85 || f > 0.995 {
		t.Errorf("%d of %d scheduled doses documented", matched, dues)
	}
	if stray > 0 {
		t.Errorf("%d given doses match no due time", stray)
	}
}

// timingPeriod returns a timing's interval.
func timingPeriod(t *testing.T, rep any) time.Duration {
	n, _ := get(rep, "period").(float64)
	f, _ := get(rep, "frequency").(float64)
	unit := map[string]time.Duration{"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[str(rep, "periodUnit")]
	if n == 0 || f == 0 || unit == 0 {
		t.Fatalf("bad timing %v", rep)
	}
	return time.Duration(n / f * float64(unit))
}

// dueTimes returns the due times of the last 24 hours from a Timing.repeat.
func dueTimes(t *testing.T, rep any, now time.Time) []time.Time {
	start, err := time.Parse(time.RFC3339, str(rep, "boundsPeriod", "start"))
	if err != nil {
		t.Fatalf("no boundsPeriod.start in %v", rep)
	}
	from := now.Add(-24 * time.Hour)
	var ts []time.Time
	if tod, ok := get(rep, "timeOfDay").([]any); ok {
		y, m, d := from.Date()
		for day := time.Date(y, m, d, 0, 0, 0, 0, now.Location()); !day.After(now); day = day.AddDate(0, 0, 1) {
			for _, x := range tod {
				c, err := time.Parse("15:04:05", x.(string))
				if err != nil {
					t.Fatal(err)
				}
				due := time.Date(day.Year(), day.Month(), day.Day(), c.Hour(), c.Minute(), 0, 0, now.Location())
				if !due.Before(from) && !due.Before(start) && !due.After(now) {
					ts = append(ts, due)
				}
			}
		}
		return ts
	}
	every := timingPeriod(t, rep)
	for due := start; !due.After(now); due = due.Add(every) {
		if !due.Before(from) {
			ts = append(ts, due)
		}
	}
	return ts
}
