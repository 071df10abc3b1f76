package simulator_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
)

// Every property a network's document lets hold a card number (a string
// whose pattern admits a 15- or 16-digit card number and nothing but digits,
// at least nine) is card data the journal
// masks by structure: pan knows its name, or the document marks it with
// x-c2psim-card-data. A new card field cannot slip past the masking unseen.
func TestDocumentsDeclareTheirCardFields(t *testing.T) {
	var unknown []string
	for _, id := range simulator.Registered() {
		n, err := simulator.NewNetwork(id)
		if err != nil {
			t.Fatal(err)
		}
		d := n.Describe()
		fsys := d.FS
		if fsys == nil {
			fsys = openapi.FS
		}
		for _, p := range append(slices.Clone(d.Specs), d.Callbacks...) {
			doc, err := openapi.LoadFS(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[*openapi3.Schema]bool{}
			var walk func(string, *openapi3.SchemaRef)
			walk = func(at string, ref *openapi3.SchemaRef) {
				if ref == nil || ref.Value == nil || seen[ref.Value] {
					return
				}
				s := ref.Value
				seen[s] = true
				for name, prop := range s.Properties {
					if admitsCard(prop) && !pan.Default().IsCardField(name) && prop.Value.Extensions[simulator.CardDataExtension] != true {
						unknown = append(unknown, p+" "+at+"/"+name+" (pattern "+prop.Value.Pattern+")")
					}
					walk(at+"/"+name, prop)
				}
				walk(at+"/items", s.Items)
				for _, sub := range append(append(slices.Clone(s.AllOf), s.AnyOf...), s.OneOf...) {
					walk(at, sub)
				}
			}
			if doc.Components != nil {
				for name, ref := range doc.Components.Schemas {
					walk("#/components/schemas/"+name, ref)
				}
			}
			for _, path := range doc.Paths.InMatchingOrder() {
				for method, op := range doc.Paths.Value(path).Operations() {
					at := method + " " + path
					if op.RequestBody != nil && op.RequestBody.Value != nil {
						for _, mt := range op.RequestBody.Value.Content {
							walk(at+" request", mt.Schema)
						}
					}
					for status, resp := range op.Responses.Map() {
						if resp.Value != nil {
							for _, mt := range resp.Value.Content {
								walk(at+" "+status, mt.Schema)
							}
						}
					}
				}
			}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		t.Errorf("properties that may hold a card number are not card data the journal knows (name them in pan or mark them %s: true):\n%s",
			simulator.CardDataExtension, strings.Join(unknown, "\n"))
	}
}

func admitsCard(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil || ref.Value.Pattern == "" {
		return false
	}
	re, err := regexp.Compile(ref.Value.Pattern)
	if err != nil {
		return false
	}
	// Digits only, at least nine of them, a card number's length.
	return (re.MatchString("5186001700008785") || re.MatchString("378282246310005")) &&
		!re.MatchString("518600170000878a") && !re.MatchString("37828224631000a") && !re.MatchString("12345678")
}
