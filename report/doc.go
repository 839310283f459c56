// Package report renders Lifeboat's printed downtime pack as PDF: the
// hospital and unit census with pending and critical results, per patient a
// face sheet, the MAR for the next 24 hours as a grid to initial on paper
// and pre-filled blank downtime forms, and sheets of patient labels with a
// Code 128 barcode of the MRN.
//
// A Generator reads the views through lifeboat.ChartService and
// lifeboat.MARService and writes whole packs (Pack, WriteDir) or single
// reports to an io.Writer (it implements lifeboat.ReportService). A
// Scheduler regenerates the hospital's pack on a schedule into an output
// folder: each set is written in full to a temporary folder, synced and
// renamed into place, manifest.json names the last good set, older sets are
// removed, and each new set may be printed through CUPS lp. A failed run
// never replaces the last good set.
//
// Every page says when it was generated and how fresh its data was, its
// page number of the file's total, and that it holds protected health
// information; every patient page carries the patient's name, MRN and birth
// date. Text uses the PDF core fonts (Helvetica) in the cp1252 encoding;
// letters outside it print without their accents (Ł as L), never as gaps.
package report
