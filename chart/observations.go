package chart

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TrendLen is how many previous values a result series keeps as its trend.
const TrendLen = 5

// LOINC codes the views treat specially.
const (
	loincCodeStatus = "75320-2" // Advance directive: the code status
	loincWeight     = "29463-7"
	loincBPPanel    = "85354-9"
	loincBPPanelOld = "55284-4"
	loincSystolic   = "8480-6"
	loincDiastolic  = "8462-4"
)

// vitalOrder gives the display order and short name of common vital signs;
// other vital signs follow in name order.
var vitalOrder = []struct{ code, name string }{
	{loincBPPanel, "Blood pressure"},
	{loincBPPanelOld, "Blood pressure"},
	{"8867-4", "Heart rate"},
	{"9279-1", "Respiratory rate"},
	{"8310-5", "Temperature"},
	{"59408-5", "SpO2"},
	{"2708-6", "SpO2"},
	{"72514-3", "Pain score"},
	{loincWeight, "Weight"},
	{"8302-2", "Height"},
	{"39156-5", "BMI"},
}

// Observation kinds.
const (
	obsOther = iota
	obsVital
	obsLab
	obsCodeStatus
)

// kind classifies an observation. The vital signs of vitalOrder (weight,
// blood pressure, ...) count as vital signs even without a category.
func (o *obsDoc) kind() int {
	switch {
	case o.Code.has(sysLOINC, loincCodeStatus):
		return obsCodeStatus
	case anyHas(o.Category, "", "vital-signs"):
		return obsVital
	case anyHas(o.Category, "", "laboratory"):
		return obsLab
	}
	for _, v := range vitalOrder {
		if o.Code.has(sysLOINC, v.code) {
			return obsVital
		}
	}
	return obsOther
}

// obsResult is what the chart reads from observations.
type obsResult struct {
	Vitals         []lifeboat.ResultSeries
	Labs           []lifeboat.ResultSeries
	CodeStatus     string
	CodeStatusTime time.Time
	Weight         string
	WeightTime     time.Time
}

// obsGroup is the observations of one code.
type obsGroup struct {
	key      string
	raw      []*lifeboat.Resource
	decoded  []*obsDoc
	needsAll bool // some member lacks Index.Code or Index.Date: decode all
}

// readObservations reads vital signs, labs and the code status. To stay
// cheap it groups observations by Index.Code and decodes, newest first by
// Index.Date, only as many per code as a series shows (the latest and
// TrendLen previous), and a single one of codes it does not show. With
// codeStatusOnly it skips building the series.
func readObservations(loc *time.Location, rs []*lifeboat.Resource, codeStatusOnly bool) obsResult {
	groups := make(map[string]*obsGroup)
	var order []*obsGroup
	group := func(key string) *obsGroup {
		g := groups[key]
		if g == nil {
			g = &obsGroup{key: key}
			groups[key] = g
			order = append(order, g)
		}
		return g
	}
	for _, r := range rs {
		if r.Type != "Observation" || r.Deleted {
			continue
		}
		if r.Index.Code != "" {
			g := group(r.Index.Code)
			g.raw = append(g.raw, r)
			if r.Index.Date.IsZero() {
				g.needsAll = true
			}
			continue
		}
		o := decodeObs(r, loc)
		if o == nil || o.Code.key() == "" {
			continue
		}
		g := group(o.Code.key())
		g.decoded = append(g.decoded, o)
		g.needsAll = true
	}
	var res obsResult
	for _, g := range order {
		slices.SortStableFunc(g.raw, func(a, b *lifeboat.Resource) int { return b.Index.Date.Compare(a.Index.Date) })
		kind := -1
		var valid []*obsDoc
		for _, o := range g.decoded {
			if kind < 0 {
				kind = o.kind()
			}
			if o.ok {
				valid = append(valid, o)
			}
		}
		for _, r := range g.raw {
			if !g.needsAll && kind >= 0 && enough(kind, valid, codeStatusOnly) {
				break
			}
			o := decodeObs(r, loc)
			if o == nil {
				continue
			}
			if kind < 0 {
				kind = o.kind()
			}
			if o.ok {
				valid = append(valid, o)
			}
		}
		if len(valid) == 0 {
			continue
		}
		slices.SortStableFunc(valid, func(a, b *obsDoc) int { return b.time.Compare(a.time) })
		switch {
		case kind == obsCodeStatus:
			for _, o := range valid {
				if (o.Status == "final" || o.Status == "amended") && o.time.After(res.CodeStatusTime) {
					res.CodeStatus, res.CodeStatusTime = o.value.Value, o.time
					break
				}
			}
		case codeStatusOnly:
		case kind == obsVital:
			s := series(valid)
			res.Vitals = append(res.Vitals, s)
			if valid[0].Code.has(sysLOINC, loincWeight) {
				res.Weight = strings.TrimSpace(s.Latest.Value + " " + s.Unit)
				res.WeightTime = s.Latest.Time
			}
		case kind == obsLab:
			res.Labs = append(res.Labs, series(valid))
		}
	}
	sortVitals(res.Vitals)
	sort.SliceStable(res.Labs, func(i, j int) bool {
		a, b := res.Labs[i], res.Labs[j]
		if !a.Latest.Time.Equal(b.Latest.Time) {
			return a.Latest.Time.After(b.Latest.Time)
		}
		return a.Name < b.Name
	})
	return res
}

// enough reports whether a group has all the values it will show.
func enough(kind int, valid []*obsDoc, codeStatusOnly bool) bool {
	switch kind {
	case obsCodeStatus:
		for _, o := range valid {
			if o.Status == "final" || o.Status == "amended" {
				return true
			}
		}
		return false
	case obsVital, obsLab:
		return codeStatusOnly || len(valid) > TrendLen
	}
	return true // not shown: one decode told us so
}

// series builds a result series from valid values, newest first.
func series(valid []*obsDoc) lifeboat.ResultSeries {
	latest := valid[0]
	s := lifeboat.ResultSeries{
		Name:   latest.Code.display(),
		Unit:   latest.unit,
		Latest: latest.value,
	}
	if len(latest.Code.Coding) > 0 {
		s.Code = latest.Code.Coding[0].Code
	}
	for _, v := range vitalOrder {
		if latest.Code.has(sysLOINC, v.code) {
			s.Name, s.Code = v.name, v.code
			break
		}
	}
	if len(latest.ReferenceRange) > 0 {
		rr := latest.ReferenceRange[0]
		s.Range = rr.Text
		if s.Range == "" {
			s.Range = rangeText(rr.Low, rr.High)
		}
	}
	for _, o := range valid[1:] {
		if len(s.Trend) == TrendLen {
			break
		}
		s.Trend = append(s.Trend, o.value)
	}
	return s
}

// rangeText returns "3.5-5.1", ">=3.5" or "<=5.1".
func rangeText(low, high *quantity) string {
	l, h := "", ""
	if low != nil {
		l = string(low.Value)
	}
	if high != nil {
		h = string(high.Value)
	}
	switch {
	case l != "" && h != "":
		return l + "-" + h
	case l != "":
		return ">=" + l
	case h != "":
		return "<=" + h
	}
	return ""
}

// sortVitals orders vital signs as on a flowsheet: blood pressure, heart
// rate, respiratory rate, temperature, SpO2, pain, weight, height, BMI,
// then the others by name.
func sortVitals(vs []lifeboat.ResultSeries) {
	rank := func(s lifeboat.ResultSeries) int {
		for i, v := range vitalOrder {
			if s.Code == v.code {
				return i
			}
		}
		return len(vitalOrder)
	}
	sort.SliceStable(vs, func(i, j int) bool {
		ri, rj := rank(vs[i]), rank(vs[j])
		if ri != rj {
			return ri < rj
		}
		return vs[i].Name < vs[j].Name
	})
}
