package oauth1

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// enrolmentRequest is what the simulator verifies for one Mastercard
// enrolment: a ~2 KB JSON body carrying a ~1 KB compact JWE, signed with a
// sandbox-shaped consumer key over the mounted URL, and the two URLs the
// simulator tries (as received, then without the /mastercard mount).
type enrolmentRequest struct {
	body []byte
	urls []*url.URL
	ck   string
}

func newEnrolmentRequest() enrolmentRequest {
	jwe := make([]byte, 780)
	_, _ = rand.Read(jwe)
	body := fmt.Sprintf(`{"srcClientId":"8b0d2f4c-6a1e-4c3b-9d5f-7e8a9b0c1d2e","serviceId":"SRC_ISSUER_SANDBOX",`+
		`"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322110","externalCredentialId":"k1",`+
		`"consumer":{"externalConsumerId":"bench-1","firstName":"Ada","lastName":"Lovelace",`+
		`"consumerIdentity":{"identityType":"EMAIL_ADDRESS","identityValue":"ada@example.com"},"languageCode":"en","countryCode":"GB"},`+
		`"cardSource":"ISSUER","complianceSettings":{"privacy":{"latestVersionUri":"https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},`+
		`"tnc":{"latestVersionUri":"https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},`+
		`"encryptedCard":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiMGEzYiJ9.%s"}`,
		base64.RawURLEncoding.EncodeToString(jwe))
	mounted, _ := url.Parse("http://127.0.0.1:38411/mastercard/src/api/digital/payments/cards")
	bare, _ := url.Parse("http://127.0.0.1:38411/src/api/digital/payments/cards")
	return enrolmentRequest{body: []byte(body), urls: []*url.URL{mounted, bare}, ck: "3f9a0c1e5b7d2a4c6e8f0a1b!" + strings.Repeat("0a1b2c3d", 6)}
}

// BenchmarkVerifyEnrolment is the simulator's OAuth 1.0a check of one
// enrolment, Verifier.VerifyAny whole (header, body hash, base string,
// RSA-SHA256 verify, nonce cache), paired in each iteration with its
// RSA-2048 PKCS #1 v1.5 verify alone, each timed by the process's CPU
// time, so that a machine whose speed drifts or that other work shares
// disturbs both alike: extra-ns, the difference of their medians, is what
// the verifier adds to the RSA work.
func BenchmarkVerifyEnrolment(b *testing.B) {
	req := newEnrolmentRequest()
	key := testKey(b)
	now := fixedTime
	n := 0
	s := &Signer{ConsumerKey: req.ck, Key: key, Now: func() time.Time { return now },
		NewNonce: func() string { n++; return fmt.Sprintf("Nc%014d", n) }}
	const pool = 512
	headers := make([]string, pool)
	for i := range headers {
		h, err := s.Header("POST", req.urls[0], req.body)
		if err != nil {
			b.Fatal(err)
		}
		headers[i] = h
	}
	pub := &key.PublicKey
	v := &Verifier{Keys: func(ck string) (*rsa.PublicKey, bool) { return pub, ck == req.ck }, Now: func() time.Time { return now }}
	d := sha256.Sum256([]byte("base string"))
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	var tr, tv []float64
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == pool {
			i = 0
			v.Forget()
		}
		t0 := procCPU()
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
		t1 := procCPU()
		if _, err := v.VerifyAny(headers[i], "POST", req.urls, req.body); err != nil {
			b.Fatal(err)
		}
		t2 := procCPU()
		tr, tv = append(tr, float64(t1-t0)), append(tv, float64(t2-t1))
		i++
	}
	slices.Sort(tr)
	slices.Sort(tv)
	b.ReportMetric(tr[len(tr)/2], "rsa-ns")
	b.ReportMetric(tv[len(tv)/2], "verify-ns")
	b.ReportMetric(tv[len(tv)/2]-tr[len(tr)/2], "extra-ns")
}

// BenchmarkSignatureBaseString builds the base string of one enrolment.
func BenchmarkSignatureBaseString(b *testing.B) {
	req := newEnrolmentRequest()
	p := map[string]string{
		ParamBodyHash: BodyHash(req.body), ParamConsumerKey: req.ck, ParamNonce: "AbCdEfGh12345678",
		ParamSignatureMethod: MethodRSASHA256, ParamTimestamp: "1767225600", ParamVersion: "1.0",
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = SignatureBaseString("POST", req.urls[0], p)
	}
}

// BenchmarkParseHeader parses one enrolment's Authorization header.
func BenchmarkParseHeader(b *testing.B) {
	req := newEnrolmentRequest()
	s := &Signer{ConsumerKey: req.ck, Key: testKey(b), Now: func() time.Time { return fixedTime }}
	h, err := s.Header("POST", req.urls[0], req.body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(h); err != nil {
			b.Fatal(err)
		}
	}
}

// procCPU is the CPU time of the whole process, every thread.
func procCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
