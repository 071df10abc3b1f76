package schemacheck

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// A runPattern matches what most schema patterns are, ^u1{m1,n1}...uk{mk,nk}$
// where each unit ui is one rune of a set (a class, a literal, .) or one of
// a few sequences of such sets all of one length ((0[1-9]|1[0-2])), in one
// pass with no regexp machine: each run takes as many units as it may.
// That is exact (the answer of regexp's MatchString) when no run whose
// count may vary can start a unit with a rune that a later run it could
// hand it to starts one with: those up to the first that must take at
// least one unit. compilePattern accepts only such patterns.
type runPattern []run

type run struct {
	set      runeSet     // the unit, when alts is nil
	alts     [][]runeSet // else the unit is one of these sequences
	first    runeSet     // the runes a unit can start with
	min, max int         // max < 0: unbounded
}

type runeSet struct {
	ascii  [2]uint64 // the runes below 128, as a bitmap
	ranges []rune    // every rune: lo, hi pairs
}

func (s *runeSet) has(c rune) bool {
	if c < utf8.RuneSelf {
		return s.ascii[c>>6]&(1<<(c&63)) != 0
	}
	for i := 0; i+1 < len(s.ranges); i += 2 {
		if s.ranges[i] <= c && c <= s.ranges[i+1] {
			return true
		}
	}
	return false
}

func newRuneSet(ranges []rune) runeSet {
	s := runeSet{ranges: ranges}
	for i := 0; i+1 < len(ranges); i += 2 {
		for c := ranges[i]; c <= ranges[i+1] && c < utf8.RuneSelf; c++ {
			s.ascii[c>>6] |= 1 << (c & 63)
		}
	}
	return s
}

func (s *runeSet) overlaps(t *runeSet) bool {
	for i := 0; i+1 < len(s.ranges); i += 2 {
		for j := 0; j+1 < len(t.ranges); j += 2 {
			if s.ranges[i] <= t.ranges[j+1] && t.ranges[j] <= s.ranges[i+1] {
				return true
			}
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
		min, max := 1, 1
		switch sub.Op {
		case syntax.OpLiteral:
			seq, ok := sequence(sub)
			if !ok {
				return nil, false
			}
			for _, s := range seq {
				p = append(p, run{set: s, first: s, min: 1, max: 1})
			}
			continue
		case syntax.OpStar:
			min, max, sub = 0, -1, sub.Sub[0]
		case syntax.OpPlus:
			min, max, sub = 1, -1, sub.Sub[0]
		case syntax.OpQuest:
			min, max, sub = 0, 1, sub.Sub[0]
		case syntax.OpRepeat:
			min, max, sub = sub.Min, sub.Max, sub.Sub[0]
		}
		r, ok := unit(sub)
		if !ok || min < 0 {
			return nil, false
		}
		r.min, r.max = min, max
		p = append(p, r)
	}
	for i := range p {
		if p[i].min == p[i].max {
			continue
		}
		for j := i + 1; j < len(p); j++ {
			if p[i].first.overlaps(&p[j].first) {
				return nil, false
			}
			if p[j].min > 0 {
				break
			}
		}
	}
	return p, true
}

// unit is the run of one unit re.
func unit(re *syntax.Regexp) (run, bool) {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if s, ok := oneRune(re); ok {
		return run{set: s, first: s}, true
	}
	alts := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		alts = re.Sub
	}
	var r run
	var first []rune
	for _, a := range alts {
		seq, ok := sequence(a)
		if !ok || len(seq) == 0 || len(r.alts) > 0 && len(seq) != len(r.alts[0]) {
			return run{}, false
		}
		r.alts = append(r.alts, seq)
		first = append(first, seq[0].ranges...)
	}
	r.first = newRuneSet(first)
	return r, true
}

// sequence is the sets of the runes re matches one after the other, when
// re matches a fixed number of runes, each of a set.
func sequence(re *syntax.Regexp) ([]runeSet, bool) {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	var seq []runeSet
	for _, sub := range subs {
		for sub.Op == syntax.OpCapture {
			sub = sub.Sub[0]
		}
		n := 1
		if sub.Op == syntax.OpRepeat && sub.Min == sub.Max {
			n, sub = sub.Min, sub.Sub[0]
		}
		if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 && n == 1 {
			for _, c := range sub.Rune {
				seq = append(seq, newRuneSet([]rune{c, c}))
			}
			continue
		}
		s, ok := oneRune(sub)
		if !ok {
			return nil, false
		}
		for range n {
			seq = append(seq, s)
		}
	}
	return seq, true
}

// oneRune is the set of runes re matches when re matches exactly one rune.
func oneRune(re *syntax.Regexp) (runeSet, bool) {
	switch re.Op {
	case syntax.OpCharClass:
		return newRuneSet(re.Rune), true
	case syntax.OpLiteral:
		if len(re.Rune) == 1 && re.Flags&syntax.FoldCase == 0 {
			return newRuneSet([]rune{re.Rune[0], re.Rune[0]}), true
		}
	case syntax.OpAnyChar:
		return newRuneSet([]rune{0, unicode.MaxRune}), true
	case syntax.OpAnyCharNotNL:
		return newRuneSet([]rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}), true
	}
	return runeSet{}, false
}

// match reports whether s matches, reading s as regexp does: a byte that
// does not start valid UTF-8 is U+FFFD.
func (p runPattern) match(s string) bool {
	i := 0
	for k := range p {
		r := &p[k]
		n := 0
		if r.alts == nil {
			// One rune a unit, ASCII mostly.
			for (r.max < 0 || n < r.max) && i < len(s) {
				c, w := rune(s[i]), 1
				if c >= utf8.RuneSelf {
					c, w = utf8.DecodeRuneInString(s[i:])
				} else if r.set.ascii[c>>6]&(1<<(c&63)) == 0 {
					break
				}
				if c >= utf8.RuneSelf && !r.set.has(c) {
					break
				}
				i += w
				n++
			}
			if n < r.min {
				return false
			}
			continue
		}
		for r.max < 0 || n < r.max {
			j, ok := r.unit(s, i)
			if !ok {
				break
			}
			i = j
			n++
		}
		if n < r.min {
			return false
		}
	}
	return i == len(s)
}

// unit matches one unit of r at s[i:] and returns the index after it.
func (r *run) unit(s string, i int) (int, bool) {
	if r.alts == nil {
		return one(&r.set, s, i)
	}
next:
	for _, seq := range r.alts {
		j := i
		for k := range seq {
			var ok bool
			if j, ok = one(&seq[k], s, j); !ok {
				continue next
			}
		}
		return j, true
	}
	return i, false
}

// one matches one rune of set at s[i:].
func one(set *runeSet, s string, i int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	c, w := rune(s[i]), 1
	if c >= utf8.RuneSelf {
		c, w = utf8.DecodeRuneInString(s[i:])
	}
	if !set.has(c) {
		return i, false
	}
	return i + w, true
}
