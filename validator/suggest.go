package validator

import "github.com/connkit/connkit/internal/suggest"

// didYouMean returns "; did you mean PREFIX+X?" for the candidate nearest
// to s, or "".
func didYouMean(prefix, s string, candidates []string) string {
	if n := suggest.Nearest(s, candidates); n != "" {
		return "; did you mean " + prefix + n + "?"
	}
	return ""
}
