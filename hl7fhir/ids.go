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
	buf := make([]byte, 0, 64)
	buf = append(buf, typ...)
	for _, p := range parts {
		buf = append(buf, 0)
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	out := make([]byte, 4, 24)
	copy(out, "hl7-")
	out = hex.AppendEncode(out, sum[:10])
	return string(out)
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
