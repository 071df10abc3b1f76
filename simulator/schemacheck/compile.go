package schemacheck

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Direction says which way a body travels: readOnly properties may not be
// sent in a request, writeOnly ones not in a response; a payload checked
// outside an exchange (a decrypted plaintext) has neither rule.
type Direction uint8

const (
	None Direction = iota
	Request
	Response
)

// Unsupported is the error Compile returns for a schema using something
// the compiled checker does not handle; the caller validates with
// kin-openapi instead.
type Unsupported struct {
	Pointer string // where in the schema, "" for its root
	Feature string
}

func (u *Unsupported) Error() string {
	if u.Pointer == "" {
		return "not compiled: " + u.Feature
	}
	return fmt.Sprintf("not compiled: %s at %s", u.Feature, u.Pointer)
}

// node is one schema, compiled for one direction. Nodes are shared by
// every path that reaches the same *openapi3.Schema, so recursive schemas
// compile to a finite graph.
type node struct {
	s           *openapi3.Schema
	permitsNull bool
	empty       bool // kin-openapi's IsEmpty: anything but null

	types         *openapi3.Types
	typeReason    string // "value must be a string"
	allowsBool    bool
	allowsNum     bool
	allowsInt     bool
	requireInt    bool
	allowsStr     bool
	allowsArr     bool
	allowsObj     bool
	not           *node
	oneOf, anyOf  []*node
	allOf         []*node
	enum          []any
	enumReason    string
	minLen        uint64
	maxLen        *uint64
	re            *regexp.Regexp
	runs          runPattern // re, when it is of that form
	simpleRE      bool       // runs holds re
	patternReason string
	strFormat     openapi3.StringFormatValidator
	intFormat     openapi3.IntegerFormatValidator
	numFormat     openapi3.NumberFormatValidator

	// numbers
	exclMin, exclMax *float64 // the effective exclusive bounds, when set
	min, max         *float64

	// arrays
	minItems uint64
	maxItems *uint64
	items    *node

	// objects
	props     map[string]*node
	propNames []string // sorted
	propList  []*node  // the schemas of propNames, in that order
	required  []string
	// reqAt is, for each required name, its index in propNames, or -1
	// when it is not a declared property.
	reqAt     []int
	minProps  uint64
	maxProps  *uint64
	apAllowed bool  // additionalProperties is not false
	ap        *node // additionalProperties' schema, when one is given
	// dirOnly lists the properties this schema or its allOf subschemas
	// declare readOnly (checking a request) or writeOnly (a response):
	// they are not required in that direction.
	dirOnly map[string]bool
	// refused lists, sorted, the declared properties whose value may not
	// be sent in this direction (readOnly in a request, writeOnly in a
	// response).
	refused []string
}

type compiler struct {
	dir   Direction
	nodes map[*openapi3.Schema]*node
}

// Compile turns s into a Checker for bodies travelling in dir. It fails
// with *Unsupported for a schema (or subschema) that uses a feature the
// checker does not implement exactly as kin-openapi does; doc31 is true for
// an OpenAPI 3.1 document, which kin-openapi checks with JSON Schema
// 2020-12 and so is never compiled.
func Compile(s *openapi3.Schema, dir Direction, doc31 bool) (*Checker, error) {
	if doc31 {
		return nil, &Unsupported{Feature: "an OpenAPI 3.1 document (JSON Schema 2020-12)"}
	}
	if s == nil {
		return nil, &Unsupported{Feature: "no schema"}
	}
	c := &compiler{dir: dir, nodes: map[*openapi3.Schema]*node{}}
	root, err := c.compile(s, "")
	if err != nil {
		return nil, err
	}
	return &Checker{root: root, dir: dir}, nil
}

func (c *compiler) compile(s *openapi3.Schema, at string) (*node, error) {
	if n, ok := c.nodes[s]; ok {
		return n, nil
	}
	if f := unsupported(s); f != "" {
		return nil, &Unsupported{Pointer: at, Feature: f}
	}
	n := &node{s: s}
	c.nodes[s] = n
	n.permitsNull = s.Nullable || s.Type.IncludesNull()
	n.empty = s.IsEmpty()
	n.types = s.Type
	n.allowsBool = s.Type.Permits(openapi3.TypeBoolean)
	n.allowsInt = s.Type.Permits(openapi3.TypeInteger)
	n.allowsNum = s.Type.Permits(openapi3.TypeNumber)
	n.requireInt = n.allowsInt && !n.allowsNum
	n.allowsStr = s.Type.Permits(openapi3.TypeString)
	n.allowsArr = s.Type.Permits(openapi3.TypeArray)
	n.allowsObj = s.Type.Permits(openapi3.TypeObject)
	if s.Type != nil {
		n.typeReason = expectedType(*s.Type)
	}

	sub := func(ref *openapi3.SchemaRef, where string) (*node, error) {
		if ref == nil {
			return nil, nil
		}
		if ref.Value == nil {
			return nil, &Unsupported{Pointer: at + where, Feature: "an unresolved $ref " + ref.Ref}
		}
		return c.compile(ref.Value, at+where)
	}
	subs := func(refs openapi3.SchemaRefs, where string) ([]*node, error) {
		var out []*node
		for i, r := range refs {
			x, err := sub(r, fmt.Sprintf("%s/%d", where, i))
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	var err error
	if n.not, err = sub(s.Not, "/not"); err != nil {
		return nil, err
	}
	if n.oneOf, err = subs(s.OneOf, "/oneOf"); err != nil {
		return nil, err
	}
	if n.anyOf, err = subs(s.AnyOf, "/anyOf"); err != nil {
		return nil, err
	}
	if n.allOf, err = subs(s.AllOf, "/allOf"); err != nil {
		return nil, err
	}

	if len(s.Enum) > 0 {
		for _, v := range s.Enum {
			switch v.(type) {
			case nil, bool, string, float64:
			default:
				return nil, &Unsupported{Pointer: at, Feature: fmt.Sprintf("an enum value of type %T", v)}
			}
		}
		n.enum = s.Enum
		allowed, _ := json.Marshal(s.Enum)
		n.enumReason = "value is not one of the allowed values " + string(allowed)
	}

	// strings
	n.minLen, n.maxLen = s.MinLength, s.MaxLength
	if s.Pattern != "" {
		re, err := regexp.Compile(goRegexp(s.Pattern))
		if err != nil {
			return nil, &Unsupported{Pointer: at, Feature: fmt.Sprintf("a pattern Go cannot compile (%v)", err)}
		}
		n.re = re
		n.runs, n.simpleRE = compilePattern(goRegexp(s.Pattern))
		n.patternReason = fmt.Sprintf(`string doesn't match the regular expression "%s"`, s.Pattern)
	}
	if s.Format != "" {
		n.strFormat = openapi3.SchemaStringFormats[s.Format]
		n.intFormat = openapi3.SchemaIntegerFormats[s.Format]
		n.numFormat = openapi3.SchemaNumberFormats[s.Format]
	}

	// numbers
	n.min, n.max = s.Min, s.Max
	if eb := s.ExclusiveMin; eb.Value != nil {
		n.exclMin = eb.Value
	} else if eb.Bool != nil && *eb.Bool && s.Min != nil {
		n.exclMin = s.Min
	}
	if eb := s.ExclusiveMax; eb.Value != nil {
		n.exclMax = eb.Value
	} else if eb.Bool != nil && *eb.Bool && s.Max != nil {
		n.exclMax = s.Max
	}

	// arrays
	n.minItems, n.maxItems = s.MinItems, s.MaxItems
	if n.items, err = sub(s.Items, "/items"); err != nil {
		return nil, err
	}

	// objects
	n.required, n.minProps, n.maxProps = s.Required, s.MinProps, s.MaxProps
	n.apAllowed = s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has
	if n.ap, err = sub(s.AdditionalProperties.Schema, "/additionalProperties"); err != nil {
		return nil, err
	}
	if len(s.Properties) > 0 {
		n.props = make(map[string]*node, len(s.Properties))
		for name, ref := range s.Properties {
			p, err := sub(ref, "/properties/"+name)
			if err != nil {
				return nil, err
			}
			n.props[name] = p
			n.propNames = append(n.propNames, name)
			if c.refuses(ref.Value) {
				n.refused = append(n.refused, name)
			}
		}
		slices.Sort(n.propNames)
		slices.Sort(n.refused)
		for _, name := range n.propNames {
			n.propList = append(n.propList, n.props[name])
		}
	}
	for _, name := range n.required {
		i, found := slices.BinarySearch(n.propNames, name)
		if !found {
			i = -1
		}
		n.reqAt = append(n.reqAt, i)
	}
	if c.dir != None {
		n.dirOnly = map[string]bool{}
		c.declared(s, n.dirOnly, map[*openapi3.Schema]bool{})
	}
	return n, nil
}

// refuses reports whether a property with schema p may not be sent in
// the compiler's direction.
func (c *compiler) refuses(p *openapi3.Schema) bool {
	return c.dir == Request && p.ReadOnly || c.dir == Response && p.WriteOnly
}

// declared adds to out the properties s and its allOf subschemas (again
// and again) declare readOnly or writeOnly, as the direction asks.
func (c *compiler) declared(s *openapi3.Schema, out map[string]bool, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for name, ref := range s.Properties {
		if ref.Value != nil && c.refuses(ref.Value) {
			out[name] = true
		}
	}
	for _, ref := range s.AllOf {
		c.declared(ref.Value, out, seen)
	}
}

// unsupported names the first feature of s the checker does not compile.
func unsupported(s *openapi3.Schema) string {
	switch {
	case s.Always != nil:
		return "a boolean schema"
	case s.Discriminator != nil:
		return "discriminator"
	case s.UniqueItems:
		return "uniqueItems"
	case s.MultipleOf != nil:
		return "multipleOf"
	case s.Const != nil:
		return "const"
	case len(s.PrefixItems) > 0, s.Contains != nil, s.MinContains != nil, s.MaxContains != nil,
		len(s.PatternProperties) > 0, len(s.DependentSchemas) > 0, s.PropertyNames != nil,
		s.UnevaluatedItems.Has != nil, s.UnevaluatedItems.Schema != nil,
		s.UnevaluatedProperties.Has != nil, s.UnevaluatedProperties.Schema != nil,
		s.If != nil, s.Then != nil, s.Else != nil, len(s.DependentRequired) > 0:
		return "a JSON Schema 2020-12 keyword"
	case s.Type != nil && len(*s.Type) == 0:
		return "an empty type list"
	}
	return ""
}

// expectedType is kin-openapi's reason for a value of the wrong type.
func expectedType(types openapi3.Types) string {
	a, x := "a", ""
	if len(types) == 1 {
		x = types[0]
		switch x {
		case openapi3.TypeArray, openapi3.TypeObject, openapi3.TypeInteger:
			a = "an"
		}
	} else {
		a = "one of"
		x = strings.Join(types, ", ")
	}
	return fmt.Sprintf("value must be %s %s", a, x)
}

// goRegexp rewrites \uXXXX escapes into Go's \x{XXXX}, as kin-openapi
// does before compiling a pattern (upper-case hex digits only, as there).
var uEscape = regexp.MustCompile(`(?P<replaced_with_slash_x>\\u)(?P<code>[0-9A-F]{4})`)

func goRegexp(re string) string {
	return uEscape.ReplaceAllString(re, `\x{${code}}`)
}
