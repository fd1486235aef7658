package validator

import "strings"

// nearest returns the candidate nearest to s, or "" when none is close
// enough to be a likely typo: at most one edit for up to four characters,
// two up to nine, and so on.
func nearest(s string, candidates []string) string {
	limit := 1 + len([]rune(s))/5
	best, bestDist := "", limit+1
	lower := strings.ToLower(s)
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := distance(lower, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b: the
// insertions, deletions, substitutions and transpositions of adjacent
// characters that turn one into the other.
func distance(a, b string) int {
	s, t := []rune(a), []rune(b)
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

// didYouMean returns "; did you mean PREFIX+X?" for the candidate nearest
// to s, or "".
func didYouMean(prefix, s string, candidates []string) string {
	if n := nearest(s, candidates); n != "" {
		return "; did you mean " + prefix + n + "?"
	}
	return ""
}
