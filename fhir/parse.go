package fhir

import (
	"errors"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Parsed is what one validating pass over a resource yields.
type Parsed struct {
	Type        string         // resourceType
	ID          string         // id, "" if absent
	VersionID   string         // meta.versionId, "" if absent
	LastUpdated time.Time      // meta.lastUpdated, zero if absent
	Index       lifeboat.Index // search and view fields

	// idAt is the offset where an "id" member can be inserted: after the
	// resourceType member when it comes first (idComma), else after '{'.
	idAt    int
	idComma bool
}

// span is the byte range of a JSON value inside a resource.
type span struct{ start, end int }

func (v span) ok() bool { return v.end > 0 }

// field identifies the top-level elements Parse looks at.
type field uint8

const (
	fNone field = iota
	fResourceType
	fID
	fMeta
	fSubject
	fPatient
	fBeneficiary
	fEncounter
	fContext
	fStatus
	fClinicalStatus
	fCategory
	fCode
	fMedication
	fVaccineCode
	fClass
	fType
	fPhysicalType
	fLocation
	fIdentifier
	fName
	fBirthDate
	fParticipant
	fEffectiveDateTime // first date field; the order below is the default date order
	fEffectivePeriod
	fEffectiveInstant
	fOccurrenceDateTime
	fPerformedDateTime
	fPerformedPeriod
	fAuthoredOn
	fOnsetDateTime
	fRecordedDate
	fPeriod
	fDate
	fIssued
	fCreated
	fStart
	numFields
)

var fieldNames = [numFields]string{
	"", "resourceType", "id", "meta", "subject", "patient", "beneficiary", "encounter",
	"context", "status", "clinicalStatus", "category", "code", "medicationCodeableConcept",
	"vaccineCode", "class", "type", "physicalType", "location", "identifier", "name", "birthDate",
	"participant",
	"effectiveDateTime", "effectivePeriod", "effectiveInstant", "occurrenceDateTime",
	"performedDateTime", "performedPeriod", "authoredOn", "onsetDateTime", "recordedDate",
	"period", "date", "issued", "created", "start",
}

// fieldOf maps a top-level key to its field; the switch does not allocate.
func fieldOf(key []byte) field {
	switch string(key) {
	case "resourceType":
		return fResourceType
	case "id":
		return fID
	case "meta":
		return fMeta
	case "subject":
		return fSubject
	case "patient":
		return fPatient
	case "beneficiary":
		return fBeneficiary
	case "encounter":
		return fEncounter
	case "context":
		return fContext
	case "status":
		return fStatus
	case "clinicalStatus":
		return fClinicalStatus
	case "category":
		return fCategory
	case "code":
		return fCode
	case "medicationCodeableConcept":
		return fMedication
	case "vaccineCode":
		return fVaccineCode
	case "class":
		return fClass
	case "type":
		return fType
	case "physicalType":
		return fPhysicalType
	case "location":
		return fLocation
	case "identifier":
		return fIdentifier
	case "name":
		return fName
	case "birthDate":
		return fBirthDate
	case "effectiveDateTime":
		return fEffectiveDateTime
	case "effectivePeriod":
		return fEffectivePeriod
	case "effectiveInstant":
		return fEffectiveInstant
	case "occurrenceDateTime":
		return fOccurrenceDateTime
	case "performedDateTime":
		return fPerformedDateTime
	case "performedPeriod":
		return fPerformedPeriod
	case "authoredOn":
		return fAuthoredOn
	case "onsetDateTime":
		return fOnsetDateTime
	case "recordedDate":
		return fRecordedDate
	case "period":
		return fPeriod
	case "date":
		return fDate
	case "issued":
		return fIssued
	case "created":
		return fCreated
	case "participant":
		return fParticipant
	case "start":
		return fStart
	}
	return fNone
}

// Parse validates a resource (see Validate) and extracts its index fields
// (see Index) in one pass over the bytes.
func Parse(raw []byte) (Parsed, error) {
	var p Parsed
	var spans [numFields]span
	s := scanner{data: raw}
	s.ws()
	if s.pos >= len(raw) || raw[s.pos] != '{' {
		if err := s.value(0); err != nil {
			return p, jsonError(err)
		}
		return p, invalid("resource is not a JSON object")
	}
	s.pos++
	p.idAt = s.pos
	for i := 0; ; i++ {
		key, more, err := s.nextKey(i)
		if err != nil {
			return p, jsonError(err)
		}
		if !more {
			break
		}
		start := s.pos
		if err := s.value(1); err != nil {
			return p, jsonError(err)
		}
		f := fieldOf(key)
		if f != fNone && !spans[f].ok() {
			spans[f] = span{start, s.pos}
		}
		if i == 0 && f == fResourceType {
			p.idAt, p.idComma = s.pos, true
		}
	}
	s.ws()
	if s.pos != len(raw) {
		return p, jsonError(s.fail("data after the resource object"))
	}
	err := p.extract(raw, &spans)
	return p, err
}

// jsonError turns a syntax error into an EINVALID error.
func jsonError(err error) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return lifeboat.Errorf(lifeboat.EINVALID, "%s", se.Error())
	}
	return err
}

func invalid(msg string) error {
	return lifeboat.Errorf(lifeboat.EINVALID, "%s", msg)
}

// invalidField reports a problem with an element; it names the path only.
func (p *Parsed) invalidField(path, problem string) error {
	return lifeboat.Errorf(lifeboat.EINVALID, "%s.%s: %s", p.Type, path, problem)
}

// extract validates and fills p from the recorded top-level spans.
func (p *Parsed) extract(raw []byte, sp *[numFields]span) error {
	v := sp[fResourceType]
	if !v.ok() {
		return invalid("resourceType: missing")
	}
	b, esc, isStr := stringAt(raw, v)
	if !isStr {
		return invalid("resourceType: not a string")
	}
	if esc {
		b = []byte(unescape(b))
	}
	if p.Type = internType(b); p.Type == "" {
		return invalid("resourceType: not a FHIR R4 resource type")
	}
	if v := sp[fID]; v.ok() {
		b, esc, isStr := stringAt(raw, v)
		if !isStr || esc || !lifeboat.ValidID(b) {
			return p.invalidField("id", "not a valid id")
		}
		p.ID = string(b)
	}
	if err := p.meta(raw, sp[fMeta]); err != nil {
		return err
	}
	if err := p.index(raw, sp); err != nil {
		return err
	}
	return nil
}

// meta reads meta.versionId and meta.lastUpdated.
func (p *Parsed) meta(raw []byte, v span) error {
	if !v.ok() {
		return nil
	}
	if raw[v.start] != '{' {
		return p.invalidField("meta", "not an object")
	}
	var err error
	members(raw, v, func(key []byte, m span) bool {
		switch string(key) {
		case "versionId":
			s, ok := stringValue(raw, m)
			if !ok {
				err = p.invalidField("meta.versionId", "not a string")
			}
			p.VersionID = s
		case "lastUpdated":
			b, _, ok := stringAt(raw, m)
			t, prec := parseFHIRTime(b)
			if !ok || prec != precTime {
				err = p.invalidField("meta.lastUpdated", "not a valid instant")
			}
			p.LastUpdated = t
		}
		return err == nil
	})
	return err
}
