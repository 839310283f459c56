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

func TestLocationPath(t *testing.T) {
	for _, c := range [][4]string{
		{"ICU", "", "", "ICU"},
		{"4 West", "4W Room 02", "", "4 West^4W Room 02"},
		{"4 West", "4W Room 02", "4W-02A", "4 West^4W Room 02^4W-02A"},
		{"ICU", "", "ICU-07", "ICU^^ICU-07"},
	} {
		if got := lifeboat.LocationPath(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("LocationPath(%q, %q, %q) = %q, want %q", c[0], c[1], c[2], got, c[3])
		}
	}
}
