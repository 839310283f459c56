// Package bulk is Lifeboat's FHIR R4 Bulk Data Access client: it kicks off
// an $export on the hospital's FHIR server (system, Group or Patient level,
// incremental with _since), polls its status, streams the NDJSON output
// files to a Sink and applies the deleted resources the server reports.
// Syncer runs one sync of a configured source and keeps its progress in a
// lifeboat.SyncStateStore, so a sync killed half way resumes the same export
// and imports only the files it had not finished.
//
// SMART authenticates to the server with SMART Backend Services
// (client_credentials with a signed JWT assertion); the key helpers generate
// the key pair, store it as PEM and print the public JWK Set to register with
// the EHR.
//
// Nothing in this package logs or returns resource content: errors carry
// HTTP status codes, OperationOutcome issue codes and URLs without their
// query strings.
package bulk
