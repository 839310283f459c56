package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// File is one PDF of a pack.
type File struct {
	Name string              // e.g. "4-west-census.pdf"; never patient data
	Unit string              // the unit's id ("" for the hospital census or a patient)
	Kind lifeboat.ReportKind // what it holds
	Data []byte              // the PDF, encrypted when the Generator has a password
}

// Pack is a set of downtime reports made at one time.
type Pack struct {
	Generated time.Time // when it was made, in the hospital's zone
	DataAsOf  time.Time // when data was last received (zero if never)
	Stale     bool      // the data was older than the freshness threshold
	Files     []File
}

// Size returns the total size of the pack's files.
func (p *Pack) Size() int64 {
	var n int64
	for _, f := range p.Files {
		n += int64(len(f.Data))
	}
	return n
}

// Pack makes the whole hospital's pack: hospital-census.pdf, and for each
// unit <unit>-census.pdf (its census with pending and critical results)
// and, when it has patients, <unit>-patients.pdf (per patient: face sheet,
// MAR for the next 24 hours, blank forms) and <unit>-labels.pdf.
func (g *Generator) Pack(ctx context.Context) (*Pack, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	census, units, err := g.loadCensus(ctx, o, needChart|needMAR)
	if err != nil {
		return nil, err
	}
	b := &builder{o: o, pack: &Pack{Generated: o.now, DataAsOf: census.Freshness.AsOf, Stale: census.Freshness.Stale}}
	b.add("hospital-census.pdf", "", lifeboat.ReportCensus, func() ([]byte, error) { return hospitalCensus(o, census, units) })
	for _, u := range units {
		b.addUnit(u)
	}
	return b.run()
}

// UnitPack makes one unit's files, named as in Pack.
func (g *Generator) UnitPack(ctx context.Context, unitID string) (*Pack, error) {
	o, err := g.options()
	if err != nil {
		return nil, err
	}
	u, err := g.loadUnit(ctx, o, unitID, needChart|needMAR)
	if err != nil {
		return nil, err
	}
	b := &builder{o: o, pack: &Pack{Generated: o.now, DataAsOf: u.census.Freshness.AsOf, Stale: u.census.Freshness.Stale}}
	b.addUnit(u)
	return b.run()
}

// builder collects the files of a pack and the jobs that render them.
type builder struct {
	o    *options
	pack *Pack
	jobs []func() error
}

// add adds a file that f renders.
func (b *builder) add(name, unit string, kind lifeboat.ReportKind, f func() ([]byte, error)) {
	b.pack.Files = append(b.pack.Files, File{Name: name, Unit: unit, Kind: kind})
	i := len(b.pack.Files) - 1
	b.jobs = append(b.jobs, func() error {
		data, err := f()
		if err == nil {
			data, err = b.o.finish(data)
		}
		b.pack.Files[i].Data = data
		return err
	})
}

// addUnit adds a unit's files.
func (b *builder) addUnit(u *unitData) {
	o, id, name := b.o, u.census.Unit.ID, u.census.Unit.Name
	b.add(u.stem+"-census.pdf", id, lifeboat.ReportCensus, func() ([]byte, error) { return unitCensus(o, u) })
	if len(u.patients) == 0 {
		return
	}
	b.add(u.stem+"-patients.pdf", id, lifeboat.ReportPatients, func() ([]byte, error) { return patientPacks(o, name, u.patients) })
	b.add(u.stem+"-labels.pdf", id, lifeboat.ReportLabels, func() ([]byte, error) { return labelSheets(o, name, u.patients) })
}

// run renders every file.
func (b *builder) run() (*Pack, error) {
	if err := render(b.jobs); err != nil {
		return nil, err
	}
	return b.pack, nil
}

// WriteDir writes the pack's files into dir (made if missing), each synced
// to disk. It replaces files of the same names; for an all-or-nothing set
// use a Scheduler.
func (p *Pack) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("report: make output folder: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(p.Files))
	for i, f := range p.Files {
		wg.Go(func() { errs[i] = writeFile(filepath.Join(dir, f.Name), f.Data) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// writeFile writes b to path through a temporary file in the same folder,
// synced, then renamed into place.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("report: write file: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o640)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("report: write file: %w", err)
	}
	return nil
}

// syncDir syncs a folder, so that the names in it are on disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("report: sync folder: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("report: sync folder: %w", err)
	}
	return nil
}
