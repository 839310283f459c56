package hl7fhir

import (
	"crypto/sha256"
	"encoding/hex"
)

// makeID returns a deterministic FHIR id for a resource of type typ known by
// the given key parts: "hl7-" followed by 20 hex digits of a SHA-256 over the
// type and the parts. The same parts always give the same id, so messages
// about the same patient, encounter or order converge without a store
// look-up, and no identifier value (PHI) appears in the id.
func makeID(typ string, parts ...string) string {
	var in [128]byte
	var out [24]byte
	return string(appendHashID(out[:0], idInput(in[:0], typ, parts...)))
}

// makeRef returns the reference "typ/id" to the resource that
// makeID(typ, parts...) names, made in one allocation: the id is
// ref[len(typ)+1:].
func makeRef(typ string, parts ...string) string {
	var in [128]byte
	return refFromInput(typ, idInput(in[:0], typ, parts...))
}

// idInput appends what an id is hashed from to b: the type, then each part
// after a NUL byte.
func idInput(b []byte, typ string, parts ...string) []byte {
	b = append(b, typ...)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return b
}

// appendHashID appends the id hashed from in (see makeID) to b.
func appendHashID(b, in []byte) []byte {
	sum := sha256.Sum256(in)
	b = append(b, "hl7-"...)
	return hex.AppendEncode(b, sum[:10])
}

// refFromInput returns the reference "typ/id" to the resource whose id is
// hashed from in (see makeRef).
func refFromInput(typ string, in []byte) string {
	var out [64]byte
	b := append(out[:0], typ...)
	b = append(b, '/')
	return string(appendHashID(b, in))
}

// PatientID returns the id that Map gives the Patient with the identifier
// system|value (the system as Map derives it from the assigning authority,
// or Options.MRNSystem when there is none).
func PatientID(system, value string) string { return makeID("Patient", system, value) }

// EncounterID returns the id that Map gives the Encounter with the visit
// number system|value (PV1-19).
func EncounterID(system, value string) string { return makeID("Encounter", system, value) }

// MedicationRequestID returns the id that Map gives the MedicationRequest
// with the placer order number system|value (ORC-2), which RAS messages use
// to reference the order.
func MedicationRequestID(system, value string) string {
	return makeID("MedicationRequest", system, value)
}
