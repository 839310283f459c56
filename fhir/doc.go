// Package fhir reads FHIR R4 JSON (Bundles, NDJSON, Bulk Data $export
// folders) and turns it into lifeboat.Resource values for the store.
//
// The pieces, one file each:
//   - ReadBundle / ReadJSON (bundle.go, stream.go) and ReadNDJSON
//     (ndjson.go) stream entries with one entry in memory at a time.
//   - Parse, Validate and Index (parse.go, validate.go, index.go) check a
//     resource and extract its index fields in one allocation-light pass
//     over the bytes (scan.go), without decoding an object graph.
//   - RewriteReferences (reference.go) rewrites "reference" values in place
//     in the bytes.
//   - Importer (importer.go, resolve.go, input.go, id.go) runs the pipeline:
//     one reader, parallel workers, one batching writer.
//
// Ids. A resource keeps its own id. Otherwise (see entryID) it takes X of a
// fullUrl "urn:uuid:X", the id of a PUT request url or of a fullUrl
// ".../Type/id", and failing those the first 32 hex digits of
// SHA-256(type, NUL, raw JSON): re-importing the same input gives the same
// ids, and identical anonymous resources collapse into one.
//
// References. urn:uuid and absolute references to entries of any bundle of
// the same import are resolved from a pre-scan of all bundle files, then
// through the store (ResolveID) for earlier imports. Conditional references
// "Type?identifier=[system|]value" are resolved from the identifiers of
// shared resources (Organization, Location, Practitioner, ...) seen in this
// import, then through the store (ResolveIdentifier). Inputs are imported in
// groups, shared resources first (see orderInputs), and each group is stored
// before the next starts, so the store can resolve references to earlier
// groups. A reference that stays unresolved is kept as it is and counted.
//
// No error or log line carries input values or file names (which may hold
// patient names): file names go only into Source.Ref, which the store keeps
// encrypted.
package fhir
