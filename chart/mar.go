package chart

import (
	"sort"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// The MAR rules, shared by the chart, the unit census and the PDF reports:
//
// Window. The MAR shows a rolling 24 hours centred on now: [now-12h,
// now+12h), from MARWindow. A nursing-day sheet (07:00 to 07:00) was
// rejected: printed at 06:00 for downtime it would show only one hour of
// upcoming doses, while the rolling window always shows the last 12 hours
// of what was given and the next 12 hours of what is due, whenever it is
// printed or viewed.
//
// Due times come from dosageInstruction[0].timing (see schedule.go):
// timing.repeat.timeOfDay, else the hospital times of timing.repeat.when
// codes, else frequency per period anchored at boundsPeriod.start (or
// authoredOn); all in the local wall-clock time of now, limited to
// boundsPeriod and to orders with status active.
//
// Matching. An administration (MedicationAdministration.request naming the
// order) within DoseTolerance (60 minutes) before or after a due time
// matches that dose; each administration matches at most one dose and each
// dose at most one administration, nearest pairs first. Given
// administrations (completed, in-progress) are matched before not-done ones.
//
// Status. A matched given administration makes the dose Given; a matched
// not-done one makes it Not given with its statusReason. An unmatched dose
// is Missed once its tolerance has passed (now > due + 60 min), and Due
// before that: Due covers doses still in the future and doses that can
// still be given on time.
//
// DueNextHour counts the doses that are Due by those rules with a due time
// before now+1h: the doses in [now-1h, now+1h) with nothing recorded, that
// is, overdue but still within tolerance, or due within the next hour.

// DoseTolerance is how far from its due time an administration still
// counts for a scheduled dose.
const DoseTolerance = 60 * time.Minute

// MARWindow returns the MAR window at now: [now-12h, now+12h).
func MARWindow(now time.Time) (from, to time.Time) {
	return now.Add(-12 * time.Hour), now.Add(12 * time.Hour)
}

// BuildMAR builds the MAR for the window MARWindow(now) from a patient's
// MedicationRequest and MedicationAdministration resources (others are
// ignored). Local times are in now's location. dir resolves prescribers and
// medication references and may be nil.
func BuildMAR(now time.Time, dir *Directory, rs []*lifeboat.Resource) lifeboat.MAR {
	from, to := MARWindow(now)
	return BuildMARRange(now, from, to, dir, rs)
}

// BuildMARRange is BuildMAR for the window [from, to).
func BuildMARRange(now, from, to time.Time, dir *Directory, rs []*lifeboat.Resource) lifeboat.MAR {
	m, _ := buildMARRange(now, from, to, dir, rs)
	return m
}

// buildMARRange is BuildMARRange, also returning the references ("Type/id")
// to Practitioners and Medications it could not resolve.
func buildMARRange(now, from, to time.Time, dir *Directory, rs []*lifeboat.Resource) (lifeboat.MAR, []string) {
	rv := newResolver(dir, rs)
	loc := now.Location()
	return buildMAR(now, from, to, decodeOrders(rv, loc, rs), decodeAdmins(loc, rs)), rv.missingKeys()
}

// DueNextHour counts a patient's scheduled doses due within the next hour
// and not yet given (see the rules above), from their MedicationRequest and
// MedicationAdministration resources.
func DueNextHour(now time.Time, rs []*lifeboat.Resource) int {
	loc := now.Location()
	return dueNextHour(now, decodeOrders(&resolver{}, loc, rs), decodeAdmins(loc, rs))
}

func dueNextHour(now time.Time, orders []*order, admins map[string][]*admin) int {
	n := 0
	for _, o := range orders {
		if o.kind != orderScheduled {
			continue
		}
		for _, d := range scheduledDoses(now, now.Add(-time.Hour), now.Add(time.Hour), o, admins[o.Med.RequestID]) {
			if d.Status == lifeboat.DoseDue {
				n++
			}
		}
	}
	return n
}

func buildMAR(now, from, to time.Time, orders []*order, admins map[string][]*admin) lifeboat.MAR {
	mar := lifeboat.MAR{From: from, To: to}
	for _, o := range orders {
		as := admins[o.Med.RequestID]
		line := lifeboat.MARLine{Medication: o.Med}
		var last *admin
		for _, a := range as {
			if a.given() {
				last = a
			}
		}
		if last != nil {
			t := last.time
			line.LastGiven = &t
		}
		switch o.kind {
		case orderScheduled:
			line.Doses = scheduledDoses(now, from, to, o, as)
			mar.Scheduled = append(mar.Scheduled, line)
		case orderPRN:
			line.Given = givenIn(as, from, to)
			mar.PRN = append(mar.PRN, line)
		case orderContinuous:
			line.Given = givenIn(as, from, to)
			// The current rate is that of the last administration that
			// recorded one (a rate change), else the ordered rate.
			for i := len(as) - 1; i >= 0; i-- {
				if as[i].given() && as[i].rate != "" {
					line.Medication.Rate = as[i].rate
					break
				}
			}
			mar.Continuous = append(mar.Continuous, line)
		}
	}
	return mar
}

// givenIn returns the times of given administrations in [from, to), oldest first.
func givenIn(as []*admin, from, to time.Time) []time.Time {
	var out []time.Time
	for _, a := range as {
		if a.given() && !a.time.Before(from) && a.time.Before(to) {
			out = append(out, a.time)
		}
	}
	return out
}

// scheduledDoses returns an order's doses due in [from, to) with their
// status. Doses are generated DoseTolerance beyond both ends of the window
// and matched there too, so that an administration near the window's edge
// goes to its nearest dose even when that dose lies outside the window.
func scheduledDoses(now, from, to time.Time, o *order, as []*admin) []lifeboat.Dose {
	if o.sched == nil {
		return nil
	}
	dues := o.sched.dues(from.Add(-2*DoseTolerance), to.Add(2*DoseTolerance), now.Location())
	doses := matchDoses(now, dues, as)
	out := doses[:0]
	for _, d := range doses {
		if !d.Due.Before(from) && d.Due.Before(to) {
			out = append(out, d)
		}
	}
	return out
}

// matchDoses gives each due time its status from the administrations.
func matchDoses(now time.Time, dues []time.Time, as []*admin) []lifeboat.Dose {
	doses := make([]lifeboat.Dose, len(dues))
	matched := make([]bool, len(dues))
	for i, d := range dues {
		doses[i].Due = d
	}
	type pair struct {
		dose, adm int
		dist      time.Duration
	}
	for pass := 0; pass < 2; pass++ {
		var pairs []pair
		for ai, a := range as {
			if a.given() != (pass == 0) {
				continue
			}
			for di, d := range dues {
				dist := a.time.Sub(d)
				if dist < 0 {
					dist = -dist
				}
				if dist <= DoseTolerance && !matched[di] {
					pairs = append(pairs, pair{di, ai, dist})
				}
			}
		}
		sort.SliceStable(pairs, func(i, j int) bool {
			if pairs[i].dist != pairs[j].dist {
				return pairs[i].dist < pairs[j].dist
			}
			return pairs[i].dose < pairs[j].dose
		})
		used := make(map[int]bool)
		for _, p := range pairs {
			if matched[p.dose] || used[p.adm] {
				continue
			}
			matched[p.dose], used[p.adm] = true, true
			a := as[p.adm]
			if pass == 0 {
				t := a.time
				doses[p.dose].Status = lifeboat.DoseGiven
				doses[p.dose].GivenAt = &t
			} else {
				doses[p.dose].Status = lifeboat.DoseNotGiven
				doses[p.dose].Reason = a.reason
			}
		}
	}
	for i := range doses {
		if !matched[i] {
			doses[i].Status = lifeboat.DoseDue
			if now.Sub(doses[i].Due) > DoseTolerance {
				doses[i].Status = lifeboat.DoseMissed
			}
		}
	}
	return doses
}
