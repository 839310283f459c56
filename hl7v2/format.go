package hl7v2

import "strings"

// maxFormatCount caps the counts of formatting commands (\.sp 5\, \.sk 8\, \.in 4\)
// so that a hostile value cannot expand into an unbounded amount of text.
const maxFormatCount = 64

// startLine begins a new line indented by n spaces; on a line that is still empty
// it only replaces the indentation.
func (u *unescaper) startLine(b []byte, n int) []byte {
	if u.fresh {
		if u.lineStart >= 0 {
			b = b[:u.lineStart]
		}
	} else {
		b = append(b, '\n')
	}
	u.lineStart = len(b)
	for range n {
		b = append(b, ' ')
	}
	u.fresh = true
	return b
}

// format applies a formatting command (the sequence after the dot).
func (u *unescaper) format(b []byte, cmd string) ([]byte, bool) {
	name, arg := cmd, ""
	if len(cmd) > 2 {
		name, arg = cmd[:2], strings.TrimLeft(cmd[2:], " ")
		if arg == cmd[2:] { // the count must be set off by a space
			return b, false
		}
	}
	n, sign, ok := formatCount(arg)
	if !ok {
		return b, false
	}
	switch name {
	case "br":
		if arg != "" {
			return b, false
		}
		u.fresh = false
		b = u.startLine(b, u.indent)
	case "sp":
		if arg == "" {
			n = 1
		}
		if !u.fresh {
			b = append(b, '\n')
		} else if u.lineStart >= 0 {
			b = b[:u.lineStart]
		}
		for range n {
			b = append(b, '\n')
		}
		u.lineStart = len(b)
		u.fresh = true
		b = u.startLine(b, u.indent)
	case "in", "ti":
		switch sign {
		case '+':
			n = u.indent + n
		case '-':
			n = u.indent - n
		}
		n = min(max(n, 0), maxFormatCount)
		if name == "in" {
			u.indent = n
		}
		b = u.startLine(b, n)
	case "sk":
		for range n {
			b = append(b, ' ')
		}
		u.fresh = false
	case "ce":
		if arg != "" {
			return b, false
		}
		if !u.fresh {
			b = u.startLine(b, u.indent)
		}
	case "fi", "nf":
		if arg != "" {
			return b, false
		}
	default:
		return b, false
	}
	return b, true
}

// formatCount parses the optional signed count of a formatting command, capped at
// maxFormatCount. It returns the magnitude and the sign ('+', '-' or 0).
func formatCount(arg string) (int, byte, bool) {
	if arg == "" {
		return 0, 0, true
	}
	var sign byte
	if arg[0] == '+' || arg[0] == '-' {
		sign, arg = arg[0], arg[1:]
	}
	if arg == "" {
		return 0, 0, false
	}
	n := 0
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		n = min(n*10+int(c-'0'), maxFormatCount)
	}
	return n, sign, true
}
