package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// patientVersion is Patient/id as of minute v: a later v is a newer version.
func patientVersion(id string, v int) *lifeboat.Resource {
	return &lifeboat.Resource{Type: "Patient", ID: id,
		JSON:        []byte(fmt.Sprintf(`{"resourceType":"Patient","id":%q,"gender":"unknown","birthDate":"1970-01-%02d"}`, id, 1+v%28)),
		LastUpdated: time.Date(2026, 11, 27, 10, v, 0, 0, time.UTC), Source: lifeboat.Source{Kind: "test", Name: "cache"},
		Index: lifeboat.Index{Patient: id}}
}

func readVersion(t *testing.T, db *DB, id string) time.Time {
	t.Helper()
	r, err := db.Resource(context.Background(), "Patient", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.LastUpdated
}

// TestResourceCache: a resource read again comes from the cache, and a
// write, by this process or by another one, is seen by the next read
// (another process's within the writer's poll).
func TestResourceCache(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), inboxKey(t)
	db, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutResources(ctx, []*lifeboat.Resource{patientVersion("c1", 1)}); err != nil {
		t.Fatal(err)
	}
	if got := readVersion(t, db, "c1"); got.Minute() != 1 {
		t.Fatalf("read version %v", got)
	}
	if _, ok := db.cache.items[resourceKey{"Patient", "c1"}]; !ok {
		t.Fatal("a resource read is not cached")
	}
	// A caller changing what it was given does not change the cache.
	r, _ := db.Resource(ctx, "Patient", "c1")
	r.ID = "changed"
	if r2, _ := db.Resource(ctx, "Patient", "c1"); r2.ID != "c1" {
		t.Fatal("the cache hands out its own copy")
	}

	if _, err := db.PutResources(ctx, []*lifeboat.Resource{patientVersion("c1", 2)}); err != nil {
		t.Fatal(err)
	}
	if got := readVersion(t, db, "c1"); got.Minute() != 2 {
		t.Fatalf("after this process wrote version 2, read %v", got)
	}

	other, err := Open(ctx, dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.PutResources(ctx, []*lifeboat.Resource{patientVersion("c1", 3)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for readVersion(t, db, "c1").Minute() != 3 {
		if time.Now().After(deadline) {
			t.Fatal("a write by another process is never seen")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestResourceCacheRaces: readers and a writer at once; once the writes
// are done, every read returns the last version written.
func TestResourceCacheRaces(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := []string{"r0", "r1", "r2", "r3"}
	for _, id := range ids {
		if _, err := db.PutResources(ctx, []*lifeboat.Resource{patientVersion(id, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.Resource(ctx, "Patient", ids[(g+i)%len(ids)]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for v := 1; v <= 50; v++ {
		if _, err := db.PutResources(ctx, []*lifeboat.Resource{patientVersion(ids[v%len(ids)], v)}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for i, id := range ids {
		want := 50 - (50-i)%len(ids)
		if got := readVersion(t, db, id); got.Minute() != want {
			t.Errorf("Patient/%s: read minute %d, last written %d", id, got.Minute(), want)
		}
	}
}

// TestResourceCacheGeneration: a read that began before a write commits
// is not cached; the budget holds.
func TestResourceCacheGeneration(t *testing.T) {
	c := newResourceCache(64 << 10)
	old := patientVersion("g", 1)
	if r, gen := c.get("Patient", "g"); r == nil {
		c.drop([]resourceKey{{"Patient", "g"}}) // a write commits meanwhile
		c.put(gen, old)
	}
	if r, _ := c.get("Patient", "g"); r != nil {
		t.Fatal("a version read before a write was cached after it")
	}
	for i := range 1000 {
		_, gen := c.get("Patient", "x")
		c.put(gen, patientVersion(fmt.Sprint(i), 1))
	}
	if c.size > c.max || len(c.items) != c.lru.Len() || len(c.items) == 0 {
		t.Fatalf("size %d of %d, %d items, %d in the list", c.size, c.max, len(c.items), c.lru.Len())
	}
	if r, _ := c.get("Patient", "999"); r == nil {
		t.Fatal("the most recent resource was evicted")
	}
}
