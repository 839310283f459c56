// Package integration holds tests that run Lifeboat's packages together on
// real parts: the encrypted SQLite store, the FHIR importer, the chart
// service and the demo hospital. It has no code of its own.
package integration
