package fhir

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// format is how an input file is read.
type format int

const (
	formatJSON   format = iota // a Bundle or a lone resource
	formatNDJSON               // one resource per line
)

// input is one file to import. Its name may contain patient names: it goes
// only into Source.Ref, never into logs or returned errors.
type input struct {
	path       string
	name       string // base name
	format     format
	typ        string       // resource type from the file name or manifest, if known
	rank       int          // import order group, see rankOf
	hasPatient bool         // a JSON input holding a Patient (set by the pre-scan)
	keys       []string     // "Type/id" of each entry, by ordinal (set by the pre-scan)
	superseded map[int]bool // entry ordinals that a later entry of the import replaces
	err        error        // the input could not be listed or opened
	reader     io.Reader    // a stream to read instead of path
}

// collectInputs expands the import paths into input files: files as given,
// directories as Bulk Data $export folders (see inputsInDir).
func collectInputs(paths []string) []input {
	var ins []input
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			ins = append(ins, input{path: p, name: filepath.Base(p), err: errors.New("cannot open file")})
		case fi.IsDir():
			ins = append(ins, inputsInDir(p)...)
		default:
			ins = append(ins, fileInput(p, true))
		}
	}
	return ins
}

// fileInput classifies a file by its name. explicit files of unknown
// extension are read as JSON; in a directory they are not taken.
func fileInput(p string, explicit bool) input {
	in := input{path: p, name: filepath.Base(p), format: -1}
	base := strings.TrimSuffix(strings.ToLower(in.name), ".gz")
	switch {
	case strings.HasSuffix(base, ".ndjson"), strings.HasSuffix(base, ".jsonl"):
		in.format = formatNDJSON
		in.typ = typePrefix(in.name)
	case strings.HasSuffix(base, ".json"), explicit:
		in.format = formatJSON
	}
	return in
}

// typePrefix returns the resource type a file name starts with
// ("Patient.000.ndjson", "Patient-1.ndjson"), or "".
func typePrefix(name string) string {
	i := 0
	for i < len(name) && ('a' <= name[i] && name[i] <= 'z' || 'A' <= name[i] && name[i] <= 'Z') {
		i++
	}
	return resourceTypes[name[:i]]
}

// inputsInDir lists the files of a Bulk Data $export folder (not recursive).
// If it holds a manifest (a JSON object with an "output" array of {type,
// url}), the files it names are taken; otherwise every *.ndjson[.gz] file
// whose name starts with a resource type (so "log.ndjson" is skipped) and
// every *.json[.gz] file (bundles or lone resources).
func inputsInDir(dir string) []input {
	des, err := os.ReadDir(dir)
	if err != nil {
		return []input{{path: dir, name: filepath.Base(dir), err: errors.New("cannot read directory")}}
	}
	var ins []input
	var manifest []input
	haveManifest := false
	for _, de := range des {
		if de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		in := fileInput(filepath.Join(dir, de.Name()), false)
		switch in.format {
		case formatNDJSON:
			if in.typ == "" {
				continue // e.g. log.ndjson, a Bulk export log
			}
		case formatJSON:
			if out, ok := readManifest(in.path); ok {
				haveManifest = true
				manifest = append(manifest, manifestInputs(dir, out)...)
				continue
			}
		default:
			continue
		}
		ins = append(ins, in)
	}
	if haveManifest {
		return manifest
	}
	return ins
}

// manifestOutput is one file of a Bulk Data manifest.
type manifestOutput struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// readManifest reports whether the JSON file at p is a Bulk Data manifest
// and returns its output list. It stops at a resourceType member.
func readManifest(p string) ([]manifestOutput, bool) {
	rc, err := openPath(p)
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []manifestOutput
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch tok {
		case "resourceType":
			return nil, false
		case "output":
			if dec.Decode(&out) != nil {
				return nil, false
			}
			found = true
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil, false
			}
		}
	}
	return out, found
}

// manifestInputs maps manifest outputs to files in dir: a url is a file name
// relative to dir, or a URL whose last path element is the file name.
func manifestInputs(dir string, out []manifestOutput) []input {
	var ins []input
	for _, o := range out {
		name := o.URL
		if u, err := url.Parse(o.URL); err == nil && u.Path != "" {
			name = path.Base(u.Path)
		}
		name = filepath.Base(filepath.FromSlash(name))
		in := fileInput(filepath.Join(dir, name), true)
		in.format = formatNDJSON // Bulk Data output files are always NDJSON
		if t := resourceTypes[o.Type]; t != "" {
			in.typ = t
		}
		ins = append(ins, in)
	}
	return ins
}

// openPath opens a file, decompressing it if its name ends in ".gz".
func openPath(p string) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "cannot open file")
	}
	if !strings.HasSuffix(strings.ToLower(p), ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "not a gzip file")
	}
	return gzipFile{zr, f}, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	g.Reader.Close()
	return g.f.Close()
}

// ndjsonRank orders NDJSON files by type so that shared resources come
// before the resources that reference them.
var ndjsonRank = map[string]int{
	"Organization": 0, "Location": 1, "Practitioner": 2, "PractitionerRole": 3,
	"Medication": 4, "Patient": 6, "Encounter": 7,
}

// Ranks of the other inputs.
const (
	rankSharedJSON  = 5 // bundles and resources without a Patient
	rankOtherNDJSON = 8
	rankPatientJSON = 9 // bundles holding a Patient
)

func rankOf(in *input) int {
	if in.format == formatNDJSON {
		if r, ok := ndjsonRank[in.typ]; ok {
			return r
		}
		return rankOtherNDJSON
	}
	if in.hasPatient {
		return rankPatientJSON
	}
	return rankSharedJSON
}

// orderInputs sorts inputs into import order (stable within a rank).
func orderInputs(ins []input) {
	for i := range ins {
		ins[i].rank = rankOf(&ins[i])
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].rank < ins[j].rank })
}

// readInput reads every entry of an input.
func readInput(in *input, fn func(*Entry) error) error {
	if in.reader != nil {
		return ReadNDJSON(in.reader, fn)
	}
	rc, err := openPath(in.path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if in.format == formatNDJSON {
		return ReadNDJSON(rc, fn)
	}
	return ReadJSON(rc, fn)
}
