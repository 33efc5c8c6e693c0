// Package suggest finds the name that was probably meant, for errors and
// warnings that say "did you mean …?" about a configuration key.
package suggest

import "strings"

// Nearest returns the candidate closest to key in Damerau-Levenshtein
// distance (optimal string alignment, ignoring case), if it is close
// enough to be what was meant: at most a quarter of key's length, between
// one and three edits. Of equally close candidates it returns the first in
// sort order, so the suggestion does not depend on map order.
func Nearest(key string, candidates []string) string {
	limit := min(max(1, len([]rune(key))/4), 3)
	best, bestDist := "", limit+1
	for _, cand := range candidates {
		if cand == key {
			continue
		}
		d := Distance(strings.ToLower(key), strings.ToLower(cand))
		if d < bestDist || d == bestDist && cand < best {
			best, bestDist = cand, d
		}
	}
	return best
}

// Distance is the optimal string alignment distance of a and b: the
// number of insertions, deletions, substitutions and transpositions of
// adjacent characters that turn a into b, no substring edited twice.
func Distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
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
