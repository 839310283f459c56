package ehr

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// level is the kind of export.
type level int

const (
	levelSystem level = iota
	levelPatient
	levelGroup
)

// outputFormats are the accepted _outputFormat values.
var outputFormats = []string{"application/fhir+ndjson", "application/ndjson", "ndjson"}

// deletedPerBundle is the most deletions in one Bundle of a deleted file.
const deletedPerBundle = 100

// exportReq is a validated kick-off request.
type exportReq struct {
	level    level
	group    string
	types    []string // requested types; nil for every type the grant allows
	since    time.Time
	hasSince bool
	warnings []string // parameters ignored under Prefer: handling=lenient
	request  string
	grant    *grant
}

// job is one export: a snapshot taken at kick-off.
type job struct {
	id       string
	client   string
	request  string
	tx       time.Time
	created  time.Time // by the server's clock
	ready    int       // status polls answered 202 before the manifest
	fail     bool
	hasSince bool
	polls    atomic.Int64
	output   []*file
	deleted  []*file
	errors   []*file
	files    map[string]*file
}

// file is one NDJSON output file: lines that are never changed.
type file struct {
	name, typ string
	lines     [][]byte
	size      int64
}

func (f *file) add(line []byte) {
	f.lines = append(f.lines, line)
	f.size += int64(len(line))
}

// kickoff handles an export kick-off request at one level.
func (s *Server) kickoff(lv level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			outcome(w, http.StatusMethodNotAllowed, "not-supported", "Export is kicked off with GET; POST with Parameters is not supported.")
			return
		}
		g, err := s.bearer(r)
		if err != nil {
			fail(w, err)
			return
		}
		req, err := s.parseExport(r, lv, g)
		if err != nil {
			fail(w, err)
			return
		}
		if k := s.opts.Faults.KickoffEvery; k > 0 && s.kickoffN.Add(1)%int64(k) == 0 {
			w.Header().Set("Retry-After", s.retryAfter())
			outcome(w, http.StatusTooManyRequests, "throttled", "Too many exports; try again later.")
			return
		}
		j, n, err := s.startExport(req)
		if err != nil {
			fail(w, err)
			return
		}
		s.log.Info("ehr: export started", "job", j.id, "level", lv.String(), "resources", n, "files", len(j.output), "since", req.hasSince)
		w.Header().Set("Content-Location", s.base(r)+FHIRPath+"/bulk/"+j.id)
		outcome(w, http.StatusAccepted, "informational", "The export has started.")
	}
}

func (lv level) String() string { return [...]string{"system", "patient", "group"}[lv] }

// parseExport validates a kick-off request.
func (s *Server) parseExport(r *http.Request, lv level, g *grant) (*exportReq, error) {
	req := &exportReq{level: lv, group: r.PathValue("id"), request: s.base(r) + r.URL.RequestURI(), grant: g}
	async, lenient := false, false
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ';' }) {
			switch strings.ToLower(strings.TrimSpace(p)) {
			case "respond-async":
				async = true
			case "handling=lenient":
				lenient = true
			}
		}
	}
	if !async {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Export needs the header Prefer: respond-async.")
	}
	if a := r.Header.Get("Accept"); a != "" && !strings.Contains(a, "application/fhir+json") &&
		!strings.Contains(a, "application/json") && !strings.Contains(a, "*/*") {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "Export answers in application/fhir+json only.")
	}
	reject := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if lenient {
			req.warnings = append(req.warnings, msg)
			return nil
		}
		return lifeboat.Errorf(lifeboat.EINVALID, "%s", msg)
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s.mu.RLock()
	known := maps.Clone(s.st.typeIdx)
	s.mu.RUnlock()
	for _, k := range keys {
		vs := q[k]
		switch k {
		case "_type":
			req.types = []string{}
			for _, v := range vs {
				for _, t := range strings.Split(v, ",") {
					t = strings.TrimSpace(t)
					if t == "" || slices.Contains(req.types, t) {
						continue
					}
					if _, ok := known[t]; !ok {
						if err := reject("The resource type %q is not supported.", clip(t)); err != nil {
							return nil, err
						}
						continue
					}
					req.types = append(req.types, t)
				}
			}
		case "_since":
			if len(vs) != 1 {
				return nil, lifeboat.Errorf(lifeboat.EINVALID, "_since may be given once.")
			}
			// A '+' in a time zone offset arrives as a space when not escaped.
			t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(vs[0], " ", "+"))
			if err != nil {
				return nil, lifeboat.Errorf(lifeboat.EINVALID, "_since must be a FHIR instant such as 2024-07-19T04:09:00Z.")
			}
			req.since, req.hasSince = t, true
		case "_outputFormat":
			for _, v := range vs {
				if !slices.Contains(outputFormats, v) {
					return nil, lifeboat.Errorf(lifeboat.EINVALID, "The output format %q is not supported; use application/fhir+ndjson.", clip(v))
				}
			}
		case "_typeFilter", "_elements", "includeAssociatedData", "patient", "_outputOrganizedBy":
			if err := reject("The parameter %s is not supported.", k); err != nil {
				return nil, err
			}
		default:
			if err := reject("The parameter %q is not known.", clip(k)); err != nil {
				return nil, err
			}
		}
	}
	if g != nil && g.types != nil {
		if req.types == nil {
			for t := range g.types {
				req.types = append(req.types, t)
			}
		}
		for _, t := range req.types {
			if !g.allows(t) {
				return nil, lifeboat.Errorf(lifeboat.EFORBIDDEN, "The access token does not allow reading %s.", t)
			}
		}
	}
	return req, nil
}

// clip shortens what a client sent before it is echoed in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// startExport snapshots what the request matches and registers the job.
func (s *Server) startExport(req *exportReq) (*job, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var mask []bool
	if req.level == levelGroup {
		m, _, err := st.group(req.group)
		if err != nil {
			return nil, 0, err
		}
		mask = m
	}
	now := s.now()
	tx := now.Truncate(time.Millisecond)
	if s.lastStamp.After(tx) {
		tx = s.lastStamp
	}
	if tx.After(s.lastTx) {
		s.lastTx = tx
	}
	s.jobSeq++
	j := &job{id: fmt.Sprintf("%016x", mix(s.seed^0x65687221+s.jobSeq*0x9e3779b97f4a7c15)), request: req.request,
		tx: tx, created: now, hasSince: req.hasSince, files: map[string]*file{}}
	if req.grant != nil {
		j.client = req.grant.client
	}
	switch n := s.opts.ReadyAfterPolls; {
	case n == 0:
		j.ready = 1
	case n > 0:
		j.ready = n
	}
	j.fail = s.opts.Faults.FailEvery > 0 && s.jobSeq%uint64(s.opts.Faults.FailEvery) == 0

	wanted := make([]bool, len(st.types))
	for i := range st.types {
		wanted[i] = req.types == nil
	}
	for _, t := range req.types {
		wanted[st.typeIdx[t]] = true
	}
	total := 0
	per := s.opts.FileResources
	for t, l := range st.byType {
		if !wanted[t] {
			continue
		}
		var cur *file
		k := 0
		for _, e := range l {
			if mask != nil && e.pat >= 0 && !mask[e.pat] || req.hasSince && !e.updated.After(req.since) {
				continue
			}
			if cur == nil || len(cur.lines) == per {
				k++
				cur = &file{name: st.types[t] + "-" + strconv.Itoa(k) + ".ndjson", typ: st.types[t],
					lines: make([][]byte, 0, min(per, len(l)))}
				j.output = append(j.output, cur)
				j.files[cur.name] = cur
			}
			cur.add(e.line)
			total++
		}
	}
	if req.hasSince {
		var urls []string
		for _, d := range st.dels {
			if d.at.After(req.since) && wanted[d.typ] && (mask == nil || d.pat < 0 || int(d.pat) < len(mask) && mask[d.pat]) {
				urls = append(urls, st.types[d.typ]+"/"+d.id)
			}
		}
		if len(urls) > 0 {
			f := &file{name: "deleted-1.ndjson", typ: "Bundle"}
			for i := 0; i < len(urls); i += deletedPerBundle {
				f.add(deletedBundle(fmt.Sprintf("%s-deleted-%d", j.id, i/deletedPerBundle+1), tx, urls[i:min(i+deletedPerBundle, len(urls))]))
			}
			j.deleted = append(j.deleted, f)
			j.files[f.name] = f
		}
	}
	if len(req.warnings) > 0 {
		f := &file{name: "errors-1.ndjson", typ: "OperationOutcome"}
		for _, w := range req.warnings {
			line := encode(object{{"resourceType", encode("OperationOutcome")},
				{"issue", encode([]any{map[string]string{"severity": "warning", "code": "not-supported", "diagnostics": w}})}})
			f.add(append(line, '\n'))
		}
		j.errors = append(j.errors, f)
		j.files[f.name] = f
	}
	s.addJob(j)
	s.exports.Add(1)
	return j, total, nil
}

// deletedBundle is one line of a deleted file: a transaction Bundle of
// DELETE entries.
func deletedBundle(id string, tx time.Time, urls []string) []byte {
	entries := make([]object, len(urls))
	for i, u := range urls {
		entries[i] = object{{"request", encode(object{{"method", encode("DELETE")}, {"url", encode(u)}})}}
	}
	b := object{{"resourceType", encode("Bundle")}, {"id", encode(id)},
		{"meta", encode(object{{"lastUpdated", encode(instant(tx))}})},
		{"type", encode("transaction")}, {"entry", encode(entries)}}.appendTo(nil)
	return append(b, '\n')
}

// addJob registers a job, dropping expired ones and the oldest when there
// are too many.
func (s *Server) addJob(j *job) {
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	for len(s.order) > 0 && (len(s.order) >= s.opts.MaxJobs || j.created.Sub(s.jobs[s.order[0]].created) > filesExpire) {
		delete(s.jobs, s.order[0])
		s.order = s.order[1:]
	}
	s.jobs[j.id] = j
	s.order = append(s.order, j.id)
}

// job returns the export a status or file request names, checking the
// access token and, with authorization on, that it is the same client's.
func (s *Server) job(r *http.Request) (*job, error) {
	g, err := s.bearer(r)
	if err != nil {
		return nil, err
	}
	s.jobsMu.Lock()
	j := s.jobs[r.PathValue("job")]
	s.jobsMu.Unlock()
	if j == nil || g != nil && j.client != g.client {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "This export does not exist or was deleted.")
	}
	return j, nil
}

// dropJob removes an export.
func (s *Server) dropJob(id string) {
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	delete(s.jobs, id)
	if i := slices.Index(s.order, id); i >= 0 {
		s.order = slices.Delete(s.order, i, i+1)
	}
}

// mix is the splitmix64 finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
