package http

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// timeLayout is how every time is shown, in the server's local zone.
const timeLayout = "2006-01-02 15:04"

// templateSet is one page's template: the layout, the partials and the page.
type templateSet = template.Template

// mustParseTemplates parses every page under templates/ with the shared
// layout and partials. It panics on a broken template (a programming error,
// caught by the tests).
func mustParseTemplates() map[string]*templateSet {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	sets := make(map[string]*templateSet)
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t := template.New(base).Funcs(funcs)
		sets[base] = template.Must(t.ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", n))
	}
	return sets
}

// page is what the layout renders: the chrome plus one page's Data.
type page struct {
	Title     string
	Hospital  string
	Version   string
	User      *lifeboat.User // nil when signed out
	CSRF      string
	Freshness *lifeboat.Freshness // set on every PHI page
	Print     bool
	Reports   bool // printed reports can be downloaded
	Now       time.Time
	Query     string // the search box's text
	Data      any
}

// IsAdmin reports whether the signed-in user is an administrator.
func (p *page) IsAdmin() bool { return p.User != nil && p.User.Role == lifeboat.RoleAdmin }

// Since formats how long ago t was, relative to the page's time.
func (p *page) Since(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmtAge(p.Now.Sub(t)) + " ago"
}

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	p := &page{
		Title:    title,
		Hospital: s.HospitalName,
		Version:  lifeboat.Version,
		Now:      s.Now(),
		Data:     data,
		Reports:  s.Reports != nil,
	}
	if a := authFrom(r); a != nil && a.Session != nil {
		p.User = a.User
		p.CSRF = csrfToken(a)
	}
	return p
}

// Duration formats a length of time for people ("10 minutes").
func (p *page) Duration(d time.Duration) string { return humanDuration(d) }

// withFreshness sets the page's freshness line, filling in the age.
func (p *page) withFreshness(f lifeboat.Freshness) *page {
	if f.Age == 0 && !f.AsOf.IsZero() {
		f.Age = p.Now.Sub(f.AsOf)
	}
	p.Freshness = &f
	return p
}

// renderStatus executes a page into a buffer and writes it with status, so
// a template error gives a clean 500 rather than half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	t := s.tmpl[name]
	if t == nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "no such template", slog.String("template", name))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "template failed",
			slog.String("template", name), slog.String("error", err.Error()))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	s.renderStatus(w, r, http.StatusOK, name, p)
}

// static serves the embedded stylesheet (no directory listings).
func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	if strings.HasSuffix(r.URL.Path, "/") {
		return lifeboat.Errorf(lifeboat.ENOTFOUND, "Page not found.")
	}
	http.FileServerFS(staticFS).ServeHTTP(w, r)
	return nil
}

var funcs = template.FuncMap{
	"time":       fmtTime,
	"ago":        fmtAge,
	"dash":       dash,
	"join":       strings.Join,
	"pathEsc":    url.PathEscape,
	"valueClass": valueClass,
	"flagText":   flagText,
	"doseClass":  doseClass,
	"allergic":   func(s lifeboat.AllergyStatus) bool { return s == lifeboat.AllergiesPresent },
	"nka":        func(s lifeboat.AllergyStatus) bool { return s == lifeboat.AllergiesNoneKnown },
	"dict":       dict,
}

// dict builds a map from key, value pairs, to pass several values to a
// template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: key is not a string")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// fmtTime formats a time.Time or *time.Time in the local zone; zero and nil
// show as a dash.
func fmtTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(time.Local).Format(timeLayout)
}

// fmtAge formats the age of data, e.g. "2 h 05 min".
func fmtAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h " + strconv.Itoa(int(d%time.Hour/time.Minute)) + " min"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// valueClass is the CSS class of a result value: critical, abnormal or none.
func valueClass(v lifeboat.ResultValue) string {
	switch {
	case v.Critical || v.Flag == "HH" || v.Flag == "LL" || v.Flag == "AA":
		return "critical"
	case v.Flag != "" && v.Flag != "N":
		return "abnormal"
	}
	return ""
}

// flagText spells out an interpretation flag, so meaning never rests on
// colour alone.
func flagText(v lifeboat.ResultValue) string {
	var t string
	switch v.Flag {
	case "H":
		t = "High"
	case "L":
		t = "Low"
	case "HH":
		t = "Critical high"
	case "LL":
		t = "Critical low"
	case "A":
		t = "Abnormal"
	case "AA":
		t = "Critical abnormal"
	}
	if v.Critical && !strings.HasPrefix(t, "Critical") {
		t = strings.TrimSpace("Critical " + strings.ToLower(t))
	}
	return t
}

func doseClass(s lifeboat.DoseStatus) string {
	switch s {
	case lifeboat.DoseGiven:
		return "dose-given"
	case lifeboat.DoseNotGiven:
		return "dose-notgiven"
	case lifeboat.DoseMissed:
		return "dose-missed"
	}
	return "dose-due"
}
