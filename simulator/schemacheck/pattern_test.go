package schemacheck

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
)

// documentPatterns is every pattern of every schema in openapi/ and in
// testdata/features.yaml, nested ones included.
func documentPatterns(t testing.TB) []string {
	t.Helper()
	seen := map[*openapi3.Schema]bool{}
	set := map[string]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Pattern != "" {
			set[s.Pattern] = true
		}
		for _, p := range s.Properties {
			walk(p)
		}
		for _, l := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range l {
				walk(x)
			}
		}
		walk(s.Items)
		walk(s.Not)
		walk(s.AdditionalProperties.Schema)
	}
	docs := []*openapi3.T{}
	for _, name := range openapi.Files() {
		doc, err := openapi.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/features.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, doc)
	for _, doc := range docs {
		if doc.Components != nil {
			for _, s := range doc.Components.Schemas {
				walk(s)
			}
			for _, p := range doc.Components.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
		}
		for _, item := range doc.Paths.Map() {
			for _, p := range item.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
			for _, op := range item.Operations() {
				for _, p := range op.Parameters {
					if p.Value != nil {
						walk(p.Value.Schema)
					}
				}
				if op.RequestBody != nil && op.RequestBody.Value != nil {
					for _, mt := range op.RequestBody.Value.Content {
						walk(mt.Schema)
					}
				}
				for _, r := range op.Responses.Map() {
					if r.Value != nil {
						for _, mt := range r.Value.Content {
							walk(mt.Schema)
						}
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// candidates makes strings around what p accepts: runs of each run's
// runes at and beyond its bounds, then each with one rune changed,
// inserted or removed, and a few runes outside ASCII or UTF-8.
func candidates(p runPattern, rng *rand.Rand) []string {
	pick := func(set *runeSet) rune {
		i := 2 * rng.IntN(len(set.ranges)/2)
		lo, hi := set.ranges[i], set.ranges[i+1]
		switch rng.IntN(3) {
		case 0:
			return lo
		case 1:
			return hi
		}
		return lo + rng.Int32N(hi-lo+1)
	}
	write := func(b *strings.Builder, set *runeSet) {
		if c := pick(set); utf8.ValidRune(c) {
			b.WriteRune(c)
		} else {
			b.WriteString("\xed\xa0\x80") // a surrogate's bytes
		}
	}
	unit := func(b *strings.Builder, r *run) {
		if r.alts == nil {
			write(b, &r.set)
			return
		}
		for _, set := range r.alts[rng.IntN(len(r.alts))] {
			write(b, &set)
		}
	}
	odd := []string{"", " ", "\n", "é", "\xff", "\u00a0", "-", "0", "A", "a", "|", "_", "\U0001F600"}
	var out []string
	for range 40 {
		var b strings.Builder
		for k := range p {
			r := &p[k]
			n := r.min
			hi := r.max
			if hi < 0 {
				hi = r.min + 4
			}
			switch rng.IntN(4) {
			case 0:
				n = hi
			case 1:
				n = r.min + rng.IntN(hi-r.min+1)
			case 2:
				n = max(0, r.min-1)
			case 3:
				n = hi + 1
			}
			for range n {
				unit(&b, r)
			}
		}
		s := b.String()
		out = append(out, s)
		rs := []rune(s)
		for range 4 {
			i := rng.IntN(len(rs) + 1)
			o := odd[rng.IntN(len(odd))]
			out = append(out, string(rs[:i])+o+string(rs[i:]))
			if i < len(rs) {
				out = append(out, string(rs[:i])+o+string(rs[i+1:]), string(rs[:i])+string(rs[i+1:]))
			}
		}
	}
	return out
}

func agree(t *testing.T, expr string, p runPattern, re *regexp.Regexp, s string) {
	t.Helper()
	if got, want := p.match(s), re.MatchString(s); got != want {
		t.Fatalf("pattern %q on %q: %v, regexp says %v", expr, s, got, want)
	}
}

// Every pattern the documents declare: the one-pass matcher takes the
// simple ones (these among them) and agrees with regexp on strings around
// what each accepts.
func TestRunPatternAgreesWithRegexpOnTheDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	took := map[string]bool{}
	for _, expr := range documentPatterns(t) {
		re := regexp.MustCompile(goRegexp(expr))
		p, ok := compilePattern(goRegexp(expr))
		if !ok {
			continue
		}
		took[expr] = true
		for _, s := range candidates(p, rng) {
			agree(t, expr, p, re, s)
		}
	}
	for _, expr := range []string{
		`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`,
		`^[A-Z]{2}$`, `^[0-9]{12,19}$`, `^[0-9]{4}$`, `^[0-9]+$`, `^[^|]{1,80}\|[^|]{0,80}\|[^|]{1,80}$`,
		`^(0[1-9]|1[0-2])$`, `^[a-z]{2}([_-][A-Za-z]{2})?$`,
	} {
		if !took[expr] {
			t.Errorf("%s: not taken by the one-pass matcher", expr)
		}
	}
	t.Logf("%d of the documents' patterns are matched in one pass", len(took))
}

// Patterns put together from units and counts at random: whenever the
// one-pass matcher takes one, it agrees with regexp.
func TestRunPatternAgreesWithRegexpOnMadeUpPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	units := []string{`[0-9]`, `[a-c]`, `a`, `b`, `.`, `[^a]`, `(0[1-9]|1[0-2])`, `(ab|cd)`, `(?:a[0-9]|b[a-c])`, `é`, `\S`, `\s`, `[\x{80}-\x{10FFFF}]`, `-`, `(a)`}
	counts := []string{``, ``, `?`, `*`, `+`, `{2}`, `{1,3}`, `{0,2}`, `{3,}`}
	took := 0
	for range 3000 {
		expr := "^"
		for range 1 + rng.IntN(4) {
			expr += units[rng.IntN(len(units))] + counts[rng.IntN(len(counts))]
		}
		expr += "$"
		re := regexp.MustCompile(expr)
		p, ok := compilePattern(expr)
		if !ok {
			continue
		}
		took++
		for _, s := range candidates(p, rng) {
			agree(t, expr, p, re, s)
		}
	}
	if took < 1000 {
		t.Fatalf("only %d of 3000 made-up patterns taken", took)
	}
	t.Logf("%d of 3000 made-up patterns matched in one pass", took)
}

// Patterns it must leave to regexp: a run that could hand a rune to the
// next, alternation, groups, case folding, anchors missing or inside.
func TestRunPatternRefuses(t *testing.T) {
	for _, expr := range []string{
		`^[0-9]{1,4}[0-9]$`, `^a*a$`, `^a?a$`, `^[a-z]*[0-9]?[a-c]$`, `^(ab|c)$`, `^(a|b)*a$`, `^(ab)*ac$`, `^(a*b)$`, `^(ab|)$`,
		`^(?i)abc$`, `[0-9]{4}`, `^[0-9]{4}`, `[0-9]{4}$`, `^a\bb$`, `^a$|^b$`, `^ab+c$x`, `(?m)^a$`,
	} {
		if _, ok := compilePattern(expr); ok {
			t.Errorf("%s: taken by the one-pass matcher", expr)
		}
	}
	for _, expr := range []string{`^$`, `^a*b$`, `^[a-w]*[0-9]?x$`, `^\.?[0-9]$`, `^.{2,3}$`, `^(?s:.){2}$`, `^\S+$`,
		`^(0[1-9]|1[0-2])$`, `^[a-z]{2}([_-][A-Za-z]{2})?$`, `^[0-9]{4}-(0[1-9]|1[0-2])$`, `^(ab)*c$`, `^(?:a[0-9]{2}|bcd){1,3}$`} {
		if _, ok := compilePattern(expr); !ok {
			t.Errorf("%s: not taken by the one-pass matcher", expr)
		}
	}
}

// FuzzRunPattern compares the one-pass matcher with regexp on any pattern
// it takes and any string.
func FuzzRunPattern(f *testing.F) {
	for _, c := range [][2]string{
		{`^[0-9]{12,19}$`, "5186001700008785"}, {`^[A-Z]{2}$`, "GB"}, {`^[^|]{1,80}\|[^|]{0,80}\|[^|]{1,80}$`, "Ada||Lovelace"},
		{`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`, "0f1e2d3c-4b5a-4968-8776-655443322110"},
		{`^a*b?c$`, "aac"}, {`^(0[1-9]|1[0-2])$`, "12"}, {`^[a-z]{2}([_-][A-Za-z]{2})?$`, "cs_CZ"}, {`^(ab)*c$`, "ababc"}, {`^.{2}$`, "\xff\n"}, {`^\S+$`, "é\u00a0"}, {`^[^\[\]{}:&$^!=;*#<>"@\\]*$`, `a\b`},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, expr, s string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		if p, ok := compilePattern(expr); ok {
			agree(t, expr, p, re, s)
		}
	})
}
