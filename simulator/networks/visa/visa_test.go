package visa_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/xpaytoken"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// issuer is a minimal VICA client built from the published wire rules only:
// X-Pay-Token, MLE with the keyId header, responses decrypted with the
// client's MLE key.
type issuer struct {
	t                   *testing.T
	srv                 *simtest.Server
	apiKey, secret, kid string
	serverPub           *rsa.PublicKey
	clientPriv          *rsa.PrivateKey
	clock               func() time.Time
	http                *http.Client
}

func newIssuer(t *testing.T, srv *simtest.Server) *issuer {
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials("visa") {
		creds[c.Name] = c
	}
	pubBlock, _ := pem.Decode([]byte(creds["mle-server-public-key"].Value))
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	privBlock, _ := pem.Decode([]byte(creds["mle-client-private-key"].Value))
	priv, err := x509.ParsePKCS8PrivateKey(privBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{t: t, srv: srv, apiKey: creds["api-key"].Value, secret: creds["shared-secret"].Value, kid: creds["mle-key-id"].Value,
		serverPub: pub.(*rsa.PublicKey), clientPriv: priv.(*rsa.PrivateKey), clock: srv.Clock.Now, http: srv.Client}
}

type answer struct {
	status int
	raw    []byte
	plain  map[string]any
}

// call sends v (MLE-encrypted unless raw is set) and decrypts the answer.
func (c *issuer) call(method, op string, v any, mut ...func(*http.Request, []byte) []byte) answer {
	c.t.Helper()
	var body []byte
	if v != nil {
		plain, _ := json.Marshal(v)
		var err error
		if body, err = mle.Seal(plain, c.serverPub, c.kid, c.clock()); err != nil {
			c.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(method, c.srv.URL+"/visa/visaIdCredential/v1/"+op, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(mle.KeyIDHeader, c.kid)
	xpaytoken.Sign(req, c.apiKey, c.secret, c.clock(), body)
	for _, m := range mut {
		if nb := m(req, body); nb != nil {
			req.Body = io.NopCloser(bytes.NewReader(nb))
			req.ContentLength = int64(len(nb))
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: raw}
	if o, err := mle.Open(raw, c.clientPriv, c.kid); err == nil {
		_ = json.Unmarshal(o.Payload, &a.plain)
	} else {
		_ = json.Unmarshal(raw, &a.plain)
	}
	return a
}

// str reads a top-level string of the answer, or of the gateway's
// responseStatus envelope (401).
func (a answer) str(k string) string {
	if s, ok := a.plain[k].(string); ok {
		return s
	}
	rs, _ := a.plain["responseStatus"].(map[string]any)
	s, _ := rs[k].(string)
	return s
}

var ctp = map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"}

func consumerInfo(ext string) map[string]any {
	return map[string]any{
		"externalConsumerID": ext, "externalConsumerIDOwnerBID": "10000001",
		"firstName": "Ada", "lastName": "Lovelace", "emails": []string{"ada@example.com"},
		"phones": []string{"16504005555"}, "locale": "en_US", "countryCode": "USA",
	}
}

func ref(ext string) map[string]any {
	return map[string]any{"externalConsumerID": ext, "externalConsumerIDOwnerBID": "10000001"}
}

func instrument(accountNumber string) map[string]any {
	return map[string]any{"type": "CARD", "accountNumber": accountNumber, "nameOnCard": "Ada Lovelace", "expirationDate": "2029-08",
		"billingAddress": map[string]any{"addressLine1": "1 Analytical Way", "city": "London", "postalCode": "N1 9GU", "country": "GBR"}}
}

func enrolment(ext string, cards ...string) map[string]any {
	pis := []any{}
	for _, c := range cards {
		pis = append(pis, instrument(c))
	}
	return map[string]any{"intent": ctp, "consumerInformation": consumerInfo(ext), "paymentInstruments": pis}
}

func start(t *testing.T, settings ...string) (*simtest.Server, *issuer) {
	set := map[string]string{"visa.asyncDelay": "2s"}
	for i := 0; i+1 < len(settings); i += 2 {
		set["visa."+settings[i]] = settings[i+1]
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: set})
	return srv, newIssuer(t, srv)
}

func waitStatus(t *testing.T, c *issuer, trace, want string) answer {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := c.call("GET", "requestStatus/"+trace, nil)
		if a.status != 200 {
			t.Fatalf("requestStatus: %d %s", a.status, a.raw)
		}
		if a.str("status") == want {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("requestStatus stayed %s, want %s", a.str("status"), want)
		}
		time.Sleep(2 * time.Millisecond) // completion runs on its own goroutine once the clock is advanced
	}
}

func TestEnrolmentLifecycle(t *testing.T) {
	srv, c := start(t)
	a := c.call("POST", "enrollData", enrolment("cons-1", "4111111145551140"))
	if a.status != 202 || a.str("requestTraceId") == "" {
		t.Fatalf("enrollData: %d %s", a.status, a.raw)
	}
	trace := a.str("requestTraceId")
	if !strings.Contains(string(a.raw), "encData") {
		t.Fatal("answer not MLE-encrypted")
	}
	// A 202 is not an enrolment: IN_PROGRESS until the delay passes.
	waitStatus(t, c, trace, "IN_PROGRESS")
	// A second request for the same consumer while one is in flight: 409 VIDC-3000.
	if a := c.call("POST", "enrollPaymentInstruments", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1"),
		"paymentInstruments": []any{instrument("4111111111111111")}}); a.status != 409 || a.str("reason") != "VIDC-3000" {
		t.Fatalf("in-flight conflict: %d %v", a.status, a.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	done := waitStatus(t, c, trace, "COMPLETED")
	details, _ := done.plain["details"].([]any)
	if len(details) != 1 || details[0].(map[string]any)["status"] != "SUCCESS" {
		t.Fatalf("details = %v", done.plain)
	}
	// Duplicate enrolment: VIDC-2000. Add a second card instead.
	if a := c.call("POST", "enrollData", enrolment("cons-1", "4111111111111111")); a.status != 400 || a.str("reason") != "VIDC-2000" {
		t.Fatalf("duplicate consumer: %d %v", a.status, a.plain)
	}
	a = c.call("POST", "enrollPaymentInstruments", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1"),
		"paymentInstruments": []any{instrument("4111111111111111")}})
	if a.status != 202 {
		t.Fatalf("add card: %d %v", a.status, a.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	if a := c.call("POST", "enrollPaymentInstruments", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1"),
		"paymentInstruments": []any{instrument("4111111111111111")}}); a.status != 400 || a.str("reason") != "VIDC-2004" {
		t.Fatalf("duplicate card: %d %v", a.status, a.plain)
	}
	// Read back: two cards with token references and PAR.
	g := c.call("POST", "getData", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1")})
	data := g.plain["data"].([]any)[0].(map[string]any)
	if g.status != 200 || len(data["paymentInstruments"].([]any)) != 2 {
		t.Fatalf("getData: %d %v", g.status, g.plain)
	}
	// Deleting the consumer deletes its cards.
	a = c.call("POST", "deleteConsumerInformation", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1")})
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	g = c.call("POST", "getData", map[string]any{"intent": ctp, "consumerInformation": ref("cons-1")})
	item := g.plain["data"].([]any)[0].(map[string]any)
	if item["errorDetail"].(map[string]any)["reason"] != "VIDC-2001" || item["paymentInstruments"] != nil {
		t.Fatalf("after delete: %v", g.plain)
	}
	// The journal shows the decrypted exchange, masked.
	entries := srv.Sim.Journal().Find(journal.Query{Network: "visa", OperationID: "enrollData", Limit: 10})
	last := entries[len(entries)-1]
	if !strings.Contains(last.RequestPlain, "411111******1140") || strings.Contains(last.RequestPlain, "4111111145551140") || strings.Contains(last.RequestPlain, "2029-08") {
		t.Fatalf("journalled plaintext = %s", last.RequestPlain)
	}
}

func TestSynchronousRefusals(t *testing.T) {
	_, c := start(t)
	codes := specCodes(t)
	add := func(ext, card string) answer { return c.call("POST", "enrollData", enrolment(ext, card)) }
	expired := enrolment("cons-exp", "4111111111111111")
	expired["paymentInstruments"].([]any)[0].(map[string]any)["expirationDate"] = "2020-01"
	for _, tc := range []struct {
		name   string
		a      answer
		status int
		reason string
	}{
		{"non-Visa card", add("c1", "5186001700008785"), 400, "VIDC-2006"},
		{"expired card", c.call("POST", "enrollData", expired), 400, "VIDC-2003"},
		{"expired test card", add("c2", cardFor(t, c, "VIDC-2003")), 400, "VIDC-2003"},
		{"unsupported card", add("c4", cardFor(t, c, "VIDC-2007")), 400, "VIDC-2007"},
		{"entitlement", add("c5", cardFor(t, c, "VIDC-2002")), 400, "VIDC-2002"},
		{"unknown consumer", c.call("PUT", "manageConsumerInformation", map[string]any{"intent": ctp, "consumerInformation": consumerInfo("ghost")}), 400, "VIDC-2001"},
		{"other product", c.call("POST", "enrollData", map[string]any{"intent": map[string]string{"type": "PRODUCT_CODE", "value": "VISA_PAYMENT_PASSKEY"},
			"consumerInformation": consumerInfo("c3"), "paymentInstruments": []any{instrument("4111111111111111")}}), 422, "UNSUPPORTED_PRODUCT"},
		{"unknown request", c.call("GET", "requestStatus/nope", nil), 400, "VIDC-1001"},
	} {
		if tc.a.status != tc.status || tc.a.str("reason") != tc.reason {
			t.Errorf("%s: %d %v, want %d %s", tc.name, tc.a.status, tc.a.plain, tc.status, tc.reason)
		}
		if codes[tc.reason] != tc.status {
			t.Errorf("%s: the spec's VIDC table gives %s status %d, the simulator answered %d", tc.name, tc.reason, codes[tc.reason], tc.status)
		}
	}
}

func TestAsynchronousItemFailures(t *testing.T) {
	srv, c := start(t, "maxPaymentInstruments", "2")
	a := c.call("POST", "enrollData", enrolment("cons-f", "4111111145551140", cardFor(t, c, "VIDC-7000")))
	if a.status != 202 {
		t.Fatalf("enrollData: %d %v", a.status, a.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	done := waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	b, _ := json.Marshal(done.plain["details"])
	if !strings.Contains(string(b), `"status":"SUCCESS"`) || !strings.Contains(string(b), "VIDC-7000") {
		t.Fatalf("details = %s", b)
	}
}

func TestAuthenticationAndEncryptionRefusals(t *testing.T) {
	srv, c := start(t)
	body := enrolment("cons-a", "4111111145551140")
	for _, tc := range []struct {
		name   string
		mut    func(*http.Request, []byte) []byte
		status int
		want   string
	}{
		{"no credentials", func(r *http.Request, _ []byte) []byte { r.Header.Del(xpaytoken.Header); return nil }, 401, "X-Pay-Token"},
		{"stale token", func(r *http.Request, b []byte) []byte {
			r.Header.Set(xpaytoken.Header, xpaytoken.Token(c.secret, c.clock().Add(-time.Hour), r.URL.Path, r.URL.RawQuery, b))
			return nil
		}, 401, "outside the accepted window"},
		{"wrong HMAC", func(r *http.Request, b []byte) []byte {
			r.Header.Set(xpaytoken.Header, xpaytoken.Token("not-the-secret-at-all", c.clock(), r.URL.Path, r.URL.RawQuery, b))
			return nil
		}, 401, "does not match"},
		{"plaintext body", func(r *http.Request, _ []byte) []byte {
			plain, _ := json.Marshal(body)
			r.Header.Set(xpaytoken.Header, xpaytoken.Token(c.secret, c.clock(), r.URL.Path, r.URL.RawQuery, plain))
			return plain
		}, 400, "Message Level Encryption"},
		{"wrong key ID", func(r *http.Request, _ []byte) []byte { r.Header.Set(mle.KeyIDHeader, "OTHER"); return nil }, 400, "not this project's MLE Key ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.call("POST", "enrollData", body, tc.mut)
			msg := a.str("message")
			if a.status != tc.status || !strings.Contains(msg, tc.want) {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			if strings.Contains(string(a.raw), "4111111145551140") {
				t.Fatal("the card number came back in clear")
			}
		})
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{CorrelationID: "10000001/cons-a"})); n != 0 {
		t.Fatalf("refused requests changed or touched the consumer: %d journalled under it", n)
	}
}

func TestMutualTLS(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, TLS: true})
	c := newIssuer(t, srv)
	creds := map[string]simulator.Credential{}
	for _, cr := range srv.Sim.Credentials("visa") {
		creds[cr.Name] = cr
	}
	pair, err := tls.X509KeyPair([]byte(creds["mtls-client-certificate"].Value), []byte(creds["mtls-client-private-key"].Value))
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{pair}
	c.http = &http.Client{Transport: tr}
	noToken := func(r *http.Request, _ []byte) []byte {
		r.Header.Del(xpaytoken.Header)
		r.URL.RawQuery = ""
		return nil
	}
	basic := func(user, password string) func(*http.Request, []byte) []byte {
		return func(r *http.Request, _ []byte) []byte { r.SetBasicAuth(user, password); return nil }
	}
	user, password := creds["two-way-ssl-user-id"].Value, creds["two-way-ssl-password"].Value
	// Visa pairs the certificate with the project's user ID and password:
	// either one alone, or wrong credentials, is the gateway's 401.
	for _, tc := range []struct {
		name   string
		mut    []func(*http.Request, []byte) []byte
		code   string
		needle string
	}{
		{"certificate without Basic", []func(*http.Request, []byte) []byte{noToken}, "9125", "user ID and password as HTTP Basic"},
		{"wrong password", []func(*http.Request, []byte) []byte{noToken, basic(user, "not-the-password")}, "9124", "Incorrect credentials"},
		{"blank user ID", []func(*http.Request, []byte) []byte{noToken, basic("", password)}, "9125", "neither part blank"},
		{"Basic and X-Pay-Token", []func(*http.Request, []byte) []byte{basic(user, password)}, "9124", "more than one authentication method"},
	} {
		a := c.call("POST", "enrollData", enrolment("cons-m", "4111111145551140"), tc.mut...)
		if a.status != 401 || a.str("code") != tc.code || !strings.Contains(a.str("message"), tc.needle) {
			t.Fatalf("%s: %d %s", tc.name, a.status, a.raw)
		}
	}
	if a := c.call("POST", "enrollData", enrolment("cons-m", "4111111145551140"), noToken, basic(user, password)); a.status != 202 {
		t.Fatalf("two-way SSL with Basic, without X-Pay-Token: %d %s", a.status, a.raw)
	}
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrollData", Limit: 1})
	if e[0].Principal != "mtls:c2psim-visa-sandbox-client" {
		t.Fatalf("principal = %q", e[0].Principal)
	}
}

// cardFor finds the test card for an outcome in the network's own list.
func cardFor(t *testing.T, c *issuer, outcome string) string {
	t.Helper()
	for _, tc := range c.srv.Sim.Network("visa").(simulator.TestCardLister).TestCards() {
		if tc.Outcome == outcome {
			return tc.PAN
		}
	}
	t.Fatalf("no test card for %s", outcome)
	return ""
}

func TestSlowCardCompletesAfterSlowDelay(t *testing.T) {
	srv, c := start(t)
	a := c.call("POST", "enrollData", enrolment("cons-s", cardFor(t, c, "slow")))
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "IN_PROGRESS")
	srv.Clock.Advance(30 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
}
