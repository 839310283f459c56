package lifeboat_test

import (
	"reflect"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Zoë O'Brien-Müller": "zoe o brien muller",
		"  JOSÉ   Núñez ":    "jose nunez",
		"Straße":             "strasse",
		"Łukasz Żółć":        "lukasz zolc",
		"":                   "",
		"Agustín":            "agustin",
	} {
		if got := lifeboat.FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameTokens(t *testing.T) {
	got := lifeboat.NameTokens("Ana Ana María-José")
	want := []string{"ana", "maria", "jose"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("NameTokens = %v, want %v", got, want)
	}
}

func FuzzFoldName(f *testing.F) {
	f.Add("Zoë O'Brien")
	f.Fuzz(func(t *testing.T, s string) {
		once := lifeboat.FoldName(s)
		if twice := lifeboat.FoldName(once); twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}
