package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Duplicate object keys. RFC 8259 says names within an object SHOULD be
// unique and leaves the meaning of a repeated one to the receiver:
// encoding/json keeps the last value, other parsers the first or fail. A
// body whose meaning depends on the parser is refused for every network,
// once, where bodies are decoded: a strict gateway answers 400 naming the
// key, so the handler never sees an ambiguous request. The engine checks
// clear request bodies (validateRequest) and decrypted payloads
// (Env.ValidateSchema).

// RuleDuplicateKey is the FieldError rule of a repeated object key.
const RuleDuplicateKey = "duplicateKey"

// duplicateKeyError returns the 400 for the first repeated key of b, or nil.
// b must already be known to be valid JSON; what names the body in the
// message ("body", "encrypted payload") is where.
func duplicateKeyError(b []byte, where string) *Error {
	ptr, key, ok := duplicateKey(b)
	if !ok {
		return nil
	}
	msg := fmt.Sprintf("%s %s: the key %q appears more than once in the same object; send each key once (%s)", where, ptr, key, RuleDuplicateKey)
	return &Error{Status: http.StatusBadRequest, Kind: KindValidation, Message: msg,
		Fields: []FieldError{{Field: ptr, In: "body", Rule: RuleDuplicateKey, Message: msg}}}
}

// duplicateKey finds the first object key that appears twice in one object
// of the valid JSON document b. It returns the JSON pointer of the second
// occurrence and the key. Keys are compared after unescaping, so "a" and
// "\u0061" are the same key.
func duplicateKey(b []byte) (ptr, key string, found bool) {
	// Most bodies have no object that repeats a key; the scan allocates
	// only for objects with many keys or escaped keys.
	s := dupScanner{b: b}
	s.value()
	if s.dup == nil {
		return "", "", false
	}
	return s.pointer(), s.dupKey, true
}

type span struct{ start, end int } // a string's content, without the quotes

type dupScanner struct {
	b      []byte
	i      int
	path   []pathElem // where the scanner is, for the pointer of a duplicate
	dup    []pathElem
	dupKey string
	keys   [][]span // per depth, reused
	depth  int
}

type pathElem struct {
	key   span
	index int
	isKey bool
}

func (s *dupScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans one value; it stops early once a duplicate is found.
func (s *dupScanner) value() {
	s.skipSpace()
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '{':
		s.object()
	case '[':
		s.array()
	case '"':
		s.str()
	default:
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}

// str scans a string starting at its opening quote and returns its content.
func (s *dupScanner) str() span {
	s.i++ // opening quote
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			sp := span{start, s.i}
			s.i++
			return sp
		}
		s.i++
	}
	return span{start, len(s.b)}
}

func (s *dupScanner) object() {
	s.i++ // {
	if s.depth == len(s.keys) {
		s.keys = append(s.keys, nil)
	}
	d := s.depth
	s.depth++
	defer func() { s.depth-- }()
	keys := s.keys[d][:0]
	var seen map[string]struct{} // for objects with many keys
	for {
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			s.i++
			s.keys[d] = keys
			return
		}
		if s.b[s.i] == ',' {
			s.i++
			s.skipSpace()
		}
		k := s.str()
		if s.repeated(keys, k, &seen) {
			s.dup = append(append([]pathElem(nil), s.path...), pathElem{key: k, isKey: true})
			s.dupKey = s.text(k)
			return
		}
		keys = append(keys, k)
		s.skipSpace()
		s.i++ // :
		s.path = append(s.path, pathElem{key: k, isKey: true})
		s.value()
		s.path = s.path[:len(s.path)-1]
		if s.dup != nil {
			return
		}
	}
}

// manyKeys is where an object's keys go into a map instead of being
// compared one by one.
const manyKeys = 16

func (s *dupScanner) repeated(keys []span, k span, seen *map[string]struct{}) bool {
	if len(keys) < manyKeys {
		for _, o := range keys {
			if s.same(o, k) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*len(keys))
		for _, o := range keys {
			(*seen)[s.text(o)] = struct{}{}
		}
	}
	t := s.text(k)
	if _, dup := (*seen)[t]; dup {
		return true
	}
	(*seen)[t] = struct{}{}
	return false
}

func (s *dupScanner) same(a, b span) bool {
	x, y := s.b[a.start:a.end], s.b[b.start:b.end]
	if bytes.IndexByte(x, '\\') < 0 && bytes.IndexByte(y, '\\') < 0 {
		return bytes.Equal(x, y)
	}
	return s.text(a) == s.text(b)
}

// text is a key's unescaped value.
func (s *dupScanner) text(k span) string {
	raw := s.b[k.start:k.end]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var out string
	if err := json.Unmarshal(s.b[k.start-1:k.end+1], &out); err != nil {
		return string(raw)
	}
	return out
}

func (s *dupScanner) array() {
	s.i++ // [
	for idx := 0; ; idx++ {
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] == ']' {
			s.i++
			return
		}
		if s.b[s.i] == ',' {
			s.i++
		}
		s.path = append(s.path, pathElem{index: idx})
		s.value()
		s.path = s.path[:len(s.path)-1]
		if s.dup != nil {
			return
		}
	}
}

// pointer renders the duplicate's location as a JSON pointer (RFC 6901).
func (s *dupScanner) pointer() string {
	var sb strings.Builder
	for _, e := range s.dup {
		sb.WriteByte('/')
		if !e.isKey {
			sb.WriteString(strconv.Itoa(e.index))
			continue
		}
		sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s.text(e.key)))
	}
	return sb.String()
}
