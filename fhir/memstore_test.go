package fhir_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir/fhirtest"
)

// memStore is a minimal in-memory lifeboat.ResourceStore and RejectStore,
// only so that the importer pipeline can run in this package's tests. The
// same scenarios (fhirtest.TestImporter) are meant to run against the real
// sqlite store.
type memStore struct {
	mu      sync.Mutex
	res     map[[2]string]*lifeboat.Resource
	rejects []*lifeboat.Reject
}

func newMemStore() *memStore { return &memStore{res: map[[2]string]*lifeboat.Resource{}} }

func (m *memStore) PutResources(ctx context.Context, rs []*lifeboat.Resource) ([]lifeboat.PutOutcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	outs := make([]lifeboat.PutOutcome, len(rs))
	for i, r := range rs {
		k := [2]string{r.Type, r.ID}
		old := m.res[k]
		c := *r
		switch {
		case old == nil:
			c.Version = 1
			outs[i] = lifeboat.Created
		case bytes.Equal(old.JSON, r.JSON):
			outs[i] = lifeboat.Unchanged
			continue
		case r.LastUpdated.Before(old.LastUpdated):
			outs[i] = lifeboat.Stale
			continue
		default:
			c.Version = old.Version + 1
			outs[i] = lifeboat.Updated
		}
		m.res[k] = &c
	}
	return outs, nil
}

func (m *memStore) Resource(ctx context.Context, typ, id string) (*lifeboat.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.res[[2]string{typ, id}]; r != nil {
		return r, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "not found")
}

var errNotImplemented = errors.New("not implemented in memStore")

func (m *memStore) Resources(context.Context, lifeboat.ResourceFilter) ([]*lifeboat.Resource, error) {
	return nil, errNotImplemented
}

func (m *memStore) PatientResources(context.Context, string, ...string) ([]*lifeboat.Resource, error) {
	return nil, errNotImplemented
}

func (m *memStore) SearchPatients(context.Context, lifeboat.PatientQuery) ([]*lifeboat.Resource, error) {
	return nil, errNotImplemented
}

func (m *memStore) ResolveIdentifier(ctx context.Context, typ, system, value string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.res {
		if k[0] != typ {
			continue
		}
		for _, x := range r.Index.Identifiers {
			if x.Value == value && (system == "" || x.System == system) {
				return r.ID, nil
			}
		}
	}
	return "", lifeboat.Errorf(lifeboat.ENOTFOUND, "not found")
}

func (m *memStore) ResolveID(ctx context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	typ := ""
	for k := range m.res {
		if k[1] == id {
			if typ != "" {
				return "", lifeboat.Errorf(lifeboat.ECONFLICT, "several types")
			}
			typ = k[0]
		}
	}
	if typ == "" {
		return "", lifeboat.Errorf(lifeboat.ENOTFOUND, "not found")
	}
	return typ, nil
}

func (m *memStore) CountResources(ctx context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := map[string]int{}
	for k := range m.res {
		n[k[0]]++
	}
	return n, nil
}

func (m *memStore) AddReject(ctx context.Context, r *lifeboat.Reject) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *r
	c.ID = int64(len(m.rejects) + 1)
	m.rejects = append(m.rejects, &c)
	return nil
}

func (m *memStore) Rejects(ctx context.Context, limit int) ([]*lifeboat.Reject, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit > len(m.rejects) {
		limit = len(m.rejects)
	}
	return append([]*lifeboat.Reject(nil), m.rejects[:limit]...), nil
}

func (m *memStore) CountRejects(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rejects), nil
}

func TestImporterMemStore(t *testing.T) {
	fhirtest.TestImporter(t, func(t *testing.T) fhirtest.Stores {
		m := newMemStore()
		return fhirtest.Stores{Resources: m, Rejects: m}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
