package http

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/internal/jsonw"
)

// Search modes of bundle entries.
const (
	modeMatch   = "match"   // the entry matched the search
	modeInclude = "include" // the entry is there because a match refers to it
)

// pageEntry is one entry of a searchset Bundle.
type pageEntry struct {
	r    *lifeboat.Resource
	mode string
}

// bundlePage is one page of a search result.
type bundlePage struct {
	// self, next and previous are absolute links; next is empty on the
	// last page, previous on the first (and on a page further back than
	// its cursor remembers, see cursor).
	self, next, previous string
	total                int // the number of matches, or -1 when not known
	entries              []pageEntry
}

// fhirBase returns the absolute URL of the FHIR API as the client reached it.
func (s *Server) fhirBase(r *http.Request) string {
	if s.isTLS(r) {
		return "https://" + r.Host + "/fhir/"
	}
	return "http://" + r.Host + "/fhir/"
}

// pageLink returns the link to path with the client's parameters q and,
// if tok is set, the cursor token tok. It carries nothing else.
func (s *Server) pageLink(r *http.Request, path string, q url.Values, tok string) string {
	v := url.Values{}
	for k, vs := range q {
		if k != cursorParam {
			v[k] = vs
		}
	}
	if tok != "" {
		v.Set(cursorParam, tok)
	}
	link := s.fhirBase(r) + path
	if len(v) > 0 {
		link += "?" + v.Encode()
	}
	return link
}

// pagedBundle returns a page of the search at path with its links: self;
// next, continuing at next (nil on the last page); previous, when cur (nil
// on the first page) remembers the page before. The total is set when the
// first page is the whole result.
func (s *Server) pagedBundle(r *http.Request, path string, q url.Values, cur, next *cursor, matches int) *bundlePage {
	bind := searchBinding(path, q)
	page := &bundlePage{self: s.pageLink(r, path, q, q.Get(cursorParam)), total: -1}
	if next != nil {
		page.next = s.pageLink(r, path, q, sealCursor(following(cur, *next), bind))
	} else if cur == nil {
		page.total = matches // one page holds the whole result
	}
	if cur != nil {
		if prev, first, ok := cur.previous(); first {
			page.previous = s.pageLink(r, path, q, "")
		} else if ok {
			page.previous = s.pageLink(r, path, q, sealCursor(prev, bind))
		}
	}
	return page
}

// writeBundle writes a searchset Bundle. The stored JSON of each resource
// is copied as it is; tombstones and anything whose stored JSON is not
// valid are left out (the latter logged, without detail).
func (s *Server) writeBundle(w http.ResponseWriter, r *http.Request, p *bundlePage) {
	size := 512
	for _, e := range p.entries {
		size += len(e.r.JSON) + 128
	}
	b := make([]byte, 0, size)
	b = append(b, `{"resourceType":"Bundle","type":"searchset"`...)
	if p.total >= 0 {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, int64(p.total), 10)
	}
	b = append(b, `,"link":[{"relation":"self","url":`...)
	b = jsonw.AppendString(b, p.self)
	b = append(b, '}')
	if p.previous != "" {
		b = append(b, `,{"relation":"previous","url":`...)
		b = jsonw.AppendString(b, p.previous)
		b = append(b, '}')
	}
	if p.next != "" {
		b = append(b, `,{"relation":"next","url":`...)
		b = jsonw.AppendString(b, p.next)
		b = append(b, '}')
	}
	b = append(b, ']')
	base := s.fhirBase(r)
	n := 0
	for _, e := range p.entries {
		x := e.r
		if x == nil || x.Deleted {
			continue
		}
		if !json.Valid(x.JSON) {
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "stored resource is not valid JSON",
				slog.String("type", x.Type))
			continue
		}
		if n == 0 {
			b = append(b, `,"entry":[`...) // FHIR JSON has no empty arrays
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"fullUrl":`...)
		b = jsonw.AppendString(b, base+x.Type+"/"+x.ID)
		b = append(b, `,"resource":`...)
		b = append(b, x.JSON...)
		b = append(b, `,"search":{"mode":"`...)
		b = append(b, e.mode...)
		b = append(b, `"}}`...)
	}
	if n > 0 {
		b = append(b, ']')
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", fhirJSON+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
