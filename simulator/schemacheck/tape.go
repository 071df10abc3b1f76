package schemacheck

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// The tape is a JSON document read once into a flat array of nodes: a
// value's children follow it, and every node knows where its subtree ends,
// so a schema that applies several subschemas to one value (allOf, oneOf,
// anyOf, not) walks the same nodes again instead of reading bytes again.
// An object's members are also kept sorted by key, the order in which
// kin-openapi visits them and reports their problems; two equal neighbours
// are a duplicate key.
//
// The reader is strict: anything encoding/json would refuse is refused, and
// so is what this reader does not handle itself (invalid UTF-8, duplicate
// keys, keys with escapes, numbers beyond float64, nesting deeper than
// maxDepth). A refused document is not "clean": the caller takes the slow
// path, which decodes it and reports the problem in its own words.

type kind uint8

const (
	kNull kind = iota
	kFalse
	kTrue
	kNum
	kStr
	kArr
	kObj
)

type tnode struct {
	kind       kind
	esc        bool  // a string with backslash escapes
	start, end int32 // a string's content (no quotes), or a number's literal
	next       int32 // the index just past this node's subtree
	n          int32 // elements of an array, members of an object
	ord        int32 // an object's first entry in tape.order
	num        float64
}

type tape struct {
	b     []byte
	nodes []tnode
	// order holds, for each object, the indices of its members' key nodes
	// sorted by key (an object's value node follows its key node).
	order []int32
	keys  []int32 // the keys of the objects being read, innermost last
	depth int
	bad   bool
}

// maxDepth bounds nesting; deeper documents take the slow path.
const maxDepth = 512

// read fills the tape from b; it reports false when b is not clean.
func (t *tape) read(b []byte) bool {
	t.b, t.nodes, t.order, t.keys, t.depth, t.bad = b, t.nodes[:0], t.order[:0], t.keys[:0], 0, false
	if len(b) > 1<<30 || !utf8.Valid(b) {
		return false
	}
	i := t.value(skipSpace(b, 0))
	if t.bad || skipSpace(b, i) != len(b) {
		return false
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value reads the value at b[i:] and returns the index after it.
func (t *tape) value(i int) int {
	b := t.b
	if t.bad || i >= len(b) {
		t.bad = true
		return i
	}
	switch c := b[i]; {
	case c == '{':
		return t.object(i)
	case c == '[':
		return t.array(i)
	case c == '"':
		end, esc, ok := scanString(b, i)
		if !ok {
			t.bad = true
			return i
		}
		t.nodes = append(t.nodes, tnode{kind: kStr, esc: esc, start: int32(i + 1), end: int32(end - 1), next: int32(len(t.nodes) + 1)})
		return end
	case c == 't':
		return t.literal(i, "true", kTrue)
	case c == 'f':
		return t.literal(i, "false", kFalse)
	case c == 'n':
		return t.literal(i, "null", kNull)
	case c == '-' || c >= '0' && c <= '9':
		end, ok := scanNumber(b, i)
		if !ok {
			t.bad = true
			return i
		}
		lit := b[i:end]
		f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(lit), len(lit)), 64)
		if err != nil { // beyond float64: kin-openapi sees a json.Number
			t.bad = true
			return i
		}
		t.nodes = append(t.nodes, tnode{kind: kNum, start: int32(i), end: int32(end), num: f, next: int32(len(t.nodes) + 1)})
		return end
	}
	t.bad = true
	return i
}

func (t *tape) literal(i int, word string, k kind) int {
	if len(t.b)-i < len(word) || string(t.b[i:i+len(word)]) != word {
		t.bad = true
		return i
	}
	t.nodes = append(t.nodes, tnode{kind: k, next: int32(len(t.nodes) + 1)})
	return i + len(word)
}

func (t *tape) array(i int) int {
	if t.depth++; t.depth > maxDepth {
		t.bad = true
		return i
	}
	defer func() { t.depth-- }()
	at := len(t.nodes)
	t.nodes = append(t.nodes, tnode{kind: kArr})
	b := t.b
	i = skipSpace(b, i+1)
	var n int32
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for more := true; more; {
			i = skipSpace(b, t.value(i))
			n++
			if i, more = t.after(i, ']'); t.bad {
				return i
			}
		}
	}
	t.nodes[at].n = n
	t.nodes[at].next = int32(len(t.nodes))
	return i
}

// after reads what follows a member or an element at b[i], once its value
// is read: a comma (more follows, from the returned index) or closing (the
// container ends at the returned index); anything else, or a value that
// was not JSON, marks the tape bad.
func (t *tape) after(i int, closing byte) (_ int, more bool) {
	if t.bad || i >= len(t.b) {
		t.bad = true
		return i, false
	}
	switch t.b[i] {
	case closing:
		return i + 1, false
	case ',':
		return skipSpace(t.b, i+1), true
	}
	t.bad = true
	return i, false
}

func (t *tape) object(i int) int {
	if t.depth++; t.depth > maxDepth {
		t.bad = true
		return i
	}
	defer func() { t.depth-- }()
	at := len(t.nodes)
	t.nodes = append(t.nodes, tnode{kind: kObj})
	b := t.b
	i = skipSpace(b, i+1)
	// Key node indices are stacked while members are read (a nested
	// object stacks and unstacks its own above them), then sorted into
	// order.
	base := len(t.keys)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				t.bad = true
				return i
			}
			end, esc, ok := scanString(b, i)
			if !ok || esc {
				t.bad = true // a key with escapes takes the slow path
				return i
			}
			t.keys = append(t.keys, int32(len(t.nodes)))
			t.nodes = append(t.nodes, tnode{kind: kStr, start: int32(i + 1), end: int32(end - 1), next: int32(len(t.nodes) + 1)})
			i = skipSpace(b, end)
			if i >= len(b) || b[i] != ':' {
				t.bad = true
				return i
			}
			i = skipSpace(b, t.value(skipSpace(b, i+1)))
			var more bool
			if i, more = t.after(i, '}'); t.bad {
				return i
			}
			if !more {
				break
			}
		}
	}
	keys := t.keys[base:]
	slices.SortFunc(keys, func(x, y int32) int { return bytes.Compare(t.key(x), t.key(y)) })
	for j := 1; j < len(keys); j++ {
		if bytes.Equal(t.key(keys[j-1]), t.key(keys[j])) {
			t.bad = true // a duplicate key: the slow path names it
			return i
		}
	}
	t.nodes[at].n = int32(len(keys))
	t.nodes[at].ord = int32(len(t.order))
	t.nodes[at].next = int32(len(t.nodes))
	t.order = append(t.order, keys...)
	t.keys = t.keys[:base]
	return i
}

// key returns the raw bytes of the key node k (keys never hold escapes).
func (t *tape) key(k int32) []byte {
	n := &t.nodes[k]
	return t.b[n.start:n.end]
}

// str returns the string value of node v. The string of an unescaped node
// shares the document's bytes: it must not outlive the check.
func (t *tape) str(v int32) string {
	n := &t.nodes[v]
	raw := t.b[n.start:n.end]
	if !n.esc {
		return unsafe.String(unsafe.SliceData(raw), len(raw))
	}
	var s string
	_ = json.Unmarshal(t.b[n.start-1:n.end+1], &s) // scanned already: cannot fail
	return s
}

// scanString returns the index after the string starting at b[i] (a quote),
// whether it holds escapes, and false when it is not a valid JSON string.
func scanString(b []byte, i int) (end int, esc, ok bool) {
	// Most strings hold neither escapes nor control characters: they end
	// at the next quote. A short one is read byte by byte, a long one
	// with IndexByte and a check of what it passed over.
	j := i + 1
	for short := min(len(b), j+16); j < short; j++ {
		if c := b[j]; c == '"' {
			return j + 1, false, true
		} else if c < 0x20 || c == '\\' {
			return scanEscaped(b, i)
		}
	}
	if k := bytes.IndexByte(b[j:], '"'); k >= 0 {
		if seg := b[j : j+k]; bytes.IndexByte(seg, '\\') < 0 && !hasControl(seg) {
			return j + k + 1, false, true
		}
	}
	return scanEscaped(b, i)
}

// scanEscaped is scanString byte by byte, escapes included.
func scanEscaped(b []byte, i int) (end int, esc, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, esc, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			esc = true
			if j+1 >= len(b) {
				return 0, false, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+5 >= len(b) {
					return 0, false, false
				}
				for _, h := range b[j+2 : j+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, false, false
					}
				}
				j += 5
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

// hasControl reports whether b holds a byte below 0x20, eight bytes at a
// time: (x - 0x20*ones) &^ x & highs is non-zero exactly when a byte of the
// word x is below 0x20.
func hasControl(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	j := 0
	for ; j+32 <= len(b); j += 32 {
		x, y := binary.LittleEndian.Uint64(b[j:]), binary.LittleEndian.Uint64(b[j+8:])
		z, w := binary.LittleEndian.Uint64(b[j+16:]), binary.LittleEndian.Uint64(b[j+24:])
		if ((x-0x20*ones)&^x|(y-0x20*ones)&^y|(z-0x20*ones)&^z|(w-0x20*ones)&^w)&highs != 0 {
			return true
		}
	}
	for ; j+8 <= len(b); j += 8 {
		if x := binary.LittleEndian.Uint64(b[j:]); (x-0x20*ones)&^x&highs != 0 {
			return true
		}
	}
	for ; j < len(b); j++ {
		if b[j] < 0x20 {
			return true
		}
	}
	return false
}

// scanNumber returns the index after the JSON number at b[i:].
func scanNumber(b []byte, i int) (int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return 0, false
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || b[j] < '0' || b[j] > '9' {
			return 0, false
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	return j, true
}
