package main

// Facts about the Synthea fixtures in testdata/synthea, used by the tests.
const (
	fixtureFamily    = "Kreiger"
	fixtureGiven     = "Clemente"
	fixtureMRN       = "1484a42d-0eaf-4654-9cbf-6b050a5cd73b"
	fixtureBirthDate = "1984-07-02"
)
