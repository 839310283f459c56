package chart

import (
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

type humanName struct {
	Use    string   `json:"use"`
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
	Prefix []string `json:"prefix"`
	Suffix []string `json:"suffix"`
}

// patient is a decoded Patient.
type patient struct {
	ID         string
	Name       string
	MRN        string
	BirthDate  string
	Sex        string
	birth      time.Time
	hasBirth   bool
	birthParts int // 1 year only, 2 year-month, 3 full date
}

func decodePatient(r *lifeboat.Resource) (*patient, bool) {
	var v struct {
		Identifier []identifier `json:"identifier"`
		Name       []humanName  `json:"name"`
		Gender     string       `json:"gender"`
		BirthDate  string       `json:"birthDate"`
	}
	if r == nil || r.Type != "Patient" || !decode(r, &v) {
		return nil, false
	}
	p := &patient{
		ID:        r.ID,
		Name:      patientName(v.Name),
		MRN:       mrn(v.Identifier),
		BirthDate: v.BirthDate,
		Sex:       sexLabel(v.Gender),
	}
	if t := parseTime(v.BirthDate, time.UTC); !t.IsZero() {
		p.birth, p.hasBirth = t, true
		p.birthParts = strings.Count(v.BirthDate, "-") + 1
	}
	return p, true
}

// patientName returns the official (else first usable) name as
// "FAMILY, Given Middle", the form docs/DATA-MODEL.md prescribes.
func patientName(names []humanName) string {
	var n *humanName
	for i := range names {
		if names[i].Use == "official" {
			n = &names[i]
			break
		}
	}
	if n == nil {
		for i := range names {
			if names[i].Use != "old" {
				n = &names[i]
				break
			}
		}
	}
	if n == nil {
		return ""
	}
	given := strings.Join(n.Given, " ")
	switch {
	case n.Family != "" && given != "":
		return strings.ToUpper(n.Family) + ", " + given
	case n.Family != "":
		return strings.ToUpper(n.Family)
	case given != "":
		return given
	}
	return n.Text
}

// practitionerName returns a practitioner's name as "Dr. Given Family".
func practitionerName(names []humanName) string {
	if len(names) == 0 {
		return ""
	}
	n := names[0]
	for _, x := range names {
		if x.Use == "official" {
			n = x
			break
		}
	}
	if n.Text != "" {
		return n.Text
	}
	parts := make([]string, 0, 4)
	parts = append(parts, n.Prefix...)
	parts = append(parts, n.Given...)
	if n.Family != "" {
		parts = append(parts, n.Family)
	}
	parts = append(parts, n.Suffix...)
	return strings.Join(parts, " ")
}

// mrn returns the identifier typed MR, else the first identifier.
func mrn(ids []identifier) string {
	for _, id := range ids {
		if id.Type.has(sysIdentifier, "MR") && id.Value != "" {
			return id.Value
		}
	}
	for _, id := range ids {
		if id.Value != "" {
			return id.Value
		}
	}
	return ""
}

// sexLabel returns the short label of an administrative gender:
// "M", "F", "Other", "Unknown" or "".
func sexLabel(g string) string {
	switch g {
	case "male":
		return "M"
	case "female":
		return "F"
	case "other":
		return "Other"
	case "unknown":
		return "Unknown"
	}
	return ""
}

// Age returns an age for display at now: whole years from 2 years on
// ("67 y"), whole months from 1 month to 2 years ("4 mo", "18 mo"), and
// whole days under 1 month ("12 d"). birthDate is a FHIR date (YYYY,
// YYYY-MM or YYYY-MM-DD); calendar dates are compared in now's time zone.
// It returns "" for a missing, invalid or future birth date.
func Age(birthDate string, now time.Time) string {
	b := parseTime(birthDate, time.UTC)
	if b.IsZero() {
		return ""
	}
	return age(b, strings.Count(birthDate, "-")+1, now)
}

func (p *patient) age(now time.Time) string {
	if p == nil || !p.hasBirth {
		return ""
	}
	return age(p.birth, p.birthParts, now)
}

func age(b time.Time, parts int, now time.Time) string {
	ny, nm, nd := now.Date()
	by, bm, bd := b.Date()
	if parts < 2 {
		bm = time.January
	}
	if parts < 3 {
		bd = 1
	}
	months := (ny-by)*12 + int(nm-bm)
	if nd < bd {
		months--
	}
	if months < 0 {
		return ""
	}
	if months >= 24 {
		return strconv.Itoa(months/12) + " y"
	}
	if months >= 1 || parts < 3 {
		return strconv.Itoa(months) + " mo"
	}
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	born := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	days := int(today.Sub(born).Hours() / 24)
	if days < 0 {
		return ""
	}
	return strconv.Itoa(days) + " d"
}
