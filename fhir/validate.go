package fhir

// Validate checks that raw is one FHIR R4 resource as Lifeboat accepts it:
// a JSON object (strict syntax, valid UTF-8, no trailing data) whose
// resourceType is an R4 resource type, whose id (if any) matches
// [A-Za-z0-9\-\.]{1,64}, whose meta.lastUpdated (if any) is an instant and
// whose date elements read by Index are valid FHIR dates. It returns the
// type and id. Errors are *lifeboat.Error with code EINVALID; their message
// names the problem and the element path but never echoes input values.
func Validate(raw []byte) (typ, id string, err error) {
	p, err := Parse(raw)
	if err != nil {
		return "", "", err
	}
	return p.Type, p.ID, nil
}
