package hl7fhir

import (
	"strings"

	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// The HL7 v2 data types of identifiers, people and places: HD, CX, EI, XPN,
// XAD and XTN.

// hd is a hierarchic designator read from subcomponents (CX-4, XCN-9).
type hd struct{ ns, uid, typ string }

func hdSub(v hl7v2.Value) hd { return hd{text(v.Sub(1)), text(v.Sub(2)), text(v.Sub(3))} }

// system returns an identifier system URI for an assigning authority, "" if none.
func (h hd) system() string {
	if h.uid != "" {
		switch {
		case strings.EqualFold(h.typ, "ISO") || isOID(h.uid):
			return "urn:oid:" + h.uid
		case strings.HasPrefix(h.uid, "urn:") || strings.HasPrefix(h.uid, "http://") || strings.HasPrefix(h.uid, "https://"):
			return h.uid
		case strings.EqualFold(h.typ, "UUID"):
			return "urn:uuid:" + h.uid
		}
	}
	ns := h.ns
	if ns == "" {
		ns = h.uid
	}
	if ns == "" {
		return ""
	}
	if strings.HasPrefix(ns, "urn:") || strings.HasPrefix(ns, "http://") || strings.HasPrefix(ns, "https://") {
		return ns
	}
	return "urn:id:" + sanitizeID(ns)
}

// sanitizeID keeps letters, digits, '-' and '.', replacing other runs by '-'.
func sanitizeID(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteByte(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return b.String()
}

// cx maps a CX identifier repetition; defaultSystem applies without CX-4.
// It is false when the identifier has no value.
func (m *mapper) cx(v hl7v2.Value, defaultSystem string) (identifier, bool) {
	var c comps
	c.split(v)
	val := text(c.comp(1))
	if val == "" {
		return identifier{}, false
	}
	id := identifier{Value: val}
	auth := hdSub(c.comp(4))
	id.System = auth.system()
	if id.System == "" {
		id.System = defaultSystem
	}
	if t := text(c.comp(5)); t != "" || auth.ns != "" {
		a := m.arena.cxParts.new()
		if t != "" {
			a.coding[0] = coding{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: t}
			a.typ.Coding = a.coding[:]
			id.Type = &a.typ
		}
		if auth.ns != "" {
			a.assigner.Display = auth.ns
			id.Assigner = &a.assigner
		}
	}
	return id, true
}

// ei maps an entity identifier (EI: id, namespace, universal id, type).
func ei(v hl7v2.Value) *identifier {
	if id, ok := eiValue(v); ok {
		return &id
	}
	return nil
}

// eiValue is ei by value: false when the identifier is empty.
func eiValue(v hl7v2.Value) (identifier, bool) {
	var c comps
	c.split(v)
	val := text(c.comp(1))
	if val == "" {
		return identifier{}, false
	}
	h := hd{text(c.comp(2)), text(c.comp(3)), text(c.comp(4))}
	return identifier{System: h.system(), Value: val}, true
}

// xpn maps an XPN name repetition; it is false when the name has neither a
// family nor a given name.
func (m *mapper) xpn(v hl7v2.Value) (humanName, bool) {
	var c comps
	c.split(v)
	n := humanName{Family: text(c.comp(1).Sub(1))}
	var given, suffix [2]string
	ng, ns := 0, 0
	for _, i := range [2]int{2, 3} {
		if g := text(c.comp(i)); g != "" {
			given[ng] = g
			ng++
		}
	}
	if s := text(c.comp(4)); s != "" {
		suffix[ns] = s
		ns++
	}
	if s := text(c.comp(6)); s != "" {
		suffix[ns] = s
		ns++
	}
	prefix := text(c.comp(5))
	switch text(c.comp(7)) {
	case "L":
		n.Use = "official"
	case "D":
		n.Use = "usual"
	case "M":
		n.Use = "maiden"
	case "N":
		n.Use = "nickname"
	case "A", "S":
		n.Use = "anonymous"
	case "T":
		n.Use = "temp"
	}
	if n.Family == "" && ng == 0 {
		return humanName{}, false
	}
	n.Given, n.Suffix = m.strs(given[:ng]), m.strs(suffix[:ns])
	if prefix != "" {
		n.Prefix = m.strs([]string{prefix})
	}
	return n, true
}

// strs returns a copy of ss from the arena, nil if it is empty.
func (m *mapper) strs(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return append(m.arena.strings.slice(len(ss)), ss...)
}

// display formats a name for a reference display: "Given Family".
func (n *humanName) display() string {
	if n == nil {
		return ""
	}
	size := len(n.Family)
	for _, p := range n.Prefix {
		size += len(p) + 1
	}
	for _, g := range n.Given {
		size += len(g) + 1
	}
	var b strings.Builder
	b.Grow(size)
	first := true
	for _, list := range [2][]string{n.Prefix, n.Given} {
		for _, p := range list {
			if !first {
				b.WriteByte(' ')
			}
			b.WriteString(p)
			first = false
		}
	}
	if n.Family != "" {
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(n.Family)
	}
	return b.String()
}

// xad maps an XAD address repetition; it is false when the address has
// no line, city, state, postal code or country.
func (m *mapper) xad(v hl7v2.Value) (address, bool) {
	var c comps
	c.split(v)
	a := address{City: text(c.comp(3)), State: text(c.comp(4)), PostalCode: text(c.comp(5)), Country: text(c.comp(6)), District: text(c.comp(9))}
	var line [2]string
	nl := 0
	if l := text(c.comp(1).Sub(1)); l != "" {
		line[nl] = l
		nl++
	}
	if l := text(c.comp(2)); l != "" {
		line[nl] = l
		nl++
	}
	switch text(c.comp(7)) {
	case "H":
		a.Use = "home"
	case "B", "O":
		a.Use = "work"
	case "C":
		a.Use = "temp"
	case "BA", "OLD":
		a.Use = "old"
	}
	if nl == 0 && a.City == "" && a.State == "" && a.PostalCode == "" && a.Country == "" {
		return address{}, false
	}
	a.Line = m.strs(line[:nl])
	return a, true
}

// xtn maps an XTN telecom repetition; it is false when it has no number
// or address.
func xtn(v hl7v2.Value, defaultUse string) (contactPoint, bool) {
	var c comps
	c.split(v)
	p := contactPoint{Use: defaultUse, System: "phone"}
	useCode, equip := text(c.comp(2)), strings.ToUpper(text(c.comp(3)))
	switch useCode {
	case "PRN", "ORN", "VHN":
		p.Use = "home"
	case "WPN":
		p.Use = "work"
	case "NET":
		p.System = "email"
	}
	switch equip {
	case "FX":
		p.System = "fax"
	case "CP":
		p.Use = "mobile"
	case "BP":
		p.System = "pager"
	case "INTERNET", "X.400":
		p.System = "email"
	}
	if p.System == "email" {
		p.Value = text(c.comp(4))
		if p.Value == "" {
			p.Value = text(c.comp(1))
		}
	} else {
		p.Value = text(c.comp(1))
		if p.Value == "" {
			local := text(c.comp(7))
			if area := text(c.comp(6)); area != "" && local != "" {
				local = "(" + area + ") " + local
			}
			p.Value = local
		}
	}
	if p.Value == "" {
		return contactPoint{}, false
	}
	return p, true
}
