package lifeboat

// ValidID reports whether id is a FHIR logical id: [A-Za-z0-9\-\.]{1,64}.
// It is the one check of ids read from requests, exports, bundles and
// feeds, so that junk never reaches the store or a query.
func ValidID[T string | []byte](id T) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
