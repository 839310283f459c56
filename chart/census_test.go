package chart

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// encounter makes an Encounter; locs are location entries as JSON.
func encounterRes(t testing.TB, id, patient, status, class, start, locs string) *lifeboat.Resource {
	t.Helper()
	return resf(t, `{"resourceType":"Encounter","id":%q,"status":%q,
		"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":%q},
		"subject":{"reference":"Patient/%s"},"period":{"start":%q},
		"participant":[{"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"ATND"}]}],
			"individual":{"reference":"Practitioner/pract-cuddy"}}],
		"location":[%s]}`, id, status, class, patient, start, locs)
}

func at1(ref, status string) string {
	if status == "" {
		return fmt.Sprintf(`{"location":{"reference":"Location/%s"}}`, ref)
	}
	return fmt.Sprintf(`{"location":{"reference":"Location/%s"},"status":%q}`, ref, status)
}

func patientRes(t testing.TB, id, family, given, gender, birth, mrn string) *lifeboat.Resource {
	t.Helper()
	return resf(t, `{"resourceType":"Patient","id":%q,
		"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":%q}],
		"name":[{"family":%q,"given":[%q]}],"gender":%q,"birthDate":%q}`, id, mrn, family, given, gender, birth)
}

// ward returns the encounters of the test hospital's patients.
func ward(t testing.TB) []*lifeboat.Resource {
	start := "2025-06-14T08:00:00-04:00"
	return []*lifeboat.Resource{
		// On 4 West: a bed through a room (in smith.json), a bed, the unit only.
		encounterRes(t, "enc-nka", "pat-nka", "in-progress", "EMER", start, at1("bed-4w-10", "active")),
		encounterRes(t, "enc-none", "pat-none", "in-progress", "OBSENC", start, at1("unit-4w", "")),
		// In MICU.
		encounterRes(t, "enc-icu", "pat-icu", "in-progress", "IMP", start, at1("bed-4w-3", "completed")+","+at1("bed-icu-1", "active")),
		// Two open encounters: the newest wins.
		encounterRes(t, "enc-dup-old", "pat-dup", "in-progress", "IMP", "2025-06-01T08:00:00-04:00", at1("bed-4w-3", "")),
		encounterRes(t, "enc-dup-new", "pat-dup", "in-progress", "ACUTE", "2025-06-10T08:00:00-04:00", at1("bed-icu-2", "")),
		// Not on the census: ambulatory, finished, only a planned location, an unknown location.
		encounterRes(t, "enc-amb", "pat-amb", "in-progress", "AMB", start, at1("bed-4w-2b", "")),
		encounterRes(t, "enc-gone", "pat-gone", "finished", "IMP", start, at1("bed-4w-2b", "")),
		encounterRes(t, "enc-plan", "pat-plan", "in-progress", "IMP", start, at1("bed-4w-2b", "planned")),
		encounterRes(t, "enc-nowhere", "pat-nowhere", "in-progress", "IMP", start, at1("bed-unknown", "")),
	}
}

func TestCensus(t *testing.T) {
	now := smithNow(t)
	rs := append(load(t, "smith.json"), ward(t)...)
	c := BuildCensus(now, hospital(t), shuffled(rs))
	want := []lifeboat.UnitSummary{
		{ID: "unit-4w", Name: "4 West", Kind: "Medical-surgical", Occupied: 3, Beds: 4},
		{ID: "unit-icu", Name: "MICU", Kind: "ICU", Occupied: 2, Beds: 2},
	}
	if !reflect.DeepEqual(c.Units, want) {
		t.Errorf("census:\ngot  %+v\nwant %+v", c.Units, want)
	}

	adms := Admissions(now, hospital(t), rs)
	var got []string
	for _, a := range adms {
		got = append(got, a.PatientID+"@"+a.Location+"/"+a.EncounterID)
	}
	equalLists(t, "admissions", got, []string{
		"pat-smith@4 West / 4W-2A/enc-smith-now",
		"pat-nka@4 West / 4W-10/enc-nka",
		"pat-none@4 West/enc-none",
		"pat-icu@MICU / ICU-1/enc-icu",
		"pat-dup@MICU / ICU-2/enc-dup-new",
	})
}

func TestUnitCensus(t *testing.T) {
	now := smithNow(t)
	rs := append(load(t, "smith.json"), ward(t)...)
	rs = append(rs,
		patientRes(t, "pat-nka", "Doe", "Baby", "male", "2025-04-10", "MRN000777"),
		patientRes(t, "pat-none", "Nuñez", "Ana", "female", "2025-06-03", "MRN000888"),
		resf(t, `{"resourceType":"AllergyIntolerance","id":"a-nka","patient":{"reference":"Patient/pat-nka"},
			"clinicalStatus":{"coding":[{"code":"active"}]},
			"code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003"}]}}`),
		// Smith's doses: 10:30 due in the next hour, 09:30 given.
		medOrder(t, "mr-a", "A", `{"timing":{"repeat":{"timeOfDay":["09:30:00","10:30:00"]}}}`),
		medAdmin(t, "ma-a", "mr-a", "completed", at(t, "2025-06-15 09:35"), ""),
	)
	uc, ok := BuildUnitCensus(now, hospital(t), "unit-4w", shuffled(rs))
	if !ok {
		t.Fatal("unit not found")
	}
	if uc.Unit != (lifeboat.UnitSummary{ID: "unit-4w", Name: "4 West", Kind: "Medical-surgical", Occupied: 3, Beds: 4}) {
		t.Errorf("unit = %+v", uc.Unit)
	}
	for i := range uc.Rows {
		uc.Rows[i].Admitted = uc.Rows[i].Admitted.UTC()
	}
	start := at(t, "2025-06-14 08:00").UTC()
	want := []lifeboat.CensusRow{
		{Bed: "4W-2A", PatientID: "pat-smith", Name: "SMITH, Jane Q", MRN: "MRN001234", Age: "66 y", Sex: "F",
			Attending: "Dr. Gregory House", Admitted: at(t, "2025-06-12 14:30").UTC(), Allergies: lifeboat.AllergiesPresent,
			CodeStatus: "DNR/DNI", DueNextHour: 1, BirthDate: "1958-06-16", AllergyList: []string{"Penicillin", "Sulfonamide antibiotics"}},
		{Bed: "4W-10", PatientID: "pat-nka", Name: "DOE, Baby", MRN: "MRN000777", Age: "2 mo", Sex: "M",
			Attending: "Dr. Lisa Cuddy", Admitted: start, Allergies: lifeboat.AllergiesNoneKnown, BirthDate: "2025-04-10"},
		{Bed: "", PatientID: "pat-none", Name: "NUÑEZ, Ana", MRN: "MRN000888", Age: "12 d", Sex: "F",
			Attending: "Dr. Lisa Cuddy", Admitted: start, Allergies: lifeboat.AllergiesNotRecorded, BirthDate: "2025-06-03"},
	}
	if !reflect.DeepEqual(uc.Rows, want) {
		t.Errorf("rows:\ngot  %+v\nwant %+v", uc.Rows, want)
	}

	if _, ok := BuildUnitCensus(now, hospital(t), "bed-4w-3", rs); ok {
		t.Error("a bed is not a unit")
	}
	if _, ok := BuildUnitCensus(now, hospital(t), "nope", rs); ok {
		t.Error("unknown unit found")
	}
	icu, ok := BuildUnitCensus(now, hospital(t), "unit-icu", rs)
	if !ok || len(icu.Rows) != 2 || icu.Rows[0].Bed != "ICU-1" || icu.Rows[1].Bed != "ICU-2" {
		t.Errorf("ICU = %+v", icu)
	}
}

func TestNaturalLess(t *testing.T) {
	beds := []string{"4W-10", "4w-2B", "", "4W-2A", "4W-3", "4W-02C", "ICU-1"}
	sort.SliceStable(beds, func(i, j int) bool { return bedLess(beds[i], beds[j]) })
	want := []string{"4W-2A", "4w-2B", "4W-02C", "4W-3", "4W-10", "ICU-1", ""}
	if !reflect.DeepEqual(beds, want) {
		t.Errorf("sorted = %q", beds)
	}
}

func TestDirectoryDeletesAndReplaces(t *testing.T) {
	d := hospital(t)
	n := d.Len()
	bed := res(t, `{"resourceType":"Location","id":"bed-4w-3","name":"4W-3X","physicalType":{"coding":[{"code":"bd"}]},
		"partOf":{"reference":"Location/unit-4w"}}`)
	d.Add(bed)
	if l := d.location("bed-4w-3"); l == nil || l.Name != "4W-3X" || d.Len() != n {
		t.Errorf("replaced = %+v", l)
	}
	bed.Deleted = true
	d.Add(bed)
	if d.location("bed-4w-3") != nil || d.Len() != n-1 {
		t.Error("deleted location kept")
	}
	if got := d.parent("Location/bed-4w-2a"); got != "Location/room-4w-2" {
		t.Errorf("parent = %q", got)
	}
}
