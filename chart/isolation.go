package chart

import (
	"sort"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// isolationCodes are the SNOMED CT codes of isolation precautions a Flag
// may carry (see docs/DATA-MODEL.md).
var isolationCodes = []string{
	"409524006", // Airborne precautions
	"409525007", // Respiratory secretion (droplet) precautions
	"409529001", // Contact precautions
	"409583003", // Transmission-based precautions
}

// isolation reads the isolation precautions in force at now from a
// patient's Flag resources: active Flags whose period has not ended and
// whose code is an isolation code, or whose text names isolation or
// precautions. Several are joined by "; " in name order.
func isolation(now time.Time, rs []*lifeboat.Resource) string {
	var names []string
	for _, r := range rs {
		if r.Type != "Flag" {
			continue
		}
		var v struct {
			Status string  `json:"status"`
			Code   concept `json:"code"`
			Period period  `json:"period"`
		}
		if !decode(r, &v) || v.Status != "active" {
			continue
		}
		if end := parseTime(v.Period.End, now.Location()); !end.IsZero() && !end.After(now) {
			continue
		}
		if !isIsolation(&v.Code) {
			continue
		}
		names = appendUnique(names, v.Code.display())
	}
	sort.Strings(names)
	return strings.Join(names, "; ")
}

// isIsolation reports whether a Flag code names isolation precautions.
func isIsolation(c *concept) bool {
	for _, code := range isolationCodes {
		if c.has(sysSNOMED, code) {
			return true
		}
	}
	t := strings.ToLower(c.display())
	return strings.Contains(t, "isolation") || strings.Contains(t, "precaution")
}
