package pan

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// The JSON redactor walks the document as it was written and changes only
// what it masks: every other byte (key order, spacing, escapes, ciphertext)
// is kept, and a document with nothing to mask is returned as it is, without
// a copy.

// maxDepth bounds the nesting the walker follows; deeper documents are
// redacted as text.
const maxDepth = 512

// edit replaces src[start:end] with repl.
type edit struct {
	start, end int
	repl       string
}

type jsonWalker struct {
	r      Redactor
	s      string // the document, viewed as a string
	spans  []span // digits masked in place
	edits  []edit // values replaced (sorted, disjoint)
	report bool
	found  []Found
	depth  int
	field  string // the key of the value being walked
	// The JSON pointer of the value being walked (report only): at each
	// depth an object key, or an array index when isIndex.
	keys    [trackDepth]string
	indexes [trackDepth]int
	isIndex [trackDepth]bool
	plen    int
}

// trackDepth is how deep a reported JSON pointer is spelled out; deeper
// levels show as "…".
const trackDepth = 32

func (w *jsonWalker) push(key string, index int, isIndex bool) {
	if w.plen < trackDepth {
		w.keys[w.plen], w.indexes[w.plen], w.isIndex[w.plen] = key, index, isIndex
	}
	w.plen++
}

func (w *jsonWalker) pop() { w.plen-- }

// JSON redacts a JSON document (see RedactJSON).
func (r Redactor) JSON(b []byte) []byte { return r.ScanJSON(b, nil) }

// ScanJSON is JSON that also reports each card number it masked, with its
// JSON pointer. A document with nothing to mask is returned as it is, b
// itself; anything else is a new slice.
func (r Redactor) ScanJSON(b []byte, found *[]Found) []byte {
	if out, changed := r.scanJSON(b, found); changed {
		return out
	}
	return b
}

// ScanJSONString is ScanJSON for a caller that keeps the result as a
// string: the same text, copied once.
func (r Redactor) ScanJSONString(b []byte, found *[]Found) string {
	if out, changed := r.scanJSON(b, found); changed {
		return unsafe.String(unsafe.SliceData(out), len(out)) // out is new and nothing else holds it
	}
	return string(b)
}

// scanJSON redacts b; out is new when changed, and nil otherwise (b
// stays as it is).
func (r Redactor) scanJSON(b []byte, found *[]Found) (out []byte, changed bool) {
	if len(b) == 0 {
		return nil, false
	}
	w := jsonWalker{r: r, s: unsafe.String(unsafe.SliceData(b), len(b)), report: found != nil}
	i, ok := w.value(w.ws(0), false)
	if ok {
		ok = w.ws(i) == len(w.s)
	}
	if !ok {
		// Not JSON (or too deep to walk): the whole input as text.
		if !r.full && !mayHoldCard(w.s) {
			return nil, false
		}
		sc := r.scanner(w.s)
		sc.report = found != nil
		sc.walk()
		if found != nil {
			*found = append(*found, sc.found...)
		}
		if len(sc.spans) == 0 {
			return nil, false
		}
		return spliced(w.s, sc.spans, nil), true
	}
	if found != nil {
		*found = append(*found, w.found...)
	}
	if len(w.spans) == 0 && len(w.edits) == 0 {
		return nil, false
	}
	return spliced(w.s, w.spans, w.edits), true
}

// addEdit appends e to edits, making room for a few more the first time:
// a document that has one value replaced mostly has several.
func addEdit(edits []edit, e edit) []edit {
	if cap(edits) == 0 {
		edits = make([]edit, 0, 8)
	}
	return append(edits, e)
}

// spliced is s, in a new slice, with the digits of spans masked and the
// edits (sorted, disjoint) made. A span inside an edit is what the edit
// replaced.
func spliced(s string, spans []span, edits []edit) []byte {
	size := len(s)
	for _, e := range edits {
		size += len(e.repl) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	if len(edits) == 0 {
		out = append(out, s...)
		maskSpans(out, spans, 0, len(s), 0)
		return out
	}
	// Spans in document order, so that each edit's stretch takes its own.
	if !slices.IsSortedFunc(spans, bySpanAt) {
		slices.SortFunc(spans, bySpanAt)
	}
	last := 0
	for _, e := range edits {
		shift := len(out) - last
		out = append(out, s[last:e.start]...)
		spans = maskSpans(out, spans, last, e.start, shift)
		out = append(out, e.repl...)
		for len(spans) > 0 && int(spans[0].at) < e.end {
			spans = spans[1:] // replaced
		}
		last = e.end
	}
	shift := len(out) - last
	out = append(out, s[last:]...)
	maskSpans(out, spans, last, len(s), shift)
	return out
}

func bySpanAt(a, b span) int { return int(a.at) - int(b.at) }

// maskSpans masks, in out, the digits of the spans (sorted when spans must
// be taken in order) that lie in s[from:to], which out holds shifted by
// shift, and returns the spans from the first one past to.
func maskSpans(out []byte, spans []span, from, to, shift int) []span {
	k := 0
	for ; k < len(spans); k++ {
		sp := spans[k]
		at := int(sp.at)
		if at >= to {
			break
		}
		if at < from {
			continue
		}
		if sp.n == 1 {
			out[at+shift] = '*'
		} else {
			copy(out[at+shift:], "%2A")
		}
	}
	return spans[k:]
}

func (w *jsonWalker) ws(i int) int {
	for i < len(w.s) {
		switch w.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value walks the value at s[i] and returns where it ends; card is true for
// the value of a card field.
func (w *jsonWalker) value(i int, card bool) (int, bool) {
	if i >= len(w.s) {
		return i, false
	}
	switch c := w.s[i]; {
	case c == '{':
		return w.object(i)
	case c == '[':
		return w.array(i, card)
	case c == '"':
		return w.str(i, card, false)
	case c == '-' || isDigit(c):
		return w.number(i, card)
	case strings.HasPrefix(w.s[i:], "true"):
		return i + 4, true
	case strings.HasPrefix(w.s[i:], "false"):
		return i + 5, true
	case strings.HasPrefix(w.s[i:], "null"):
		return i + 4, true
	}
	return i, false
}

func (w *jsonWalker) enter() bool {
	w.depth++
	return w.depth <= maxDepth
}

func (w *jsonWalker) object(i int) (int, bool) {
	if !w.enter() {
		return i, false
	}
	defer func() { w.depth-- }()
	i = w.ws(i + 1)
	if i < len(w.s) && w.s[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(w.s) || w.s[i] != '"' {
			return i, false
		}
		key, seps, end, ok := w.key(i)
		if !ok {
			return i, false
		}
		i = w.ws(end)
		if i >= len(w.s) || w.s[i] != ':' {
			return i, false
		}
		i = w.ws(i + 1)
		if w.report {
			w.push(key, 0, false)
		}
		// Most keys can be neither a sensitive key nor a card field by their
		// length and first and last letters: no copy, no map lookup for them.
		var buf [32]byte
		var nk []byte
		short := w.r.full || w.r.keys.mayKey(key, seps)
		if short {
			nk, short = normKey(key, &buf)
		}
		switch {
		case short && sensitiveKeys[string(nk)] && !strings.HasPrefix(w.s[i:], "null"):
			// Removed, whatever it held: walk it only to find its end.
			spans, edits, found := len(w.spans), len(w.edits), len(w.found)
			vend, ok := w.value(i, false)
			if !ok {
				return i, false
			}
			w.spans, w.edits, w.found = w.spans[:spans], w.edits[:edits], w.found[:found]
			w.edits = addEdit(w.edits, edit{start: i, end: vend, repl: `"` + Removed + `"`})
			i = vend
		default:
			w.field = key
			vend, ok := w.value(i, short && w.r.cardFields[string(nk)])
			if !ok {
				return i, false
			}
			i = vend
		}
		if w.report {
			w.pop()
		}
		var more bool
		if i, more, ok = w.next(w.ws(i), '}'); !more {
			return i, ok
		}
	}
}

// next reads what follows a member or an element at s[i]: a comma (more
// follows, from the returned index) or the container's closing byte (it
// ends at the returned index); anything else is not JSON.
func (w *jsonWalker) next(i int, closing byte) (at int, more, ok bool) {
	if i >= len(w.s) {
		return i, false, false
	}
	switch w.s[i] {
	case ',':
		return w.ws(i + 1), true, true
	case closing:
		return i + 1, false, true
	}
	return i, false, false
}

func (w *jsonWalker) array(i int, card bool) (int, bool) {
	if !w.enter() {
		return i, false
	}
	defer func() { w.depth-- }()
	i = w.ws(i + 1)
	if i < len(w.s) && w.s[i] == ']' {
		return i + 1, true
	}
	for n := 0; ; n++ {
		if w.report {
			w.push("", n, true)
		}
		end, ok := w.value(i, card)
		if !ok {
			return i, false
		}
		if w.report {
			w.pop()
		}
		var more bool
		if i, more, ok = w.next(w.ws(end), ']'); !more {
			return i, ok
		}
	}
}

// strEnd finds the closing quote of the string literal at s[i]; escaped
// reports a backslash escape inside, ok is false for a string that does
// not end or holds a control character; digits counts the bytes '0'–'9'
// (-1: not counted), and seps is false only for a string that holds no
// '_' and no '-' (see keyFilter.mayKey). It reads the first words of the
// string a word at a time, and past them (ciphertext, long texts) looks
// for the quote and the backslashes with strings.IndexByte and checks what
// lies between a word at a time (see controlIn); every byte of s is read a
// bounded number of times.
func (w *jsonWalker) strEnd(i int) (end, digits int, escaped, seps, ok bool) {
	s := w.s
	j := i + 1
	// Most strings (keys, identifiers, codes) end within a few words. The
	// first lane a zero-byte test marks is exact (a borrow only goes up),
	// and so is whether it marks any.
	for stop := j + 32; j+8 <= len(s) && j < stop; {
		x := word(s, j)
		q, b := x^(lanesOne*'"'), x^(lanesOne*'\\')
		m := ((q-lanesOne)&^q | (b-lanesOne)&^b | (x-lanesOne*0x20)&^x) & lanesHigh
		u, h := x^(lanesOne*'_'), x^(lanesOne*'-')
		sep := ((u-lanesOne)&^u | (h-lanesOne)&^h) & lanesHigh
		d := lanesDigit(x)
		if m == 0 {
			digits += count(d)
			seps = seps || sep != 0
			j += 8
			continue
		}
		below := lanesBelow(m)
		digits += count(d & below)
		seps = seps || sep&below != 0
		j += lane(m)
		switch c := s[j]; {
		case c == '"':
			return j + 1, digits, escaped, seps, true
		case c < 0x20:
			return j, 0, false, false, false
		}
		// A backslash: the byte after it is escaped, whatever it is.
		escaped = true
		if j += 2; j >= len(s) {
			return len(s), 0, false, false, false
		}
	}
	q := -1 // the first quote at or after j, once found
	for {
		if q < j {
			if q = strings.IndexByte(s[j:], '"'); q < 0 {
				return len(s), 0, false, false, false
			}
			q += j
		}
		seg := s[j:q]
		b := strings.IndexByte(seg, '\\')
		if b < 0 {
			if controlIn(seg) {
				return j, 0, false, false, false
			}
			return q + 1, -1, escaped, true, true // digits and separators not counted
		}
		if controlIn(seg[:b]) {
			return j, 0, false, false, false
		}
		// The byte after a backslash is escaped, whatever it is (a quote
		// too); a backslash at the end leaves the string open.
		escaped = true
		if j += b + 2; j >= len(s) {
			return len(s), 0, false, false, false
		}
	}
}

// mayHold reports whether the string raw, with digits bytes '0'–'9' (-1:
// not counted), may hold a card number the scanner masks.
func (w *jsonWalker) mayHold(raw string, digits int) bool {
	switch {
	case w.r.full:
		return true
	case digits >= 0 && digits < 12:
		return false
	}
	return mayHoldCard(raw)
}

// controlIn reports whether s holds a byte below 0x20, which a JSON string
// cannot hold unescaped.
func controlIn(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// A lane below 0x20 borrows: the high bit of some lane is then set
		// that was clear in x (the first such lane is the one below 0x20).
		if x := word(s, i); (x-lanesOne*0x20)&^x&lanesHigh != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// key reads an object key (decoded) and masks card numbers in it.
func (w *jsonWalker) key(i int) (key string, seps bool, end int, ok bool) {
	end, digits, escaped, seps, ok := w.strEnd(i)
	if !ok {
		return "", false, end, false
	}
	if !escaped {
		key = w.s[i+1 : end-1]
	} else if key, ok = unquote(w.s[i:end]); !ok {
		return "", false, end, false
	}
	seps = seps || escaped // as decoded: not looked at
	if !escaped && !w.mayHold(key, digits) {
		return key, seps, end, true // the common case: nothing to mask in it
	}
	if w.report {
		w.push(key, 0, false)
	}
	_, ok = w.str(i, false, true)
	if w.report {
		w.pop()
	}
	return key, seps, end, ok
}

// str walks the string literal at s[i]: a card field's value is masked
// whatever its digits, any other string where the scanner finds a card
// number.
func (w *jsonWalker) str(i int, card, isKey bool) (int, bool) {
	end, digits, escaped, _, ok := w.strEnd(i)
	if !ok {
		return end, false
	}
	raw := w.s[i+1 : end-1]
	if !escaped {
		if card && w.maskCard(i+1, raw) {
			return end, true
		}
		if !w.mayHold(raw, digits) {
			return end, true // no card number fits in it
		}
		sc := w.r.scanner(raw)
		sc.base, sc.spans, sc.report = int32(i+1), w.spans, w.report
		sc.walk()
		w.spans = sc.spans
		w.addFound(sc.found, isKey)
		return end, true
	}
	text, ok := unquote(w.s[i:end])
	if !ok {
		return end, false
	}
	out, declared := text, false
	if card {
		out, declared = maskDigits(text)
	}
	if out = w.masked(text, out, declared, isKey); out != text {
		w.edits = addEdit(w.edits, edit{start: i, end: end, repl: quote(out)})
	}
	return end, true
}

// maskCard masks raw (at offset at) as the value of a card field, with
// spans, when it is a number (see maskDigits).
func (w *jsonWalker) maskCard(at int, raw string) bool {
	n, ok := cardDigits(raw)
	if !ok {
		return false
	}
	for j, k := 0, 0; j < len(raw); j++ {
		if isDigit(raw[j]) {
			if maskedDigit(k, n) {
				w.spans = addSpan(w.spans, span{at: int32(at + j), n: 1})
			}
			k++
		}
	}
	if w.report {
		m, _ := maskDigits(raw)
		w.found = append(w.found, Found{Where: w.pointer(false), Masked: m, Declared: true, Field: w.field, Known: w.r.knowsDigits(raw)})
	}
	return true
}

// digitsEnd is where the run of digits from s[j] ends.
func (w *jsonWalker) digitsEnd(j int) int {
	for j < len(w.s) && isDigit(w.s[j]) {
		j++
	}
	return j
}

func (w *jsonWalker) number(i int, card bool) (int, bool) {
	j := i
	if j < len(w.s) && w.s[j] == '-' {
		j++
	}
	start := j
	if j = w.digitsEnd(j); j == start {
		return j, false
	}
	intEnd := j
	if j < len(w.s) && w.s[j] == '.' {
		k := j + 1
		if j = w.digitsEnd(k); j == k {
			return j, false
		}
	}
	if j < len(w.s) && (w.s[j] == 'e' || w.s[j] == 'E') {
		j++
		if j < len(w.s) && (w.s[j] == '+' || w.s[j] == '-') {
			j++
		}
		k := j
		if j = w.digitsEnd(k); j == k {
			return j, false
		}
	}
	lit := w.s[i:j]
	out, declared := lit, false
	if card {
		var m string
		if m, declared = maskDigits(w.s[start:intEnd]); declared {
			out = w.s[i:start] + m + w.s[intEnd:j]
		}
	}
	if out = w.masked(lit, out, declared, false); out != lit {
		// A masked number is no longer a number: it is written as a string.
		w.edits = addEdit(w.edits, edit{start: i, end: j, repl: `"` + out + `"`})
	}
	return j, true
}

// masked is what a decoded value's text becomes: out, when a card field's
// value was masked to it (declared), or else text as the scanner masks it;
// either is recorded as found when reporting.
func (w *jsonWalker) masked(text, out string, declared, isKey bool) string {
	if declared {
		if w.report {
			w.found = append(w.found, Found{Where: w.pointer(isKey), Masked: out, Declared: true, Field: w.field, Known: w.r.knowsDigits(text)})
		}
		return out
	}
	var found []Found
	var fp *[]Found
	if w.report {
		fp = &found
	}
	out = w.r.ScanText(text, "", fp)
	w.addFound(found, isKey)
	return out
}

// addFound records what the scanner found in the value being walked, at its
// JSON pointer.
func (w *jsonWalker) addFound(found []Found, isKey bool) {
	for _, f := range found {
		f.Where = w.pointer(isKey)
		w.found = append(w.found, f)
	}
}

// pointer is the JSON pointer of the value being walked (report only), with
// card numbers in its keys masked; a key's own pointer ends in "#key".
func (w *jsonWalker) pointer(isKey bool) string {
	var b strings.Builder
	for d := 0; d < w.plen; d++ {
		b.WriteByte('/')
		switch {
		case d >= trackDepth:
			b.WriteString("…")
		case w.isIndex[d]:
			b.WriteString(strconv.Itoa(w.indexes[d]))
		default:
			b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(w.r.Text(w.keys[d])))
		}
		if d >= trackDepth {
			break
		}
	}
	if isKey {
		b.WriteString("#key")
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// unquote decodes a JSON string literal.
func unquote(lit string) (string, bool) {
	var s string
	if err := json.Unmarshal([]byte(lit), &s); err != nil {
		return "", false
	}
	return s, true
}

// quote writes s as a JSON string, escaping only what JSON requires.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
			i++
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
		}
	}
	b.WriteByte('"')
	return b.String()
}
