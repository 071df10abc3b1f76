package schemacheck

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// A runPattern matches what most schema patterns are, ^x1{m1,n1}...xk{mk,nk}$
// where each xi is one rune of a set (a class, a literal, .), in one pass
// with no regexp machine: each run takes as many runes of its set as it
// may. That is exact (the answer of regexp's MatchString) when no run
// whose length may vary shares a rune with a later run it could hand one
// to: those up to the first that must take at least one rune. compilePattern
// accepts only such patterns.
type runPattern []run

type run struct {
	ascii    [2]uint64 // the set's runes below 128, as a bitmap
	ranges   []rune    // the whole set: lo, hi pairs in ascending order
	min, max int       // max < 0: unbounded
}

func (r *run) has(c rune) bool {
	if c < utf8.RuneSelf {
		return r.ascii[c>>6]&(1<<(c&63)) != 0
	}
	for i := 0; i+1 < len(r.ranges); i += 2 {
		if r.ranges[i] <= c && c <= r.ranges[i+1] {
			return true
		}
	}
	return false
}

// compilePattern returns the runPattern of the Go regular expression expr,
// or false when expr is not of that form (then regexp matches it).
func compilePattern(expr string) (runPattern, bool) {
	re, err := syntax.Parse(expr, syntax.Perl) // regexp.Compile's flags
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 2 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return nil, false
	}
	var p runPattern
	for _, sub := range re.Sub[1 : len(re.Sub)-1] {
		switch sub.Op {
		case syntax.OpLiteral:
			if sub.Flags&syntax.FoldCase != 0 {
				return nil, false
			}
			for _, c := range sub.Rune {
				p = append(p, newRun([]rune{c, c}, 1, 1))
			}
			continue
		case syntax.OpStar:
			sub = &syntax.Regexp{Op: syntax.OpRepeat, Sub: sub.Sub, Min: 0, Max: -1}
		case syntax.OpPlus:
			sub = &syntax.Regexp{Op: syntax.OpRepeat, Sub: sub.Sub, Min: 1, Max: -1}
		case syntax.OpQuest:
			sub = &syntax.Regexp{Op: syntax.OpRepeat, Sub: sub.Sub, Min: 0, Max: 1}
		case syntax.OpRepeat:
		default:
			set, ok := runeSet(sub)
			if !ok {
				return nil, false
			}
			p = append(p, newRun(set, 1, 1))
			continue
		}
		set, ok := runeSet(sub.Sub[0])
		if !ok || sub.Min < 0 {
			return nil, false
		}
		p = append(p, newRun(set, sub.Min, sub.Max))
	}
	for i, r := range p {
		if r.min == r.max {
			continue
		}
		for _, later := range p[i+1:] {
			if overlap(r.ranges, later.ranges) {
				return nil, false
			}
			if later.min > 0 {
				break
			}
		}
	}
	return p, true
}

// runeSet is the set of runes re matches when re matches exactly one rune.
func runeSet(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpCharClass:
		return re.Rune, true
	case syntax.OpLiteral:
		if len(re.Rune) == 1 && re.Flags&syntax.FoldCase == 0 {
			return []rune{re.Rune[0], re.Rune[0]}, true
		}
	case syntax.OpAnyChar:
		return []rune{0, unicode.MaxRune}, true
	case syntax.OpAnyCharNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}, true
	}
	return nil, false
}

func newRun(ranges []rune, min, max int) run {
	r := run{ranges: ranges, min: min, max: max}
	for i := 0; i+1 < len(ranges); i += 2 {
		for c := ranges[i]; c <= ranges[i+1] && c < utf8.RuneSelf; c++ {
			r.ascii[c>>6] |= 1 << (c & 63)
		}
	}
	return r
}

func overlap(a, b []rune) bool {
	for i := 0; i+1 < len(a); i += 2 {
		for j := 0; j+1 < len(b); j += 2 {
			if a[i] <= b[j+1] && b[j] <= a[i+1] {
				return true
			}
		}
	}
	return false
}

// match reports whether s matches, reading s as regexp does: a byte that
// does not start valid UTF-8 is U+FFFD.
func (p runPattern) match(s string) bool {
	i := 0
	for k := range p {
		r := &p[k]
		n := 0
		for (r.max < 0 || n < r.max) && i < len(s) {
			c, w := rune(s[i]), 1
			if c >= utf8.RuneSelf {
				c, w = utf8.DecodeRuneInString(s[i:])
			}
			if !r.has(c) {
				break
			}
			i += w
			n++
		}
		if n < r.min {
			return false
		}
	}
	return i == len(s)
}
