package report

// The blank downtime forms: printed with the patient's identification on
// every page, filled in by hand during a downtime, and entered into the
// record afterwards.

// formRows fills the rest of the page with blank rows of height h.
func (d *doc) formRows(cols []column, h float64) {
	header := 28.0
	n := int((d.bottom() - d.y() - header - 4) / h)
	rows := make([][]cell, max(n, 1))
	d.table(cols, rows, h)
}

// medicationForm is a blank medication administration record.
func (d *doc) medicationForm(unit string, p *patientData) {
	d.newPage(patientInfo("Downtime medication administration form", unit, p))
	d.paragraph("", sizeBody, "Record every dose given during the downtime, one per line. Check the patient's identity and allergies first. Enter in the record when systems return.")
	d.formRows([]column{{title: "Date and time", w: 0.15}, {title: "Medication", w: 0.27}, {title: "Dose", w: 0.1}, {title: "Route / site", w: 0.12},
		{title: "Initials", w: 0.09}, {title: "Not given: reason / comments", w: 0.27}}, 30)
}

// vitalsForm is a blank vital signs flowsheet.
func (d *doc) vitalsForm(unit string, p *patientData) {
	d.newPage(patientInfo("Downtime vital signs flowsheet", unit, p))
	d.paragraph("", sizeBody, "Record each set of vital signs on one line. Escalate abnormal values as usual. Enter in the record when systems return.")
	d.formRows([]column{{title: "Date and time", w: 0.14}, {title: "BP (mmHg)", w: 0.11}, {title: "Heart rate", w: 0.09},
		{title: "Resp. rate", w: 0.09}, {title: "Temp.", w: 0.08}, {title: "SpO2 (%)", w: 0.08}, {title: "O2 / device", w: 0.11},
		{title: "Pain (0-10)", w: 0.08}, {title: "Initials", w: 0.08}, {title: "Notes", w: 0.14}}, 28)
}

// notesForm is a blank progress note page.
func (d *doc) notesForm(unit string, p *patientData) {
	d.newPage(patientInfo("Downtime progress notes", unit, p))
	d.paragraph("", sizeBody, "Date and time each entry; sign it with your name and role. Enter in the record when systems return.")
	d.formRows([]column{{title: "Date and time", w: 0.16}, {title: "Note (sign each entry: name, role)", w: 0.84}}, 24)
}
