package sqlite

import (
	"container/list"
	"sync"

	"github.com/lifeboat-health/lifeboat"
)

// resourceCacheBytes is the default budget of the resource cache.
const resourceCacheBytes = 64 << 20

// resourceCache keeps resources read by type and id, most recently used
// first, within a budget of bytes, so that reading the same resources
// again (the patients on a unit, the FHIR reads of a downtime app) costs
// no page reads and decryption. It is exact for this process's own writes:
// the writer drops every resource it changes as it commits. Writes by
// another process (a `lifeboat sync` or `import` beside the server) are
// noticed by the writer within writerPoll (PRAGMA data_version), which
// empties the cache.
//
// A resource read from the store is cached only if nothing was dropped
// since the read began (the generation): otherwise a read that began
// before a commit could cache the version the commit replaced.
type resourceCache struct {
	mu    sync.Mutex
	gen   uint64
	max   int64
	size  int64
	items map[resourceKey]*list.Element
	lru   list.List // of *cachedResource, most recent first
}

// resourceKey names a resource.
type resourceKey struct{ typ, id string }

type cachedResource struct {
	key  resourceKey
	r    *lifeboat.Resource
	size int64
}

func newResourceCache(max int64) *resourceCache {
	return &resourceCache{max: max, items: map[resourceKey]*list.Element{}}
}

// get returns a copy of the cached resource, or the generation to pass to
// put after reading it from the store.
func (c *resourceCache) get(typ, id string) (*lifeboat.Resource, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[resourceKey{typ, id}]; ok {
		c.lru.MoveToFront(e)
		r := *e.Value.(*cachedResource).r
		return &r, c.gen
	}
	return nil, c.gen
}

// put caches r, read from the store since generation gen, unless something
// was dropped meanwhile. The cache keeps its own copy of the struct; the
// JSON is shared and never written to.
func (c *resourceCache) put(gen uint64, r *lifeboat.Resource) {
	size := int64(len(r.JSON)) + 256
	if size > c.max/16 {
		return // one large resource should not push out hundreds
	}
	k := resourceKey{r.Type, r.ID}
	cp := *r
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if e, ok := c.items[k]; ok {
		c.remove(e)
	}
	c.items[k] = c.lru.PushFront(&cachedResource{key: k, r: &cp, size: size})
	c.size += size
	for c.size > c.max {
		c.remove(c.lru.Back())
	}
}

// drop forgets the resources named, as their writes commit.
func (c *resourceCache) drop(keys []resourceKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		if e, ok := c.items[k]; ok {
			c.remove(e)
		}
	}
}

// clear forgets everything: another process wrote to the store.
func (c *resourceCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.items)
	c.lru.Init()
	c.size = 0
}

func (c *resourceCache) remove(e *list.Element) {
	cr := c.lru.Remove(e).(*cachedResource)
	delete(c.items, cr.key)
	c.size -= cr.size
}
