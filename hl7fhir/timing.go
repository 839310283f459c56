package hl7fhir

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type timing struct {
	Repeat *timingRepeat    `json:"repeat,omitempty"`
	Code   *codeableConcept `json:"code,omitempty"`
}

type timingRepeat struct {
	BoundsPeriod *period     `json:"boundsPeriod,omitempty"`
	Count        int         `json:"count,omitempty"`
	Frequency    int         `json:"frequency,omitempty"`
	Period       json.Number `json:"period,omitempty"`
	PeriodUnit   string      `json:"periodUnit,omitempty"`
	TimeOfDay    []string    `json:"timeOfDay,omitempty"`
	When         []string    `json:"when,omitempty"`
}

// gtsCodes are the repeat patterns that are also v3 GTSAbbreviation codes.
var gtsCodes = map[string]string{"BID": "BID", "TID": "TID", "QID": "QID", "QD": "QD", "QOD": "QOD", "QAM": "AM", "QPM": "PM",
	"Q1H": "Q1H", "Q2H": "Q2H", "Q3H": "Q3H", "Q4H": "Q4H", "Q6H": "Q6H", "Q8H": "Q8H"}

// repeatPattern parses an HL7 repeat pattern (table 0335) such as Q6H, BID,
// TID, QID, QD, QOD, QAM, QHS, 3ID, Q2D, or any of them with PRN; prn reports
// the as-needed flag. r is nil for patterns without a schedule (PRN alone,
// C continuous) or that are not understood.
func repeatPattern(s string) (r *timingRepeat, prn bool) {
	p := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if strings.Contains(p, "PRN") {
		prn = true
		p = strings.ReplaceAll(p, "PRN", "")
	}
	day := func(n int, when ...string) *timingRepeat {
		return &timingRepeat{Frequency: n, Period: "1", PeriodUnit: "d", When: when}
	}
	switch p {
	case "":
		return nil, prn
	case "QD", "DAILY", "QDAY", "OD":
		return day(1), prn
	case "BID":
		return day(2), prn
	case "TID":
		return day(3), prn
	case "QID":
		return day(4), prn
	case "QOD":
		return &timingRepeat{Frequency: 1, Period: "2", PeriodUnit: "d"}, prn
	case "QAM":
		return day(1, "MORN"), prn
	case "QPM":
		return day(1, "EVE"), prn
	case "QHS", "HS":
		return day(1, "HS"), prn
	case "ONCE", "STAT", "NOW", "X1":
		return &timingRepeat{Count: 1}, prn
	}
	if len(p) >= 3 && strings.HasSuffix(p, "ID") {
		if n, err := strconv.Atoi(p[:len(p)-2]); err == nil && n > 0 {
			return day(n), prn
		}
	}
	if len(p) >= 3 && p[0] == 'Q' {
		unit := map[byte]string{'S': "s", 'M': "min", 'H': "h", 'D': "d", 'W': "wk", 'L': "mo"}[p[len(p)-1]]
		if n, err := strconv.Atoi(p[1 : len(p)-1]); err == nil && n > 0 && unit != "" {
			return &timingRepeat{Frequency: 1, Period: json.Number(strconv.Itoa(n)), PeriodUnit: unit}, prn
		}
	}
	return nil, prn
}

// timeOfDay converts an HL7 time (HHMM[SS] or HH:MM[:SS]) to FHIR time.
func timeOfDay(s string) string {
	s = strings.ReplaceAll(s, ":", "")
	if i := strings.IndexAny(s, ".+-"); i >= 0 {
		s = s[:i]
	}
	if (len(s) != 4 && len(s) != 6) || !isDigits(s) || s[:2] > "23" || s[2:4] > "59" {
		return ""
	}
	sec := "00"
	if len(s) == 6 {
		sec = s[4:6]
	}
	return s[:2] + ":" + s[2:4] + ":" + sec
}

// schedule is a parsed quantity/timing: the FHIR timing and the PRN flag.
type schedule struct {
	timing    *timing
	prn       bool
	condition string
}

// makeTiming builds a timing from a repeat pattern, explicit times and bounds.
func makeTiming(pattern, patternText string, times []string, start, end string) schedule {
	var sc schedule
	r, prn := repeatPattern(pattern)
	sc.prn = prn
	if r == nil && (len(times) > 0 || start != "" || end != "") {
		r = &timingRepeat{}
	}
	if r != nil {
		for _, t := range times {
			if tod := timeOfDay(t); tod != "" {
				r.TimeOfDay = append(r.TimeOfDay, tod)
			}
		}
		if len(r.TimeOfDay) > 0 {
			r.When = nil // timeOfDay and when are mutually exclusive
		}
		if start != "" || end != "" {
			r.BoundsPeriod = &period{Start: start, End: end}
		}
	}
	if r == nil && pattern == "" {
		return sc
	}
	sc.timing = &timing{Repeat: r}
	if pattern != "" {
		c := &codeableConcept{Text: pattern}
		if patternText != "" {
			c.Text = patternText
		}
		key := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(pattern, " ", ""), "PRN", ""))
		if g, ok := gtsCodes[key]; ok {
			c.Coding = []coding{{System: "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", Code: g}}
		}
		sc.timing.Code = c
	}
	if r != nil && r.Frequency == 0 && r.Count == 0 && len(r.TimeOfDay) == 0 && r.BoundsPeriod == nil && len(r.When) == 0 {
		sc.timing.Repeat = nil
	}
	return sc
}

// tq1 parses a TQ1 segment: TQ1-3 repeat pattern, TQ1-4 explicit times,
// TQ1-7/8 start and end, TQ1-9 priority (PRN), TQ1-10 condition text.
func (m *mapper) tq1(s hl7v2.Segment) schedule {
	var times []string
	for r := range s.Field(4).Reps() {
		times = append(times, text(r.Comp(1)))
	}
	sc := makeTiming(text(s.Field(3).Comp(1).Sub(1)), text(s.Field(3).Comp(1).Sub(2)), times, m.dateTime(s, 7), m.dateTime(s, 8))
	for r := range s.Field(9).Reps() {
		if strings.EqualFold(text(r.Comp(1)), "PRN") {
			sc.prn = true
		}
	}
	sc.condition = text(s.Field(10))
	return sc
}

// tq parses an older TQ quantity/timing field (RXE-1, ORC-7): interval
// (component 2: pattern and explicit times), start (4), end (5), priority (6)
// and condition (7).
func (m *mapper) tq(s hl7v2.Segment, f int) schedule {
	v := s.Field(f).Rep(1)
	if v.IsEmpty() {
		return schedule{}
	}
	var times []string
	for _, t := range strings.Split(text(v.Comp(2).Sub(2)), ",") {
		if t != "" {
			times = append(times, t)
		}
	}
	date := func(c int) string {
		if t, ok := m.timeValue(s, f, v.Comp(c)); ok {
			return m.fhirDateTime(t)
		}
		return ""
	}
	sc := makeTiming(text(v.Comp(2).Sub(1)), "", times, date(4), date(5))
	if strings.EqualFold(text(v.Comp(6)), "PRN") {
		sc.prn = true
	}
	sc.condition = text(v.Comp(7))
	return sc
}

func (v *timing) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "repeat", v.Repeat)
	b = opt(b, "code", v.Code)
	return append(b, '}')
}

func (v *timingRepeat) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = opt(b, "boundsPeriod", v.BoundsPeriod)
	b = optInt(b, "count", v.Count)
	b = optInt(b, "frequency", v.Frequency)
	b = optNum(b, "period", v.Period)
	b = optStr(b, "periodUnit", v.PeriodUnit)
	b = optStrs(b, "timeOfDay", v.TimeOfDay)
	b = optStrs(b, "when", v.When)
	return append(b, '}')
}
