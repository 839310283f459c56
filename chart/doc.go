// Package chart builds Lifeboat's clinician views (the hospital census, a
// unit's census, a patient's chart summary with its MAR, and patient search)
// from FHIR R4 resources as stored, following docs/DATA-MODEL.md.
//
// Most of the package is pure builders: BuildChart, BuildMAR, BuildCensus,
// BuildUnitCensus, BuildMatches, Admissions and DueNextHour take the time
// now and a slice of *lifeboat.Resource and return the lifeboat view types;
// they decode only the elements they show, skip resources that do not
// decode, and never fail. A Directory holds the Locations, Practitioners and
// Medications they resolve references with. Service implements
// lifeboat.ChartService on top of a lifeboat.ResourceStore by querying it
// and calling the builders.
//
// All local times (ages, MAR due times, dates without a zone) are in the
// location of the now passed to a builder; Service passes its Location.
package chart
