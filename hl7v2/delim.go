package hl7v2

import "github.com/lifeboat-health/lifeboat"

// Delimiters are the separator and encoding characters of a message, taken from MSH-1
// (field separator) and MSH-2 (component, repetition, escape and subcomponent
// characters, and the truncation character of v2.7 and later). A zero byte means the
// character is not in use: the truncation character before v2.7, or any character
// missing from a short MSH-2. A character of MSH-2 that repeats an earlier one is
// skipped, so `^~\\&` (a backslash doubled by a careless program) reads as `^~\&`.
type Delimiters struct {
	Field        byte // MSH-1, usually '|'
	Component    byte // MSH-2 first character, usually '^'
	Repetition   byte // MSH-2 second character, usually '~'
	Escape       byte // MSH-2 third character, usually '\'
	Subcomponent byte // MSH-2 fourth character, usually '&'
	Truncation   byte // MSH-2 fifth character (v2.7 and later), usually '#'
}

// DefaultDelimiters are the recommended delimiters, `|^~\&`, with no truncation
// character.
var DefaultDelimiters = Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}

// V27Delimiters are the recommended delimiters from v2.7 on, `|^~\&#`.
var V27Delimiters = Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&', Truncation: '#'}

// EncodingCharacters returns MSH-2 as these delimiters write it: component,
// repetition, escape and subcomponent characters, then the truncation character,
// leaving out those not in use.
func (d Delimiters) EncodingCharacters() string {
	b := make([]byte, 0, 5)
	for _, c := range [...]byte{d.Component, d.Repetition, d.Escape, d.Subcomponent, d.Truncation} {
		if c != 0 {
			b = append(b, c)
		}
	}
	return string(b)
}

// Validate reports whether d can be used to write a message: field, component,
// repetition, escape and subcomponent characters are all set, distinct, and printable
// ASCII other than letters and digits (as is the truncation character, if set).
func (d Delimiters) Validate() error {
	all := [...]byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent, d.Truncation}
	for i, c := range all {
		if c == 0 {
			if i == len(all)-1 {
				continue
			}
			return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: delimiter %d is not set", i+1)
		}
		if !validDelimiter(c) {
			return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: delimiter %d is not a valid delimiter character", i+1)
		}
		for _, o := range all[:i] {
			if o == c {
				return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: delimiter %d repeats an earlier delimiter", i+1)
			}
		}
	}
	return nil
}

// validDelimiter reports whether c may serve as a delimiter: printable ASCII other
// than a letter or digit (so that no delimiter can split a UTF-8 sequence).
func validDelimiter(c byte) bool {
	switch {
	case c < 0x21 || c > 0x7E:
		return false
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	}
	return true
}

// isDelimiter reports whether c is one of the active delimiters of d.
func (d *Delimiters) isDelimiter(c byte) bool {
	return c != 0 && (c == d.Field || c == d.Component || c == d.Repetition ||
		c == d.Escape || c == d.Subcomponent || c == d.Truncation)
}

// parseDelimiters reads MSH-1 and MSH-2 from the start of a header segment (s begins
// with the three-character segment ID). It returns the delimiters and the raw MSH-2.
// Characters of MSH-2 that repeat an earlier one are skipped.
func parseDelimiters(s string) (Delimiters, string, *ParseError) {
	loc := Location{Segment: "MSH", SegmentRep: 1}
	if len(s) < 4 {
		loc.Field = 1
		return Delimiters{}, "", newError(1, loc, CodeRequiredFieldMissing, "field separator missing")
	}
	var d Delimiters
	d.Field = s[3]
	if !validDelimiter(d.Field) {
		loc.Field = 1
		return d, "", newError(1, loc, CodeDataType, "invalid field separator")
	}
	enc := s[4:]
	for i := 0; i < len(enc); i++ {
		if enc[i] == d.Field {
			enc = enc[:i]
			break
		}
	}
	loc.Field = 2
	if len(enc) == 0 {
		return d, "", newError(1, loc, CodeRequiredFieldMissing, "encoding characters missing")
	}
	if len(enc) > 5 {
		return d, "", newError(1, loc, CodeDataType, "too many encoding characters")
	}
	slots := [...]*byte{&d.Component, &d.Repetition, &d.Escape, &d.Subcomponent, &d.Truncation}
	k := 0
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !validDelimiter(c) {
			return d, "", newError(1, loc, CodeDataType, "invalid encoding character")
		}
		if !d.isDelimiter(c) { // a repeated character is skipped
			*slots[k] = c
			k++
		}
	}
	return d, enc, nil
}
