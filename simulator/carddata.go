package simulator

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client/pan"
)

// CardDataExtension marks a schema property as card data in a document
// (`x-c2psim-card-data: true`): the journal masks its values whatever their
// digits, like the card fields pan knows by name (pan, primaryAccountNumber,
// accountNumber, AccountPan, account_number, cardNumber).
const CardDataExtension = "x-c2psim-card-data"

// cardRedactor is the redactor the journal masks with: it knows every test
// card of the mounted networks (masked wherever their digits appear, even
// those that fail the Luhn check) and every property the documents declare
// as card data.
func cardRedactor(ms []*mounted) pan.Redactor {
	var cards, fields []string
	seen := map[*openapi3.Schema]bool{}
	for _, m := range ms {
		if tl, ok := m.net.(TestCardLister); ok {
			for _, c := range tl.TestCards() {
				cards = append(cards, c.PAN)
			}
		}
		docs := make([]*openapi3.T, 0, len(m.docs)+len(m.cbDocs))
		for _, d := range m.docs {
			docs = append(docs, d.doc)
		}
		for _, d := range m.cbDocs {
			docs = append(docs, d)
		}
		for _, doc := range docs {
			fields = append(fields, cardFields(doc, seen)...)
		}
	}
	return pan.NewRedactor(cards, fields)
}

// cardFields lists the properties of a document's schemas marked with
// CardDataExtension.
func cardFields(doc *openapi3.T, seen map[*openapi3.Schema]bool) []string {
	var out []string
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		for name, p := range s.Properties {
			if p != nil && p.Value != nil && p.Value.Extensions[CardDataExtension] == true {
				out = append(out, name)
			}
			walk(p)
		}
		walk(s.Items)
		if s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema)
		}
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range list {
				walk(r)
			}
		}
	}
	if doc.Components != nil {
		for _, ref := range doc.Components.Schemas {
			walk(ref)
		}
	}
	for _, r := range operationsOf(doc) {
		if rb := r.Operation.RequestBody; rb != nil && rb.Value != nil {
			for _, mt := range rb.Value.Content {
				walk(mt.Schema)
			}
		}
		if r.Operation.Responses != nil {
			for _, resp := range r.Operation.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
	return out
}
