package chart

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// maxCachedEncounters bounds encounterCache; past it the cache starts over.
const maxCachedEncounters = 50000

// encounterCache keeps decoded Encounters keyed by everything decoding reads:
// the JSON's digest, the indexed patient, the last update and the time zone.
// Hashing a resource costs a small fraction of decoding it.
type encounterCache struct {
	mu sync.Mutex
	m  map[encounterKey]*encounter
}

type encounterKey struct {
	sum     [sha256.Size]byte
	patient string
	updated int64
	loc     *time.Location
}

var encounters encounterCache

// decode returns the decoded encounter of r, from the cache if it can.
func (c *encounterCache) decode(r *lifeboat.Resource, loc *time.Location) (*encounter, bool) {
	k := encounterKey{sha256.Sum256(r.JSON), r.Index.Patient, r.LastUpdated.UnixNano(), loc}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return e, true
	}
	e, ok = decodeEncounter(r, loc)
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedEncounters {
		c.m = make(map[encounterKey]*encounter)
	}
	c.m[k] = e
	c.mu.Unlock()
	return e, true
}
