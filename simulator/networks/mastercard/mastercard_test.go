package mastercard_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/mastercard/oauth1"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const path = "/mastercard/src/api/digital/payments/cards"

// issuer is a minimal Enroll API client built from the published wire rules:
// OAuth 1.0a with body hash, encryptedCard as JWE to Mastercard's key.
type issuer struct {
	t                      testing.TB
	srv                    *simtest.Server
	signer                 *oauth1.Signer
	encPub                 *rsa.PublicKey
	srcClientID, serviceID string
}

func newIssuer(t testing.TB, srv *simtest.Server) *issuer {
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials(mastercard.ID) {
		creds[c.Name] = c
	}
	privBlock, _ := pem.Decode([]byte(creds["signing-private-key"].Value))
	priv, err := x509.ParsePKCS8PrivateKey(privBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pubBlock, _ := pem.Decode([]byte(creds["encryption-public-key"].Value))
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if fp, _ := encryption.Fingerprint(pub.(*rsa.PublicKey)); fp != creds["encryption-public-key"].KeyID {
		t.Fatalf("encryption-public-key keyId %q is not its fingerprint %q", creds["encryption-public-key"].KeyID, fp)
	}
	return &issuer{t: t, srv: srv,
		signer:      &oauth1.Signer{ConsumerKey: creds["consumer-key"].Value, Key: priv.(*rsa.PrivateKey), Now: srv.Clock.Now},
		encPub:      pub.(*rsa.PublicKey),
		srcClientID: creds["src-client-id"].Value, serviceID: creds["service-id"].Value}
}

func (c *issuer) body(cardPAN string, mut ...func(map[string]any)) []byte {
	c.t.Helper()
	plain, _ := json.Marshal(map[string]any{
		"primaryAccountNumber": cardPAN, "panExpirationMonth": "12", "panExpirationYear": "2030",
		"cardholderFullName": "Ada Lovelace",
		"billingAddress":     map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"},
	})
	jwe, err := encryption.Encrypt(plain, c.encPub)
	if err != nil {
		c.t.Fatal(err)
	}
	m := map[string]any{
		"srcClientId": c.srcClientID, "serviceId": c.serviceID, "srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322110",
		"consumer": map[string]any{"consumerIdentity": map[string]any{"identityType": "EMAIL_ADDRESS", "identityValue": "ada@example.com"},
			"firstName": "Ada", "lastName": "Lovelace",
			"mobileNumber": map[string]any{"countryCode": "44", "phoneNumber": "7700900123"}, "languageCode": "en", "countryCode": "GB"},
		"cardSource": "ISSUER", "complianceSettings": map[string]any{"privacy": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html"},
			"tnc": map[string]any{"latestVersionUri": "https://www.mastercard.com/global/click-to-pay/country-listing/terms.html"}},
		"encryptedCard": jwe,
	}
	for _, f := range mut {
		f(m)
	}
	b, _ := json.Marshal(m)
	return b
}

type answer struct {
	status int
	raw    string
	body   map[string]any
}

// request is a request to the simulator at p (below its URL), carrying
// body as JSON when body is not nil.
func (c *issuer) request(method, p string, body []byte) *http.Request {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+p, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// sign signs req, whose body is body, with the issuer's OAuth 1.0a key.
func (c *issuer) sign(req *http.Request, body []byte) {
	c.t.Helper()
	h, err := c.signer.Header(req.Method, req.URL, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", h)
}

// do sends req and reads the answer.
func (c *issuer) do(req *http.Request) answer {
	c.t.Helper()
	resp, err := c.srv.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// signed signs and sends one request to p (below the simulator's URL).
func (c *issuer) signed(method, p string, body []byte) answer {
	c.t.Helper()
	req := c.request(method, p, body)
	c.sign(req, body)
	return c.do(req)
}

// send posts body to the Enroll API, signed by sign (the issuer's own
// signature when sign is nil).
func (c *issuer) send(body []byte, sign func(*http.Request, []byte)) answer {
	c.t.Helper()
	req := c.request(http.MethodPost, path, body)
	req.Header.Set("Content-Type", "application/json") // even with no body
	if sign == nil {
		sign = c.sign
	}
	sign(req, body)
	return c.do(req)
}

func start(t *testing.T) (*simtest.Server, *issuer) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true})
	return srv, newIssuer(t, srv)
}

func TestEnrolPublishedCards(t *testing.T) {
	_, c := start(t)
	for _, p := range []string{"5186001700008785", "5186001700009726", "2223001850114872"} {
		a := c.send(c.body(p), nil)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", p[len(p)-4:], a.status, a.raw)
		}
		mc := a.body["maskedCard"].(map[string]any)
		// What clients read: maskedCard.srcDigitalCardId, the masked card and
		// its digital card status.
		if dig(mc, "digitalCardData", "status") != "ACTIVE" || mc["srcDigitalCardId"] == nil || mc["panLastFour"] != p[12:] || mc["panBin"] != p[:6] ||
			len(fmt.Sprint(mc["paymentAccountReference"])) != 29 || mc["tokenUniqueReference"] == nil || len(fmt.Sprint(mc["tokenLastFour"])) != 4 {
			t.Fatalf("maskedCard %v", mc)
		}
		if strings.Contains(a.raw, p) {
			t.Fatal("the answer carries the PAN in clear")
		}
	}
	// Enrolling the same card again is 409 ALREADY_EXISTS.
	a := c.send(c.body("5186001700008785"), nil)
	if a.status != 409 || a.body["status"] != "ALREADY_EXISTS" {
		t.Fatalf("duplicate: %d %s", a.status, a.raw)
	}
}

func gatewayReason(t *testing.T, a answer) (string, string) {
	t.Helper()
	errs, _ := a.body["Errors"].(map[string]any)
	list, _ := errs["Error"].([]any)
	if len(list) != 1 {
		t.Fatalf("not the gateway envelope: %d %s", a.status, a.raw)
	}
	e := list[0].(map[string]any)
	return e["ReasonCode"].(string), e["Description"].(string)
}

func TestAuthenticationFailures(t *testing.T) {
	srv, c := start(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	body := c.body("5186001700008785")
	cases := []struct {
		name string
		sign func(*http.Request, []byte)
		want string
	}{
		{"missing header", func(*http.Request, []byte) {}, "Authorization header is missing"},
		{"bad signature", func(r *http.Request, b []byte) {
			s := *c.signer
			s.Key = other
			h, _ := s.Header(r.Method, r.URL, b)
			r.Header.Set("Authorization", h)
		}, "OAuth signatures did not match"},
		{"body hash mismatch", func(r *http.Request, b []byte) {
			h, _ := c.signer.Header(r.Method, r.URL, append([]byte(nil), b[:len(b)-1]...))
			r.Header.Set("Authorization", h)
		}, "oauth_body_hash does not match"},
		{"stale timestamp", func(r *http.Request, b []byte) {
			s := *c.signer
			s.Now = func() time.Time { return srv.Clock.Now().Add(-10 * time.Minute) }
			h, _ := s.Header(r.Method, r.URL, b)
			r.Header.Set("Authorization", h)
		}, "oauth_timestamp is outside the accepted window"},
		{"unknown consumer key", func(r *http.Request, b []byte) {
			s := *c.signer
			s.ConsumerKey = "someone-else"
			h, _ := s.Header(r.Method, r.URL, b)
			r.Header.Set("Authorization", h)
		}, "unknown oauth_consumer_key"},
	}
	for _, tc := range cases {
		a := c.send(body, tc.sign)
		if a.status != 401 {
			t.Fatalf("%s: %d %s", tc.name, a.status, a.raw)
		}
		if rc, d := gatewayReason(t, a); rc != "AUTHENTICATION_FAILED" || !strings.Contains(d, tc.want) {
			t.Errorf("%s: %s %q", tc.name, rc, d)
		}
	}
	// A replayed nonce: the same header twice.
	var hdr string
	first := c.send(body, func(r *http.Request, b []byte) {
		hdr, _ = c.signer.Header(r.Method, r.URL, b)
		r.Header.Set("Authorization", hdr)
	})
	if first.status != 200 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	a := c.send(body, func(r *http.Request, _ []byte) { r.Header.Set("Authorization", hdr) })
	if rc, d := gatewayReason(t, a); a.status != 401 || rc != "AUTHENTICATION_FAILED" || !strings.Contains(d, "oauth_nonce was already used") {
		t.Fatalf("replay: %d %s", a.status, a.raw)
	}
	// Signed over the URL without the /mastercard mount prefix (as for the real host).
	body2 := c.body("5186001700009726")
	a = c.send(body2, func(r *http.Request, b []byte) {
		u, _ := url.Parse(strings.Replace(r.URL.String(), "/mastercard/", "/", 1))
		h, _ := c.signer.Header(r.Method, u, b)
		r.Header.Set("Authorization", h)
	})
	if a.status != 200 {
		t.Fatalf("unprefixed URL: %d %s", a.status, a.raw)
	}
}

func serviceReason(t *testing.T, a answer) string {
	t.Helper()
	r, _ := a.body["status"].(string)
	if r == "" || a.body["message"] == nil || a.body["code"] != float64(a.status) {
		t.Fatalf("not the service envelope: %d %s", a.status, a.raw)
	}
	return r
}

func TestEncryptionRefusals(t *testing.T) {
	_, c := start(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	clear := c.body("5186001700008785", func(m map[string]any) { m["encryptedCard"] = "5186001700008785" })
	a := c.send(clear, nil)
	if a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" || !strings.Contains(a.raw, "in clear") || strings.Contains(a.raw, "5186001700008785") {
		t.Fatalf("clear PAN: %d %s", a.status, a.raw)
	}
	unknown := c.body("5186001700008785", func(m map[string]any) {
		m["encryptedCard"], _ = encryption.Encrypt([]byte(`{}`), &other.PublicKey)
	})
	if a := c.send(unknown, nil); a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" || !strings.Contains(a.raw, "kid is not the fingerprint") {
		t.Fatalf("unknown kid: %d %s", a.status, a.raw)
	}
	broken := c.body("5186001700008785", func(m map[string]any) { m["encryptedCard"] = "eyJhbGciOiJub25lIn0.a.b.c.d" })
	if a := c.send(broken, nil); a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" || !strings.Contains(a.raw, "compact JWE") {
		t.Fatalf("broken JWE: %d %s", a.status, a.raw)
	}
	badPlain := c.body("5186001700008785", func(m map[string]any) {
		m["encryptedCard"], _ = encryption.Encrypt([]byte(`{"cardholderFullName":"A","panExpirationMonth":"12","panExpirationYear":"2030"}`), c.encPub)
	})
	if a := c.send(badPlain, nil); a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" || !strings.Contains(a.raw, "primaryAccountNumber") {
		t.Fatalf("plaintext missing fields: %d %s", a.status, a.raw)
	}
	unknownClient := c.body("5186001700008785", func(m map[string]any) { m["srcClientId"] = "11111111-2222-4333-8444-555555555555" })
	if a := c.send(unknownClient, nil); a.status != 400 || serviceReason(t, a) != "INVALID_STATE" {
		t.Fatalf("unknown srcClientId: %d %s", a.status, a.raw)
	}
	unknownService := c.body("5186001700008785", func(m map[string]any) { m["serviceId"] = "OTHER" })
	if a := c.send(unknownService, nil); a.status != 400 || serviceReason(t, a) != "INVALID_STATE" {
		t.Fatalf("unknown serviceId: %d %s", a.status, a.raw)
	}
	extra := c.body("5186001700008785", func(m map[string]any) { m["cardNumber"] = "x" })
	if a := c.send(extra, nil); a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" {
		t.Fatalf("unknown field: %d %s", a.status, a.raw)
	}
}

func TestTestCards(t *testing.T) {
	_, c := start(t)
	want := map[string]struct {
		status int
		reason string
	}{"CARD_INELIGIBLE": {422, "CARD_INELIGIBLE"}, "DECLINED": {422, "DECLINED"}, "ALREADY_EXISTS": {409, "ALREADY_EXISTS"}, "INTERNAL": {500, "INTERNAL"}, simulator.OutcomeApproved: {200, ""}, "yellow": {200, ""}, simulator.OutcomeAnswerLost: {503, "UNAVAILABLE"},
		"fle-oaep-sha512": {200, ""}, "yellow-issuer-code": {200, ""}, "fle-pkcs1": {200, ""}, "fle-zero-iv": {200, ""}}
	n := &mastercard.Network{}
	for _, tc := range n.TestCards() {
		if tc.Outcome == "slow" {
			continue // answers only once the clock moves: TestSlowCard
		}
		w, ok := want[tc.Outcome]
		if !ok {
			t.Fatalf("outcome %q untested", tc.Outcome)
		}
		a := c.send(c.body(tc.PAN), nil)
		if a.status != w.status || (w.reason != "" && serviceReason(t, a) != w.reason) {
			t.Errorf("%s (%s): %d %s", tc.PAN[12:], tc.Outcome, a.status, a.raw)
		}
		if strings.Contains(a.raw, tc.PAN) {
			t.Errorf("%s: answer carries the PAN in clear", tc.Outcome)
		}
	}
}

// The answer-lost card is enrolled although its first answer is a 503; the
// retry finds it enrolled (IDM-04), and successful answers carry a field no
// document declares (ERR-04).
func TestAnswerLostCardAndUnknownFields(t *testing.T) {
	_, c := start(t)
	const lost = "5186001700005039"
	if a := c.send(c.body(lost), nil); a.status != 503 || serviceReason(t, a) != "UNAVAILABLE" {
		t.Fatalf("first answer: %d %s", a.status, a.raw)
	}
	if a := c.send(c.body(lost), nil); a.status != 409 || serviceReason(t, a) != "ALREADY_EXISTS" {
		t.Fatalf("the retry must find the card enrolled: %d %s", a.status, a.raw)
	}
	a := c.send(c.body("5186001700008785"), nil)
	if a.status != 200 || a.body[mastercard.UnknownField] == nil {
		t.Fatalf("a successful answer lacks %s: %s", mastercard.UnknownField, a.raw)
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Settings: map[string]string{"mastercard.unknownFields": "false"}})
	off := newIssuer(t, srv)
	if a := off.send(off.body("5186001700008785"), nil); a.status != 200 || a.body[mastercard.UnknownField] != nil {
		t.Fatalf("unknownFields=false: %s", a.raw)
	}
}

func TestJournalIsMasked(t *testing.T) {
	srv, c := start(t)
	if a := c.send(c.body("5186001700008785"), nil); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	resp, err := srv.Client.Get(srv.URL + "/_admin/journal")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "0f1e2d3c-4b5a-4968-8776-655443322110") {
		t.Fatalf("journal %d: %.300s", resp.StatusCode, raw)
	}
	if strings.Contains(string(raw), "5186001700008785") {
		t.Fatal("the journal carries the PAN in clear")
	}
	if !strings.Contains(string(raw), "8785") {
		t.Fatal("the journal does not show the card's last four digits")
	}
}

func TestCredentialDirectory(t *testing.T) {
	srv, c := start(t)
	var dir string
	for _, cr := range srv.Sim.Credentials(mastercard.ID) {
		if cr.Name == "directory-id" {
			dir = cr.Value
		}
	}
	body := c.body("5186001700008785", func(m map[string]any) {
		m["externalCredentialId"] = "card-1"
		m["consumer"].(map[string]any)["externalConsumerId"] = "consumer-1"
	})
	if a := c.send(body, nil); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	do := func(method, p string) answer { return c.signed(method, "/mastercard/src/api/digital/payments"+p, nil) }
	p := "/directories/" + dir + "/consumers/consumer-1/credentials/card-1"
	a := do(http.MethodGet, p)
	if a.status != 200 || a.body["status"] != "ACTIVE" || strings.Contains(a.raw, "5186001700008785") {
		t.Fatalf("get: %d %s", a.status, a.raw)
	}
	if data := c.cardData(a); data["panLastFour"] != "8785" || data["panExpirationYear"] != "2030" || data["cardholderFullName"] != "Ada Lovelace" {
		t.Fatalf("encryptedCardData: %v", data)
	}
	if a := do(http.MethodGet, "/directories/other/consumers/consumer-1/credentials/card-1"); a.status != 400 || serviceReason(t, a) != "INVALID_STATE" {
		t.Fatalf("unknown directory: %d %s", a.status, a.raw)
	}
	upd := func(body string) answer {
		return c.signed(http.MethodPut, "/mastercard/src/api/digital/payments"+p, []byte(body))
	}
	if a := upd(`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322111","panExpirationMonth":"11","panExpirationYear":"2031"}`); a.status != 200 || c.cardData(a)["panExpirationYear"] != "2031" {
		t.Fatalf("update: %d %s", a.status, a.raw)
	}
	if a := do(http.MethodGet, p); a.status != 200 || c.cardData(a)["panExpirationMonth"] != "11" {
		t.Fatalf("get after update: %d %s", a.status, a.raw)
	}
	if a := upd(`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322112","panExpirationMonth":"01","panExpirationYear":"2020"}`); a.status != 400 || serviceReason(t, a) != "INVALID_ARGUMENT" {
		t.Fatalf("update to a past expiry: %d %s", a.status, a.raw)
	}
	if a := do(http.MethodDelete, p); a.status != 204 {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	if a := do(http.MethodGet, p); a.status != 404 || serviceReason(t, a) != "NOT_FOUND" {
		t.Fatalf("get after delete: %d %s", a.status, a.raw)
	}
	// The card can be enrolled again once deleted.
	if a := c.send(body, nil); a.status != 200 {
		t.Fatalf("re-enrol after delete: %d %s", a.status, a.raw)
	}
}

// Refused requests are journalled masked too: a card number in clear written
// in groups, and one with a digit too many inside a valid JWE.
func TestJournalMasksRefusedCardData(t *testing.T) {
	srv, c := start(t)
	grouped := c.body("5186001700008785", func(m map[string]any) { m["encryptedCard"] = "5186 0017 0000 8785" })
	if a := c.send(grouped, nil); a.status != 400 {
		t.Fatalf("clear card: %d %s", a.status, a.raw)
	}
	long := c.body("51860017000087851234")
	if a := c.send(long, nil); a.status != 400 {
		t.Fatalf("20-digit card: %d %s", a.status, a.raw)
	}
	resp, err := srv.Client.Get(srv.URL + "/_admin/journal")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, leak := range []string{"0017 0000", "00170000878512"} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("the journal carries card digits %q in clear: %.400s", leak, raw)
		}
	}
}

// An escaped lone surrogate (\ud800) is text the Enroll API takes, in the
// body and in the card's plaintext: it reads as U+FFFD, as encoding/json
// (and Java's JSON readers) read it, and the card enrols.
func TestLoneSurrogateEscapesEnrol(t *testing.T) {
	_, c := start(t)
	body := bytes.Replace(c.body("5186001700008785"), []byte(`"firstName":"Ada"`), []byte(`"firstName":"Ada\ud800"`), 1)
	if !bytes.Contains(body, []byte(`\ud800`)) {
		t.Fatal("the test body lacks its escape")
	}
	if a := c.send(body, nil); a.status != http.StatusOK {
		t.Fatalf("body with \\ud800: %d %s", a.status, a.raw)
	}
	plain := []byte(`{"primaryAccountNumber":"5186001700007787","panExpirationMonth":"12","panExpirationYear":"2030","cardholderFullName":"Ada\udc00 Lovelace"}`)
	jwe, err := encryption.Encrypt(plain, c.encPub)
	if err != nil {
		t.Fatal(err)
	}
	body = c.body("5186001700007787", func(m map[string]any) {
		m["encryptedCard"] = jwe
		m["consumer"].(map[string]any)["firstName"] = "Grace"
	})
	if a := c.send(body, nil); a.status != http.StatusOK {
		t.Fatalf("plaintext with \\udc00: %d %s", a.status, a.raw)
	}
}
