package hl7fhir

import (
	"encoding/base64"
	"strings"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// mdm maps MDM^T01-T11: the TXA document header and its OBX content to a
// DocumentReference (text lines joined as a text/plain attachment, ED
// values as their own attachments).
func (m *mapper) mdm() error {
	pid, ok := m.msg.First("PID")
	if !ok {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "PID", Msg: "segment missing"}
	}
	pat, err := m.patient(pid, nil, true)
	if err != nil {
		return err
	}
	enc := ""
	if pv1, ok := m.msg.First("PV1"); ok {
		enc = m.encounter(pat, pv1, hl7v2.Segment{}, evUpdate, true)
	}
	txa, ok := m.msg.First("TXA")
	if !ok {
		return &MapError{Code: hl7v2.CodeSegmentSequence, Segment: "TXA", Msg: "segment missing"}
	}
	d := &documentResource{ResourceType: "DocumentReference", Meta: m.meta(), Subject: pat.ref()}
	if uid := ei(txa.Field(12)); uid != nil {
		d.MasterIdentifier = uid
		d.ID = makeID("DocumentReference", "txa", uid.System, uid.Value)
	} else {
		d.ID = makeID("DocumentReference", pat.id, text(txa.Field(2)), text(txa.Field(4)), text(txa.Field(6)))
	}
	if t := withText(cwe(txa.Field(2))); t != nil {
		d.Type = t
	}
	if t, ok := m.time(txa, 4); ok {
		d.Date = m.fhirInstant(t)
	} else if t, ok := m.time(txa, 6); ok {
		d.Date = m.fhirInstant(t)
	}
	for _, f := range []int{9, 5} {
		for r := range txa.Field(f).Reps() {
			if p := m.practitioner(r); p != nil && !hasRef(d.Author, p.Reference) {
				d.Author = append(d.Author, *p)
			}
		}
	}
	if p := m.practitioner(txa.Field(22).Rep(1)); p != nil {
		d.Authenticator = p
	}
	switch strings.ToUpper(text(txa.Field(17))) {
	case "AU", "LA":
		d.DocStatus = "final"
	case "DI", "DO", "IP", "IN", "PA":
		d.DocStatus = "preliminary"
	}
	d.Status = "current"
	switch strings.ToUpper(text(txa.Field(19))) {
	case "CA":
		d.Status = "entered-in-error"
	case "OB":
		d.Status = "superseded"
	}
	if m.trigger == "T11" || m.trigger == "T05" && strings.EqualFold(text(txa.Field(19)), "CA") {
		d.Status = "entered-in-error"
	}
	if parent := ei(txa.Field(13)); parent != nil {
		code := "appends"
		if m.trigger == "T09" || m.trigger == "T10" {
			code = "replaces"
		}
		d.RelatesTo = []docRelatesTo{{Code: code, Target: reference{Reference: "DocumentReference/" + makeID("DocumentReference", "txa", parent.System, parent.Value)}}}
	}
	var lines []string
	for obx := range m.msg.All("OBX") {
		if strings.EqualFold(text(obx.Field(2)), "ED") {
			a, reason := edAttachment(obx.Field(5).Rep(1))
			if reason != "" {
				m.warnSeg(obx, 5, reason)
				continue
			}
			d.Content = append(d.Content, docContent{Attachment: a})
			continue
		}
		for r := range obx.Field(5).Reps() {
			lines = append(lines, strings.TrimRight(r.Text(), " "))
		}
	}
	if len(lines) > 0 {
		body := strings.Join(lines, "\n")
		d.Content = append([]docContent{{Attachment: attachment{ContentType: "text/plain; charset=utf-8", Data: base64.StdEncoding.EncodeToString([]byte(body))}}}, d.Content...)
	}
	if len(d.Content) == 0 {
		// A notification without content (T01, T05, T09, T11): the document
		// is known but its text was not sent.
		d.Content = []docContent{{Attachment: attachment{Title: "content not sent"}}}
	}
	if enc != "" {
		d.Context = &docContext{Encounter: []reference{{Reference: "Encounter/" + enc}}}
	}
	m.emit("DocumentReference", d.ID, false, d)
	return nil
}

func hasRef(refs []reference, r string) bool {
	for _, x := range refs {
		if x.Reference == r {
			return true
		}
	}
	return false
}
