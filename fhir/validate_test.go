package fhir

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		typ, id  string
		msg      string // part of the error message; "" means valid
	}{
		{"minimal", `{"resourceType":"Patient"}`, "Patient", "", ""},
		{"with id", ` {"resourceType":"Observation","id":"a-B.9"} `, "Observation", "a-B.9", ""},
		{"id last", `{"id":"x1","resourceType":"Basic"}`, "Basic", "x1", ""},
		{"meta", `{"resourceType":"Patient","meta":{"versionId":"3","lastUpdated":"2024-01-02T03:04:05.123+01:00"}}`, "Patient", "", ""},
		{"unicode", `{"resourceType":"Patient","name":[{"family":"Nu\u00f1ez","given":["Zoë"]}]}`, "Patient", "", ""},
		{"not object", `[1,2]`, "", "", "not a JSON object"},
		{"empty", ``, "", "", "invalid JSON"},
		{"syntax", `{"resourceType":"Patient",}`, "", "", "invalid JSON at byte 26"},
		{"trailing", `{"resourceType":"Patient"}{}`, "", "", "data after"},
		{"bad escape", `{"resourceType":"Patient","x":"\q"}`, "", "", "invalid escape"},
		{"control char", "{\"resourceType\":\"Patient\",\"x\":\"a\tb\"}", "", "", "control character"},
		{"bad utf8", "{\"resourceType\":\"Patient\",\"x\":\"\xff\"}", "", "", "invalid UTF-8"},
		{"bad number", `{"resourceType":"Patient","x":01}`, "", "", "invalid JSON"},
		{"no type", `{"id":"1"}`, "", "", "resourceType: missing"},
		{"type not string", `{"resourceType":1}`, "", "", "resourceType: not a string"},
		{"unknown type", `{"resourceType":"Patientx"}`, "", "", "not a FHIR R4 resource type"},
		{"R5 type", `{"resourceType":"NutritionIntake"}`, "", "", "not a FHIR R4 resource type"},
		{"bad id", `{"resourceType":"Patient","id":"a b"}`, "", "", "Patient.id: not a valid id"},
		{"long id", `{"resourceType":"Patient","id":"` + strings.Repeat("a", 65) + `"}`, "", "", "Patient.id"},
		{"id number", `{"resourceType":"Patient","id":5}`, "", "", "Patient.id"},
		{"meta not object", `{"resourceType":"Patient","meta":[]}`, "", "", "Patient.meta: not an object"},
		{"lastUpdated date", `{"resourceType":"Patient","meta":{"lastUpdated":"2024-01-02"}}`, "", "", "Patient.meta.lastUpdated: not a valid instant"},
		{"versionId number", `{"resourceType":"Patient","meta":{"versionId":1}}`, "", "", "Patient.meta.versionId"},
		{"bad birthDate", `{"resourceType":"Patient","birthDate":"1970-02-30"}`, "", "", "Patient.birthDate: not a valid date"},
		{"birthDate time", `{"resourceType":"Patient","birthDate":"1970-02-03T00:00:00Z"}`, "", "", "Patient.birthDate"},
		{"bad effective", `{"resourceType":"Observation","effectiveDateTime":"2024-01-02T10:00"}`, "", "", "Observation.effectiveDateTime: not a valid date or dateTime"},
		{"bad period", `{"resourceType":"Encounter","period":{"start":"yesterday"}}`, "", "", "Encounter.period.start"},
		{"period not object", `{"resourceType":"Encounter","period":"2020"}`, "", "", "Encounter.period: not an object"},
		{"status number", `{"resourceType":"Observation","status":1}`, "", "", "Observation.status: not a string"},
		{"name not array", `{"resourceType":"Patient","name":{"family":"X"}}`, "", "", "Patient.name: not an array"},
		{"deep", strings.Repeat(`{"a":`, 600) + "1" + strings.Repeat("}", 600), "", "", "nesting too deep"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			typ, id, err := Validate([]byte(tt.in))
			if tt.msg == "" {
				if err != nil || typ != tt.typ || id != tt.id {
					t.Fatalf("Validate = %q, %q, %v; want %q, %q, nil", typ, id, err, tt.typ, tt.id)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil error, want %q", tt.msg)
			}
			if lifeboat.ErrorCode(err) != lifeboat.EINVALID {
				t.Errorf("code = %s, want EINVALID", lifeboat.ErrorCode(err))
			}
			if msg := lifeboat.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

// Error messages name the element but never echo the value.
func TestValidateNoPHI(t *testing.T) {
	for _, in := range []string{
		`{"resourceType":"Patient","id":"John Smith"}`,
		`{"resourceType":"John Smith"}`,
		`{"resourceType":"Patient","birthDate":"John Smith"}`,
		`{"resourceType":"Patient","meta":{"lastUpdated":"John Smith"}}`,
		`{"resourceType":"Patient","x":"John Smith` + "\x01" + `"}`,
	} {
		_, _, err := Validate([]byte(in))
		if err == nil || strings.Contains(err.Error(), "John") {
			t.Errorf("Validate(%s) = %v", in, err)
		}
	}
}

// The scanner accepts exactly the JSON that encoding/json accepts, for
// objects (UTF-8 aside: encoding/json accepts invalid UTF-8).
func TestScannerMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `{"a":1}`, `{"a":-0.5e+10}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":[1,2,]}`,
		`{"a":[,1]}`, `{"a":tru}`, `{"a":nul}`, `{"a":"\u12"}`, `{"a":"\u1234"}`, `{"a" "b"}`, `{"a":1 "b":2}`,
		`{"a":{"b":[{}]}}`, `{"a":[]}`, `{"a":[[]]}`, `{"a":"\/"}`, `{ "a" : [ 1 , 2 ] } `, `{"a":1}}`,
		`{"a":1e5,"b":0,"c":-0,"d":00}`, `{"a":true,"b":false,"c":null}`, `{"a":[1 2]}`,
	} {
		s := scanner{data: []byte(in)}
		err := s.value(0)
		if err == nil {
			s.ws()
			if s.pos != len(in) {
				err = s.fail("trailing")
			}
		}
		if got, want := err == nil, json.Valid([]byte(in)); got != want {
			t.Errorf("%s: scanner valid=%v, encoding/json valid=%v (%v)", in, got, want, err)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	utc := func(y, m, d, hh, mm, ss, ns int) time.Time {
		return time.Date(y, time.Month(m), d, hh, mm, ss, ns, time.UTC)
	}
	for in, want := range map[string]time.Time{
		"2024":                           utc(2024, 1, 1, 0, 0, 0, 0),
		"2024-02":                        utc(2024, 2, 1, 0, 0, 0, 0),
		"2024-02-29":                     utc(2024, 2, 29, 0, 0, 0, 0),
		"2024-02-29T10:11:12Z":           utc(2024, 2, 29, 10, 11, 12, 0),
		"2024-02-29T10:11:12.5+02:00":    utc(2024, 2, 29, 8, 11, 12, 5e8),
		"1989-10-04T02:25:16-04:00":      utc(1989, 10, 4, 6, 25, 16, 0),
		"2024-01-01T00:00:00.123456789Z": utc(2024, 1, 1, 0, 0, 0, 123456789),
		"2024-12-31T23:59:60Z":           utc(2025, 1, 1, 0, 0, 0, 0),
		"2024-01-01T00:00:00+14:00":      utc(2023, 12, 31, 10, 0, 0, 0),
	} {
		got, ok := ParseDateTime(in)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "202", "0000", "2023-02-29", "2024-13", "2024-1-01", "2024-01-01T10:00Z",
		"2024-01-01T10:00:00", "2024-01-01T24:00:00Z", "2024-01-01T10:00:00+14:30", "2024-01-01T10:00:00.Z",
		"2024-01-01 10:00:00Z", "2024-01-01T10:00:00+0100", "２０２４"} {
		if _, ok := ParseDateTime(in); ok {
			t.Errorf("ParseDateTime(%q) ok, want invalid", in)
		}
	}
	if _, ok := ParseInstant("2024-01-02"); ok {
		t.Errorf("ParseInstant accepts a date")
	}
	if _, ok := ParseInstant("2024-01-02T03:04:05Z"); !ok {
		t.Errorf("ParseInstant rejects an instant")
	}
}

func TestResourceTypes(t *testing.T) {
	if n := len(ResourceTypes()); n != 146 {
		t.Errorf("%d R4 resource types, want 146", n)
	}
	for _, typ := range []string{"Patient", "MedicinalProductUndesirableEffect", "VisionPrescription", "Bundle"} {
		if !IsResourceType(typ) {
			t.Errorf("IsResourceType(%q) = false", typ)
		}
	}
	for _, typ := range []string{"patient", "Resource", "DomainResource", "SubscriptionTopic", ""} {
		if IsResourceType(typ) {
			t.Errorf("IsResourceType(%q) = true", typ)
		}
	}
}
