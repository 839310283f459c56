package hl7fhir

import (
	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type patientResource struct {
	ResourceType     string           `json:"resourceType"`
	ID               string           `json:"id"`
	Meta             meta             `json:"meta"`
	Identifier       []identifier     `json:"identifier,omitempty"`
	Active           *bool            `json:"active,omitempty"`
	Name             []humanName      `json:"name,omitempty"`
	Telecom          []contactPoint   `json:"telecom,omitempty"`
	Gender           string           `json:"gender,omitempty"`
	BirthDate        string           `json:"birthDate,omitempty"`
	DeceasedBoolean  *bool            `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime string           `json:"deceasedDateTime,omitempty"`
	Address          []address        `json:"address,omitempty"`
	MaritalStatus    *codeableConcept `json:"maritalStatus,omitempty"`
	Contact          []patientContact `json:"contact,omitempty"`
	Link             []patientLink    `json:"link,omitempty"`
}

type patientContact struct {
	Relationship []codeableConcept `json:"relationship,omitempty"`
	Name         *humanName        `json:"name,omitempty"`
	Telecom      []contactPoint    `json:"telecom,omitempty"`
	Address      *address          `json:"address,omitempty"`
}

type patientLink struct {
	Other reference `json:"other"`
	Type  string    `json:"type"`
}

// identity picks the identifier a patient's id is derived from among CX
// repetitions: the first typed MR, else the first with a value.
func identity(reps []identifier) *identifier {
	var first *identifier
	for i := range reps {
		id := &reps[i]
		if first == nil {
			first = id
		}
		if id.Type != nil && len(id.Type.Coding) > 0 && id.Type.Coding[0].Code == "MR" {
			return id
		}
	}
	return first
}

// identifiers maps the CX repetitions of a field.
func (m *mapper) identifiers(v hl7v2.Value, defaultSystem string) []identifier {
	return mapReps(&m.arena.identifiers, v, func(r hl7v2.Value) (identifier, bool) { return m.cx(r, defaultSystem) })
}

// patientIDs returns the identifiers of a PID segment: PID-3, or for old
// versions PID-2 and PID-4 when PID-3 is empty.
func (m *mapper) patientIDs(pid hl7v2.Segment) []identifier {
	ids := m.identifiers(pid.Field(3), m.opts.MRNSystem)
	if len(ids) == 0 {
		ids = m.identifiers(pid.Field(2), m.opts.MRNSystem)
		ids = append(ids, m.identifiers(pid.Field(4), m.opts.MRNSystem)...)
	}
	return ids
}

// patientCtx is the patient a group of segments is about.
type patientCtx struct {
	id      string
	display string
	refs    string // "Patient/" + id, made once
}

// newPatientCtx returns the context of the patient with the identifier
// system|value.
func newPatientCtx(system, value, display string) patientCtx {
	ref := makeRef("Patient", system, value)
	return patientCtx{id: ref[len("Patient/"):], display: display, refs: ref}
}

// patientRef is p.ref(), from the arena.
func (m *mapper) patientRef(p patientCtx) *reference {
	if p.id == "" {
		return nil
	}
	r := m.arena.references.new()
	*r = reference{Reference: p.refs, Display: p.display}
	return r
}

func (p patientCtx) ref() *reference {
	if p.id == "" {
		return nil
	}
	return &reference{Reference: p.refs, Display: p.display}
}

// patient maps a PID segment and its NK1 segments to a Patient and emits it.
// Patients from messages other than ADT are placeholders.
func (m *mapper) patient(pid hl7v2.Segment, nk1 []hl7v2.Segment, placeholder bool) (patientCtx, error) {
	ids := m.patientIDs(pid)
	key := identity(ids)
	p := m.arena.patients.new()
	p.ResourceType, p.Meta = "Patient", m.meta()
	p.Name = mapReps(&m.arena.names, pid.Field(5), m.xpn)
	if key == nil {
		return patientCtx{}, missing("PID", m.seq(pid), 3, "patient identifier")
	}
	p.Identifier = ids
	if !placeholder {
		p.Active = boolPtr(true)
	}
	p.Telecom = m.telecom(pid.Field(13), pid.Field(14))
	p.Gender = gender(text(pid.Field(8)))
	if t, ok := m.time(pid, 7); ok {
		p.BirthDate = m.fhirDate(t)
	}
	if t, ok := m.time(pid, 29); ok {
		p.DeceasedDateTime = m.fhirDateTime(t)
	} else if d := text(pid.Field(30)); d == "Y" {
		p.DeceasedBoolean = boolPtr(true)
	} else if d == "N" {
		p.DeceasedBoolean = boolPtr(false)
	}
	p.Address = mapReps(&m.arena.addresses, pid.Field(11), m.xad)
	p.MaritalStatus = m.maritalStatus(pid.Field(16))
	for _, s := range nk1 {
		if c, ok := m.contact(s); ok {
			if p.Contact == nil {
				p.Contact = m.arena.contacts.slice(len(nk1))
			}
			p.Contact = append(p.Contact, c)
		}
	}
	display := ""
	if len(p.Name) > 0 {
		display = p.Name[0].display()
	}
	ctx := newPatientCtx(key.System, key.Value, display)
	p.ID = ctx.id
	m.emit("Patient", p.ID, placeholder, p)
	return ctx, nil
}

// telecom maps the XTN repetitions of a home and a work phone field.
func (m *mapper) telecom(home, work hl7v2.Value) []contactPoint {
	var out []contactPoint
	for i, f := range [2]hl7v2.Value{home, work} {
		use := "home"
		if i == 1 {
			use = "work"
		}
		for r := range f.Reps() {
			if t, ok := xtn(r, use); ok {
				if out == nil {
					out = m.arena.contactPoints.slice(home.RepCount() + work.RepCount())
				}
				out = append(out, t)
			}
		}
	}
	return out
}

func gender(s string) string {
	switch s {
	case "M":
		return "male"
	case "F":
		return "female"
	case "U":
		return "unknown"
	case "O", "A", "N", "X":
		return "other"
	}
	return ""
}

func (m *mapper) maritalStatus(v hl7v2.Value) *codeableConcept {
	c := m.cwe(v)
	if c == nil {
		return nil
	}
	code := ""
	if len(c.Coding) > 0 {
		code = c.Coding[0].Code
	}
	switch code {
	case "A", "D", "I", "L", "M", "P", "S", "T", "U", "W":
		disp := c.Coding[0].Display
		c.Coding[0] = coding{System: "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", Code: code, Display: disp}
		if code == "A" { // v2 "separated" is v3 "legally separated"
			c.Coding[0].Code = "L"
		}
	default:
		c.Coding = nil
		if c.Text == "" {
			c.Text = code
		}
	}
	return withText(c)
}

// contact maps an NK1 segment to a Patient.contact; false when it has
// nothing to say.
func (m *mapper) contact(nk hl7v2.Segment) (patientContact, bool) {
	var c patientContact
	if n, ok := m.xpn(nk.Field(2).Rep(1)); ok {
		c.Name = m.arena.names.new()
		*c.Name = n
	}
	if a, ok := m.xad(nk.Field(4).Rep(1)); ok {
		c.Address = m.arena.addresses.new()
		*c.Address = a
	}
	role, rel := m.cwe(nk.Field(7)), m.cwe(nk.Field(3))
	if role != nil || rel != nil {
		c.Relationship = m.arena.conceptLists.slice(2)
	}
	if role != nil {
		for i := range role.Coding {
			if role.Coding[i].System == "" {
				role.Coding[i].System = "http://terminology.hl7.org/CodeSystem/v2-0131"
			}
		}
		c.Relationship = append(c.Relationship, *role)
	}
	if rel != nil {
		c.Relationship = append(c.Relationship, *withText(rel))
	}
	c.Telecom = m.telecom(nk.Field(5), nk.Field(6))
	if c.Name == nil && c.Address == nil && len(c.Telecom) == 0 && len(c.Relationship) == 0 {
		return patientContact{}, false
	}
	return c, true
}

// merge maps a PID/MRG pair of a merge message (A34, A40): the surviving
// patient links to the one it replaces, which becomes inactive and links back.
func (m *mapper) merge(pid, mrg hl7v2.Segment, nk1 []hl7v2.Segment) error {
	ids := m.identifiers(mrg.Field(1), m.opts.MRNSystem)
	if len(ids) == 0 {
		ids = m.identifiers(mrg.Field(4), m.opts.MRNSystem)
	}
	key := identity(ids)
	if key == nil {
		return missing("MRG", m.seq(mrg), 1, "prior patient identifier")
	}
	oldID := PatientID(key.System, key.Value)
	surv, err := m.patient(pid, nk1, false)
	if err != nil {
		return err
	}
	if oldID == surv.id {
		m.warnSeg(mrg, 1, "merge of a patient into itself ignored")
		return nil
	}
	// Re-emit the survivor with its link.
	prev, ok := m.emitted[m.index[[2]string{"Patient", surv.id}]].v.(*patientResource)
	if !ok {
		return &MapError{Code: hl7v2.CodeInternal, Msg: "merged patient not mapped"}
	}
	p := *prev
	p.Link = append(p.Link[:len(p.Link):len(p.Link)], patientLink{Other: reference{Reference: "Patient/" + oldID}, Type: "replaces"})
	m.emit("Patient", p.ID, false, &p)

	old := &patientResource{ResourceType: "Patient", ID: oldID, Meta: m.meta(), Active: boolPtr(false)}
	old.Identifier = ids
	for r := range mrg.Field(7).Reps() {
		if n, ok := m.xpn(r); ok {
			old.Name = append(old.Name, n)
		}
	}
	old.Link = []patientLink{{Other: reference{Reference: "Patient/" + surv.id, Display: surv.display}, Type: "replaced-by"}}
	m.emit("Patient", oldID, false, old)
	return nil
}

func (v *patientResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = optBool(b, "active", v.Active)
	b = optList(b, "name", v.Name)
	b = optList(b, "telecom", v.Telecom)
	b = optStr(b, "gender", v.Gender)
	b = optStr(b, "birthDate", v.BirthDate)
	b = optBool(b, "deceasedBoolean", v.DeceasedBoolean)
	b = optStr(b, "deceasedDateTime", v.DeceasedDateTime)
	b = optList(b, "address", v.Address)
	b = opt(b, "maritalStatus", v.MaritalStatus)
	b = optList(b, "contact", v.Contact)
	b = optList(b, "link", v.Link)
	return append(b, '}')
}

func (v *patientResource) index(c *indexCache) (lifeboat.Index, bool) {
	x := lifeboat.Index{Patient: v.ID, Identifiers: c.indexIdentifiers(v.Identifier), BirthDate: v.BirthDate, Names: c.indexNames(v.Name)}
	return x, v.BirthDate == "" || validDate(v.BirthDate)
}

func (v *patientContact) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optList(b, "relationship", v.Relationship)
	b = opt(b, "name", v.Name)
	b = optList(b, "telecom", v.Telecom)
	b = opt(b, "address", v.Address)
	return append(b, '}')
}

func (v *patientLink) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = obj(b, "other", &v.Other)
	b = str(b, "type", v.Type)
	return append(b, '}')
}
