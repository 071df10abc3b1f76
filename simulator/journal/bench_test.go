package journal

import (
	"encoding/json"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/pan"
)

// enrolment is one Mastercard enrolment as the simulator journals it
// (testdata/enrolment.json): the request's headers (OAuth 1.0a
// Authorization) and body (a compact JWE in encryptedCard), its decrypted
// card, the answer's headers and body.
type enrolment struct {
	URL              string      `json:"url"`
	RequestHeaders   http.Header `json:"requestHeaders"`
	RequestBody      string      `json:"requestBody"`
	RequestPlaintext string      `json:"requestPlaintext"`
	ResponseHeaders  http.Header `json:"responseHeaders"`
	ResponseBody     string      `json:"responseBody"`
	Card             string      `json:"card"`
}

func loadEnrolment(tb testing.TB) enrolment {
	tb.Helper()
	b, err := os.ReadFile("testdata/enrolment.json")
	if err != nil {
		tb.Fatal(err)
	}
	var e enrolment
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatal(err)
	}
	return e
}

// benchRedactor is a redactor like the simulator's journal's: the
// network's test cards and a set of cards seen; an exchange adds its own
// card with WithCards.
func benchRedactor() pan.Redactor {
	cards := []string{"5186001700008785", "5186001700009726", "5186001700009908", "5186001700008876", "5186001700001434",
		"5186001700004099", "5186001700006771", "5186001700007462", "5186001700002119", "5186001700003901",
		"5186001700005260", "5186001700000113", "5204731600014792", "5204731600014834", "2223000048400011", "5555555555554444"}
	seen := pan.NewCardSet(1024)
	for _, c := range cards {
		seen.Add(c)
	}
	return pan.NewRedactor(cards, nil).WithSeen(seen)
}

// BenchmarkRecordEnrolment is what the journal does for one enrolment:
// the URL, headers and bodies redacted (what the issuer sent scanned for
// findings), the entry added.
func BenchmarkRecordEnrolment(b *testing.B) {
	e := loadEnrolment(b)
	reqBody, plain, respBody := []byte(e.RequestBody), []byte(e.RequestPlaintext), []byte(e.ResponseBody)
	j := New(Options{Redactor: benchRedactor()})
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		red := j.Redactor().WithCards(e.Card)
		var found []pan.Found
		en := Entry{Network: "mastercard", OperationID: "putCard", Method: http.MethodPost, Status: http.StatusOK,
			CorrelationIDs: []string{"bench-1", "0f1e2d3c-4b5a-4968-8776-655443322110"}, Cards: []string{pan.Mask(e.Card)}}
		en.URL = red.ScanText(e.URL, "url", &found)
		en.RequestHeader = ScanHeaders(red, e.RequestHeaders, &found)
		en.RequestBody = ScanBody(red, reqBody, DefaultBodyMax, &found)
		en.RequestPlain = Body(red, plain, DefaultBodyMax)
		en.ResponseHeader = Headers(red, e.ResponseHeaders)
		en.ResponseBody = Body(red, respBody, DefaultBodyMax)
		if len(found) > 0 {
			b.Fatalf("found %v", found)
		}
		j.Add(en, e.Card)
	}
}

// BenchmarkEnrolmentParts journals each part of a captured enrolment on
// its own: the request body (its JWE) and headers (the OAuth 1.0a
// signature) scanned for card numbers as the engine scans what the issuer
// sent, the decrypted card and the answer masked.
func BenchmarkEnrolmentParts(b *testing.B) {
	e := loadEnrolment(b)
	red := benchRedactor().WithCards(e.Card)
	reqBody, reqPlain, respBody := []byte(e.RequestBody), []byte(e.RequestPlaintext), []byte(e.ResponseBody)
	for _, part := range []struct {
		name string
		do   func()
	}{
		{"request-body", func() {
			var found []pan.Found
			_ = ScanBody(red, reqBody, DefaultBodyMax, &found)
		}},
		{"request-plaintext", func() { _ = Body(red, reqPlain, DefaultBodyMax) }},
		{"response-body", func() { _ = Body(red, respBody, DefaultBodyMax) }},
		{"request-headers", func() {
			var found []pan.Found
			_ = ScanHeaders(red, e.RequestHeaders, &found)
		}},
		{"response-headers", func() { _ = Headers(red, e.ResponseHeaders) }},
	} {
		b.Run(part.name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				part.do()
			}
		})
	}
}

// cpuPerOp reports the process's CPU time (every thread: the collector's
// too) per iteration from now to when the function it returns is called:
// on a shared machine, time the benchmark waited for a core is not its
// cost.
func cpuPerOp(b *testing.B) func() {
	t0 := procCPU()
	return func() { b.ReportMetric(float64(procCPU()-t0)/float64(b.N), "cpu-ns/op") }
}

func procCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
