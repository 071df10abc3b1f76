package schemacheck_test

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// BenchmarkCheck compares the compiled checker with kin-openapi on the
// card-art request the engine benchmarks send (kin-openapi's figure
// includes the decode it needs; the checker reads the bytes).
func BenchmarkCheck(b *testing.B) {
	doc, err := openapi.Load("examples/card-art.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s := doc.Components.Schemas["ArtRequest"].Value
	body := []byte(`{"binRange":"518600","artUri":"https://cdn.example/53141213-1111-4111-8111-518600170000.png","height":240,"width":380}`)
	b.Run("compiled", func(b *testing.B) {
		c, err := schemacheck.Compile(s, schemacheck.Request, false)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if f, clean := c.Check(body); !clean || len(f) > 0 {
				b.Fatal(f, clean)
			}
		}
	})
	b.Run("kin-openapi", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
			if err := s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
