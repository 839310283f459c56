package fhir

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/lifeboat-health/lifeboat"
)

// sharedTypes are the types whose identifiers the importer keeps in memory
// for conditional references; other types are looked up in the store.
var sharedTypes = map[string]bool{
	"Organization": true, "Location": true, "Practitioner": true, "PractitionerRole": true,
	"Medication": true, "Device": true, "HealthcareService": true, "Endpoint": true,
	"Substance": true,
}

// maxCache bounds the cache of store look-ups.
const maxCache = 100000

// identKey is an identifier of a resource type; system "" matches any.
type identKey struct{ typ, system, value string }

// ambiguous marks an identifier shared by several resources.
const ambiguous = "\x00"

// resolver turns urn:uuid, absolute and conditional references into
// relative "Type/id" references.
type resolver struct {
	store lifeboat.ResourceStore

	// Built by the pre-scan, read-only afterwards.
	byUUID map[string]string // X of "urn:uuid:X" -> type (id X) or "Type/id"
	byURL  map[string]string // other fullUrls -> "Type/id"

	mu     sync.RWMutex
	idents map[identKey]string // identifiers of shared resources in this import

	cacheMu sync.Mutex
	cache   map[string]string // store look-ups: reference -> "Type/id", "" if not found
}

func newResolver(store lifeboat.ResourceStore) *resolver {
	return &resolver{
		store:  store,
		byUUID: map[string]string{},
		byURL:  map[string]string{},
		idents: map[identKey]string{},
		cache:  map[string]string{},
	}
}

// prescanAll pre-scans the JSON inputs with up to workers goroutines, each
// into its own resolver, then merges their fullUrl maps.
func (r *resolver) prescanAll(ins []input, workers int) {
	var idx []int
	for i := range ins {
		if ins[i].err == nil && ins[i].format == formatJSON {
			idx = append(idx, i)
		}
	}
	workers = max(1, min(workers, len(idx)))
	parts := make([]*resolver, workers)
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = newResolver(nil)
		wg.Go(func() {
			for k := w; k < len(idx); k += workers {
				parts[w].prescan(&ins[idx[k]])
			}
		})
	}
	wg.Wait()
	for _, p := range parts {
		for k, v := range p.byUUID {
			r.byUUID[k] = v
		}
		for k, v := range p.byURL {
			r.byURL[k] = v
		}
	}
}

// prescan reads the entries of a JSON input to learn its fullUrls and
// whether it holds a Patient. Errors are left to the main pass.
func (r *resolver) prescan(in *input) {
	ordinal := -1
	_ = readInput(in, func(e *Entry) error {
		ordinal++
		if e.Resource == nil || e.Err != nil {
			return nil
		}
		typ, id := peekTypeID(e.Resource)
		if typ == "" {
			return nil
		}
		if typ == "Patient" {
			in.hasPatient = true
		}
		id = entryID(e, typ, id)
		r.addFullURL(e.FullURL, typ, id)
		for len(in.keys) < ordinal {
			in.keys = append(in.keys, "")
		}
		in.keys = append(in.keys, typ+"/"+id)
		return nil
	})
	in.keys = in.keys[:len(in.keys):len(in.keys)]
}

// markSuperseded finds, over the JSON inputs in import order, the entries
// that a later entry for the same resource replaces, so that only the last
// is written: within one import, later entries win, and importing the same
// files again changes nothing.
func markSuperseded(ins []input) {
	type pos struct{ in, ordinal int }
	last := map[string]pos{}
	for i := range ins {
		for o, k := range ins[i].keys {
			if k != "" {
				last[k] = pos{i, o}
			}
		}
	}
	for i := range ins {
		for o, k := range ins[i].keys {
			if p, ok := last[k]; ok && p != (pos{i, o}) {
				if ins[i].superseded == nil {
					ins[i].superseded = map[int]bool{}
				}
				ins[i].superseded[o] = true
			}
		}
		ins[i].keys = nil
	}
}

func (r *resolver) addFullURL(fullURL, typ, id string) {
	switch {
	case fullURL == "":
	case strings.HasPrefix(fullURL, "urn:uuid:"):
		x := fullURL[len("urn:uuid:"):]
		if x == id {
			r.byUUID[x] = typ // interned: no allocation per entry
		} else {
			r.byUUID[x] = typ + "/" + id
		}
	default:
		r.byURL[fullURL] = typ + "/" + id
	}
}

// register records the identifiers of a shared resource of this import.
func (r *resolver) register(typ, id string, ids []lifeboat.Identifier) {
	if !sharedTypes[typ] || len(ids) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range ids {
		for _, k := range [2]identKey{{typ, x.System, x.Value}, {typ, "", x.Value}} {
			if old, ok := r.idents[k]; ok && old != id {
				r.idents[k] = ambiguous
			} else {
				r.idents[k] = id
			}
		}
	}
}

// resolve returns the replacement for ref (ok=false to keep it), whether
// ref is a reference it could not resolve, and a store error if any.
func (r *resolver) resolve(ctx context.Context, ref string) (string, bool, bool, error) {
	switch {
	case strings.HasPrefix(ref, "urn:uuid:"):
		x := ref[len("urn:uuid:"):]
		if v, ok := r.byUUID[x]; ok {
			if strings.IndexByte(v, '/') < 0 {
				v += "/" + x
			}
			return v, true, false, nil
		}
		if !lifeboat.ValidID(x) {
			return "", false, true, nil
		}
		return r.lookup(ctx, ref, func() (string, error) {
			typ, err := r.store.ResolveID(ctx, x)
			if err != nil {
				return "", err
			}
			return typ + "/" + x, nil
		})
	case strings.IndexByte(ref, '?') >= 0:
		return r.conditional(ctx, ref)
	case strings.HasPrefix(ref, "urn:"), strings.Contains(ref, "://"):
		if v, ok := r.byURL[ref]; ok {
			return v, true, false, nil
		}
		if strings.HasPrefix(ref, "urn:") {
			return "", false, true, nil
		}
	}
	return "", false, false, nil
}

// conditional resolves "Type?identifier=[system|]value".
func (r *resolver) conditional(ctx context.Context, ref string) (string, bool, bool, error) {
	q := strings.IndexByte(ref, '?')
	typ := resourceTypes[ref[:q]]
	token, ok := strings.CutPrefix(ref[q+1:], "identifier=")
	if typ == "" || !ok || token == "" || strings.IndexByte(token, '&') >= 0 {
		return "", false, true, nil // only a single identifier search is resolved
	}
	if strings.ContainsAny(token, "%+") {
		var err error
		if token, err = url.QueryUnescape(token); err != nil {
			return "", false, true, nil
		}
	}
	system, value := "", token
	if i := strings.IndexByte(value, '|'); i >= 0 {
		system, value = value[:i], value[i+1:]
	}
	if value == "" {
		return "", false, true, nil
	}
	r.mu.RLock()
	id, ok := r.idents[identKey{typ, system, value}]
	r.mu.RUnlock()
	if ok {
		if id == ambiguous {
			return "", false, true, nil
		}
		return typ + "/" + id, true, false, nil
	}
	return r.lookup(ctx, ref, func() (string, error) {
		id, err := r.store.ResolveIdentifier(ctx, typ, system, value)
		if err != nil {
			return "", err
		}
		return typ + "/" + id, nil
	})
}

// lookup asks the store through a cache. Not-found answers are cached only
// for urn:uuid references: a conditional target may be written later.
func (r *resolver) lookup(ctx context.Context, ref string, ask func() (string, error)) (string, bool, bool, error) {
	if r.store == nil {
		return "", false, true, nil
	}
	r.cacheMu.Lock()
	v, ok := r.cache[ref]
	r.cacheMu.Unlock()
	if !ok {
		var err error
		v, err = ask()
		switch lifeboat.ErrorCode(err) {
		case "":
		case lifeboat.ENOTFOUND, lifeboat.ECONFLICT:
			v = ""
			if !strings.HasPrefix(ref, "urn:uuid:") {
				return "", false, true, nil
			}
		default:
			if ctx.Err() != nil {
				return "", false, true, ctx.Err()
			}
			return "", false, true, fmt.Errorf("resolve reference: %w", err)
		}
		r.cacheMu.Lock()
		if len(r.cache) >= maxCache {
			clear(r.cache)
		}
		r.cache[ref] = v
		r.cacheMu.Unlock()
	}
	if v == "" {
		return "", false, true, nil
	}
	return v, true, false, nil
}

// peekTypeID reads the resourceType and id of a resource without
// validating or indexing it; both are "" when it cannot tell.
func peekTypeID(raw []byte) (typ, id string) {
	s := scanner{data: raw}
	s.ws()
	if s.pos >= len(raw) || raw[s.pos] != '{' {
		return "", ""
	}
	s.pos++
	seenType, seenID := false, false
	for i := 0; ; i++ {
		key, more, err := s.nextKey(i)
		if err != nil || !more {
			return typ, id
		}
		start := s.pos
		if s.pos = skipValue(raw, s.pos); s.pos < 0 {
			return "", ""
		}
		switch string(key) { // the first occurrence counts, as in Parse
		case "resourceType":
			if b, esc, ok := stringAt(raw, span{start, s.pos}); ok && !esc && !seenType {
				typ = internType(b)
			}
			seenType = true
		case "id":
			if b, esc, ok := stringAt(raw, span{start, s.pos}); ok && !esc && lifeboat.ValidID(b) && !seenID {
				id = string(b)
			}
			seenID = true
		}
	}
}

// skipValue returns the end of the JSON value starting at i, tracking only
// strings and nesting (no validation), or -1 if it does not end.
func skipValue(raw []byte, i int) int {
	if i >= len(raw) {
		return -1
	}
	depth := 0
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			end, _ := stringEnd(raw, i+1)
			if end < 0 {
				return -1
			}
			if i = end; depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a scalar
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return i
			}
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}
