package schemacheck

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"
)

// Checker validates JSON documents against one compiled schema. It is safe
// for concurrent use.
type Checker struct {
	root *node
	dir  Direction
}

// Finding is one problem, as kin-openapi's SchemaError states it: Pointer
// is "/" and the path's keys and indexes joined by "/" (JSONPointer, keys
// not escaped), Rule the schema field (SchemaField) and Reason the reason.
type Finding struct {
	Pointer string
	Rule    string
	Reason  string
}

// Check validates the JSON document b. It returns the findings kin-openapi's
// VisitJSON would report, in its order, for the value encoding/json decodes
// from b. clean is false, with no findings, when b is not a document the
// checker reads itself (malformed JSON, invalid UTF-8, a duplicate or
// escaped key, a number beyond float64, deep nesting): the caller decodes
// and validates it the slow way, which also explains what is wrong.
//
// Format validators are handed strings that share b's memory: b must not
// change while Check runs. The findings do not refer to b.
func (c *Checker) Check(b []byte) (findings []Finding, clean bool) {
	s := states.Get().(*state)
	defer s.release()
	if !s.t.read(b) {
		return nil, false
	}
	s.dir = c.dir
	s.visit(c.root, 0)
	if len(s.out) == 0 {
		return nil, true
	}
	return slices.Clone(s.out), true
}

type state struct {
	t     tape
	dir   Direction
	stack []*node // schemas visited for the current value, from base on
	base  int
	path  []int32 // a key node's index, or -(i+1) for array index i
	out   []Finding
	quiet int // inside not, oneOf, anyOf, allOf: only pass or fail counts
}

var states = sync.Pool{New: func() any { return new(state) }}

// release returns s to the pool unless a large document made it large.
func (s *state) release() {
	if cap(s.t.nodes) > 1<<16 || cap(s.t.order) > 1<<16 {
		return
	}
	s.t.b = nil
	s.stack, s.path, s.out, s.base, s.quiet = s.stack[:0], s.path[:0], s.out[:0], 0, 0
	clear(s.out[:cap(s.out)])
	states.Put(s)
}

func (s *state) loud() bool { return s.quiet == 0 }

// fail records a finding at the current value (and key, when withKey).
func (s *state) fail(rule, reason string, key string, withKey bool) {
	if s.quiet > 0 {
		return
	}
	s.out = append(s.out, Finding{Pointer: s.pointer(key, withKey), Rule: rule, Reason: reason})
}

func (s *state) pointer(key string, withKey bool) string {
	if len(s.path) == 0 && !withKey {
		return "/"
	}
	var sb strings.Builder
	for _, p := range s.path {
		sb.WriteByte('/')
		if p >= 0 {
			sb.Write(s.t.key(p))
		} else {
			sb.WriteString(strconv.Itoa(int(-p - 1)))
		}
	}
	if withKey {
		sb.WriteByte('/')
		sb.WriteString(key)
	}
	return sb.String()
}

// visit checks value v against n, as kin-openapi's visitJSON: a schema
// already visited for this same value (a cycle through allOf, oneOf, anyOf
// or not) passes.
func (s *state) visit(n *node, v int32) bool {
	for _, x := range s.stack[s.base:] {
		if x == n {
			return true
		}
	}
	s.stack = append(s.stack, n)
	ok := s.visitNode(n, v)
	s.stack = s.stack[:len(s.stack)-1]
	return ok
}

// child checks a value nested in the current one (kin-openapi's
// visitChildJSON).
func (s *state) child(n *node, v int32) bool {
	base := s.base
	s.base = len(s.stack)
	ok := s.visit(n, v)
	s.base = base
	return ok
}

// sub checks the current value against a subschema whose own problems are
// not reported (kin-openapi keeps them only inside the parent's error).
func (s *state) sub(n *node, v int32) bool {
	s.quiet++
	ok := s.visit(n, v)
	s.quiet--
	return ok
}

func (s *state) visitNode(n *node, v int32) bool {
	tv := &s.t.nodes[v]
	if tv.kind == kNull && n.permitsNull {
		return true
	}
	if n.empty {
		if tv.kind == kNull {
			return s.null()
		}
		return true
	}
	if n.not != nil && s.sub(n.not, v) {
		s.fail("not", "", "", false)
		return false
	}
	visited := false
	if len(n.oneOf) > 0 {
		matched := 0
		for _, x := range n.oneOf {
			if s.sub(x, v) {
				matched++
			}
		}
		if matched != 1 {
			reason := `value doesn't match any schema from "oneOf"`
			if matched > 1 && s.loud() {
				var at []int
				for i, x := range n.oneOf {
					if s.sub(x, v) {
						at = append(at, i)
					}
				}
				reason = fmt.Sprintf(`value matches more than one schema from "oneOf" (matches schemas at indices %v)`, at)
			}
			s.fail("oneOf", reason, "", false)
			return false
		}
		visited = true
	}
	if len(n.anyOf) > 0 {
		matched := false
		for _, x := range n.anyOf {
			if s.sub(x, v) {
				matched = true
				break
			}
		}
		if !matched {
			s.fail("anyOf", `doesn't match any schema from "anyOf"`, "", false)
			return false
		}
		visited = true
	}
	if len(n.allOf) > 0 {
		failed := false
		for _, x := range n.allOf {
			if !s.sub(x, v) {
				failed = true
				if !s.loud() {
					break
				}
			}
		}
		if failed {
			s.fail("allOf", `doesn't match all schemas from "allOf"`, "", false)
			return false
		}
		visited = true
	}
	if visited && tv.kind == kNull {
		return true
	}
	if len(n.enum) > 0 && !s.inEnum(n, tv, v) {
		s.fail("enum", n.enumReason, "", false)
		return false
	}
	switch tv.kind {
	case kNull:
		return s.null()
	case kTrue, kFalse:
		if !n.allowsBool {
			return s.wrongType(n)
		}
		return true
	case kNum:
		return s.number(n, tv.num)
	case kStr:
		return s.string(n, v)
	case kArr:
		return s.array(n, v)
	default:
		return s.object(n, v)
	}
}

func (s *state) null() bool {
	s.fail("nullable", "Value is not nullable", "", false)
	return false
}

func (s *state) wrongType(n *node) bool {
	s.fail("type", n.typeReason, "", false)
	return false
}

func (s *state) inEnum(n *node, tv *tnode, v int32) bool {
	for _, e := range n.enum {
		switch e := e.(type) {
		case nil:
			if tv.kind == kNull {
				return true
			}
		case bool:
			if tv.kind == kTrue && e || tv.kind == kFalse && !e {
				return true
			}
		case float64:
			if tv.kind == kNum && tv.num == e {
				return true
			}
		case string:
			if tv.kind == kStr && s.t.str(v) == e {
				return true
			}
		}
	}
	return false
}

func (s *state) number(n *node, f float64) bool {
	ok := true
	if n.requireInt {
		if f != math.Trunc(f) {
			s.fail("type", "value must be an integer", "", false)
			ok = false
		}
	} else if !(n.allowsInt || n.allowsNum) {
		return s.wrongType(n)
	}
	if n.requireInt && n.intFormat != nil {
		if err := validateIntegerFormat(n.intFormat, f); err != nil {
			ok = false
			if s.loud() {
				s.fail("format", formatReason("integer", n.s.Format, err), "", false)
			}
		}
	} else if !n.requireInt && n.numFormat != nil {
		if err := n.numFormat.Validate(f); err != nil {
			ok = false
			if s.loud() {
				s.fail("format", formatReason("number", n.s.Format, err), "", false)
			}
		}
	}
	if b := n.exclMin; b != nil && !(f > *b) {
		ok = false
		if s.loud() {
			s.fail("exclusiveMinimum", fmt.Sprintf("number must be more than %g", *b), "", false)
		}
	}
	if b := n.exclMax; b != nil && !(f < *b) {
		ok = false
		if s.loud() {
			s.fail("exclusiveMaximum", fmt.Sprintf("number must be less than %g", *b), "", false)
		}
	}
	if b := n.min; b != nil && !(*b <= f) {
		ok = false
		if s.loud() {
			s.fail("minimum", fmt.Sprintf("number must be at least %g", *b), "", false)
		}
	}
	if b := n.max; b != nil && !(*b >= f) {
		ok = false
		if s.loud() {
			s.fail("maximum", fmt.Sprintf("number must be at most %g", *b), "", false)
		}
	}
	return ok
}

func (s *state) string(n *node, v int32) bool {
	if !n.allowsStr {
		return s.wrongType(n)
	}
	str := s.t.str(v)
	ok := true
	// kin-openapi's count: one per rune, two for a surrogate code point
	// (which decoded JSON never holds). It is at most the byte length (a
	// rune takes one to four bytes, a surrogate three) and at least a
	// quarter of it, so a string whose byte length is well within both
	// bounds is not counted (bounds beyond 2^60 always are, compared as
	// below).
	size := uint64(len(str))
	if n.maxLen != nil && (*n.maxLen > 1<<60 || size > *n.maxLen) || n.minLen != 0 && (n.minLen > 1<<60 || size < 4*n.minLen) {
		var length int64
		for _, r := range str {
			if utf16.IsSurrogate(r) {
				length += 2
			} else {
				length++
			}
		}
		if n.minLen != 0 && length < int64(n.minLen) {
			ok = false
			if s.loud() {
				s.fail("minLength", fmt.Sprintf("minimum string length is %d", n.minLen), "", false)
			}
		}
		if n.maxLen != nil && length > int64(*n.maxLen) {
			ok = false
			if s.loud() {
				s.fail("maxLength", fmt.Sprintf("maximum string length is %d", *n.maxLen), "", false)
			}
		}
	}
	if n.re != nil && !n.matches(str) {
		ok = false
		s.fail("pattern", n.patternReason, "", false)
	}
	if n.strFormat != nil {
		if err := n.strFormat.Validate(str); err != nil {
			ok = false
			if s.loud() {
				s.fail("format", formatReason("string", n.s.Format, err), "", false)
			}
		}
	}
	return ok
}

// matches reports whether str matches the pattern.
func (n *node) matches(str string) bool {
	if n.simpleRE {
		return n.runs.match(str)
	}
	return n.re.MatchString(str)
}

func (s *state) array(n *node, v int32) bool {
	if !n.allowsArr {
		return s.wrongType(n)
	}
	tv := &s.t.nodes[v]
	ok := true
	if m := n.minItems; m != 0 && int64(tv.n) < int64(m) {
		ok = false
		if s.loud() {
			s.fail("minItems", fmt.Sprintf("minimum number of items is %d", m), "", false)
		}
	}
	if m := n.maxItems; m != nil && int64(tv.n) > int64(*m) {
		ok = false
		if s.loud() {
			s.fail("maxItems", fmt.Sprintf("maximum number of items is %d", *m), "", false)
		}
	}
	if n.items == nil {
		return ok
	}
	c := v + 1
	for i := int32(0); i < tv.n; i++ {
		s.path = append(s.path, -(i + 1))
		good := s.child(n.items, c)
		s.path = s.path[:len(s.path)-1]
		if !good {
			ok = false
			if !s.loud() {
				return false
			}
		}
		c = s.t.nodes[c].next
	}
	return ok
}

func (s *state) object(n *node, v int32) bool {
	if !n.allowsObj {
		return s.wrongType(n)
	}
	tv := &s.t.nodes[v]
	ok := true
	for _, name := range n.refused {
		if m := s.member(tv, name); m >= 0 && s.t.nodes[m].kind != kNull {
			ok = false
			if !s.loud() {
				return false
			}
			rule, dir := "readOnly", "request"
			if s.dir == Response {
				rule, dir = "writeOnly", "response"
			}
			s.fail(rule, fmt.Sprintf("%s property %q in %s", rule, name, dir), name, true)
		}
	}
	if m := n.minProps; m != 0 && int64(tv.n) < int64(m) {
		ok = false
		if s.loud() {
			s.fail("minProperties", fmt.Sprintf("there must be at least %d properties", m), "", false)
		}
	}
	if m := n.maxProps; m != nil && int64(tv.n) > int64(*m) {
		ok = false
		if s.loud() {
			s.fail("maxProperties", fmt.Sprintf("there must be at most %d properties", *m), "", false)
		}
	}
	// The members come sorted by key, as the declared properties are: one
	// walk over both pairs them, and notes which of the first 64
	// properties are there for the required ones below.
	var present uint64
	at := 0
	for j := int32(0); j < tv.n; j++ {
		k := s.t.order[tv.ord+j]
		key := s.t.key(k)
		name := unsafe.String(unsafe.SliceData(key), len(key))
		for at < len(n.propNames) && n.propNames[at] < name {
			at++
		}
		var p *node
		if at < len(n.propNames) && n.propNames[at] == name {
			p = n.propList[at]
			if at < 64 {
				present |= 1 << at
			}
		}
		if p == nil && n.apAllowed {
			p = n.ap
			if p == nil {
				continue
			}
		}
		if p == nil {
			ok = false
			if !s.loud() {
				return false
			}
			s.fail("properties", fmt.Sprintf("property %q is unsupported", name), "", false)
			continue
		}
		s.path = append(s.path, k)
		good := s.child(p, k+1)
		s.path = s.path[:len(s.path)-1]
		if !good {
			ok = false
			if !s.loud() {
				return false
			}
		}
	}
	for i, name := range n.required {
		there := false
		if at := n.reqAt[i]; at >= 0 && at < 64 {
			there = present&(1<<at) != 0
		} else {
			there = s.member(tv, name) >= 0
		}
		if there || s.directionOnly(name) {
			continue
		}
		ok = false
		if !s.loud() {
			return false
		}
		s.fail("required", fmt.Sprintf("property %q is missing", name), name, true)
	}
	return ok
}

// member returns the value node of the object's member name, or -1.
func (s *state) member(o *tnode, name string) int32 {
	keys := s.t.order[o.ord : o.ord+o.n]
	i, found := slices.BinarySearchFunc(keys, name, func(k int32, name string) int {
		key := s.t.key(k)
		return strings.Compare(unsafe.String(unsafe.SliceData(key), len(key)), name)
	})
	if !found {
		return -1
	}
	return keys[i] + 1
}

// directionOnly reports whether a schema applying to the current value
// declares name readOnly (a request) or writeOnly (a response), so it is
// not required.
func (s *state) directionOnly(name string) bool {
	for _, x := range s.stack[s.base:] {
		if x.dirOnly[name] {
			return true
		}
	}
	return false
}

// formatReason is kin-openapi's reason for a value its format validator
// refused.
func formatReason(kind, format string, err error) string {
	prefix := fmt.Sprintf("%s doesn't match the format %q", kind, format)
	reasons := schemaErrorReasons(nil, err)
	if len(reasons) == 0 {
		return fmt.Sprintf("%s (%v)", prefix, err)
	}
	return fmt.Sprintf("%s (%s)", prefix, strings.Join(reasons, " | "))
}

func schemaErrorReasons(reasons []string, err error) []string {
	switch e := err.(type) {
	case nil:
	case *openapi3.SchemaError:
		reasons = append(reasons, e.Reason)
	case openapi3.MultiError:
		for _, err := range e {
			reasons = schemaErrorReasons(reasons, err)
		}
	case interface{ Unwrap() error }:
		reasons = schemaErrorReasons(reasons, e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, err := range e.Unwrap() {
			reasons = schemaErrorReasons(reasons, err)
		}
	}
	return reasons
}

// validateIntegerFormat hands an integer validator the value as kin-openapi
// does: a float64 outside int64 is refused before it could wrap.
func validateIntegerFormat(f openapi3.IntegerFormatValidator, value float64) error {
	switch {
	case value == float64(math.MaxInt64):
		return f.Validate(math.MaxInt64)
	case value >= float64(math.MinInt64) && value < float64(math.MaxInt64):
		return f.Validate(int64(value))
	default:
		return fmt.Errorf("value should be between %v and %v", int64(math.MinInt64), int64(math.MaxInt64))
	}
}
