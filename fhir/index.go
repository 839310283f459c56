package fhir

import (
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Index extracts the search and view fields of a resource of type typ (see
// lifeboat.Index and docs/DATA-MODEL.md). It validates raw as Validate does;
// typ may be "" to accept any type. References are read as they are, so
// rewrite urn:uuid references (RewriteReferences) before indexing.
func Index(typ string, raw []byte) (lifeboat.Index, error) {
	p, err := Parse(raw)
	if err != nil {
		return lifeboat.Index{}, err
	}
	if typ != "" && p.Type != typ {
		return lifeboat.Index{}, invalid("resourceType: does not match the expected type")
	}
	return p.Index, nil
}

// dateOrder lists, per type, the elements that give Index.Date, best first.
// Types not listed use every date field in field order.
var dateOrder = map[string][]field{
	"Observation":              {fEffectiveDateTime, fEffectivePeriod, fEffectiveInstant, fIssued},
	"DiagnosticReport":         {fEffectiveDateTime, fEffectivePeriod, fIssued},
	"MedicationRequest":        {fAuthoredOn},
	"MedicationAdministration": {fEffectiveDateTime, fEffectivePeriod},
	"MedicationStatement":      {fEffectiveDateTime, fEffectivePeriod, fDate},
	"Encounter":                {fPeriod},
	"Condition":                {fOnsetDateTime, fRecordedDate},
	"AllergyIntolerance":       {fRecordedDate, fOnsetDateTime},
	"DocumentReference":        {fDate},
	"Immunization":             {fOccurrenceDateTime, fRecordedDate},
	"Procedure":                {fPerformedDateTime, fPerformedPeriod},
	"Appointment":              {fStart, fCreated},
}

// codeField says which element gives Index.Code; the default is "code".
var codeField = map[string]field{
	"MedicationRequest":        fMedication,
	"MedicationAdministration": fMedication,
	"MedicationDispense":       fMedication,
	"MedicationStatement":      fMedication,
	"Immunization":             fVaccineCode,
	"Encounter":                fClass,
	"DocumentReference":        fType,
	"Location":                 fPhysicalType,
}

// currentLocation returns the id of an Encounter's current location: its
// last location entry whose status is active or absent (DATA-MODEL.md).
func currentLocation(raw []byte, v span) string {
	id := ""
	elems(raw, v, func(e span) bool {
		status, _ := stringValue(raw, member(raw, e, "status"))
		if status == "" || status == "active" {
			if l := refID(reference(raw, member(raw, e, "location")), "Location"); l != "" {
				id = l
			}
		}
		return true
	})
	return id
}

// isPerson reports whether a type's "name" is a list of HumanName.
func isPerson(typ string) bool {
	return typ == "Patient" || typ == "Practitioner" || typ == "RelatedPerson" || typ == "Person"
}

// index fills p.Index from the recorded spans; p.Type is set.
func (p *Parsed) index(raw []byte, sp *[numFields]span) error {
	x := &p.Index
	// Dates first: every date element read is validated.
	var dates [numFields]time.Time
	for f := fEffectiveDateTime; f < numFields; f++ {
		v := sp[f]
		if !v.ok() {
			continue
		}
		if f == fEffectivePeriod || f == fPerformedPeriod || f == fPeriod {
			if raw[v.start] != '{' {
				return p.invalidField(fieldNames[f], "not an object")
			}
			v = member(raw, v, "start")
			if !v.ok() {
				continue
			}
		}
		b, _, ok := stringAt(raw, v)
		t, prec := parseFHIRTime(b)
		if !ok || prec == 0 {
			path := fieldNames[f]
			if v != sp[f] {
				path += ".start"
			}
			return p.invalidField(path, "not a valid date or dateTime")
		}
		dates[f] = t
	}
	x.Date = firstDate(&dates, dateOrder[p.Type])
	if x.Date.IsZero() {
		x.Date = firstDate(&dates, defaultDateOrder)
	}

	if v := sp[fStatus]; v.ok() {
		s, ok := stringValue(raw, v)
		if !ok {
			return p.invalidField("status", "not a string")
		}
		x.Status = s
	}
	if p.Type == "Condition" || p.Type == "AllergyIntolerance" {
		if _, code := coding(raw, sp[fClinicalStatus]); code != "" {
			x.Status = code
		}
	}
	if v := first(raw, sp[fCategory]); v.ok() {
		if s, ok := stringValue(raw, v); ok {
			x.Category = s // e.g. AllergyIntolerance.category is a list of codes
		} else {
			_, x.Category = coding(raw, v)
		}
	}
	cf, ok := codeField[p.Type]
	if !ok {
		cf = fCode
	}
	if sys, code := coding(raw, sp[cf]); code != "" {
		x.Code = sys + "|" + code
	}

	if p.Type == "Patient" {
		x.Patient = p.ID
	} else {
		for _, f := range [...]field{fSubject, fPatient, fBeneficiary} {
			if id := refID(reference(raw, sp[f]), "Patient"); id != "" {
				x.Patient = id
				break
			}
		}
		if x.Patient == "" && p.Type == "Appointment" { // the patient is a participant
			elems(raw, sp[fParticipant], func(e span) bool {
				x.Patient = refID(reference(raw, member(raw, e, "actor")), "Patient")
				return x.Patient == ""
			})
		}
	}
	enc := reference(raw, sp[fEncounter])
	if enc == "" && sp[fContext].ok() {
		ctx := sp[fContext]
		if enc = reference(raw, ctx); enc == "" {
			enc = reference(raw, member(raw, ctx, "encounter")) // DocumentReference.context
		}
	}
	x.Encounter = refID(enc, "Encounter")
	if p.Type == "Encounter" {
		x.Location = currentLocation(raw, sp[fLocation])
	}

	x.Identifiers = identifiers(raw, sp[fIdentifier])
	if v := sp[fBirthDate]; v.ok() {
		b, esc, ok := stringAt(raw, v)
		if !ok || esc || !isDate(b) {
			return p.invalidField("birthDate", "not a valid date")
		}
		x.BirthDate = string(b)
	}
	if isPerson(p.Type) && sp[fName].ok() {
		if raw[sp[fName].start] != '[' {
			return p.invalidField("name", "not an array")
		}
		x.Names = names(raw, sp[fName])
	}
	return nil
}

// defaultDateOrder is every date field in field order.
var defaultDateOrder = func() (fs []field) {
	for f := fEffectiveDateTime; f < numFields; f++ {
		fs = append(fs, f)
	}
	return fs
}()

// firstDate returns the first date present among fields, in order.
func firstDate(dates *[numFields]time.Time, fields []field) time.Time {
	for _, f := range fields {
		if !dates[f].IsZero() {
			return dates[f]
		}
	}
	return time.Time{}
}

// identifiers returns the system|value pairs of an identifier list (or of a
// single Identifier).
func identifiers(raw []byte, v span) []lifeboat.Identifier {
	if !v.ok() {
		return nil
	}
	var out []lifeboat.Identifier
	add := func(e span) bool {
		var id lifeboat.Identifier
		members(raw, e, func(k []byte, val span) bool {
			switch string(k) {
			case "system":
				id.System, _ = stringValue(raw, val)
			case "value":
				id.Value, _ = stringValue(raw, val)
			}
			return true
		})
		if id.Value != "" {
			out = append(out, id)
		}
		return true
	}
	if raw[v.start] == '{' {
		add(v)
	} else {
		elems(raw, v, add)
	}
	return out
}

// names returns the normalised search forms of a list of HumanName: each
// family and given name, "given family" (first given, and all given names
// when there are several) and text.
func names(raw []byte, v span) []string {
	var out []string
	add := func(s string) {
		if s = NormalizeName(s); s == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	elems(raw, v, func(n span) bool {
		var family, text string
		var given []string
		members(raw, n, func(k []byte, val span) bool {
			switch string(k) {
			case "family":
				family, _ = stringValue(raw, val)
			case "text":
				text, _ = stringValue(raw, val)
			case "given":
				elems(raw, val, func(g span) bool {
					if s, ok := stringValue(raw, g); ok && s != "" {
						given = append(given, s)
					}
					return true
				})
			}
			return true
		})
		add(family)
		for _, g := range given {
			add(g)
		}
		if len(given) > 0 && family != "" {
			add(given[0] + " " + family)
			if len(given) > 1 {
				all := ""
				for _, g := range given {
					all += g + " "
				}
				add(all + family)
			}
		}
		add(text)
		return true
	})
	return out
}
