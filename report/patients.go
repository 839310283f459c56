package report

// patientPacks renders each patient's pack in turn: face sheet, MAR for the
// next 24 hours, and the blank medication, vital signs and progress note
// forms. Each patient starts on a new page and has a bookmark.
func patientPacks(o *options, unit string, ps []*patientData) ([]byte, error) {
	d := newDoc(o, "P")
	for _, p := range ps {
		d.faceSheet(o, unit, p)
		d.marPages(o, unit, p)
		d.medicationForm(unit, p)
		d.vitalsForm(unit, p)
		d.notesForm(unit, p)
	}
	if len(ps) == 0 {
		d.newPage(pageInfo{title: "Patients", sub: unit})
		d.none("No patients.")
	}
	return d.bytes()
}
