package chart

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timing is the part of a FHIR Timing the MAR reads.
type timing struct {
	Event  []string `json:"event"`
	Repeat *repeat  `json:"repeat"`
	Code   *concept `json:"code"`
}

type repeat struct {
	BoundsPeriod *period  `json:"boundsPeriod"`
	Count        int      `json:"count"`
	Frequency    int      `json:"frequency"`
	Period       float64  `json:"period"`
	PeriodMax    float64  `json:"periodMax"`
	PeriodUnit   string   `json:"periodUnit"`
	DayOfWeek    []string `json:"dayOfWeek"`
	TimeOfDay    []string `json:"timeOfDay"`
	When         []string `json:"when"`
}

// whenTimes are the clock times (hh:mm) this hospital uses for the FHIR
// event-timing codes of timing.repeat.when, and their labels.
var whenTimes = map[string]struct {
	times []string
	label string
}{
	"WAKE":       {[]string{"07:00"}, "on waking"},
	"MORN":       {[]string{"08:00"}, "morning"},
	"MORN.early": {[]string{"06:00"}, "early morning"},
	"MORN.late":  {[]string{"10:00"}, "late morning"},
	"NOON":       {[]string{"12:00"}, "noon"},
	"AFT":        {[]string{"14:00"}, "afternoon"},
	"AFT.early":  {[]string{"13:00"}, "early afternoon"},
	"AFT.late":   {[]string{"16:00"}, "late afternoon"},
	"EVE":        {[]string{"18:00"}, "evening"},
	"EVE.early":  {[]string{"17:00"}, "early evening"},
	"EVE.late":   {[]string{"20:00"}, "late evening"},
	"NIGHT":      {[]string{"22:00"}, "night"},
	"HS":         {[]string{"21:00"}, "at bedtime"},
	"PHS":        {[]string{"21:30"}, "after bedtime"},
	"C":          {[]string{"08:00", "12:00", "18:00"}, "with meals"},
	"CM":         {[]string{"08:00"}, "with breakfast"},
	"CD":         {[]string{"12:00"}, "with lunch"},
	"CV":         {[]string{"18:00"}, "with dinner"},
	"AC":         {[]string{"07:30", "11:30", "17:30"}, "before meals"},
	"ACM":        {[]string{"07:30"}, "before breakfast"},
	"ACD":        {[]string{"11:30"}, "before lunch"},
	"ACV":        {[]string{"17:30"}, "before dinner"},
	"PC":         {[]string{"08:30", "12:30", "18:30"}, "after meals"},
	"PCM":        {[]string{"08:30"}, "after breakfast"},
	"PCD":        {[]string{"12:30"}, "after lunch"},
	"PCV":        {[]string{"18:30"}, "after dinner"},
}

// unitSeconds gives the length of a FHIR period unit.
var unitSeconds = map[string]int64{
	"s": 1, "min": 60, "h": 3600, "d": 86400, "wk": 7 * 86400, "mo": 30 * 86400, "a": 365 * 86400,
}

// codeRepeats maps common timing.code values to a repeat, for orders that
// carry only a code.
func codeRepeat(code string) *repeat {
	switch c := strings.ToUpper(code); c {
	case "QD", "DAILY", "QDAY":
		return &repeat{Frequency: 1, Period: 1, PeriodUnit: "d"}
	case "BID":
		return &repeat{Frequency: 2, Period: 1, PeriodUnit: "d"}
	case "TID":
		return &repeat{Frequency: 3, Period: 1, PeriodUnit: "d"}
	case "QID":
		return &repeat{Frequency: 4, Period: 1, PeriodUnit: "d"}
	case "QOD":
		return &repeat{Frequency: 1, Period: 2, PeriodUnit: "d"}
	case "AM":
		return &repeat{When: []string{"MORN"}}
	case "PM":
		return &repeat{When: []string{"EVE"}}
	case "HS", "QHS":
		return &repeat{When: []string{"HS"}}
	default:
		if h, ok := strings.CutPrefix(c, "Q"); ok {
			if n, err := strconv.Atoi(strings.TrimSuffix(h, "H")); err == nil && strings.HasSuffix(h, "H") && n > 0 {
				return &repeat{Frequency: 1, Period: float64(n), PeriodUnit: "h"}
			}
		}
	}
	return nil
}

// schedule is when a scheduled order is due.
type schedule struct {
	clocks   []int64 // seconds after local midnight (timeOfDay, when)
	days     [7]bool // allowed weekdays, if hasDays
	hasDays  bool
	interval int64 // wall-clock seconds between doses (frequency per period)
	count    int   // total doses, 0 for no limit
	events   []time.Time
	anchor   time.Time // first dose of an interval schedule
	start    time.Time // no dose before
	end      time.Time // no dose at or after (zero: open)
	text     string    // the frequency for display
}

// newSchedule reads a Timing. start is the order's start (boundsPeriod.start
// or authoredOn).
func newSchedule(t *timing, start time.Time, loc *time.Location) *schedule {
	s := &schedule{start: start, anchor: start}
	rep := t.Repeat
	if rep == nil && t.Code != nil {
		rep = codeRepeat(t.Code.code())
	}
	for _, e := range t.Event {
		if et := parseTime(e, loc); !et.IsZero() {
			s.events = append(s.events, et)
		}
	}
	if rep != nil {
		if rep.BoundsPeriod != nil {
			s.end = parseTime(rep.BoundsPeriod.End, loc)
		}
		s.count = rep.Count
		for _, d := range rep.DayOfWeek {
			if wd, ok := weekday(d); ok {
				s.days[wd], s.hasDays = true, true
			}
		}
		var labels []string
		for _, tod := range rep.TimeOfDay {
			if c, ok := parseClock(tod); ok {
				s.clocks = append(s.clocks, c)
			}
		}
		for _, w := range rep.When {
			if wt, ok := whenTimes[w]; ok {
				labels = append(labels, wt.label)
				for _, tod := range wt.times {
					c, _ := parseClock(tod)
					s.clocks = append(s.clocks, c)
				}
			}
		}
		sort.Slice(s.clocks, func(i, j int) bool { return s.clocks[i] < s.clocks[j] })
		if len(s.clocks) > 0 {
			s.text = "at " + clockList(s.clocks)
			if len(rep.TimeOfDay) == 0 && len(labels) > 0 {
				s.text = strings.Join(labels, ", ") + " (" + clockList(s.clocks) + ")"
			}
		} else if u, ok := unitSeconds[rep.PeriodUnit]; ok && rep.Period > 0 {
			f := rep.Frequency
			if f <= 0 {
				f = 1
			}
			s.interval = int64(math.Round(rep.Period * float64(u) / float64(f)))
			if s.interval < 60 {
				s.interval = 60
			}
			s.text = frequencyText(f, rep.Period, rep.PeriodMax, rep.PeriodUnit)
		} else if rep.Count > 0 && !start.IsZero() && len(s.events) == 0 {
			// A count with nothing to repeat on: a single dose at the start.
			s.events = append(s.events, start)
		}
	}
	if s.text == "" && t.Code != nil {
		s.text = t.Code.display()
	}
	if s.text == "" && len(s.events) > 0 {
		s.text = "once"
	}
	return s
}

// frequencyText describes frequency per period: "every 8 h", "every 4-6 h",
// "once a day", "3 times a day", "2 times every 3 d".
func frequencyText(f int, p, pmax float64, unit string) string {
	ps := strconv.FormatFloat(p, 'f', -1, 64)
	if pmax > p {
		ps += "-" + strconv.FormatFloat(pmax, 'f', -1, 64)
	}
	names := map[string]string{"s": "second", "min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}
	switch {
	case f == 1 && p == 1 && pmax <= p && unit == "h":
		return "every hour"
	case f == 1 && p == 1 && pmax <= p:
		return "once a " + names[unit]
	case f == 1:
		return "every " + ps + " " + unit
	case p == 1 && pmax <= p:
		return strconv.Itoa(f) + " times a " + names[unit]
	}
	return strconv.Itoa(f) + " times every " + ps + " " + unit
}

func parseClock(s string) (int64, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var n [3]int64
	for i, p := range parts {
		if i == 2 {
			p, _, _ = strings.Cut(p, ".")
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return 0, false
		}
		n[i] = int64(v)
	}
	if n[0] > 23 || n[1] > 59 || n[2] > 59 {
		return 0, false
	}
	return n[0]*3600 + n[1]*60 + n[2], true
}

func clockList(cs []int64) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		s := strconv.FormatInt(100+c/3600, 10)[1:] + ":" + strconv.FormatInt(100+c%3600/60, 10)[1:]
		out = appendUnique(out, s)
	}
	return strings.Join(out, ", ")
}

func weekday(s string) (time.Weekday, bool) {
	for i, d := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if d == s {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// localTime returns the instant at the given local date and seconds after
// its midnight (which may overflow into later days), stepping in wall-clock
// time. A wall time inside a daylight-saving gap (02:30 on the spring-forward
// day) is moved forward by the gap (to 03:30); a repeated wall time (01:30 on
// the fall-back day) is the first of the two.
func localTime(y int, m time.Month, d int, secs int64, loc *time.Location) time.Time {
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(secs) * time.Second)
	t := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, loc)
	got := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	if diff := u.Sub(got); diff > 0 {
		t = t.Add(diff)
	}
	return t
}

// maxDoses bounds the doses one order can have in a window.
const maxDoses = 1500

// dues returns the due times in [from, to), in order, within the order's
// bounds. Times of day and intervals are computed in loc's wall-clock time,
// so a dose due at 08:00 stays at 08:00 across a daylight-saving change.
func (s *schedule) dues(from, to time.Time, loc *time.Location) []time.Time {
	if !s.start.IsZero() && from.Before(s.start) {
		from = s.start
	}
	if !s.end.IsZero() && to.After(s.end) {
		to = s.end
	}
	if !from.Before(to) {
		return nil
	}
	var out []time.Time
	add := func(t time.Time) {
		if t.Before(from) || !t.Before(to) || len(out) >= maxDoses {
			return
		}
		if s.hasDays && !s.days[t.In(loc).Weekday()] {
			return
		}
		out = append(out, t)
	}
	for _, e := range s.events {
		add(e)
	}
	switch {
	case len(s.clocks) > 0:
		f := from.In(loc)
		day := time.Date(f.Year(), f.Month(), f.Day()-1, 0, 0, 0, 0, time.UTC)
		for ; ; day = day.AddDate(0, 0, 1) {
			if localTime(day.Year(), day.Month(), day.Day(), 0, loc).After(to) {
				break
			}
			for _, c := range s.clocks {
				add(localTime(day.Year(), day.Month(), day.Day(), c, loc))
			}
		}
	case s.interval > 0 && !s.anchor.IsZero():
		a := s.anchor.In(loc)
		base := int64(a.Hour()*3600 + a.Minute()*60 + a.Second())
		margin := 2 + 7200/s.interval
		k := int64(from.Sub(s.anchor)/time.Second)/s.interval - margin
		if k < 0 {
			k = 0
		}
		for n := 0; n < 4*maxDoses; n, k = n+1, k+1 {
			if s.count > 0 && k >= int64(s.count) {
				break
			}
			t := localTime(a.Year(), a.Month(), a.Day(), base+k*s.interval, loc)
			if !t.Before(to) {
				break
			}
			add(t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	// A gap can map two wall times to one instant: keep one dose.
	j := 0
	for i := range out {
		if i > 0 && out[i].Equal(out[j-1]) {
			continue
		}
		out[j] = out[i]
		j++
	}
	return out[:j]
}
