package ehr

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// filesExpire is how long the manifest says files stay available.
const filesExpire = time.Hour

// handleStatus answers status polls and deletes exports.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	j, err := s.job(r)
	if err != nil {
		fail(w, err)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.dropJob(j.id)
		s.log.Info("ehr: export deleted", "job", j.id)
		outcome(w, http.StatusAccepted, "informational", "The export was deleted.")
		return
	case http.MethodGet, http.MethodHead:
	default:
		w.Header().Set("Allow", "GET, DELETE")
		outcome(w, http.StatusMethodNotAllowed, "not-supported", "A status address answers GET and DELETE.")
		return
	}
	f := s.opts.Faults
	if f.StatusEvery > 0 && s.statusN.Add(1)%int64(f.StatusEvery) == 0 {
		s.fault(w, f.StatusCode, http.StatusTooManyRequests)
		return
	}
	s.polls.Add(1)
	if n := j.polls.Add(1); n <= int64(j.ready) {
		w.Header().Set("Retry-After", s.retryAfter())
		w.Header().Set("X-Progress", fmt.Sprintf("%d%% (in progress)", 100*n/int64(j.ready+1)))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if j.fail {
		outcome(w, http.StatusInternalServerError, "exception", "The export failed; start a new one.")
		return
	}
	w.Header().Set("Expires", j.created.Add(filesExpire).UTC().Format(http.TimeFormat))
	writeJSON(w, http.StatusOK, "application/json", s.manifest(r, j))
}

// fileItem is one file of a manifest.
type fileItem struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

// manifestJSON is the completion manifest of an export.
type manifestJSON struct {
	TransactionTime     string      `json:"transactionTime"`
	Request             string      `json:"request"`
	RequiresAccessToken bool        `json:"requiresAccessToken"`
	Output              []fileItem  `json:"output"`
	Deleted             *[]fileItem `json:"deleted,omitempty"` // only for _since exports
	Error               []fileItem  `json:"error"`
}

func (s *Server) manifest(r *http.Request, j *job) *manifestJSON {
	prefix := s.base(r) + FHIRPath + "/bulk/" + j.id + "/"
	items := func(fs []*file) []fileItem {
		out := []fileItem{}
		for _, f := range fs {
			out = append(out, fileItem{Type: f.typ, URL: prefix + f.name, Count: len(f.lines)})
		}
		return out
	}
	m := &manifestJSON{TransactionTime: instant(j.tx), Request: j.request, RequiresAccessToken: s.auth != nil,
		Output: items(j.output), Error: items(j.errors)}
	if j.hasSince {
		d := items(j.deleted)
		m.Deleted = &d
	}
	return m
}

// fault answers with an injected failure: 429 or 503, with Retry-After.
func (s *Server) fault(w http.ResponseWriter, code, def int) {
	if code == 0 {
		code = def
	}
	w.Header().Set("Retry-After", s.retryAfter())
	if code == http.StatusTooManyRequests {
		outcome(w, code, "throttled", "Too many requests; try again later.")
		return
	}
	outcome(w, code, "transient", "The server is busy; try again later.")
}

// handleFile serves one output file.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		outcome(w, http.StatusMethodNotAllowed, "not-supported", "A file answers GET.")
		return
	}
	j, err := s.job(r)
	if err != nil {
		fail(w, err)
		return
	}
	f := j.files[r.PathValue("file")]
	if f == nil {
		fail(w, lifeboat.Errorf(lifeboat.ENOTFOUND, "This export has no such file."))
		return
	}
	flt := s.opts.Faults
	n := s.fileN.Add(1)
	if flt.FileEvery > 0 && n%int64(flt.FileEvery) == 0 {
		s.fault(w, flt.FileCode, http.StatusServiceUnavailable)
		return
	}
	s.downloads.Add(1)
	h := w.Header()
	h.Set("Content-Type", "application/fhir+ndjson")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "no-store")
	cut := int64(-1)
	if flt.CutEvery > 0 && n%int64(flt.CutEvery) == 0 {
		cut = flt.CutAfter
		if cut <= 0 || cut >= f.size {
			cut = f.size / 2
		}
	}
	body := &linesReader{lines: f.lines, size: f.size}
	if acceptsGzip(r.Header.Get("Accept-Encoding")) && r.Method == http.MethodGet {
		h.Set("Content-Encoding", "gzip")
		s.sendGzip(w, body, cut)
		return
	}
	if cut >= 0 {
		h.Set("Content-Length", strconv.FormatInt(f.size, 10))
		w.WriteHeader(http.StatusOK)
		s.cutShort(w, body, cut, nil)
	}
	http.ServeContent(w, r, "", time.Time{}, &countingReader{body, s})
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// sendGzip writes a file gzip-compressed.
func (s *Server) sendGzip(w http.ResponseWriter, body *linesReader, cut int64) {
	zw := gzipPool.Get().(*gzip.Writer)
	defer gzipPool.Put(zw)
	zw.Reset(w)
	w.WriteHeader(http.StatusOK)
	if cut >= 0 {
		s.cutShort(w, body, cut, zw)
	}
	bw := bufio.NewWriterSize(zw, 64<<10)
	n, err := body.WriteTo(bw)
	s.bytesOut.Add(n)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		_ = zw.Close()
	}
}

// cutShort writes the first n bytes of a file, then drops the connection.
func (s *Server) cutShort(w http.ResponseWriter, body *linesReader, n int64, zw *gzip.Writer) {
	var dst io.Writer = w
	if zw != nil {
		dst = zw
	}
	m, _ := io.CopyN(dst, body, n)
	s.bytesOut.Add(m)
	if zw != nil {
		_ = zw.Flush()
	}
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}

// linesReader reads a file's lines as one stream, and seeks in it.
type linesReader struct {
	lines [][]byte
	size  int64
	off   int64 // position in the stream
	i, j  int   // position: line i, byte j
}

// Read implements io.Reader.
func (lr *linesReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && lr.i < len(lr.lines) {
		c := copy(p[n:], lr.lines[lr.i][lr.j:])
		n += c
		lr.j += c
		if lr.j == len(lr.lines[lr.i]) {
			lr.i, lr.j = lr.i+1, 0
		}
	}
	lr.off += int64(n)
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo implements io.WriterTo: each line is written as it is.
func (lr *linesReader) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for lr.i < len(lr.lines) {
		m, err := w.Write(lr.lines[lr.i][lr.j:])
		n += int64(m)
		lr.off += int64(m)
		if err != nil {
			lr.j += m
			return n, err
		}
		lr.i, lr.j = lr.i+1, 0
	}
	return n, nil
}

// Seek implements io.Seeker.
func (lr *linesReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += lr.off
	case io.SeekEnd:
		offset += lr.size
	}
	if offset < 0 {
		return 0, errors.New("ehr: seek before the start of a file")
	}
	lr.off, lr.i, lr.j = offset, 0, 0
	if offset >= lr.size {
		lr.i = len(lr.lines)
		return offset, nil
	}
	for rest := offset; ; lr.i++ {
		if l := int64(len(lr.lines[lr.i])); rest < l {
			lr.j = int(rest)
			break
		} else {
			rest -= l
		}
	}
	return offset, nil
}

// countingReader counts the bytes of files served.
type countingReader struct {
	lr *linesReader
	s  *Server
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.lr.Read(p)
	c.s.bytesOut.Add(int64(n))
	return n, err
}

// Seek implements io.Seeker.
func (c *countingReader) Seek(offset int64, whence int) (int64, error) {
	return c.lr.Seek(offset, whence)
}
