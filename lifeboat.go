// Package lifeboat holds the domain types and service interfaces of Lifeboat,
// the independent downtime system that keeps a hospital's clinical data
// readable and writable when its EHR or workstations are down.
//
// Adapters (sqlite, fhir, http, chart, simulate, ...) each live in their own
// package, import only this one, and are wired together in cmd/lifeboat.
package lifeboat

import "time"

// Version is the Lifeboat release, set at build time with -ldflags.
var Version = "0.1.0-dev"

// Clock returns the current time; services take one so tests can fix time.
type Clock func() time.Time
