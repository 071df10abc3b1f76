package pan

import (
	"encoding/json"
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
// JSON pointer.
func (r Redactor) ScanJSON(b []byte, found *[]Found) []byte {
	if len(b) == 0 {
		return b
	}
	w := jsonWalker{r: r, s: unsafe.String(unsafe.SliceData(b), len(b)), report: found != nil}
	i, ok := w.value(w.ws(0), false)
	if ok {
		ok = w.ws(i) == len(w.s)
	}
	if !ok {
		// Not JSON (or too deep to walk): the whole input as text.
		text := r.ScanText(string(b), "", found)
		if text == w.s {
			return b
		}
		return []byte(text)
	}
	if found != nil {
		*found = append(*found, w.found...)
	}
	if len(w.spans) == 0 && len(w.edits) == 0 {
		return b
	}
	out := []byte(string(b))
	for _, sp := range w.spans {
		if sp.n == 1 {
			out[sp.at] = '*'
		} else {
			copy(out[sp.at:], "%2A")
		}
	}
	if len(w.edits) == 0 {
		return out
	}
	var sb strings.Builder
	sb.Grow(len(out) + 16*len(w.edits))
	last := 0
	for _, e := range w.edits {
		sb.Write(out[last:e.start])
		sb.WriteString(e.repl)
		last = e.end
	}
	sb.Write(out[last:])
	return []byte(sb.String())
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
		key, end, ok := w.key(i)
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
		var buf [32]byte
		nk, short := normKey(key, &buf)
		short = short && w.r.keys.may(nk) // most keys are neither: no map lookup for them
		switch {
		case short && sensitiveKeys[string(nk)] && !strings.HasPrefix(w.s[i:], "null"):
			// Removed, whatever it held: walk it only to find its end.
			spans, edits, found := len(w.spans), len(w.edits), len(w.found)
			vend, ok := w.value(i, false)
			if !ok {
				return i, false
			}
			w.spans, w.edits, w.found = w.spans[:spans], w.edits[:edits], w.found[:found]
			w.edits = append(w.edits, edit{start: i, end: vend, repl: `"` + Removed + `"`})
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
// reports a backslash escape inside, digits counts the bytes '0'–'9'.
func (w *jsonWalker) strEnd(i int) (end, digits int, escaped, ok bool) {
	for j := i + 1; j < len(w.s); j++ {
		switch c := w.s[j]; {
		case c == '"':
			return j + 1, digits, escaped, true
		case c <= '9':
			switch {
			case c >= '0':
				digits++
			case c < 0x20:
				return j, 0, false, false
			}
		case c == '\\':
			escaped = true
			j++
		}
	}
	return len(w.s), 0, false, false
}

// key reads an object key (decoded) and masks card numbers in it.
func (w *jsonWalker) key(i int) (key string, end int, ok bool) {
	end, digits, escaped, ok := w.strEnd(i)
	if !ok {
		return "", end, false
	}
	if !escaped {
		key = w.s[i+1 : end-1]
	} else if key, ok = unquote(w.s[i:end]); !ok {
		return "", end, false
	}
	if !escaped && digits < 12 {
		return key, end, true // the common case: nothing to mask in it
	}
	if w.report {
		w.push(key, 0, false)
	}
	_, ok = w.str(i, false, true)
	if w.report {
		w.pop()
	}
	return key, end, ok
}

// str walks the string literal at s[i]: a card field's value is masked
// whatever its digits, any other string where the scanner finds a card
// number.
func (w *jsonWalker) str(i int, card, isKey bool) (int, bool) {
	end, digits, escaped, ok := w.strEnd(i)
	if !ok {
		return end, false
	}
	raw := w.s[i+1 : end-1]
	if !escaped {
		if card {
			if m, ok := maskDigits(raw); ok {
				w.maskRaw(i+1, raw, m, true)
				return end, true
			}
		}
		if digits < 12 {
			return end, true // no card number fits in it
		}
		sc := w.r.scanner(raw)
		sc.base, sc.spans, sc.report = int32(i+1), w.spans, w.report
		sc.scan()
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
		w.edits = append(w.edits, edit{start: i, end: end, repl: quote(out)})
	}
	return end, true
}

// maskRaw records the masked form m of raw (same length, at offset at) as
// spans.
func (w *jsonWalker) maskRaw(at int, raw, m string, declared bool) {
	for k := 0; k < len(raw); k++ {
		if raw[k] != m[k] {
			w.spans = append(w.spans, span{at: int32(at + k), n: 1})
		}
	}
	if w.report && m != raw {
		w.found = append(w.found, Found{Where: w.pointer(false), Masked: m, Declared: declared, Field: w.field, Known: w.r.knowsDigits(raw)})
	}
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
		w.edits = append(w.edits, edit{start: i, end: j, repl: `"` + out + `"`})
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
