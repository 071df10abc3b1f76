package schemacheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/schemacheck"

	// The engine registers c2psim's string formats (the strict email)
	// with kin-openapi; the checker must agree with them too.
	_ "github.com/c2psim/c2psim/simulator"
)

// A served schema: where it is, the schema, and what the documents show
// of it (examples).
type served struct {
	where    string
	schema   *openapi3.Schema
	examples []any
	doc31    bool
}

var (
	servedOnce sync.Once
	servedAll  []served
)

// servedSchemas lists every schema of every document in openapi/: the
// components, and the schemas of every request body, response and
// parameter, with the examples found beside them.
func servedSchemas(t testing.TB) []served {
	servedOnce.Do(func() {
		// The served documents, and one that uses every feature the
		// checker compiles (the documents do not use them all).
		names := append(openapi.Files(), "testdata/features.yaml")
		for _, name := range names {
			doc, err := load(name)
			if err != nil {
				panic(fmt.Sprintf("%s: %v", name, err))
			}
			seen := map[*openapi3.Schema]int{}
			add := func(where string, ref *openapi3.SchemaRef, examples ...any) {
				if ref == nil || ref.Value == nil {
					return
				}
				if i, ok := seen[ref.Value]; ok {
					servedAll[i].examples = append(servedAll[i].examples, examples...)
					return
				}
				if ref.Value.Example != nil {
					examples = append(examples, ref.Value.Example)
				}
				seen[ref.Value] = len(servedAll)
				servedAll = append(servedAll, served{where: name + "#" + where, schema: ref.Value, examples: examples, doc31: doc.IsOpenAPI31OrLater()})
			}
			content := func(where string, c openapi3.Content) {
				for _, mt := range sortedKeys(c) {
					m := c[mt]
					var ex []any
					if m.Example != nil {
						ex = append(ex, m.Example)
					}
					for _, k := range sortedKeys(m.Examples) {
						if e := m.Examples[k]; e != nil && e.Value != nil && e.Value.Value != nil {
							ex = append(ex, e.Value.Value)
						}
					}
					add(where+"/"+mt, m.Schema, ex...)
				}
			}
			if doc.Components != nil {
				for _, k := range sortedKeys(doc.Components.Schemas) {
					add("/components/schemas/"+k, doc.Components.Schemas[k])
				}
			}
			for _, path := range doc.Paths.InMatchingOrder() {
				item := doc.Paths.Value(path)
				for _, method := range sortedKeys(item.Operations()) {
					op := item.Operations()[method]
					at := method + " " + path
					for _, p := range op.Parameters {
						if p.Value != nil {
							add(at+" parameter "+p.Value.Name, p.Value.Schema)
						}
					}
					if op.RequestBody != nil && op.RequestBody.Value != nil {
						content(at+" request", op.RequestBody.Value.Content)
					}
					if op.Responses != nil {
						for code, r := range op.Responses.Map() {
							if r.Value != nil {
								content(at+" "+code, r.Value.Content)
							}
						}
					}
				}
			}
		}
	})
	if len(servedAll) < 50 {
		t.Fatalf("only %d schemas found in the documents", len(servedAll))
	}
	return servedAll
}

func load(name string) (*openapi3.T, error) {
	if strings.HasPrefix(name, "testdata/") {
		doc, err := openapi3.NewLoader().LoadFromFile(name)
		if err != nil {
			return nil, err
		}
		return doc, doc.Validate(context.Background())
	}
	return openapi.Load(name)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var directions = []schemacheck.Direction{schemacheck.None, schemacheck.Request, schemacheck.Response}

func kinOptions(dir schemacheck.Direction) []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	switch dir {
	case schemacheck.Request:
		opts = append(opts, openapi3.VisitAsRequest())
	case schemacheck.Response:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	return opts
}

// kinFindings is what kin-openapi's VisitJSON reports for the value b
// decodes to, flattened the way the engine flattens it.
func kinFindings(t testing.TB, s *openapi3.Schema, dir schemacheck.Direction, b []byte) []schemacheck.Finding {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	var out []schemacheck.Finding
	var walk func(err error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, sub := range e {
				walk(sub)
			}
		case *openapi3.SchemaError:
			out = append(out, schemacheck.Finding{Pointer: "/" + strings.Join(e.JSONPointer(), "/"), Rule: e.SchemaField, Reason: e.Reason})
		default:
			t.Fatalf("kin-openapi answered an error that is not a schema error: %T %v", err, err)
		}
	}
	walk(s.VisitJSON(v, kinOptions(dir)...))
	return out
}

var allVariants = flag.Bool("schemacheck.all", false, "compare every variant of every served schema, not a sample")

// compare checks one document against both validators and reports whether
// it had findings.
func compare(t testing.TB, sv served, c *schemacheck.Checker, dir schemacheck.Direction, b []byte) bool {
	got, clean := c.Check(b)
	if !clean {
		if !slowPathExpected(b) {
			t.Fatalf("%s (%d): a clean document was refused: %s", sv.where, dir, b)
		}
		return false
	}
	if !json.Valid(b) {
		t.Fatalf("%s: accepted a document encoding/json refuses: %q", sv.where, b)
	}
	want := kinFindings(t, sv.schema, dir, b)
	if !slices.Equal(got, want) {
		t.Fatalf("%s (direction %d), document %s\n got: %q\nwant: %q", sv.where, dir, b, got, want)
	}
	return len(got) > 0
}

// TestSameFindingsAsKinOpenAPI checks every schema of every served
// document, in each direction, against kin-openapi's VisitJSON: the
// documents' own examples, an instance generated from the schema, and
// every variant made by replacing, removing or adding one value of those.
// Every compiled schema must report exactly kin-openapi's findings (field
// pointer, rule, reason) in its order; schemas the checker does not
// compile are listed.
//
// By default each schema-direction is checked with its examples, the
// generated instances and an even sample of the variants (about 40
// documents); -schemacheck.all checks every variant (half a million
// documents, a minute or more).
func TestSameFindingsAsKinOpenAPI(t *testing.T) {
	all := servedSchemas(t)
	cases, compiled, failing := 0, 0, 0
	for _, sv := range all {
		for _, dir := range directions {
			c, err := schemacheck.Compile(sv.schema, dir, sv.doc31)
			if err != nil {
				t.Logf("%s: %v", sv.where, err)
				continue
			}
			compiled++
			for _, b := range documents(sv, *allVariants) {
				if compare(t, sv, c, dir, b) {
					failing++
				}
				cases++
			}
		}
	}
	t.Logf("%d schemas, %d schema-directions compiled of %d, %d documents compared, %d with findings", len(all), compiled, 3*len(all), cases, failing)
	if failing < cases/4 || failing == cases {
		t.Errorf("%d of %d documents had findings: the variants do not exercise both outcomes", failing, cases)
	}
	if compiled < 2*len(all) {
		t.Errorf("only %d of %d schema-directions compiled", compiled, 3*len(all))
	}
}

// documents returns the JSON documents to check a schema with: the
// examples and generated instances, each with its variants (all of them,
// or an even sample of about 40 documents in all).
func documents(sv served, all bool) [][]byte {
	var bases []any
	bases = append(bases, sv.examples...)
	bases = append(bases, generate(sv.schema, 0, true), generate(sv.schema, 0, false))
	var out [][]byte
	add := func(v any) {
		if b, err := json.Marshal(v); err == nil {
			out = append(out, b)
		}
	}
	var edits []edit
	for i, base := range bases {
		add(base)
		edits = variants(edits, i, base)
	}
	for _, s := range []string{`null`, `true`, `0`, `1.5`, `"x"`, `[]`, `{}`, `[null]`, `{"":null}`} {
		out = append(out, []byte(s))
	}
	const spread = 32
	if !all && len(edits) > spread {
		picked := make([]edit, spread)
		for i := range picked {
			picked[i] = edits[i*len(edits)/spread]
		}
		edits = picked
	}
	for _, e := range edits {
		add(replaceAt(bases[e.base], e.path, e.value, e.remove))
	}
	return out
}

// replacements are the values every position is replaced with in turn.
var replacements = []any{nil, true, false, 0.0, -1.0, 1.5, 1e20, 4097.0, "", "x", "ACTIVE", "2024-01-01T00:00:00Z", "a..b@example.com", "ada@example.com",
	strings.Repeat("9", 600), "518600", "\u00e9\U0001F600", []any{}, []any{1.0, "x"}, map[string]any{}, map[string]any{"zz": 1.0}}

// An edit of a base document: the value at path replaced, or removed.
type edit struct {
	base   int
	path   []any
	value  any
	remove bool
}

// variants appends the edits of v that replace, remove or add one value,
// at every position.
func variants(out []edit, base int, v any) []edit {
	var walk func(path []any, cur any)
	walk = func(path []any, cur any) {
		for _, r := range replacements {
			out = append(out, edit{base, path, r, false})
		}
		switch c := cur.(type) {
		case map[string]any:
			out = append(out, edit{base, append(slices.Clone(path), "zz-unknown"), "x", false})
			for _, k := range sortedKeys(c) {
				p := append(slices.Clone(path), k)
				out = append(out, edit{base, p, nil, true})
				walk(p, c[k])
			}
		case []any:
			for i := range c {
				walk(append(slices.Clone(path), i), c[i])
			}
			out = append(out, edit{base, append(slices.Clone(path), len(c)), "x", false})
		}
	}
	walk(nil, v)
	return out
}

// replaceAt returns a deep copy of v with the value at path set to r (or
// removed when remove). An index one past an array's end appends.
func replaceAt(v any, path []any, r any, remove bool) any {
	if len(path) == 0 {
		return r
	}
	switch c := v.(type) {
	case map[string]any:
		k := path[0].(string)
		cp := make(map[string]any, len(c)+1)
		for kk, vv := range c {
			cp[kk] = vv
		}
		if len(path) == 1 && remove {
			delete(cp, k)
			return cp
		}
		cp[k] = replaceAt(c[k], path[1:], r, remove)
		return cp
	case []any:
		i := path[0].(int)
		cp := slices.Clone(c)
		if i == len(cp) {
			cp = append(cp, nil)
		}
		cp[i] = replaceAt(cp[i], path[1:], r, remove)
		return cp
	}
	return v
}

// generate makes an instance of s: every property (or only the required
// ones), strings from enums and examples or of the minimum length.
func generate(s *openapi3.Schema, depth int, all bool) any {
	if s == nil || depth > 6 {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, x := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
		if len(x) > 0 && x[0].Value != nil {
			return generate(x[0].Value, depth+1, all)
		}
	}
	switch {
	case s.Type.Is("object") || s.Type == nil && len(s.Properties) > 0:
		out := map[string]any{}
		for _, k := range sortedKeys(s.Properties) {
			if all || slices.Contains(s.Required, k) {
				out[k] = generate(s.Properties[k].Value, depth+1, all)
			}
		}
		return out
	case s.Type.Is("array"):
		var item any
		if s.Items != nil {
			item = generate(s.Items.Value, depth+1, all)
		}
		n := max(int(s.MinItems), 1)
		out := make([]any, n)
		for i := range out {
			out[i] = item
		}
		return out
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2030-12-31T23:59:59Z"
		case "email":
			return "ada@example.com"
		case "uri":
			return "https://example.com/x"
		}
		return strings.Repeat("a", max(int(s.MinLength), 1))
	case s.Type.Is("integer"):
		if s.Min != nil {
			return *s.Min
		}
		return 1.0
	case s.Type.Is("number"):
		return 1.25
	case s.Type.Is("boolean"):
		return true
	}
	return "x"
}

// slowPathExpected reports the documents the checker may leave to the slow
// path: not JSON, not UTF-8, a backslash anywhere (a key may hold an
// escape), a duplicate key, a number beyond float64, deep nesting.
func slowPathExpected(b []byte) bool {
	var v any
	if !json.Valid(b) || !utf8.Valid(b) || bytes.IndexByte(b, '\\') >= 0 || json.Unmarshal(b, &v) != nil || deep(b) {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		obj, expectKey bool
		keys           map[string]bool
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.obj {
					top.expectKey = true
				}
				stack = append(stack, &level{obj: d == '{', expectKey: true, keys: map[string]bool{}})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || !top.obj {
			continue
		}
		if top.expectKey {
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.expectKey = false
			continue
		}
		top.expectKey = true
	}
}

func deep(b []byte) bool {
	d, m := 0, 0
	for _, c := range b {
		switch c {
		case '{', '[':
			d++
			m = max(m, d)
		case '}', ']':
			d--
		}
	}
	return m > 500
}
