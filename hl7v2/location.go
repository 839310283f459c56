package hl7v2

import (
	"strconv"

	"github.com/lifeboat-health/lifeboat"
)

// maxIndex bounds every number in a path, far beyond any real message.
const maxIndex = 1 << 20

// Location addresses a segment or a value inside a message with HL7's 1-based
// numbering. Zero numbers mean "not given": the first segment with the ID, the whole
// field, the whole component.
type Location struct {
	Segment      string // segment ID, such as "PID"
	SegmentRep   int    // occurrence among segments with this ID (0 means 1)
	Field        int    // field number (MSH-1 is the field separator)
	FieldRep     int    // repetition of the field (0: all of them, or the first when a component is given)
	Component    int    // component number
	Subcomponent int    // subcomponent number
}

// ParseLocation parses a path such as "PID-5-1", "OBX(2)-5", "PID-3(2)-4-1" or
// "PID.5.1": a segment ID with an optional occurrence in parentheses or brackets,
// then up to four numbers separated by '-' or '.': field (with an optional
// repetition), component and subcomponent.
func ParseLocation(path string) (Location, error) {
	var l Location
	if len(path) < 3 || !validSegmentID(path[:3]) {
		return l, lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid path: segment ID expected")
	}
	l.Segment = path[:3]
	rest, rep, err := pathIndex(path[3:])
	if err != nil {
		return l, err
	}
	l.SegmentRep = rep
	if rest == "" {
		return l, nil
	}
	if rest[0] != '-' && rest[0] != '.' {
		return l, lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid path: separator expected after segment")
	}
	err = parseFieldPath(rest[1:], &l)
	return l, err
}

// parseFieldPath parses the numbers of a path after the segment part:
// field[(rep)][-component[-subcomponent]].
func parseFieldPath(rest string, l *Location) error {
	nums := [...]*int{&l.Field, &l.Component, &l.Subcomponent}
	for i := 0; ; i++ {
		var n int
		n, rest = leadingInt(rest)
		if n <= 0 {
			return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid path: number expected")
		}
		*nums[i] = n
		if i == 0 {
			var err error
			if rest, l.FieldRep, err = pathIndex(rest); err != nil {
				return err
			}
		}
		if rest == "" {
			return nil
		}
		if i == len(nums)-1 || (rest[0] != '-' && rest[0] != '.') {
			return lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid path: unexpected text after position %d", i+1)
		}
		rest = rest[1:]
	}
}

// pathIndex reads an optional "(n)" or "[n]" at the start of s.
func pathIndex(s string) (string, int, error) {
	if s == "" || (s[0] != '(' && s[0] != '[') {
		return s, 0, nil
	}
	closing := byte(')')
	if s[0] == '[' {
		closing = ']'
	}
	n, rest := leadingInt(s[1:])
	if n <= 0 || rest == "" || rest[0] != closing {
		return s, 0, lifeboat.Errorf(lifeboat.EINVALID, "hl7v2: invalid path: bad repetition index")
	}
	return rest[1:], n, nil
}

// leadingInt parses the decimal number at the start of s; it returns 0 when there is
// none or it exceeds maxIndex.
func leadingInt(s string) (int, string) {
	n, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > maxIndex {
			return 0, s
		}
	}
	return n, s[i:]
}

// String formats l as a path that ParseLocation reads back, for instance
// "OBX(2)-5(1)-3".
func (l Location) String() string {
	b := append([]byte(nil), l.Segment...)
	if l.SegmentRep > 1 {
		b = append(b, '(')
		b = strconv.AppendInt(b, int64(l.SegmentRep), 10)
		b = append(b, ')')
	}
	if l.Field > 0 {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(l.Field), 10)
		if l.FieldRep > 0 {
			b = append(b, '(')
			b = strconv.AppendInt(b, int64(l.FieldRep), 10)
			b = append(b, ')')
		}
		if l.Component > 0 {
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(l.Component), 10)
			if l.Subcomponent > 0 {
				b = append(b, '-')
				b = strconv.AppendInt(b, int64(l.Subcomponent), 10)
			}
		}
	}
	return string(b)
}

// validSegmentID reports whether s is three ASCII letters or digits starting with a
// letter.
func validSegmentID(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
