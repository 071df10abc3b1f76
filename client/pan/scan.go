package pan

import (
	"math/bits"
	"slices"
	"strings"
)

// The text scanner finds card numbers by their digits, however they are
// written: a run of digits, digit groups joined by one kind of separator
// (space, tab, '+', '-', '.', '_', '/', ',' and their percent-encoded forms
// %20, %09, %2B, %2D, %2E, %5F, %2F, %2C), and digits percent-encoded as
// %30–%39. What it leaves alone is what text around card data is made of:
// hexadecimal strings of 32 or more characters (ciphertext, keys, hashes),
// GUIDs, and digit runs that do not pass the Luhn check.

// span is one digit to mask: s[at] ('*'), or s[at:at+3] when the digit was
// percent-encoded ("%2A").
type span struct {
	at int32
	n  int8
}

// group is a run of digit units in s.
type group struct {
	start, end int32 // byte offsets
	n          int32 // digits
}

// Found is a card number the redactor masked: where it was and how it reads
// masked.
type Found struct {
	// Where is a JSON pointer for a number found in a JSON document (the
	// pointer of the key itself, with a trailing "#key", when the number was
	// in an object key), and "" in text.
	Where string `json:"where,omitempty"`
	// Masked is the number as the redactor wrote it (first six, last four).
	Masked string `json:"masked"`
	// Declared is true when the number was the value of a field that holds
	// card data by name (pan, primaryAccountNumber, account_number ...),
	// and Field is that field's name.
	Declared bool   `json:"declared,omitempty"`
	Field    string `json:"field,omitempty"`
	// Known is true when the number is one the redactor knows as a card: a
	// number it was given (test cards, the cards of an exchange) or one its
	// CardSet has seen. A Luhn-valid number it does not know is masked all
	// the same, but may be an identifier that passes Luhn by chance.
	Known bool `json:"known,omitempty"`
}

// scanner masks the card numbers of one text.
type scanner struct {
	known [2][]string // numbers known as cards (Redactor.known, Redactor.extra)
	// knownHeads maps the first 12 digits of each of known[0] to its
	// indexes there: only a number whose head appears in a text can.
	knownHeads map[string][]int32
	seen       *CardSet
	s          string
	base       int32 // offset of s in the text the spans refer to
	spans      []span
	found      []Found // nil unless report
	where      string  // reported with each number found
	// report asks for a Found per number.
	report  bool
	full    bool // no mayHoldCard (Redactor.full)
	isKnown bool // the number isCard last accepted is a known one
	leadAt  int  // a digit that ends an escape (%25, %A5): may belong to it
	lead    bool // the current chain starts at leadAt

	sep  byte // separator kind of the current chain
	pend [8]group
	np   int
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// digitCount counts the bytes '0'–'9' in s: a text with fewer than 12
// cannot hold a card number in any form the scanner reads.
func digitCount(s string) int {
	n, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		n += count(lanesDigit(word(s, i)))
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// mayHoldCard reports whether s has a stretch of 12 digits or more made
// only of digits, separators and percent escapes (whose digits it counts
// too). Every card number the scanner reads, in any of its forms, lies in
// one such stretch, and so does a known number inside opaque data (a run
// of 12 digits or more): a text without one has nothing to mask. A quick
// over-estimate (mayHoldStretch) rules out most texts, base64url
// ciphertext among them, whose digits letters keep apart; the texts it
// leaves are read exactly, eight bytes at a time up to a '%' (see
// stretchWord).
func mayHoldCard(s string) bool {
	if len(s) < 12 || !mayHoldStretch(s) {
		return false // no room for 12 digits, or letters keep them apart
	}
	n := 0 // digits in the current stretch
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			var read int
			if n, read = stretchWord(word(s, i), n); n >= 12 {
				return true
			}
			if i += read; read == 8 {
				continue
			}
		}
		// One byte: a '%' (which may start an escape) or the last ones.
		switch c := s[i]; c {
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			n++
		case ' ', '\t', '+', '-', '.', '_', '/', ',':
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				for _, e := range [2]byte{s[i+1], s[i+2]} {
					if isDigit(e) {
						n++
					}
				}
				i += 2
			}
		default:
			n = 0
		}
		if n >= 12 {
			return true
		}
		i++
	}
	return false
}

// mayHoldStretch is false when no stretch of s holds 12 digits, counting
// only letters as what ends a stretch, and not those an escape such as
// %2F may hold (the two bytes after any '%'): every letter it counts so
// ends a stretch for mayHoldCard too, so where it says false, so does
// mayHoldCard. Such a stretch lies in a run of bytes without a letter that
// ends one, and is 12 bytes long or more, so it holds an aligned group of
// four bytes without one. It looks for such groups a word at a time
// (ciphertext and most text have few) and counts the digits of the run
// around each.
func mayHoldStretch(s string) bool {
	const low, high = 0x80808080, 0x8080808000000000          // a word's halves
	escapes := len(s) <= 64 || strings.IndexByte(s, '%') >= 0 // looked for in long texts only
	counted := 0                                              // the runs before are counted
	var pct uint64                                            // the '%' lanes of the word before
	for i := 0; i+8 <= len(s); i += 8 {
		x := word(s, i)
		letters := lanesLetter(x)
		if escapes {
			p := lanesEq(x, '%')
			letters &^= p<<8 | p<<16 | pct>>48 | pct>>56
			pct = p
		}
		if letters&low != 0 && letters&high != 0 {
			continue
		}
		g := i
		if letters&low != 0 {
			g = i + 4
		}
		if g < counted {
			continue
		}
		n, end := runDigits(s, g)
		if n >= 12 {
			return true
		}
		counted = end
	}
	// A run of 12 bytes holds an aligned group within the whole words
	// read: one that does not would start at most three bytes before they
	// end and end within seven bytes after.
	return false
}

// runDigits counts the digits of the run around s[g] of bytes that are
// not letters ending a stretch (see mayHoldStretch), and returns where it
// ends.
func runDigits(s string, g int) (n, end int) {
	a, b := g, g
	for a > 0 && !endsStretch(s, a-1) {
		a--
	}
	for b < len(s) && !endsStretch(s, b) {
		b++
	}
	return digitCount(s[a:b]), b
}

// endsStretch reports whether s[k] is a letter that ends a stretch for
// mayHoldStretch: one that is not among the two bytes after a '%'.
func endsStretch(s string, k int) bool {
	c := s[k] | 0x20
	return c >= 'a' && c <= 'z' && (k < 1 || s[k-1] != '%') && (k < 2 || s[k-2] != '%')
}

// stretchWord is mayHoldCard's step over the word x (the next eight bytes)
// with n digits in the current stretch: the lanes below the first '%', or
// all eight when there is none, are read (read says how many); n is then
// the digits of the stretch that reaches the last lane read, or 12 or more
// when a stretch of 12 ended in x. A stretch that starts and ends inside
// the word holds at most six digits.
func stretchWord(x uint64, n int) (int, int) {
	digits := lanesDigit(x)
	// Separators: blank, tab, '_', and '+' ',' '-' '.' '/' (0x2B–0x2F),
	// next to the digits (0x30–0x39).
	keep := digits | lanesGE(x, '+')&^lanesGE(x, '9'+1) | lanesEq(x, ' ') | lanesEq(x, '\t') | lanesEq(x, '_')
	read := 8
	if pct := lanesEq(x, '%'); pct != 0 {
		read = lane(pct)
		rest := ^uint64(0) << (8 * read) // the lanes from the '%' on: not read here
		digits &^= rest
		keep |= rest
	}
	reset := ^keep & lanesHigh
	if reset == 0 {
		return n + count(digits), read
	}
	if n += count(digits & lanesBelow(reset)); n >= 12 {
		return n, read
	}
	last := 63 - bits.LeadingZeros64(reset) // the high bit of the last lane that ends a stretch
	return count(digits &^ (2<<last - 1)), read
}

// digitAt reads a digit at s[i]: a literal one (n = 1) or a percent-encoded
// one (%30–%39, n = 3); n = 0 when there is none.
func digitAt(s string, i int) (d byte, n int) {
	if i >= len(s) {
		return 0, 0
	}
	if c := s[i]; isDigit(c) {
		return c, 1
	}
	if s[i] == '%' && i+2 < len(s) && s[i+1] == '3' && isDigit(s[i+2]) {
		return s[i+2], 3
	}
	return 0, 0
}

// sepAt reads a group separator at s[i] and returns its kind (' ' for the
// blanks and '+', which a query string reads as a blank) and length.
func sepAt(s string, i int) (kind byte, n int) {
	if i >= len(s) {
		return 0, 0
	}
	switch c := s[i]; c {
	case ' ', '\t', '+':
		return ' ', 1
	case '-', '.', '_', '/', ',':
		return c, 1
	case '%':
		if i+2 >= len(s) {
			return 0, 0
		}
		hi, lo := s[i+1], s[i+2]|0x20
		switch {
		case hi == '2' && (lo == '0' || lo == 'b'), hi == '0' && lo == '9':
			return ' ', 3
		case hi == '2' && lo == 'd':
			return '-', 3
		case hi == '2' && lo == 'e':
			return '.', 3
		case hi == '5' && lo == 'f':
			return '_', 3
		case hi == '2' && lo == 'f':
			return '/', 3
		case hi == '2' && lo == 'c':
			return ',', 3
		}
	}
	return 0, 0
}

// opaqueEnd returns where the opaque data starting at s[i] ends (a
// hexadecimal run of 32 or more characters with at least one letter, such as
// ciphertext, a key or the random tail of a token reference, or a GUID), or
// i when none starts there. i must start a run of hexadecimal characters.
func opaqueEnd(s string, i int) int {
	w := i
	letter := false
	for w < len(s) && isHex(s[w]) {
		letter = letter || !isDigit(s[w])
		w++
	}
	switch {
	case letter && w-i >= 32:
		return w
	case w-i == 8 && isGUID(s, i):
		return i + 36
	}
	return i
}

// isGUID reports whether s[i:] starts with a GUID (8-4-4-4-12 hexadecimal
// digits) that is not followed by more of a word.
func isGUID(s string, i int) bool {
	if len(s)-i < 36 || i+36 < len(s) && isAlnum(s[i+36]) {
		return false
	}
	for k := 0; k < 36; k++ {
		c := s[i+k]
		if k == 8 || k == 13 || k == 18 || k == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return true
}

// hexStart returns where the run of hexadecimal characters holding s[i]
// starts.
func hexStart(s string, i int) int {
	for i > 0 && isHex(s[i-1]) {
		i--
	}
	return i
}

// scan finds and masks every card number in sc.s.
func (sc *scanner) scan() {
	if sc.full || mayHoldCard(sc.s) {
		sc.walk()
	}
}

// walk is scan's per-character walk over sc.s.
func (sc *scanner) walk() {
	s := sc.s
	sc.leadAt = -1
	escaped := false // s[i] follows an escape such as %2F, which ends a run
	for i := 0; i < len(s); {
		boundary := i == 0 || escaped || !isHex(s[i-1])
		escaped = false
		if boundary && isHex(s[i]) {
			if end := opaqueEnd(s, i); end > i {
				sc.knownIn(i, end)
				i = end
				continue
			}
		}
		if _, n := digitAt(s, i); n > 0 {
			i = sc.chain(i)
			continue
		}
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			// An escape such as %20: its hex digits are not the number's. A
			// last one that is a digit is read both ways (see settle).
			if isDigit(s[i+2]) {
				i += 2
				sc.leadAt = i
			} else {
				i += 3
			}
			escaped = true
			continue
		}
		i++
	}
}

// chain reads the digit groups starting at s[i], joined by single
// separators of one kind, settles which of them are card numbers, and
// returns where the chain ends.
func (sc *scanner) chain(i int) int {
	s := sc.s
	sc.np, sc.sep = 0, 0
	sc.lead = i == sc.leadAt
	j := i
	for {
		g := group{start: int32(j)}
		for {
			_, n := digitAt(s, j)
			if n == 0 {
				break
			}
			g.n++
			j += n
		}
		g.end = int32(j)
		if sc.np == len(sc.pend) {
			sc.settle()
		}
		sc.pend[sc.np] = g
		sc.np++
		kind, sn := sepAt(s, j)
		if sn == 0 || sc.sep != 0 && kind != sc.sep {
			break
		}
		next := j + sn
		if _, n := digitAt(s, next); n == 0 {
			break
		}
		// A group that starts opaque data (a hex string after a dash) is not
		// part of a number.
		if opaqueEnd(s, hexStart(s, next)) > next {
			break
		}
		sc.sep, j = kind, next
	}
	for sc.np > 0 {
		sc.settle()
	}
	return j
}

// settle decides for the oldest pending group: the longest card number
// starting with it is masked and its groups leave; otherwise that group
// leaves alone. A number is one run of 12–19 digits, or two to six groups of
// 3–6 digits (as card numbers are written: 4-4-4-4, 4-6-5, 4-4-4-4-3) with
// 12–19 digits in all.
func (sc *scanner) settle() {
	p := sc.pend[:sc.np]
	used := 0
	if sc.lead {
		// The chain's first digit may be an escape's (%25186… is '%'
		// followed by 5186…, or '%2' and 5186…): try without it first.
		sc.lead = false
		orig := p[0]
		p[0].start++
		p[0].n--
		if used = sc.cardAt(p, false); used == 0 {
			p[0] = orig
		}
	}
	if used == 0 {
		used = max(sc.cardAt(p, true), 1)
	}
	copy(sc.pend[:], sc.pend[used:sc.np])
	sc.np -= used
}

// cardAt masks the longest card number that starts with the first of the
// groups and returns how many groups it took (0 when none); with known, a
// long run is also searched for the numbers the redactor knows.
func (sc *scanner) cardAt(p []group, known bool) int {
	switch first := p[0]; {
	case first.n >= 12:
		if first.n <= 19 && sc.isCard(p[:1]) {
			sc.mask(p[:1])
			return 1
		}
		// Literal digits run into %3N ones ("5001…8785%30"): each kind on
		// its own may be the number.
		if sc.mixed(first) {
			for _, g := range sc.split(first) {
				if g.n >= 12 && g.n <= 19 && sc.isCard([]group{g}) {
					sc.mask([]group{g})
				}
			}
		}
		if known {
			sc.knownIn(int(first.start), int(first.end))
		}
	case first.n >= 3 && first.n <= 6:
		total, best := 0, 0
		for k := 0; k < len(p) && p[k].n >= 3 && p[k].n <= 6; k++ {
			total += int(p[k].n)
			if total > 19 {
				break
			}
			if k > 0 && total >= 12 && !sc.dottedQuad(p[:k+1]) && sc.isCard(p[:k+1]) {
				best = k + 1
			}
		}
		if best > 0 {
			sc.mask(p[:best])
			return best
		}
	}
	return 0
}

// mixed reports whether g holds both literal and percent-encoded digits.
func (sc *scanner) mixed(g group) bool {
	return int(g.end-g.start) != int(g.n) && int(g.end-g.start) != 3*int(g.n)
}

// split cuts g where its digits change from literal to percent-encoded.
func (sc *scanner) split(g group) []group {
	var out []group
	cur := group{start: g.start}
	prev := 0
	for j := int(g.start); j < int(g.end); {
		_, w := digitAt(sc.s, j)
		if prev != 0 && w != prev {
			cur.end = int32(j)
			out = append(out, cur)
			cur = group{start: int32(j)}
		}
		cur.n++
		prev = w
		j += w
	}
	cur.end = g.end
	return append(out, cur)
}

// dottedQuad reports an IPv4 address (four dot-separated groups of three
// digits), which is never a card number.
func (sc *scanner) dottedQuad(gs []group) bool {
	if sc.sep != '.' || len(gs) != 4 {
		return false
	}
	for _, g := range gs {
		if g.n != 3 {
			return false
		}
	}
	return true
}

// digitsOf copies the digits of groups into buf (at most 19).
func (sc *scanner) digitsOf(gs []group, buf *[19]byte) []byte {
	out := buf[:0]
	for _, g := range gs {
		for j := int(g.start); j < int(g.end); {
			d, n := digitAt(sc.s, j)
			out = append(out, d)
			j += n
		}
	}
	return out
}

// isCard reports whether the digits of groups are a card number: they pass
// the Luhn check, or they are a number the redactor knows as a card.
func (sc *scanner) isCard(gs []group) bool {
	var buf [19]byte
	d := sc.digitsOf(gs, &buf)
	valid := luhn(d)
	sc.isKnown = slices.Contains(sc.known[0], string(d)) || slices.Contains(sc.known[1], string(d)) ||
		sc.seen != nil && sc.seen.has(buf, len(d))
	return valid || sc.isKnown
}

// mask masks every digit of groups but the first six and the last four.
func (sc *scanner) mask(gs []group) {
	n := 0
	for _, g := range gs {
		n += int(g.n)
	}
	k := 0
	for _, g := range gs {
		for j := int(g.start); j < int(g.end); {
			_, w := digitAt(sc.s, j)
			if k >= 6 && k < n-4 {
				sc.spans = addSpan(sc.spans, span{at: sc.base + int32(j), n: int8(w)})
			}
			k++
			j += w
		}
	}
	if sc.report {
		sc.note(int(gs[0].start), int(gs[len(gs)-1].end))
	}
}

// addSpan appends sp to spans, making room for a few numbers the first
// time.
func addSpan(spans []span, sp span) []span {
	if cap(spans) == 0 {
		spans = make([]span, 0, 32)
	}
	return append(spans, sp)
}

// note records the number at s[start:end] (already masked in sc.spans) as
// found.
func (sc *scanner) note(start, end int) {
	b := []byte(sc.s[start:end])
	for _, sp := range sc.spans {
		at := int(sp.at-sc.base) - start
		if at < 0 || at >= len(b) {
			continue
		}
		if sp.n == 1 {
			b[at] = '*'
		} else {
			copy(b[at:], "%2A")
		}
	}
	sc.found = append(sc.found, Found{Where: sc.where, Masked: string(b), Known: sc.isKnown})
}

// knownIn masks every number the redactor knows as a card that appears, as
// consecutive digits, in s[start:end] (a digit run too long to be a card
// number, or opaque data, might still hold one).
func (sc *scanner) knownIn(start, end int) {
	if end-start < 12 || len(sc.known[0])+len(sc.known[1]) == 0 {
		return
	}
	seg := sc.s[start:end]
	run, longest := 0, 0
	for i := 0; i < len(seg); i++ {
		if isDigit(seg[i]) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if longest < 12 {
		return // no known number (12 digits or more) fits
	}
	if sc.knownHeads == nil {
		for _, lists := range sc.known {
			for _, k := range lists {
				sc.maskKnown(seg, start, k)
			}
		}
		return
	}
	// The Redactor's numbers whose heads appear, in their order (longest
	// first), each where its head appears, then the exchange's own.
	var buf, atBuf [16]int32
	cands, at := knownCandidates(seg, sc.knownHeads, buf[:0], atBuf[:0])
	for _, i := range cands {
		sc.maskKnownAt(seg, start, sc.known[0][i], at)
	}
	for _, k := range sc.known[1] {
		sc.maskKnown(seg, start, k)
	}
}

// maskKnown masks every occurrence of the known number k in seg, which
// starts at start in the text.
func (sc *scanner) maskKnown(seg string, start int, k string) {
	for off := 0; ; {
		at := strings.Index(seg[off:], k)
		if at < 0 {
			return
		}
		at += off
		g := group{start: int32(start + at), end: int32(start + at + len(k)), n: int32(len(k))}
		sc.isKnown = true
		sc.mask([]group{g})
		off = at + len(k)
	}
}

// maskKnownAt is maskKnown for a number whose occurrences can only start
// at the offsets at (ascending): it masks what strings.Index would find,
// looking only there.
func (sc *scanner) maskKnownAt(seg string, start int, k string, at []int32) {
	off := 0
	for _, a := range at {
		if int(a) < off || !strings.HasPrefix(seg[a:], k) {
			continue
		}
		g := group{start: int32(start) + a, end: int32(start) + a + int32(len(k)), n: int32(len(k))}
		sc.isKnown = true
		sc.mask([]group{g})
		off = int(a) + len(k)
	}
}

// knownCandidates appends to out, sorted and once each, the indexes heads
// gives for every run of 12 consecutive digits of seg, and to at, in
// order, the offsets where such a run with a head starts.
func knownCandidates(seg string, heads map[string][]int32, out, at []int32) ([]int32, []int32) {
	run := 0
	for i := 0; i < len(seg); i++ {
		if !isDigit(seg[i]) {
			run = 0
			continue
		}
		if run++; run >= 12 {
			ixs := heads[seg[i-11:i+1]]
			if len(ixs) > 0 {
				at = append(at, int32(i-11))
			}
			for _, ix := range ixs {
				if !slices.Contains(out, ix) {
					out = append(out, ix)
				}
			}
		}
	}
	slices.Sort(out)
	return out, at
}
