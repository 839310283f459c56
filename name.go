package lifeboat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldName returns s in lower case with accents removed and punctuation
// turned into spaces, so that "Zoë O'Brien-Müller" and "zoe o brien muller"
// compare equal. Search and its index both use it.
func FoldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
			default:
				r = ' '
			}
		} else if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			space = false
			continue
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
		} else {
			r = ' '
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}

// NameTokens returns the distinct words of FoldName(s).
func NameTokens(s string) []string {
	words := strings.Fields(FoldName(s))
	out := words[:0]
	seen := make(map[string]bool, len(words))
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// foldTable maps accented Latin letters to their base letters.
var foldTable = func() map[rune]string {
	m := map[rune]string{}
	add := func(base string, rs string) {
		for _, r := range rs {
			m[r] = base
		}
	}
	add("a", "àáâãäåāăąǎÀÁÂÃÄÅĀĂĄǍ")
	add("ae", "æÆ")
	add("c", "çćĉċčÇĆĈĊČ")
	add("d", "ďđðĎĐÐ")
	add("e", "èéêëēĕėęěÈÉÊËĒĔĖĘĚ")
	add("g", "ĝğġģĜĞĠĢ")
	add("h", "ĥħĤĦ")
	add("i", "ìíîïĩīĭįıǐÌÍÎÏĨĪĬĮİǏ")
	add("j", "ĵĴ")
	add("k", "ķĶ")
	add("l", "ĺļľŀłĹĻĽĿŁ")
	add("n", "ñńņňŉÑŃŅŇ")
	add("o", "òóôõöøōŏőǒÒÓÔÕÖØŌŎŐǑ")
	add("oe", "œŒ")
	add("r", "ŕŗřŔŖŘ")
	add("s", "śŝşšșŚŜŞŠȘ")
	add("ss", "ß")
	add("t", "ţťŧțŢŤŦȚ")
	add("th", "þÞ")
	add("u", "ùúûüũūŭůűųǔÙÚÛÜŨŪŬŮŰŲǓ")
	add("w", "ŵŴ")
	add("y", "ýÿŷÝŸŶ")
	add("z", "źżžŹŻŽ")
	return m
}()
