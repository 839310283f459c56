package chart

import (
	"encoding/base64"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// SNOMED CT codes of explicit "no known allergy" statements. The first two
// are the ones docs/DATA-MODEL.md names; the food and environmental ones are
// negations too and are never listed as allergies.
var noKnownAllergyCodes = []string{"716186003", "409137002", "429625007", "428607008"}

// allergies reads AllergyIntolerance resources: the banner status, the list
// (high criticality first, then by substance) and the substance names.
func allergies(rs []*lifeboat.Resource) (lifeboat.AllergyStatus, []lifeboat.Allergy) {
	var list []lifeboat.Allergy
	noneKnown := false
	for _, r := range rs {
		if r.Type != "AllergyIntolerance" {
			continue
		}
		var v struct {
			ClinicalStatus     concept  `json:"clinicalStatus"`
			VerificationStatus concept  `json:"verificationStatus"`
			Category           []string `json:"category"`
			Criticality        string   `json:"criticality"`
			Code               concept  `json:"code"`
			Reaction           []struct {
				Manifestation []concept `json:"manifestation"`
				Severity      string    `json:"severity"`
			} `json:"reaction"`
		}
		if !decode(r, &v) {
			continue
		}
		switch v.VerificationStatus.code() {
		case "entered-in-error", "refuted":
			continue
		}
		switch v.ClinicalStatus.code() {
		case "inactive", "resolved":
			continue
		}
		if isNoKnownAllergy(&v.Code) {
			noneKnown = true
			continue
		}
		a := lifeboat.Allergy{
			Substance:   v.Code.display(),
			Criticality: v.Criticality,
			Status:      v.ClinicalStatus.code(),
		}
		if len(v.Category) > 0 {
			a.Category = v.Category[0]
		}
		for _, rx := range v.Reaction {
			for i := range rx.Manifestation {
				a.Reactions = appendUnique(a.Reactions, rx.Manifestation[i].display())
			}
			if severityRank(rx.Severity) > severityRank(a.Severity) {
				a.Severity = rx.Severity
			}
		}
		if a.Substance == "" {
			a.Substance = "Unspecified allergy"
		}
		list = append(list, a)
	}
	sort.SliceStable(list, func(i, j int) bool {
		ci, cj := list[i].Criticality == "high", list[j].Criticality == "high"
		if ci != cj {
			return ci
		}
		return strings.ToLower(list[i].Substance) < strings.ToLower(list[j].Substance)
	})
	switch {
	case len(list) > 0:
		return lifeboat.AllergiesPresent, list
	case noneKnown:
		return lifeboat.AllergiesNoneKnown, nil
	}
	return lifeboat.AllergiesNotRecorded, nil
}

func isNoKnownAllergy(c *concept) bool {
	for _, code := range noKnownAllergyCodes {
		if c.has(sysSNOMED, code) {
			return true
		}
	}
	return false
}

func severityRank(s string) int {
	switch s {
	case "mild":
		return 1
	case "moderate":
		return 2
	case "severe":
		return 3
	}
	return 0
}

// substances returns the allergy substance names for the banner.
func substances(list []lifeboat.Allergy) []string {
	var out []string
	for _, a := range list {
		out = appendUnique(out, a.Substance)
	}
	return out
}

// problems reads the active Conditions, newest onset first. A condition
// with no category is shown; one with categories must have
// problem-list-item or encounter-diagnosis. Duplicates by name are shown once.
func problems(rs []*lifeboat.Resource) []lifeboat.Problem {
	var list []lifeboat.Problem
	seen := make(map[string]int)
	for _, r := range rs {
		if r.Type != "Condition" {
			continue
		}
		var v struct {
			ClinicalStatus     concept   `json:"clinicalStatus"`
			VerificationStatus concept   `json:"verificationStatus"`
			Category           []concept `json:"category"`
			Code               concept   `json:"code"`
			OnsetDateTime      string    `json:"onsetDateTime"`
			OnsetPeriod        period    `json:"onsetPeriod"`
			OnsetString        string    `json:"onsetString"`
		}
		if !decode(r, &v) {
			continue
		}
		status := v.ClinicalStatus.code()
		switch status {
		case "active", "recurrence", "relapse":
		default:
			continue
		}
		switch v.VerificationStatus.code() {
		case "entered-in-error", "refuted":
			continue
		}
		cat := ""
		if len(v.Category) > 0 {
			switch {
			case anyHas(v.Category, "", "problem-list-item"):
				cat = "Problem list"
			case anyHas(v.Category, "", "encounter-diagnosis"):
				cat = "Encounter diagnosis"
			default:
				continue
			}
		}
		p := lifeboat.Problem{
			Name:     v.Code.display(),
			Onset:    dateOnly(firstNonEmpty(v.OnsetDateTime, v.OnsetPeriod.Start, v.OnsetString)),
			Status:   status,
			Category: cat,
		}
		if p.Name == "" {
			continue
		}
		key := strings.ToLower(p.Name)
		if i, ok := seen[key]; ok {
			if p.Onset > list[i].Onset {
				list[i] = p
			}
			continue
		}
		seen[key] = len(list)
		list = append(list, p)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Onset != list[j].Onset {
			return list[i].Onset > list[j].Onset
		}
		return list[i].Name < list[j].Name
	})
	return list
}

// dateOnly returns the date part of a FHIR dateTime, or s if it is text.
func dateOnly(s string) string {
	if len(s) > 10 && s[4] == '-' && s[10] == 'T' {
		return s[:10]
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// maxNotes is how many notes the chart shows.
const maxNotes = 20

// notes reads DocumentReferences, newest first, with their text decoded.
func notes(rv *resolver, loc *time.Location, rs []*lifeboat.Resource) []lifeboat.Note {
	var list []lifeboat.Note
	for _, r := range rs {
		if r.Type != "DocumentReference" {
			continue
		}
		if r.Deleted {
			continue
		}
		var v struct {
			Status, DocStatus, Date, Description string
			Type                                 concept
			Author                               []reference
			ContextStart                         string
			Text                                 string
			HasText                              bool
		}
		raw(r.JSON).members(func(k, x raw) bool {
			switch string(k) {
			case "status":
				v.Status = x.str()
			case "docStatus":
				v.DocStatus = x.str()
			case "type":
				v.Type = x.concept()
			case "date":
				v.Date = x.str()
			case "author":
				v.Author = x.references()
			case "description":
				v.Description = x.str()
			case "context":
				x.members(func(k, x raw) bool {
					if string(k) == "period" {
						v.ContextStart = x.period().Start
					}
					return true
				})
			case "content":
				x.elements(func(c raw) {
					c.members(func(k, att raw) bool {
						if string(k) != "attachment" || v.HasText {
							return true
						}
						var ct, data string
						att.members(func(k, x raw) bool {
							switch string(k) {
							case "contentType":
								ct = x.str()
							case "data":
								data = x.str()
							}
							return true
						})
						v.Text, v.HasText = attachmentText(ct, data)
						return true
					})
				})
			}
			return true
		})
		if v.Status == "entered-in-error" || v.DocStatus == "entered-in-error" {
			continue
		}
		n := lifeboat.Note{
			Time: firstTime(loc, v.Date, v.ContextStart),
			Type: v.Type.display(),
		}
		if n.Time.IsZero() {
			n.Time = r.Index.Date
		}
		if len(v.Author) > 0 {
			n.Author = rv.name(v.Author[0])
		}
		n.Text = v.Text
		if n.Text == "" {
			n.Text = v.Description
		}
		list = append(list, n)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Time.After(list[j].Time) })
	if len(list) > maxNotes {
		list = list[:maxNotes]
	}
	return list
}

// attachmentText decodes a base64 text attachment. Plain text (any text/*
// type, or no type) is returned as is; HTML has its tags removed.
func attachmentText(contentType, data string) (string, bool) {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if data == "" || (ct != "" && !strings.HasPrefix(ct, "text/")) {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(data, "=")); err != nil {
			return "", false
		}
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.HasPrefix(ct, "text/html") {
		s = stripTags(s)
	}
	return strings.TrimSpace(s), true
}

// stripTags removes HTML tags, turning <br> and block ends into newlines.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	var tag strings.Builder
	for _, c := range s {
		switch {
		case c == '<':
			in = true
			tag.Reset()
		case c == '>' && in:
			in = false
			t := strings.ToLower(tag.String())
			if strings.HasPrefix(t, "br") || strings.HasPrefix(t, "/p") || strings.HasPrefix(t, "/div") || strings.HasPrefix(t, "/li") {
				b.WriteByte('\n')
			}
		case in:
			tag.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ")
	return r.Replace(b.String())
}
