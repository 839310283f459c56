package report

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/lifeboat-health/lifeboat"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// foldSpecial spells the letters outside cp1252 that do not decompose into
// a base letter and accents.
var foldSpecial = map[rune]string{
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h", 'ı': "i",
	'Ŀ': "L", 'ŀ': "l", 'Ŧ': "T", 'ŧ': "t", 'Ŋ': "N", 'ŋ': "n",
	'‐': "-", '‑': "-", '‒': "-", '−': "-", '→': "->", '≤': "<=", '≥': ">=",
	'\u00a0': " ", '\u2009': " ", '\u202f': " ",
}

// inCP1252 reports whether the core fonts can show r.
func inCP1252(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 || r == '\n' || r == '\t'
	}
	_, ok := charmap.Windows1252.EncodeRune(r)
	return ok
}

// fold returns s with every rune that cp1252 cannot encode replaced: by its
// base letter without accents (ễ as e, ř as r), by a spelled equivalent
// (ł as l), else by '?'. Text that cp1252 encodes is returned as is.
func fold(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return !inCP1252(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if inCP1252(r) {
			b.WriteRune(r)
			continue
		}
		if x, ok := foldSpecial[r]; ok {
			b.WriteString(x)
			continue
		}
		wrote := false
		for _, c := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, c) || !inCP1252(c) {
				continue
			}
			b.WriteRune(c)
			wrote = true
		}
		if !wrote {
			if unicode.IsSpace(r) {
				b.WriteByte(' ')
			} else if unicode.IsGraphic(r) {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// Time layouts. Dates name the month, so they read the same everywhere.
const (
	layoutDateTime = "Mon 02 Jan 2006 15:04 MST"
	layoutDate     = "02 Jan 2006"
	layoutDay      = "Mon 02 Jan"
	layoutShort    = "02 Jan 15:04"
	layoutClock    = "15:04"
)

// dateTime formats t in loc as "Fri 19 Jul 2024 06:00 EDT" ("" for zero).
func dateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layoutDateTime)
}

// short formats t in loc as "19 Jul 06:00" ("" for zero).
func short(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layoutShort)
}

// dateOnly formats t in loc as "19 Jul 2024" ("" for zero).
func dateOnly(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layoutDate)
}

// birthDate formats a FHIR date ("1956-03-02", "1956-03", "1956") as
// "02 Mar 1956", "Mar 1956" or "1956"; anything else is returned as is.
func birthDate(s string) string {
	for _, l := range []struct{ in, out string }{{"2006-01-02", layoutDate}, {"2006-01", "Jan 2006"}, {"2006", "2006"}} {
		if len(s) == len(l.in) {
			if t, err := time.Parse(l.in, s); err == nil {
				return t.Format(l.out)
			}
		}
	}
	return s
}

// age formats a duration as "25 min", "3 h 10 min" or "2 d 4 h".
func age(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h " + strconv.Itoa(int(d%time.Hour/time.Minute)) + " min"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " d " + strconv.Itoa(int(d%(24*time.Hour)/time.Hour)) + " h"
}

// slug returns a file-name-safe form of s: lower-case ASCII letters and
// digits, other runs as one "-", at most 40 bytes.
func slug(s string) string {
	s = strings.ToLower(fold(s))
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case unicode.Is(unicode.Mn, r):
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// unitFileNames returns a file name stem per unit id: the slug of its name,
// else of its id, made unique with the id's slug or a number. Unit names
// and ids are not PHI; patient data never names a file.
func unitFileNames(ids, names []string) map[string]string {
	out := make(map[string]string, len(ids))
	used := map[string]bool{"hospital": true, "patient": true}
	for i, id := range ids {
		stem := slug(names[i])
		if stem == "" {
			stem = slug(id)
		}
		if stem == "" || used[stem] {
			if alt := slug(names[i] + " " + id); alt != "" && !used[alt] {
				stem = alt
			} else {
				base := firstNonEmpty(stem, "unit")
				for n := 2; used[stem] || stem == ""; n++ {
					stem = base + "-" + strconv.Itoa(n)
				}
			}
		}
		used[stem] = true
		out[id] = stem
	}
	return out
}

// FileName names a downloaded report without patient data: the hospital
// census "hospital-census.pdf", a unit's reports "<unit>-<kind>.pdf" from
// the unit's name, and a patient's "patient-<kind>.pdf".
func FileName(unitName string, kind lifeboat.ReportKind, patient bool) string {
	switch {
	case patient:
		return "patient-" + slug(string(kind)) + ".pdf"
	case unitName == "":
		return "hospital-" + slug(string(kind)) + ".pdf"
	}
	return firstNonEmpty(slug(unitName), "unit") + "-" + slug(string(kind)) + ".pdf"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
