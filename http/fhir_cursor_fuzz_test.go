package http

import (
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// FuzzCursor: a cursor sealed for a search opens to the same cursor for
// that search and to an error for another; no token, made or forged,
// makes openCursor panic.
func FuzzCursor(f *testing.F) {
	f.Add(byte(1), int64(1764230400000), "Observation", "o-1", "", 3, 2, "Observation?patient=p1")
	f.Add(byte(2), int64(0), "", "", "p-42", 2, 0, "Patient?name=ann")
	f.Add(byte(1), int64(-1), "MedicationRequest", "m\x00é", "x", 40, 30, "")
	f.Fuzz(func(t *testing.T, kind byte, ms int64, typ, id, pid string, page, back int, binding string) {
		typ, id, pid = cut(typ), cut(id), cut(pid) // FHIR ids are 64 characters at most
		page = 2 + abs(page)%1000
		back = min(abs(back)%(maxBack+1), page-2)
		c := cursor{kind: kind, key: lifeboat.PageKey{Type: typ, ID: id}, id: pid, page: page}
		if ms != 0 {
			c.key.Value = time.UnixMilli(ms).UTC()
		}
		for i := range back {
			c.back = append(c.back, cursorPos{key: lifeboat.PageKey{Type: typ, ID: id + string(rune('a'+i%26))}, id: pid})
		}
		tok := sealCursor(c, binding)
		got, err := openCursor(tok, binding)
		if len(tok) > maxCursor {
			t.Fatalf("a token of %d bytes", len(tok))
		}
		if err != nil {
			t.Fatalf("a sealed cursor does not open: %v", err)
		}
		want := c
		want.back = want.back[len(want.back)-len(got.back):] // the oldest may be left out to fit
		if len(got.back) == 0 {
			want.back = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("opened %+v, sealed %+v", got, want)
		}
		if _, err := openCursor(tok, binding+"x"); err == nil {
			t.Fatal("a cursor opened for another search")
		}
		openCursor(typ+id+pid, binding) // a forged token: an error, never a panic
	})
}

func cut(s string) string { return s[:min(len(s), 64)] }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
