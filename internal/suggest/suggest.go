// Package suggest finds the likely intended word for a misspelled one, for
// "did you mean" hints in the loader, the interpolation parser and the
// validator.
package suggest

import "strings"

// Nearest returns the candidate nearest to s, compared without case, or ""
// when none is close enough to be a likely typo: at most one edit for up to
// four characters, two up to nine, and so on. A candidate equal to s is
// skipped.
func Nearest(s string, candidates []string) string {
	limit := 1 + len([]rune(s))/5
	best, bestDist := "", limit+1
	lower := strings.ToLower(s)
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := Distance(lower, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the optimal string alignment distance between a and b, in
// runes: the insertions, deletions, substitutions and transpositions of
// adjacent characters that turn one into the other.
func Distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// rows i-2, i-1 and i of the distance matrix
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
