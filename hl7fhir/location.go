package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type locationResource struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Meta         meta             `json:"meta"`
	Identifier   []identifier     `json:"identifier,omitempty"`
	Status       string           `json:"status,omitempty"`
	Name         string           `json:"name,omitempty"`
	Mode         string           `json:"mode,omitempty"`
	PhysicalType *codeableConcept `json:"physicalType,omitempty"`
	PartOf       *reference       `json:"partOf,omitempty"`
}

// physicalTypes holds the Location.physicalType of each kind of location,
// shared by the locations of that kind (and never modified).
var physicalTypes = map[string]*codeableConcept{
	"wa": cc("http://terminology.hl7.org/CodeSystem/location-physical-type", "wa", "Ward"),
	"ro": cc("http://terminology.hl7.org/CodeSystem/location-physical-type", "ro", "Room"),
	"bd": cc("http://terminology.hl7.org/CodeSystem/location-physical-type", "bd", "Bed"),
}

func init() {
	for _, c := range physicalTypes {
		memoize(c)
	}
}

// location maps a PL (person location) value to placeholder Locations: the
// point of care as a unit ("wa"), the room ("ro") part of it and the bed
// ("bd") part of the room, each named as given. It returns a reference to
// the most specific one, or nil when the value names none of them.
func (m *mapper) location(v hl7v2.Value) *reference {
	var c comps
	c.split(v)
	poc, room, bed := text(c.comp(1).Sub(1)), text(c.comp(2).Sub(1)), text(c.comp(3).Sub(1))
	fac := hdSub(c.comp(4))
	facKey := fac.ns
	if facKey == "" {
		facKey = fac.uid
	}
	var parent *reference
	names := [3]string{poc, room, bed}
	for depth, kind := range [3]string{"wa", "ro", "bd"} {
		name := names[depth]
		if name == "" {
			continue
		}
		// The id is hashed from the kind, the facility and the names down
		// to this one.
		in := idInput(m.scratch[:0], "Location", kind, facKey)
		for _, k := range names[:depth+1] {
			in = append(append(in, 0), k...)
		}
		m.scratch = in
		ref := refFromInput("Location", in)
		id := ref[len("Location/"):]
		var path string
		switch kind {
		case "wa":
			path = lifeboat.LocationPath(poc, "", "")
		case "ro":
			path = lifeboat.LocationPath(poc, room, "")
		default:
			path = lifeboat.LocationPath(poc, room, bed)
		}
		a := m.arena.locations.new()
		a.id[0] = identifier{System: lifeboat.LocationPathSystem, Value: path}
		a.ref = reference{Reference: ref, Display: name}
		l := &a.l
		l.ResourceType, l.ID, l.Meta, l.Status, l.Name, l.Mode = "Location", id, m.meta(), "active", name, "instance"
		l.Identifier, l.PhysicalType, l.PartOf = a.id[:], physicalTypes[kind], parent
		m.emit("Location", id, true, &a.l)
		parent = &a.ref
	}
	return parent
}

type practitionerResource struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Meta         meta         `json:"meta"`
	Identifier   []identifier `json:"identifier,omitempty"`
	Name         []humanName  `json:"name,omitempty"`
}

// practitioner maps an XCN repetition to a placeholder Practitioner and
// returns a reference to it with the name as display; nil when empty.
func (m *mapper) practitioner(v hl7v2.Value) *reference {
	// The same person is often named twice in a row (attending and
	// admitting doctor): the same value maps to the same Practitioner, and
	// only practitioner emits Practitioners.
	raw := v.Raw()
	if raw != "" && raw == m.lastPractitioner.raw && strings.IndexByte(raw, v.Delimiters().Repetition) < 0 {
		return m.lastPractitioner.ref
	}
	ref := m.newPractitioner(v)
	m.lastPractitioner.raw, m.lastPractitioner.ref = raw, ref
	return ref
}

// newPractitioner maps an XCN repetition (see practitioner).
func (m *mapper) newPractitioner(v hl7v2.Value) *reference {
	var c comps
	c.split(v)
	idv := text(c.comp(1))
	family, prefix := text(c.comp(2).Sub(1)), text(c.comp(6))
	var given, suffix [2]string
	ng, ns := 0, 0
	for _, i := range [2]int{3, 4} {
		if g := text(c.comp(i)); g != "" {
			given[ng] = g
			ng++
		}
	}
	for _, i := range [2]int{5, 7} {
		if s := text(c.comp(i)); s != "" {
			suffix[ns] = s
			ns++
		}
	}
	named, nameText := family != "" || ng > 0, ""
	if !named && strings.Contains(idv, " ") { // a free-text name in the id component
		named, nameText, idv = true, idv, ""
	}
	if idv == "" && !named {
		return nil
	}
	a := m.arena.practitioners.new()
	a.given, a.suffix, a.prefix = given, suffix, [1]string{prefix}
	p := &a.p
	p.ResourceType, p.Meta = "Practitioner", m.meta()
	var n *humanName
	if named {
		n = &a.name[0]
		if nameText != "" {
			n.Text = nameText
		} else {
			n.Family = family
			if ng > 0 {
				n.Given = a.given[:ng:ng]
			}
			if prefix != "" {
				n.Prefix = a.prefix[:]
			}
			if ns > 0 {
				n.Suffix = a.suffix[:ns:ns]
			}
		}
		p.Name = a.name[:]
	}
	var ref string
	if idv != "" {
		sys := hdSub(c.comp(9)).system()
		ref = makeRef("Practitioner", sys, idv)
		id := &a.id[0]
		*id = identifier{System: sys, Value: idv}
		if t := text(c.comp(13)); t != "" {
			a.coding[0] = coding{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: t}
			a.typ.Coding = a.coding[:]
			id.Type = &a.typ
		}
		p.Identifier = a.id[:]
	} else {
		ref = makeRef("Practitioner", "name", n.Text, n.Family, strings.Join(n.Given, " "))
	}
	p.ID = ref[len("Practitioner/"):]
	display := idv
	if n != nil {
		if n.Text != "" {
			display = n.Text
		} else {
			display = n.display()
		}
	}
	m.emit("Practitioner", p.ID, true, p)
	a.ref = reference{Reference: ref, Display: display}
	return &a.ref
}

func (v *locationResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = optStr(b, "status", v.Status)
	b = optStr(b, "name", v.Name)
	b = optStr(b, "mode", v.Mode)
	b = opt(b, "physicalType", v.PhysicalType)
	b = opt(b, "partOf", v.PartOf)
	return append(b, '}')
}

func (v *locationResource) index(c *indexCache) (lifeboat.Index, bool) {
	return lifeboat.Index{Status: clean(v.Status), Code: v.PhysicalType.token(), Identifiers: c.indexIdentifiers(v.Identifier)}, true
}

func (v *practitionerResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = optList(b, "name", v.Name)
	return append(b, '}')
}

func (v *practitionerResource) index(c *indexCache) (lifeboat.Index, bool) {
	return lifeboat.Index{Identifiers: c.indexIdentifiers(v.Identifier), Names: c.indexNames(v.Name)}, true
}
