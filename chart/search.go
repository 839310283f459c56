package chart

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/lifeboat-health/lifeboat"
)

// SearchLimit is the most patients a search returns.
const SearchLimit = 50

// ParseQuery reads a search string as the clinician meant it:
//   - a birth date if it parses as YYYY-MM-DD or MM/DD/YYYY (M/D/YYYY too);
//   - an identifier (exact) if it looks like an MRN: it has a digit and no space;
//   - a name otherwise.
//
// Exactly one field of the result is set (none for a blank string), and
// Limit is SearchLimit.
func ParseQuery(q string) lifeboat.PatientQuery {
	q = strings.TrimSpace(q)
	pq := lifeboat.PatientQuery{Limit: SearchLimit}
	switch {
	case q == "":
	case birthDate(q) != "":
		pq.BirthDate = birthDate(q)
	case looksLikeMRN(q):
		pq.Identifier = q
	default:
		pq.Name = q
	}
	return pq
}

// birthDate returns q as YYYY-MM-DD if it is a valid date in either form.
func birthDate(q string) string {
	for _, layout := range []string{"2006-01-02", "01/02/2006", "1/2/2006"} {
		if t, err := time.Parse(layout, q); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

func looksLikeMRN(q string) bool {
	return strings.ContainsFunc(q, unicode.IsDigit) && !strings.ContainsFunc(q, unicode.IsSpace)
}

// foldName lower-cases s and removes accents and punctuation, for matching
// names as the store does ("Nuñez," matches "nunez").
func foldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
			continue
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’':
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

var accentFold = func() map[rune]string {
	m := make(map[rune]string)
	for to, from := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ďđ", "e": "èéêëēĕėęě", "g": "ĝğġģ",
		"h": "ĥħ", "i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķ", "l": "ĺļľŀł", "n": "ñńņňŉ",
		"o": "òóôõöøōŏő", "r": "ŕŗř", "s": "śŝşš", "t": "ţťŧ", "u": "ùúûüũūŭůűų",
		"w": "ŵ", "y": "ýÿŷ", "z": "źżž", "ss": "ß", "ae": "æ", "oe": "œ",
	} {
		for _, r := range from {
			m[r] = to
		}
	}
	return m
}()

// nameWords returns the words of a name query, longest first.
func nameWords(q string) []string {
	ws := strings.Fields(foldName(q))
	sort.SliceStable(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
	return ws
}

// matchesWords reports whether every word occurs in one of the patient's
// names (Index.Names, or the decoded name when the index has none).
func matchesWords(r *lifeboat.Resource, words []string) bool {
	names := r.Index.Names
	if len(names) == 0 {
		if p, ok := decodePatient(r); ok {
			names = []string{p.Name}
		}
	}
	hay := make([]string, len(names))
	for i, n := range names {
		hay[i] = foldName(n)
	}
	for _, w := range words {
		found := false
		for _, h := range hay {
			if strings.Contains(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// BuildMatches builds search results from Patient resources and Encounters
// (other resources are ignored): one match per patient, with their unit
// and bed when they are on the census, sorted by name then birth date.
func BuildMatches(now time.Time, dir *Directory, rs []*lifeboat.Resource) []lifeboat.PatientMatch {
	ms, _ := buildMatches(now, dir, rs)
	return ms
}

func buildMatches(now time.Time, dir *Directory, rs []*lifeboat.Resource) ([]lifeboat.PatientMatch, []string) {
	rv := newResolver(dir, rs)
	where := make(map[string]string)
	for _, a := range admissions(rv, decodeEncounters(now.Location(), rs), "", false) {
		where[a.PatientID] = a.Location
	}
	var out []lifeboat.PatientMatch
	seen := make(map[string]bool)
	for _, r := range rs {
		if r.Type != "Patient" || seen[r.ID] {
			continue
		}
		p, ok := decodePatient(r)
		if !ok {
			continue
		}
		seen[r.ID] = true
		out = append(out, lifeboat.PatientMatch{
			PatientID: p.ID,
			Name:      p.Name,
			MRN:       p.MRN,
			BirthDate: p.BirthDate,
			Sex:       p.Sex,
			Location:  where[p.ID],
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].BirthDate < out[j].BirthDate
	})
	return out, rv.missingKeys()
}
