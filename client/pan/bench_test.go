package pan

import "testing"

// What redaction costs on what the journal mostly sees: documents and
// identifiers with nothing to mask (UUIDs whose digit groups must not send
// the scan down its slow path).
var (
	benchUUIDDoc  = []byte(`{"binRange":"518600","artUri":"https://cdn.example/53141213-1111-4111-8111-518600170000.png","height":240,"width":380}`)
	benchPlainDoc = []byte(`{"artId":"art-0001","artUri":"https://cdn.example/a.png","binRange":"518600","status":"ACTIVE"}`)
)

func BenchmarkScanJSONWithUUID(b *testing.B) {
	r := Default().WithCards("5186001700008785")
	var found []Found
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		found = found[:0]
		_ = r.ScanJSON(benchUUIDDoc, &found)
	}
}

func BenchmarkJSONNothingToMask(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = r.JSON(benchPlainDoc)
	}
}

func BenchmarkTextUUID(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = r.Text("0f1e2d3c-4b5a-4968-8776-655443322110")
	}
}

func BenchmarkJSONMasking(b *testing.B) {
	doc := []byte(`{"card":{"primaryAccountNumber":"5186001700008785","panExpirationMonth":"12"},"note":"r4111111111111111"}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = RedactJSON(doc)
	}
}
