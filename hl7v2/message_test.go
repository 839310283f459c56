package hl7v2

import (
	"slices"
	"testing"
)

func TestGet(t *testing.T) {
	m := mustParse(t, adtA01)
	tests := []struct{ path, raw, text string }{
		{"MSH-1", "|", "|"},
		{"MSH-2", "^~\\&", "^~\\&"},
		{"MSH-2-1", "^~\\&", "^~\\&"}, // MSH-2 is not split
		{"MSH-3", "EPIC", "EPIC"},
		{"MSH-4-2", "1.2.3", "1.2.3"},
		{"MSH-9", "ADT^A01^ADT_A01", "ADT^A01^ADT_A01"},
		{"MSH-9-2", "A01", "A01"},
		{"MSH-10", "MSG00001", "MSG00001"},
		{"MSH.12", "2.5.1", "2.5.1"},
		{"PID-3", "12345^^^HOSP^MR~98765^^^SSA^SS", "12345^^^HOSP^MR~98765^^^SSA^SS"},
		{"PID-3-1", "12345", "12345"},
		{"PID-3(2)-1", "98765", "98765"},
		{"PID-3[2]-4", "SSA", "SSA"},
		{"PID-3(2)", "98765^^^SSA^SS", "98765^^^SSA^SS"},
		{"PID-3(3)", "", ""},
		{"PID-5-2", "JANE", "JANE"},
		{"PID.5.1", "DOE", "DOE"},
		{"PID(1)-5(2)-1", "SMITH", "SMITH"},
		{"PID-8", "F", "F"},
		{"PV1-3-4", "HOSP&1.2.3&ISO", "HOSP&1.2.3&ISO"},
		{"PV1-3-4-2", "1.2.3", "1.2.3"},
		{"PV1-3-4-4", "", ""},
		{"OBX-5", "72", "72"},
		{"OBX(2)-5", "fever \\T\\ chills", "fever & chills"},
		{"OBX(3)-5", "", ""},
		{"ZPI-2", "data", "data"},
		{"PID-99", "", ""},
		{"NK1-1", "", ""},
		{"bad", "", ""},
		{"PID-0", "", ""},
		{"PID-x", "", ""},
		{"PID-5-1-1-1", "", ""},
	}
	for _, tt := range tests {
		v := m.Get(tt.path)
		if v.Raw() != tt.raw || v.Text() != tt.text {
			t.Errorf("Get(%q) = %q / %q, want %q / %q", tt.path, v.Raw(), v.Text(), tt.raw, tt.text)
		}
	}
}

func TestLocation(t *testing.T) {
	tests := []struct {
		path string
		want Location
		str  string
	}{
		{"PID", Location{Segment: "PID"}, "PID"},
		{"PID-5", Location{Segment: "PID", Field: 5}, "PID-5"},
		{"OBX(2)-5", Location{Segment: "OBX", SegmentRep: 2, Field: 5}, "OBX(2)-5"},
		{"PID-3(2)-4-1", Location{Segment: "PID", Field: 3, FieldRep: 2, Component: 4, Subcomponent: 1}, "PID-3(2)-4-1"},
		{"PID.5.1", Location{Segment: "PID", Field: 5, Component: 1}, "PID-5-1"},
		{"ZA1[3].2", Location{Segment: "ZA1", SegmentRep: 3, Field: 2}, "ZA1(3)-2"},
	}
	for _, tt := range tests {
		got, err := ParseLocation(tt.path)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseLocation(%q) = %+v %q, %v", tt.path, got, got.String(), err)
		}
	}
	for _, bad := range []string{"", "PI", "1ID-1", "PID-", "PID-a", "PID(0)", "PID(1", "PID[1)", "PID-1-2-3-4", "PID-1(2)(3)", "PID-0", "PID1", "PID-99999999999", "PID-1 "} {
		if l, err := ParseLocation(bad); err == nil {
			t.Errorf("ParseLocation(%q) = %+v, want error", bad, l)
		}
	}
}

func TestSegments(t *testing.T) {
	m := mustParse(t, adtA01)
	var names []string
	for s := range m.Segments() {
		names = append(names, s.Name())
		if m.Segment(s.Number()).Raw() != s.Raw() {
			t.Errorf("segment %d mismatch", s.Number())
		}
	}
	if want := []string{"MSH", "EVN", "PID", "PV1", "OBX", "OBX", "ZPI"}; !slices.Equal(names, want) {
		t.Errorf("segments %v", names)
	}
	if m.Count("OBX") != 2 || m.Count("NK1") != 0 || m.Count("OB") != 0 {
		t.Errorf("Count wrong")
	}
	obx2, ok := m.Nth("OBX", 2)
	if !ok || obx2.Number() != 6 || obx2.Field(1).Raw() != "2" {
		t.Errorf("Nth(OBX, 2) = %v %d", ok, obx2.Number())
	}
	if _, ok := m.Nth("OBX", 3); ok {
		t.Error("Nth(OBX, 3) found")
	}
	if _, ok := m.Nth("OBX", 0); ok {
		t.Error("Nth(OBX, 0) found")
	}
	z, ok := m.First("ZPI")
	if !ok || z.Field(1).Text() != "custom" {
		t.Error("Z-segment not found")
	}
	n := 0
	for s := range m.All("OBX") {
		n++
		if s.Name() != "OBX" {
			t.Errorf("All(OBX) gave %s", s.Name())
		}
		break
	}
	if n != 1 {
		t.Error("All did not stop")
	}
	if s := m.Segment(0); s.Name() != "" || s.Field(1).Raw() != "" || s.FieldCount() != 0 {
		t.Error("Segment(0) not empty")
	}
	if s := m.Segment(99); s.Name() != "" {
		t.Error("Segment(99) not empty")
	}
	for range (Segment{}).Fields() {
		t.Error("zero segment has fields")
	}
}

func TestMSHNumbering(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|APP|FAC|||||ADT^A01|1|P|2.3\rNTE\rNTE|\rNTE|a||\r")
	msh := m.Segment(1)
	if msh.FieldCount() != 12 {
		t.Errorf("MSH FieldCount %d, want 12", msh.FieldCount())
	}
	var nums []int
	var raws []string
	for n, f := range msh.Fields() {
		nums = append(nums, n)
		raws = append(raws, f.Raw())
	}
	if nums[0] != 1 || raws[0] != "|" || raws[1] != "^~\\&" || raws[2] != "APP" || nums[len(nums)-1] != 12 || raws[11] != "2.3" {
		t.Errorf("MSH fields %v %q", nums, raws)
	}
	if got := msh.Get("9-2").Raw(); got != "A01" {
		t.Errorf("MSH Get(9-2) = %q", got)
	}
	if msh.Get("x").Raw() != "" {
		t.Error("bad relative path gave a value")
	}
	for i, want := range []int{0, 1, 3} {
		if got := m.Segment(i + 2).FieldCount(); got != want {
			t.Errorf("NTE %d FieldCount = %d, want %d", i+1, got, want)
		}
	}
	// A non-header segment numbers from its first separator.
	nte := m.Segment(4)
	if nte.Field(1).Raw() != "a" || nte.Field(2).Raw() != "" || nte.Field(0).Raw() != "" {
		t.Error("NTE numbering wrong")
	}
}

func TestRepetitionsAndSubcomponents(t *testing.T) {
	m := mustParse(t, adtA01)
	pid3 := m.Get("PID-3")
	if pid3.RepCount() != 2 || pid3.CompCount() != 5 || pid3.Rep(2).CompCount() != 5 {
		t.Errorf("PID-3 counts %d %d", pid3.RepCount(), pid3.CompCount())
	}
	var ids []string
	for r := range pid3.Reps() {
		ids = append(ids, r.Comp(1).Text()+"/"+r.Comp(5).Text())
	}
	if !slices.Equal(ids, []string{"12345/MR", "98765/SS"}) {
		t.Errorf("reps %v", ids)
	}
	loc := m.Get("PV1-3")
	hd := loc.Comp(4)
	if hd.SubCount() != 3 || hd.Sub(3).Text() != "ISO" || loc.Rep(1).Comp(4).Sub(2).Raw() != "1.2.3" {
		t.Errorf("PV1-3-4 subcomponents %d", hd.SubCount())
	}
	var subs []string
	for s := range hd.Subs() {
		subs = append(subs, s.Raw())
	}
	if !slices.Equal(subs, []string{"HOSP", "1.2.3", "ISO"}) {
		t.Errorf("subs %v", subs)
	}
	// Shortcuts: Sub on a field means its first component; Comp on a field its first
	// repetition; lower-level values are their own first element.
	if loc.Sub(1).Raw() != "4W" || loc.SubCount() != 1 || pid3.Comp(1).Rep(1).Raw() != "12345" || pid3.Comp(1).Rep(2).Raw() != "" {
		t.Error("shortcuts wrong")
	}
	if hd.Sub(1).Sub(1).Raw() != "HOSP" || hd.Sub(1).Sub(2).Raw() != "" || hd.Sub(1).Comp(1).Raw() != "HOSP" || hd.Sub(1).Comp(2).Raw() != "" {
		t.Error("subcomponent self-access wrong")
	}
	if pid3.Rep(0).Raw() != "" || pid3.Comp(0).Raw() != "" || hd.Sub(0).Raw() != "" || hd.Sub(9).Raw() != "" {
		t.Error("out-of-range access gave a value")
	}
	var comps []string
	for c := range m.Get("PID-5").Comps() {
		comps = append(comps, c.Raw())
	}
	if !slices.Equal(comps, []string{"DOE", "JANE", "Q", "", "DR"}) {
		t.Errorf("comps %v", comps)
	}
	n := 0
	for range m.Get("PID-4").Reps() {
		n++
	}
	for range hd.Sub(1).Subs() {
		n += 10
	}
	for range hd.Sub(1).Comps() {
		n += 100
	}
	if n != 110 {
		t.Errorf("iteration of empty and leaf values: %d", n)
	}
	for r := range pid3.Reps() {
		_ = r
		break
	}
	empty := m.Get("PID-4")
	if !empty.IsEmpty() || empty.RepCount() != 0 || empty.CompCount() != 0 || empty.SubCount() != 0 || empty.IsNull() {
		t.Error("empty field wrong")
	}
	null := mustParse(t, "MSH|^~\\&|A\rPID|1|\"\"\r").Get("PID-2")
	if !null.IsNull() || null.IsEmpty() {
		t.Error("explicit null not recognised")
	}
	// MSH-1 and MSH-2 are literal.
	msh2 := m.Get("MSH-2")
	if msh2.RepCount() != 1 || msh2.Comp(1).Raw() != "^~\\&" || msh2.Comp(2).Raw() != "" || msh2.Rep(2).Raw() != "" {
		t.Error("MSH-2 was split")
	}
	if string(msh2.AppendText([]byte("x"))) != "x^~\\&" || string(m.Get("OBX(2)-5").AppendText(nil)) != "fever & chills" {
		t.Error("AppendText wrong")
	}
}

func TestOddDelimiterAccess(t *testing.T) {
	// '^' as field separator, '~' component, '|' repetition (from the corpus).
	m := mustParse(t, "MSH^~|\\&^SENDING^200M^RECEIVING^200^20120918173931-0500^^ADT~A24^2003582144^T^2.4^^^AL^AL^^\r"+
		"PID^1^^11111~~~FOO&&0363~NI~FACILITY ID&200M&L^^SMITH~JOHN~TEST|JONES~JACK\r")
	h := m.Header()
	if h.Type.Code != "ADT" || h.Type.Trigger != "A24" || h.ControlID != "2003582144" || h.Version != "2.4" || h.AcceptAckType != "AL" {
		t.Errorf("header %+v", h)
	}
	if got := m.Get("PID-3-4-3").Text(); got != "0363" {
		t.Errorf("PID-3-4-3 = %q", got)
	}
	if got := m.Get("PID-5(2)-2").Text(); got != "JACK" {
		t.Errorf("PID-5(2)-2 = %q", got)
	}
	if m.Get("PID-5").RepCount() != 2 {
		t.Error("repetitions not split at '|'")
	}
	// 3-character MSH-2: no subcomponent separator, so '&' is data.
	m = mustParse(t, "MSH|^~}|A|B\rPID|1||A&B^C}T}D\r")
	if m.Get("PID-3-1").SubCount() != 1 || m.Get("PID-3-1-1").Text() != "A&B" || m.Get("PID-3-2").Text() != "C}T}D" {
		t.Errorf("no-subcomponent message: %q %q", m.Get("PID-3-1-1").Text(), m.Get("PID-3-2").Text())
	}
	// '}' as escape character.
	m = mustParse(t, "MSH|^~}&|A|B\rNTE|1||A}F}B}E}\r")
	if got := m.Get("NTE-3").Text(); got != "A|B}" {
		t.Errorf("escape '}' = %q", got)
	}
}
