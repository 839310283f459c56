package report

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// Page sizes for Generator.PageSize.
const (
	PageLetter = "letter" // US Letter, 8.5 x 11 in (the default)
	PageA4     = "a4"     // ISO A4, 210 x 297 mm
)

// The printed MAR's window: from an hour ago (doses overdue but still
// within the hour's tolerance) to a day ahead.
const (
	marLookBack = time.Hour
	marAhead    = 24 * time.Hour
)

// criticalWindow is how far back the unit census lists critical results.
const criticalWindow = 72 * time.Hour

// DefaultWorkers is how many patients' charts a Generator reads at once
// when Workers is 0.
const DefaultWorkers = 4

// Generator renders the downtime reports. Charts, MAR and Now are required;
// Location defaults to time.Local. It implements lifeboat.ReportService:
// each report is rendered in full before any of it is written to w, so a
// failure leaves w untouched. A Generator is safe for concurrent use.
type Generator struct {
	Charts   lifeboat.ChartService
	MAR      lifeboat.MARService
	Now      func() time.Time
	Location *time.Location // the hospital's time zone, for every time printed
	PageSize string         // PageLetter (default) or PageA4
	Hospital string         // printed at the top of every page
	// Password, if set, encrypts every PDF with AES-256: it is needed to
	// open the file (printing is allowed once open).
	Password string
	Workers  int // charts read at once (DefaultWorkers if 0)
}

var _ lifeboat.ReportService = (*Generator)(nil)

// options are the settings of one run.
type options struct {
	now      time.Time
	loc      *time.Location
	size     string // fpdf's name: "Letter" or "A4"
	a4       bool
	hospital string
	password string
	workers  int
}

// options validates the Generator and fixes the time of a run.
func (g *Generator) options() (*options, error) {
	if g.Charts == nil || g.MAR == nil || g.Now == nil {
		return nil, lifeboat.Errorf(lifeboat.EINTERNAL, "The report generator is not configured.")
	}
	o := &options{loc: g.Location, hospital: firstNonEmpty(g.Hospital, "Lifeboat"), password: g.Password, workers: g.Workers}
	if o.loc == nil {
		o.loc = time.Local
	}
	o.now = g.Now().In(o.loc)
	switch g.PageSize {
	case "", PageLetter, "Letter":
		o.size = "Letter"
	case PageA4, "A4":
		o.size, o.a4 = "A4", true
	default:
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Unknown page size %q: use letter or a4.", g.PageSize)
	}
	if o.workers <= 0 {
		o.workers = DefaultWorkers
	}
	return o, nil
}

// patientData is what the reports show about one patient.
type patientData struct {
	row    lifeboat.CensusRow // from the unit census (zero outside one)
	banner lifeboat.Banner
	fresh  lifeboat.Freshness // of the chart, else of the census
	chart  *lifeboat.Chart    // nil if the chart could not be read
	mar    *lifeboat.MAR      // nil if not read
}

// unitData is one unit with its patients.
type unitData struct {
	census   *lifeboat.UnitCensus
	stem     string // file name stem
	patients []*patientData
}

// what a load needs to read about each patient.
const (
	needChart = 1 << iota
	needMAR
)

// loadPatients reads the charts (and MARs) of the patients of rows, with
// o.workers at a time. A patient whose chart is no longer found (discharged
// or merged since the census was read) keeps the census row alone.
func (g *Generator) loadPatients(ctx context.Context, o *options, rows []lifeboat.CensusRow, fresh lifeboat.Freshness, need int) ([]*patientData, error) {
	out := make([]*patientData, len(rows))
	for i, r := range rows {
		out[i] = &patientData{row: r, banner: bannerOf(r), fresh: fresh}
	}
	if need == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan *patientData)
	)
	for range min(o.workers, len(out)) {
		wg.Go(func() {
			for p := range next {
				if err := g.loadPatient(ctx, o, p, need); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, p := range out {
		if ctx.Err() != nil {
			break
		}
		next <- p
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return out, nil
}

// loadPatient reads one patient's chart and MAR into p.
func (g *Generator) loadPatient(ctx context.Context, o *options, p *patientData, need int) error {
	id := p.row.PatientID
	c, err := g.Charts.Chart(ctx, id)
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND && p.row.Name != "":
		return nil
	case err != nil:
		return fmt.Errorf("report: read chart: %w", err)
	}
	p.chart, p.banner, p.fresh = c, c.Banner, c.Freshness
	if need&needMAR == 0 {
		return nil
	}
	m, err := g.MAR.MAR(ctx, id, o.now.Add(-marLookBack), o.now.Add(marAhead))
	switch {
	case lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("report: read MAR: %w", err)
	}
	p.mar = m
	return nil
}

// bannerOf makes a banner from a census row, for a patient whose chart
// could not be read.
func bannerOf(r lifeboat.CensusRow) lifeboat.Banner {
	return lifeboat.Banner{
		PatientID: r.PatientID, Name: r.Name, MRN: r.MRN, BirthDate: r.BirthDate, Age: r.Age, Sex: r.Sex,
		Location: r.Bed, Attending: r.Attending, Admitted: r.Admitted, Allergies: r.Allergies,
		AllergyList: r.AllergyList, CodeStatus: r.CodeStatus, Isolation: r.Isolation,
	}
}

// loadUnit reads a unit's census and what need asks about its patients.
func (g *Generator) loadUnit(ctx context.Context, o *options, id string, need int) (*unitData, error) {
	uc, err := g.Charts.Unit(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("report: read unit: %w", err)
	}
	ps, err := g.loadPatients(ctx, o, uc.Rows, uc.Freshness, need)
	if err != nil {
		return nil, err
	}
	return &unitData{census: uc, stem: unitFileNames([]string{id}, []string{uc.Unit.Name})[id], patients: ps}, nil
}

// render runs the jobs, as many at once as there are CPUs, and returns the
// first error.
func render(jobs []func() error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, job := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := job(); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// finish encrypts a rendered PDF when a password is set.
func (o *options) finish(b []byte) ([]byte, error) {
	if o.password == "" {
		return b, nil
	}
	return encrypt(b, o.password)
}

// write renders one document with f and writes it to w.
func (g *Generator) write(w io.Writer, o *options, f func() ([]byte, error)) error {
	b, err := f()
	if err != nil {
		return err
	}
	if b, err = o.finish(b); err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

// HospitalReport writes the hospital census: every unit with its patients.
func (g *Generator) HospitalReport(ctx context.Context, w io.Writer) ([]string, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	census, units, err := g.loadCensus(ctx, o, 0)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, u := range units {
		ids = append(ids, patientIDs(u.patients)...)
	}
	return ids, g.write(w, o, func() ([]byte, error) { return hospitalCensus(o, census, units) })
}

// patientIDs lists the ids of the patients a report shows.
func patientIDs(ps []*patientData) []string {
	var ids []string
	for _, p := range ps {
		if p.row.PatientID != "" {
			ids = append(ids, p.row.PatientID)
		}
	}
	return ids
}

// loadCensus reads the hospital census and every unit's census, and what
// need asks about the patients.
func (g *Generator) loadCensus(ctx context.Context, o *options, need int) (*lifeboat.Census, []*unitData, error) {
	census, err := g.Charts.Census(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("report: read census: %w", err)
	}
	ids := make([]string, len(census.Units))
	names := make([]string, len(census.Units))
	for i, u := range census.Units {
		ids[i], names[i] = u.ID, u.Name
	}
	stems := unitFileNames(ids, names)
	units := make([]*unitData, 0, len(census.Units))
	var rows []lifeboat.CensusRow
	for _, u := range census.Units {
		uc, err := g.Charts.Unit(ctx, u.ID)
		if lifeboat.ErrorCode(err) == lifeboat.ENOTFOUND {
			continue // closed since the census was read
		} else if err != nil {
			return nil, nil, fmt.Errorf("report: read unit: %w", err)
		}
		units = append(units, &unitData{census: uc, stem: stems[u.ID]})
		rows = append(rows, uc.Rows...)
	}
	ps, err := g.loadPatients(ctx, o, rows, census.Freshness, need)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range units {
		u.patients, ps = ps[:len(u.census.Rows)], ps[len(u.census.Rows):]
	}
	return census, units, nil
}

// UnitReport writes one report of a unit: its census with pending and
// critical results, its patients' packs, or their label sheets.
func (g *Generator) UnitReport(ctx context.Context, w io.Writer, unitID string, kind lifeboat.ReportKind) ([]string, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	var need int
	switch kind {
	case lifeboat.ReportCensus:
		need = needChart
	case lifeboat.ReportPatients:
		need = needChart | needMAR
	case lifeboat.ReportLabels:
	default:
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Unknown report %q.", kind)
	}
	u, err := g.loadUnit(ctx, o, unitID, need)
	if err != nil {
		return nil, err
	}
	return patientIDs(u.patients), g.write(w, o, func() ([]byte, error) {
		switch kind {
		case lifeboat.ReportCensus:
			return unitCensus(o, u)
		case lifeboat.ReportPatients:
			return patientPacks(o, u.census.Unit.Name, u.patients)
		}
		return labelSheets(o, u.census.Unit.Name, u.patients)
	})
}

// PatientReport writes one patient's pack (face sheet, MAR, blank forms) or
// label sheet.
func (g *Generator) PatientReport(ctx context.Context, w io.Writer, patientID string, kind lifeboat.ReportKind) ([]string, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	need := needChart | needMAR
	switch kind {
	case lifeboat.ReportPatients:
	case lifeboat.ReportLabels:
		need = needChart
	default:
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Unknown report %q.", kind)
	}
	p := &patientData{row: lifeboat.CensusRow{PatientID: patientID}}
	if err := g.loadPatient(ctx, o, p, need); err != nil {
		return nil, err
	}
	return []string{patientID}, g.write(w, o, func() ([]byte, error) {
		if kind == lifeboat.ReportLabels {
			return labelSheets(o, "", []*patientData{p})
		}
		return patientPacks(o, "", []*patientData{p})
	})
}
