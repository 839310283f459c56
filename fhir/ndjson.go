package fhir

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/lifeboat-health/lifeboat"
)

// MaxLineSize is the longest NDJSON line ReadNDJSON accepts (64 MiB).
const MaxLineSize = 64 << 20

// maxLine is MaxLineSize; tests lower it.
var maxLine = MaxLineSize

// ReadNDJSON reads newline-delimited JSON from r and calls fn for each
// non-blank line, in order, at position "line N" (N counts every line from
// 1). Lines are not parsed here: a line that is not a valid resource is
// delivered as it is, for the caller's validation to reject. A line longer
// than MaxLineSize is delivered with Err set and no Resource, and reading
// goes on. An error from fn stops the reading and is returned as it is.
func ReadNDJSON(r io.Reader, fn func(*Entry) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br)
		if err != nil && err != io.EOF {
			return fmt.Errorf("read ndjson: %w", err)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
		}
		line = bytes.TrimRight(line, " \t\r\n")
		if len(bytes.TrimLeft(line, " \t")) > 0 || tooLong {
			e := Entry{Pos: "line " + strconv.Itoa(n), Resource: line}
			if tooLong {
				e.Resource = nil
				e.Err = lifeboat.Errorf(lifeboat.EINVALID, "line longer than %d bytes", maxLine)
			}
			if ferr := fn(&e); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine returns the next line (with its newline, in a new slice), or
// tooLong if it exceeds maxLine (the rest of the line is then discarded).
// It returns io.EOF with the last line when the input ends.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLine+2 { // allow for "\r\n"
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return line, tooLong, nil
		default:
			return line, tooLong, err
		}
	}
}
