package fhir

import "github.com/lifeboat-health/lifeboat"

// NormalizeName folds a name for search: lower case, accents removed (a
// hand table of Latin-1 and Latin Extended-A letters: "ß" becomes "ss", "æ"
// "ae", ...), punctuation turned into spaces, white space collapsed. It is
// lifeboat.FoldName, the folding the store applies to search queries and to
// Index.Names, so that imported names and queries always fold alike.
func NormalizeName(s string) string {
	return lifeboat.FoldName(s)
}
