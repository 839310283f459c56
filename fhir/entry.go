package fhir

// Entry is one resource read from an input: a Bundle entry, an NDJSON line
// or a lone resource document.
type Entry struct {
	Pos      string  // position in the input: "entry N", "line N" or "resource"
	FullURL  string  // Bundle.entry.fullUrl, if any
	Resource []byte  // the raw resource JSON; nil if the entry has none. The callee owns it.
	Request  Request // Bundle.entry.request, if any
	// Err is a problem with this entry alone (the input goes on); Resource
	// then holds whatever raw bytes could be kept.
	Err error
}

// Request is a Bundle entry's request element.
type Request struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	IfNoneExist string `json:"ifNoneExist"`
}
