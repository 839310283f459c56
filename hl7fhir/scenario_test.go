package hl7fhir

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// fakeStore applies outputs with the store's rules: a placeholder is written
// only when nothing is stored, a real version replaces a placeholder, and
// otherwise the newer lastUpdated wins.
type fakeStore map[string]Output

func (s fakeStore) apply(res *Result) {
	for _, o := range res.Resources {
		key := o.Type + "/" + o.ID
		old, ok := s[key]
		switch {
		case !ok:
			s[key] = o
		case o.Placeholder:
		case old.Placeholder || o.LastUpdated.After(old.LastUpdated):
			s[key] = o
		}
	}
}

func (s fakeStore) get(t *testing.T, typ, id string) map[string]any {
	t.Helper()
	o, ok := s[typ+"/"+id]
	if !ok {
		t.Fatalf("%s/%s not stored", typ, id)
	}
	var v map[string]any
	if err := json.Unmarshal(o.JSON, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func (s fakeStore) only(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	var id string
	for _, o := range s {
		if o.Type == typ {
			if id != "" {
				t.Fatalf("more than one %s", typ)
			}
			id = o.ID
		}
	}
	if id == "" {
		t.Fatalf("no %s", typ)
	}
	return id, s.get(t, typ, id)
}

// msg builds a message from segments written with '|' and joined by CR.
func msg(t testing.TB, segs ...string) *hl7v2.Message {
	t.Helper()
	m, err := hl7v2.ParseString(strings.Join(segs, "\r") + "\r")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustMap(t testing.TB, m *hl7v2.Message) *Result {
	t.Helper()
	res, err := Map(m, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const (
	testPID  = "PID|1||MRN555^^^GENHOSP^MR||DOEMADE^PAT||19800202|M"
	testPID2 = "PID|1||MRN555^^^GENHOSP^MR||DOEMADE^PATRICK||19800202|M"
)

func adt(trigger, ts, pv1 string, extra ...string) []string {
	return append([]string{"MSH|^~\\&|ADTSYS|GENHOSP|LB|GENHOSP|" + ts + "||ADT^" + trigger + "|C" + trigger + ts + "|P|2.5.1",
		"EVN|" + trigger + "|" + ts}, extra...)
}

func pv1(loc, prior, attending string) string {
	f := make([]string, 45)
	f[0], f[1], f[2], f[3], f[6], f[7] = "PV1", "1", "I", loc, prior, attending
	f[19], f[44] = "V900^^^GENHOSP^VN", "20250301080000"
	return strings.Join(f, "|")
}

func TestA08BeforeA01Converges(t *testing.T) {
	a01 := msg(t, append(adt("A01", "20250301080500", ""), testPID, pv1("4W^410^A^GENHOSP", "", "1001^CARER^CASEY"))...)
	a08 := msg(t, append(adt("A08", "20250301093000", ""), testPID2, pv1("4W^410^A^GENHOSP", "", "1002^HEALER^HARPER"))...)
	inOrder, reversed := fakeStore{}, fakeStore{}
	inOrder.apply(mustMap(t, a01))
	inOrder.apply(mustMap(t, a08))
	reversed.apply(mustMap(t, a08))
	reversed.apply(mustMap(t, a01))
	if len(inOrder) != len(reversed) {
		t.Fatalf("different resource sets: %d and %d", len(inOrder), len(reversed))
	}
	for k, o := range inOrder {
		if o.Placeholder {
			continue // the first version of a placeholder stays, whichever came first
		}
		if string(reversed[k].JSON) != string(o.JSON) {
			t.Errorf("%s differs:\n%s\n%s", k, o.JSON, reversed[k].JSON)
		}
	}
	_, p := reversed.only(t, "Patient")
	if given := p["name"].([]any)[0].(map[string]any)["given"].([]any)[0]; given != "PATRICK" {
		t.Errorf("name not from the newer A08: %v", given)
	}
	_, e := reversed.only(t, "Encounter")
	if e["status"] != "in-progress" {
		t.Errorf("encounter status %v", e["status"])
	}
	if d := e["participant"].([]any)[0].(map[string]any)["individual"].(map[string]any)["display"]; d != "HARPER HEALER" {
		t.Errorf("attending %v", d)
	}
}

func TestORUForUnknownPatientMakesPlaceholder(t *testing.T) {
	oru := msg(t, "MSH|^~\\&|LAB|GENHOSP|LB|GENHOSP|20250301120000||ORU^R01|L1|P|2.5.1", testPID,
		"OBR|1||F1^LAB|2823-3^Potassium^LN|||20250301110000||||||||||||||||||F",
		"OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F")
	res := mustMap(t, oru)
	st := fakeStore{}
	st.apply(res)
	pid, _ := st.only(t, "Patient")
	if !st["Patient/"+pid].Placeholder {
		t.Fatal("patient from ORU is not a placeholder")
	}
	_, obs := st.only(t, "Observation")
	if obs["subject"].(map[string]any)["reference"] != "Patient/"+pid {
		t.Fatalf("observation subject %v", obs["subject"])
	}
	// The A01 sent earlier but received later completes the patient.
	st.apply(mustMap(t, msg(t, append(adt("A01", "20250301080500", ""), testPID, pv1("4W^410^A^GENHOSP", "", ""))...)))
	if st["Patient/"+pid].Placeholder {
		t.Fatal("ADT did not replace the placeholder")
	}
	if p := st.get(t, "Patient", pid); p["active"] != true {
		t.Fatalf("patient %v", p)
	}
}

// activeBed returns the location reference of the last active entry.
func activeBed(t *testing.T, e map[string]any) string {
	t.Helper()
	locs, _ := e["location"].([]any)
	bed := ""
	for _, l := range locs {
		l := l.(map[string]any)
		if s, ok := l["status"]; !ok || s == "active" {
			bed = l["location"].(map[string]any)["reference"].(string)
		}
	}
	return bed
}

func TestA02ThenA12RestoresBed(t *testing.T) {
	st := fakeStore{}
	a01 := mustMap(t, msg(t, append(adt("A01", "20250301080500", ""), testPID, pv1("4W^410^A^GENHOSP", "", ""))...))
	st.apply(a01)
	encID, e := st.only(t, "Encounter")
	bedA := activeBed(t, e)
	st.apply(mustMap(t, msg(t, append(adt("A02", "20250302100000", ""), testPID, pv1("5E^501^B^GENHOSP", "4W^410^A^GENHOSP", ""))...)))
	e = st.get(t, "Encounter", encID)
	bedB := activeBed(t, e)
	if bedB == bedA || bedB == "" {
		t.Fatalf("A02 did not move the patient: %s -> %s", bedA, bedB)
	}
	locs := e["location"].([]any)
	if len(locs) != 2 || locs[0].(map[string]any)["status"] != "completed" || locs[0].(map[string]any)["location"].(map[string]any)["reference"] != bedA {
		t.Fatalf("bed history after A02: %v", locs)
	}
	st.apply(mustMap(t, msg(t, append(adt("A12", "20250302103000", ""), testPID, pv1("4W^410^A^GENHOSP", "5E^501^B^GENHOSP", ""))...)))
	e = st.get(t, "Encounter", encID)
	if got := activeBed(t, e); got != bedA {
		t.Fatalf("A12 left the patient in %s, want %s", got, bedA)
	}
	if e["status"] != "in-progress" {
		t.Fatalf("status %v", e["status"])
	}
}

func TestA40MergeLinksBothPatients(t *testing.T) {
	st := fakeStore{}
	st.apply(mustMap(t, msg(t, append(adt("A01", "20250301080500", ""), "PID|1||MRN111^^^GENHOSP^MR||DOEMADE^PAT", pv1("4W^410^A^GENHOSP", "", ""))...)))
	oldID, _ := st.only(t, "Patient")
	st.apply(mustMap(t, msg(t, append(adt("A40", "20250303080000", ""), "PID|1||MRN222^^^GENHOSP^MR||DOEMADE^PAT", "MRG|MRN111^^^GENHOSP^MR")...)))
	old := st.get(t, "Patient", oldID)
	if old["active"] != false {
		t.Fatalf("merged patient still active: %v", old)
	}
	link := old["link"].([]any)[0].(map[string]any)
	survivor := strings.TrimPrefix(link["other"].(map[string]any)["reference"].(string), "Patient/")
	if link["type"] != "replaced-by" || survivor == oldID {
		t.Fatalf("link %v", link)
	}
	s := st.get(t, "Patient", survivor)
	sl := s["link"].([]any)[0].(map[string]any)
	if sl["type"] != "replaces" || sl["other"].(map[string]any)["reference"] != "Patient/"+oldID {
		t.Fatalf("survivor link %v", sl)
	}
}

func TestRASJoinsItsOrder(t *testing.T) {
	rde, ras := mapFile(t, "testdata/rde_o11_tq1.hl7"), mapFile(t, "testdata/ras_o17.hl7")
	orders := map[string]bool{}
	for _, o := range rde.Resources {
		if o.Type == "MedicationRequest" {
			orders["MedicationRequest/"+o.ID] = true
		}
	}
	n := 0
	for _, o := range ras.Resources {
		if o.Type != "MedicationAdministration" {
			continue
		}
		var a struct {
			Request struct{ Reference string }
		}
		if err := json.Unmarshal(o.JSON, &a); err != nil {
			t.Fatal(err)
		}
		if !orders[a.Request.Reference] {
			t.Errorf("administration references %q, not an order of the RDE", a.Request.Reference)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d administrations", n)
	}
}

func TestUnsupportedAndErrors(t *testing.T) {
	_, err := Map(msg(t, "MSH|^~\\&|A|B|C|D|20250101||DFT^P03|1|P|2.5", testPID), testOptions())
	var me *MapError
	if !errors.As(err, &me) || me.Code != hl7v2.CodeUnsupportedMessage || lifeboat.ErrorCode(err) != lifeboat.EINVALID {
		t.Fatalf("DFT: %v", err)
	}
	_, err = Map(msg(t, "MSH|^~\\&|A|B|C|D|20250101||ADT^A01|1|P|2.5", "EVN|A01|20250101"), testOptions())
	if !errors.As(err, &me) || me.Code != hl7v2.CodeSegmentSequence || me.Segment != "PID" {
		t.Fatalf("ADT without PID: %v", err)
	}
	// Invalid values give warnings that name the field and never its content.
	res := mustMap(t, msg(t, "MSH|^~\\&|A|B|C|D|20250101||ADT^A28|1|P|2.5", "PID|1||MRN1^^^H^MR||SECRETNAME^X||SECRETDOB|M"))
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "PID(1)-7:") || strings.Contains(res.Warnings[0], "SECRET") {
		t.Fatalf("warnings %q", res.Warnings)
	}
	if !res.Resources[0].LastUpdated.Equal(time.Date(2025, 1, 1, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("lastUpdated %v", res.Resources[0].LastUpdated)
	}
}
