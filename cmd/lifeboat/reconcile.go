package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// reconciled are the types whose records a feed message may already have
// under another id (from a FHIR import, the EHR's Bulk export, the demo):
// the same patient by MRN, the same visit by visit number, the same
// clinician by NPI, the same bed by its path (lifeboat.LocationPathSystem).
var reconciled = map[string]bool{"Patient": true, "Encounter": true, "Practitioner": true, "Location": true}

// idCacheTTL is how long a feed remembers which stored resource holds an
// identifier (or that none does): a record imported meanwhile is matched
// once the entry expires.
const idCacheTTL = time.Minute

// maxCachedIDs bounds the cache; past it the cache starts over.
const maxCachedIDs = 100000

// idCache remembers identifier look-ups: the messages of a feed name the
// same beds, clinicians and patients over and over.
type idCache struct {
	mu sync.Mutex
	m  map[string]cachedID
}

type cachedID struct {
	id string // "" when no stored resource (or more than one) holds it
	at time.Time
}

// resolve returns the id of the one stored resource of type typ with the
// identifier, or "" when there is none or more than one.
func (c *idCache) resolve(ctx context.Context, db *sqlite.DB, typ, system, value string) (string, error) {
	key := typ + "\x00" + system + "\x00" + value
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < idCacheTTL {
		return e.id, nil
	}
	id, err := db.ResolveIdentifier(ctx, typ, system, value)
	switch lifeboat.ErrorCode(err) {
	case "":
	case lifeboat.ENOTFOUND, lifeboat.ECONFLICT:
		id = ""
	default:
		return "", err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedIDs {
		c.m = map[string]cachedID{}
	}
	c.m[key] = cachedID{id: id, at: now}
	c.mu.Unlock()
	return id, nil
}

// reconcile gives each mapped Patient, Encounter and Practitioner the id of
// the stored resource with one of its identifiers, when there is one, and
// points every reference of the message at it. So a result for a patient
// imported from the EHR lands on that patient's chart rather than on a new
// one. An identifier that more than one stored resource holds is ignored.
// The identifiers come from the Index hl7fhir returns, and a renamed id is
// renamed in the Index too, so that no resource is parsed here.
func (f *feed) reconcile(ctx context.Context, outs []hl7fhir.Output) error {
	var renames map[string]string // "Type/old" -> "Type/new"
	for i := range outs {
		o := &outs[i]
		if !reconciled[o.Type] {
			continue
		}
		ids := o.Index.Identifiers
		if !o.Indexed {
			p, err := fhir.Parse(o.JSON)
			if err != nil {
				continue // reported when the resource is indexed
			}
			ids = p.Index.Identifiers
		}
		for _, id := range ids {
			if id.Value == "" {
				continue
			}
			existing, err := f.ids.resolve(ctx, f.db, o.Type, id.System, id.Value)
			if err != nil {
				return fmt.Errorf("reconcile %s: %w", o.Type, err)
			}
			if existing == "" {
				continue
			}
			if existing != o.ID {
				if renames == nil {
					renames = map[string]string{}
				}
				renames[o.Type+"/"+o.ID] = o.Type + "/" + existing
			}
			break
		}
	}
	if len(renames) == 0 {
		return nil
	}
	for i := range outs {
		o := &outs[i]
		for old, new := range renames {
			o.JSON = bytes.ReplaceAll(o.JSON, []byte(strconv.Quote(old)), []byte(strconv.Quote(new)))
			if old == o.Type+"/"+o.ID {
				newID := new[len(o.Type)+1:]
				o.JSON = bytes.Replace(o.JSON, []byte(`"id":`+strconv.Quote(o.ID)), []byte(`"id":`+strconv.Quote(newID)), 1)
				o.ID = newID
			}
			renameIndex(&o.Index, old, new)
		}
	}
	return nil
}

// renameIndex applies the rename of "Type/old" to "Type/new" to the index
// fields that hold the id of a Patient, Encounter or Location, as the
// renamed references read in the JSON.
func renameIndex(x *lifeboat.Index, old, new string) {
	typ, oldID, _ := strings.Cut(old, "/")
	newID := new[len(typ)+1:]
	var f *string
	switch typ {
	case "Patient":
		f = &x.Patient
	case "Encounter":
		f = &x.Encounter
	case "Location":
		f = &x.Location
	default:
		return
	}
	if *f == oldID {
		*f = newID
	}
}
