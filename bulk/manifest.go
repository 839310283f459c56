package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// maxManifest bounds the size of a completion manifest.
const maxManifest = 32 << 20

// maxLine bounds one line of a deleted or error file; longer lines are
// skipped and counted as invalid.
const maxLine = 8 << 20

// Manifest is an export's completion manifest.
type Manifest struct {
	// TransactionTime is the server's time when the export ran: the
	// _since of the next incremental export.
	TransactionTime time.Time
	// Request is the kick-off URL as the server recorded it.
	Request string
	// RequiresAccessToken says the files need the bearer token.
	RequiresAccessToken bool
	// Output are the NDJSON files of resources, one type per file.
	Output []File
	// Error are NDJSON files of OperationOutcomes about the export.
	Error []File
	// Deleted are NDJSON files of transaction Bundles whose entries
	// name deleted resources.
	Deleted []File
}

// File is one file item of a manifest.
type File struct {
	Type  string // resource type in the file
	URL   string // absolute URL
	Count int64  // number of resources, if the server said (else 0)
}

type rawManifest struct {
	TransactionTime     *string   `json:"transactionTime"`
	Request             string    `json:"request"`
	RequiresAccessToken bool      `json:"requiresAccessToken"`
	Output              []rawFile `json:"output"`
	Error               []rawFile `json:"error"`
	Deleted             []rawFile `json:"deleted"`
}

type rawFile struct {
	Type  string  `json:"type"`
	URL   string  `json:"url"`
	Count float64 `json:"count"`
}

// ParseManifest reads a completion manifest. It requires a transactionTime
// (a FHIR instant) and, in every file item, a resource type and an
// absolute http(s) URL.
func ParseManifest(r io.Reader) (*Manifest, error) {
	var raw rawManifest
	dec := json.NewDecoder(io.LimitReader(r, maxManifest))
	if err := dec.Decode(&raw); err != nil {
		return nil, invalidManifest("not a JSON object")
	}
	if raw.TransactionTime == nil {
		return nil, invalidManifest("no transactionTime")
	}
	tt, err := parseInstant(*raw.TransactionTime)
	if err != nil {
		return nil, invalidManifest("transactionTime is not a FHIR instant")
	}
	m := &Manifest{TransactionTime: tt, Request: raw.Request, RequiresAccessToken: raw.RequiresAccessToken}
	for _, l := range []struct {
		name string
		raw  []rawFile
		out  *[]File
	}{{"output", raw.Output, &m.Output}, {"error", raw.Error, &m.Error}, {"deleted", raw.Deleted, &m.Deleted}} {
		for i, f := range l.raw {
			if !validType(f.Type) {
				return nil, invalidManifest(fmt.Sprintf("%s[%d] has no valid type", l.name, i))
			}
			u, err := url.Parse(f.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, invalidManifest(fmt.Sprintf("%s[%d] has no absolute http(s) url", l.name, i))
			}
			if f.Count < 0 || f.Count > 1<<53 {
				return nil, invalidManifest(fmt.Sprintf("%s[%d] has an invalid count", l.name, i))
			}
			*l.out = append(*l.out, File{Type: f.Type, URL: f.URL, Count: int64(f.Count)})
		}
	}
	return m, nil
}

func invalidManifest(why string) error {
	return lifeboat.Errorf(lifeboat.EINVALID, "The export manifest is not valid: %s.", why)
}

// parseInstant reads a FHIR instant: an RFC 3339 time with seconds and a
// time zone, not before 1970 (an earlier one is a server's zero value).
func parseInstant(s string) (time.Time, error) {
	if len(s) < len("2006-01-02T15:04:05Z") || len(s) > 64 {
		return time.Time{}, errors.New("not an instant")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 1970 {
		return time.Time{}, errors.New("instant before 1970")
	}
	return t, nil
}

// Deleted is a resource the server reports deleted.
type Deleted struct {
	Type string
	ID   string
	// When is the entry's response.lastModified if it has one, else the
	// manifest's transactionTime.
	When time.Time
}

// DeletedStats counts what ReadDeleted skipped.
type DeletedStats struct {
	Lines   int64 // bundles read
	Invalid int64 // lines that were not a Bundle, and entries without a DELETE of "Type/id"
}

// ReadDeleted reads a deleted file (NDJSON of transaction Bundles whose
// entries have request.method DELETE and request.url "Type/id") and calls
// fn for each deleted resource. when is the time given to entries without
// response.lastModified. Lines and entries it cannot read are counted and
// skipped; an error is returned only for a failed read or from fn.
func ReadDeleted(r io.Reader, when time.Time, fn func(Deleted) error) (DeletedStats, error) {
	var st DeletedStats
	err := eachLine(r, func(line []byte) error {
		if line == nil {
			st.Invalid++
			return nil
		}
		st.Lines++
		var b deletedBundle
		if json.Unmarshal(line, &b) != nil || b.ResourceType != "Bundle" {
			st.Invalid++
			return nil
		}
		for _, e := range b.Entry {
			d, ok := e.deleted(when)
			if !ok {
				st.Invalid++
				continue
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

type deletedBundle struct {
	ResourceType string         `json:"resourceType"`
	Entry        []deletedEntry `json:"entry"`
}

type deletedEntry struct {
	Request *struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response *struct {
		LastModified string `json:"lastModified"`
	} `json:"response"`
}

// deleted returns the resource the entry deletes, if it is a DELETE of
// "Type/id" (relative, or absolute ending in Type/id, without _history).
func (e *deletedEntry) deleted(when time.Time) (Deleted, bool) {
	if e.Request == nil || !strings.EqualFold(e.Request.Method, "DELETE") {
		return Deleted{}, false
	}
	typ, id, ok := splitRef(e.Request.URL)
	if !ok {
		return Deleted{}, false
	}
	d := Deleted{Type: typ, ID: id, When: when}
	if e.Response != nil && e.Response.LastModified != "" {
		if t, err := parseInstant(e.Response.LastModified); err == nil {
			d.When = t
		}
	}
	return d, true
}

// splitRef splits "Type/id", or a URL whose path ends in Type/id, into
// its type and id.
func splitRef(ref string) (typ, id string, ok bool) {
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	ref = strings.TrimSuffix(ref, "/")
	i := strings.LastIndexByte(ref, '/')
	if i <= 0 {
		return "", "", false
	}
	id = ref[i+1:]
	rest := ref[:i]
	typ = rest[strings.LastIndexByte(rest, '/')+1:]
	if !validType(typ) || !lifeboat.ValidID(id) {
		return "", "", false
	}
	return typ, id, true
}

// Outcomes summarises error files: how many OperationOutcome issues they
// hold, per issue code.
type Outcomes struct {
	Issues  int64            // issues in all
	Codes   map[string]int64 // issues per code ("unknown" for codes that are not)
	Invalid int64            // lines that were not an OperationOutcome
}

// ReadOutcomes reads an error file (NDJSON of OperationOutcomes) into o.
// Only issue codes are kept, never the outcome's text.
func ReadOutcomes(r io.Reader, o *Outcomes) error {
	if o.Codes == nil {
		o.Codes = map[string]int64{}
	}
	return eachLine(r, func(line []byte) error {
		var oo operationOutcome
		if line == nil || json.Unmarshal(line, &oo) != nil || oo.ResourceType != "OperationOutcome" {
			o.Invalid++
			return nil
		}
		for _, is := range oo.Issue {
			c := safeCode(is.Code)
			if c == "" {
				c = "unknown"
			}
			o.Issues++
			o.Codes[c]++
		}
		return nil
	})
}

var bom = []byte("\xef\xbb\xbf")

// eachLine calls fn with each non-blank line of r (without its line end).
// A line longer than maxLine is skipped and reported to fn as nil.
func eachLine(r io.Reader, fn func(line []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(long)+len(chunk) > maxLine {
					tooLong, long = true, nil
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		if tooLong {
			tooLong = false
			if e := fn(nil); e != nil {
				return e
			}
		} else if len(line) > maxLine {
			if e := fn(nil); e != nil {
				return e
			}
		} else if line = bytes.TrimSpace(bytes.TrimPrefix(line, bom)); len(line) > 0 {
			if e := fn(line); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}
