package bulk

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestConfigSyncer(t *testing.T) {
	key, _ := GenerateKey(ES384)
	keyFile := filepath.Join(t.TempDir(), "smart.pem")
	if err := WriteKeyFile(keyFile, key); err != nil {
		t.Fatal(err)
	}
	jwks, _ := JWKS(key)
	e := newFakeEHR(t)
	e.addFile("output", "p0.ndjson", "Patient", ndjson("Patient", "p1"))
	a := newFakeAuth(t, e, "lifeboat", jwks)
	e.token = "none yet"

	var c Config
	raw := `{"name":"ehr","url":"` + e.base() + `","level":"group","group":"icu","types":["Patient"],
		"client_id":"lifeboat","key_file":"` + keyFile + `","concurrency":2}`
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	s, err := c.Syncer(newMemSink(), newMemStore(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Client.Sleep = (&sleeper{}).Sleep
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if k := e.kickoffs[0]; k.URL.Path != "/fhir/Group/icu/$export" || query(k).Get("_type") != "Patient" || a.count() != 1 {
		t.Errorf("kick-off %s, %d token requests", k.URL, a.count())
	}

	for name, bad := range map[string]Config{
		"no name":    {URL: e.base()},
		"bad url":    {Name: "x", URL: "ehr.example/fhir"},
		"no group":   {Name: "x", URL: e.base(), Level: GroupLevel},
		"bad type":   {Name: "x", URL: e.base(), Types: []string{"patient"}},
		"no key":     {Name: "x", URL: e.base(), ClientID: "lb"},
		"query":      {Name: "x", URL: e.base() + "?a=b"},
		"bad level":  {Name: "x", URL: e.base(), Level: "unit"},
		"no keyfile": {Name: "x", URL: e.base(), ClientID: "lb", KeyFile: filepath.Join(t.TempDir(), "none.pem")},
	} {
		_, err := bad.Syncer(newMemSink(), newMemStore(), nil, nil)
		if err == nil || (name != "no keyfile" && lifeboat.ErrorCode(err) != lifeboat.EINVALID) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
