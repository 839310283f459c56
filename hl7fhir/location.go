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

var physicalTypes = map[string]string{"wa": "Ward", "ro": "Room", "bd": "Bed"}

// location maps a PL (person location) value to placeholder Locations: the
// point of care as a unit ("wa"), the room ("ro") part of it and the bed
// ("bd") part of the room, each named as given. It returns a reference to
// the most specific one, or nil when the value names none of them.
func (m *mapper) location(v hl7v2.Value) *reference {
	poc, room, bed := text(v.Comp(1).Sub(1)), text(v.Comp(2).Sub(1)), text(v.Comp(3).Sub(1))
	fac := hdSub(v.Comp(4))
	facKey := fac.ns
	if facKey == "" {
		facKey = fac.uid
	}
	var parent *reference
	add := func(kind, name string, key ...string) {
		if name == "" {
			return
		}
		id := makeID("Location", append([]string{kind, facKey}, key...)...)
		var path string
		switch kind {
		case "wa":
			path = lifeboat.LocationPath(poc, "", "")
		case "ro":
			path = lifeboat.LocationPath(poc, room, "")
		default:
			path = lifeboat.LocationPath(poc, room, bed)
		}
		l := &locationResource{ResourceType: "Location", ID: id, Meta: m.meta(), Status: "active", Name: name, Mode: "instance",
			Identifier:   []identifier{{System: lifeboat.LocationPathSystem, Value: path}},
			PhysicalType: cc("http://terminology.hl7.org/CodeSystem/location-physical-type", kind, physicalTypes[kind]), PartOf: parent}
		m.emit("Location", id, true, l)
		parent = &reference{Reference: "Location/" + id, Display: name}
	}
	add("wa", poc, poc)
	add("ro", room, poc, room)
	add("bd", bed, poc, room, bed)
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
	idv := text(v.Comp(1))
	n := &humanName{Family: text(v.Comp(2).Sub(1))}
	for _, c := range []int{3, 4} {
		if g := text(v.Comp(c)); g != "" {
			n.Given = append(n.Given, g)
		}
	}
	if p := text(v.Comp(6)); p != "" {
		n.Prefix = []string{p}
	}
	for _, c := range []int{5, 7} {
		if s := text(v.Comp(c)); s != "" {
			n.Suffix = append(n.Suffix, s)
		}
	}
	if n.Family == "" && len(n.Given) == 0 {
		n = nil
		if strings.Contains(idv, " ") { // a free-text name in the id component
			n = &humanName{Text: idv}
			idv = ""
		}
	}
	if idv == "" && n == nil {
		return nil
	}
	p := &practitionerResource{ResourceType: "Practitioner", Meta: m.meta()}
	if idv != "" {
		sys := hdSub(v.Comp(9)).system()
		p.ID = makeID("Practitioner", sys, idv)
		id := identifier{System: sys, Value: idv}
		if t := text(v.Comp(13)); t != "" {
			id.Type = &codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: t}}}
		}
		p.Identifier = []identifier{id}
	} else {
		p.ID = makeID("Practitioner", "name", n.Text, n.Family, strings.Join(n.Given, " "))
	}
	display := idv
	if n != nil {
		p.Name = []humanName{*n}
		if n.Text != "" {
			display = n.Text
		} else {
			display = n.display()
		}
	}
	m.emit("Practitioner", p.ID, true, p)
	return &reference{Reference: "Practitioner/" + p.ID, Display: display}
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

func (v *locationResource) index() (lifeboat.Index, bool) {
	return lifeboat.Index{Status: clean(v.Status), Code: v.PhysicalType.token(), Identifiers: indexIdentifiers(v.Identifier)}, true
}

func (v *practitionerResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = optList(b, "identifier", v.Identifier)
	b = optList(b, "name", v.Name)
	return append(b, '}')
}

func (v *practitionerResource) index() (lifeboat.Index, bool) {
	return lifeboat.Index{Identifiers: indexIdentifiers(v.Identifier), Names: indexNames(v.Name)}, true
}
