package hl7fhir

// TestMessages lends testMessages to the external tests (package
// hl7fhir_test).
var TestMessages = testMessages
