package schemacheck_test

import (
	"testing"

	"github.com/c2psim/c2psim/simulator/schemacheck"
)

// FuzzCheck compares the compiled checker with kin-openapi's VisitJSON on
// arbitrary bytes, for any served schema (or one of testdata/features.yaml)
// in any direction: a document the checker reads must get kin-openapi's
// findings exactly, and one it leaves to the slow path must be one it may
// leave (not JSON, a duplicate or escaped key, a huge number...).
func FuzzCheck(f *testing.F) {
	all := servedSchemas(f)
	for i := 0; i < len(all); i += 7 {
		docs := documents(all[i], false)
		for j := 0; j < len(docs); j += 13 {
			f.Add(uint16(i), uint8(j%3), docs[j])
		}
	}
	f.Add(uint16(0), uint8(1), []byte(`{"a":1,"a":2}`))
	f.Add(uint16(1), uint8(2), []byte(`{"x":"\u00e9\ud800","y":[1e400]}`))
	f.Fuzz(func(t *testing.T, which uint16, dir uint8, b []byte) {
		sv := all[int(which)%len(all)]
		d := directions[int(dir)%len(directions)]
		c, err := schemacheck.Compile(sv.schema, d, sv.doc31)
		if err != nil {
			return
		}
		compare(t, sv, c, d, b)
	})
}
