package lifeboat

import "strings"

// LocationPathSystem is the identifier system of the path identifier that
// Lifeboat gives units, rooms and beds: the names from the unit down, as an
// HL7 v2 PL writes them (point of care^room^bed). Locations made from HL7
// feeds and Locations from other sources (an import, the demo) meet on it.
const LocationPathSystem = "urn:lifeboat:location-path"

// LocationPath returns the path identifier value of a unit (room and bed
// empty), a room (bed empty) or a bed: "UNIT", "UNIT^ROOM", "UNIT^ROOM^BED"
// or "UNIT^^BED".
func LocationPath(unit, room, bed string) string {
	switch {
	case bed != "":
		return strings.Join([]string{unit, room, bed}, "^")
	case room != "":
		return unit + "^" + room
	}
	return unit
}
