package chart

import (
	"sort"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// pendingReportStatuses are the DiagnosticReport statuses of a result not
// yet final.
var pendingReportStatuses = []string{"registered", "partial", "preliminary"}

// pendingStatus labels the statuses of pending reports and orders.
var pendingStatus = map[string]string{
	"registered":  "In progress",
	"partial":     "Partial",
	"preliminary": "Preliminary",
	"active":      "Ordered",
	"on-hold":     "On hold",
}

// pending reads the results not yet final: DiagnosticReports registered,
// partial or preliminary, and active or on-hold ServiceRequests (intent
// order, or absent) that no DiagnosticReport names in basedOn. Newest first.
func pending(loc *time.Location, rs []*lifeboat.Resource) []lifeboat.PendingResult {
	var out []lifeboat.PendingResult
	answered := make(map[string]bool)
	type order struct {
		id string
		pr lifeboat.PendingResult
	}
	var orders []order
	for _, r := range rs {
		switch r.Type {
		case "DiagnosticReport":
			var v struct {
				Status            string      `json:"status"`
				Category          []concept   `json:"category"`
				Code              concept     `json:"code"`
				BasedOn           []reference `json:"basedOn"`
				EffectiveDateTime string      `json:"effectiveDateTime"`
				EffectivePeriod   period      `json:"effectivePeriod"`
				Issued            string      `json:"issued"`
			}
			if !decode(r, &v) {
				continue
			}
			if v.Status != "entered-in-error" && v.Status != "cancelled" {
				for i := range v.BasedOn {
					if id := v.BasedOn[i].id("ServiceRequest"); id != "" {
						answered[id] = true
					}
				}
			}
			label, ok := pendingStatus[v.Status]
			if !ok || v.Status == "active" || v.Status == "on-hold" {
				continue
			}
			out = append(out, lifeboat.PendingResult{
				Name:     firstNonEmpty(v.Code.display(), "Unnamed result"),
				Category: firstDisplay(v.Category),
				Status:   label,
				Time:     firstTime(loc, v.EffectiveDateTime, v.EffectivePeriod.Start, v.Issued),
			})
		case "ServiceRequest":
			var v struct {
				Status             string    `json:"status"`
				Intent             string    `json:"intent"`
				Category           []concept `json:"category"`
				Code               concept   `json:"code"`
				OccurrenceDateTime string    `json:"occurrenceDateTime"`
				OccurrencePeriod   period    `json:"occurrencePeriod"`
				AuthoredOn         string    `json:"authoredOn"`
			}
			if !decode(r, &v) || (v.Status != "active" && v.Status != "on-hold") {
				continue
			}
			switch v.Intent {
			case "", "order", "original-order", "reflex-order", "filler-order", "instance-order":
			default:
				continue
			}
			orders = append(orders, order{r.ID, lifeboat.PendingResult{
				Name:     firstNonEmpty(v.Code.display(), "Unnamed order"),
				Category: firstDisplay(v.Category),
				Status:   pendingStatus[v.Status],
				Time:     firstTime(loc, v.OccurrenceDateTime, v.OccurrencePeriod.Start, v.AuthoredOn),
			}})
		}
	}
	for _, o := range orders {
		if !answered[o.id] {
			out = append(out, o.pr)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out
}

// firstDisplay returns the display of the first concept that has one.
func firstDisplay(cs []concept) string {
	for i := range cs {
		if d := cs[i].display(); d != "" {
			return d
		}
	}
	return ""
}
