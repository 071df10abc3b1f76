package discover_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client/discover/cardjwe"
	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/discover"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const base = "/discover"

// partner is a minimal client built from the document's wire rules only.
type partner struct {
	t       *testing.T
	srv     *simtest.Server
	creds   map[string]simulator.Credential
	key     *rsa.PrivateKey
	kid     string
	cert    *x509.Certificate
	encKey  *rsa.PublicKey
	encKid  string
	token   string
	seq     atomic.Int64
	consumr string
}

func start(t *testing.T, settings ...string) (*simtest.Server, *partner) {
	t.Helper()
	s := map[string]string{}
	for i := 0; i+1 < len(settings); i += 2 {
		s["discover."+settings[i]] = settings[i+1]
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{discover.ID}, FakeClock: true, Settings: s})
	p := &partner{t: t, srv: srv, creds: map[string]simulator.Credential{}}
	for _, c := range srv.Sim.Credentials(discover.ID) {
		p.creds[c.Name] = c
	}
	var err error
	if p.key, err = pemkey.ParsePrivate(p.creds["partner-signing-private-key"].Value); err != nil {
		t.Fatal(err)
	}
	p.kid = p.creds["partner-signing-private-key"].KeyID
	b, _ := pem.Decode([]byte(p.creds["app-certificate"].Value))
	if p.cert, err = x509.ParseCertificate(b.Bytes); err != nil {
		t.Fatal(err)
	}
	if p.encKey, err = pemkey.ParsePublic(p.creds["discover-encryption-public-key"].Value); err != nil {
		t.Fatal(err)
	}
	p.encKid = p.creds["discover-encryption-public-key"].KeyID
	return srv, p
}

type answer struct {
	status int
	raw    string
	body   map[string]any
}

func (a answer) code() string { s, _ := a.body["code"].(string); return s }

func expect(t *testing.T, a answer, status int, code string, says ...string) {
	t.Helper()
	if a.status != status || (code != "" && a.code() != code) {
		t.Fatalf("got %d %s, want %d %s", a.status, a.raw, status, code)
	}
	for _, s := range says {
		if !strings.Contains(a.raw, s) {
			t.Fatalf("%s does not say %q", a.raw, s)
		}
	}
}

func (p *partner) do(req *http.Request) answer {
	p.t.Helper()
	resp, err := p.srv.Client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

// tokenCall posts the form with the given client authentication.
func (p *partner) tokenCall(form url.Values, basic bool, mut ...func(*http.Request)) answer {
	req, _ := http.NewRequest("POST", p.srv.URL+base+"/auth/oauth/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-DFS-API-PLAN", p.creds["api-plan"].Value)
	if basic {
		req.SetBasicAuth(p.creds["client-id"].Value, p.creds["client-secret"].Value)
	}
	for _, m := range mut {
		m(req)
	}
	return p.do(req)
}

func (p *partner) form() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "scope": {p.creds["scope"].Value}}
}

func (p *partner) bearer() string {
	if p.token == "" {
		a := p.tokenCall(p.form(), true)
		expect(p.t, a, 200, "")
		p.token = a.body["access_token"].(string)
	}
	return p.token
}

func (p *partner) requestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", p.seq.Add(1))
}

// call sends one API call with every mandatory header and the family's
// second factor; mut may change the request afterwards.
func (p *partner) call(method, path string, body any, read bool, mut ...func(*http.Request)) answer {
	p.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte: // sent as it is
		raw = b
	default:
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, p.srv.URL+base+path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.bearer())
	req.Header.Set("X-DFS-API-PLAN", p.creds["api-plan"].Value)
	req.Header.Set("X-Request-ID", p.requestID())
	req.Header.Set("Cache-Control", "no-store")
	if read {
		req.Header.Set(secondfactor.HeaderCert, secondfactor.CertificateHeader(p.cert))
	} else {
		jwt, err := secondfactor.Sign(p.key, p.kid, raw, p.srv.Clock.Now())
		if err != nil {
			p.t.Fatal(err)
		}
		req.Header.Set(secondfactor.HeaderJWT, jwt)
	}
	for _, m := range mut {
		m(req)
	}
	return p.do(req)
}

func (p *partner) sealCard(number string) string {
	p.t.Helper()
	plain, _ := json.Marshal(map[string]any{"pan": number, "expiryMonth": 2, "expiryYear": 2031, "nameOnCard": "Grace Hopper",
		"billingAddress": map[string]string{"line1": "1 Navy Way", "city": "Arlington", "postalCode": "22201", "country": "USA"}})
	s, err := cardjwe.Seal(plain, p.key, p.kid, p.encKey, p.encKid)
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

func consumerBody(id string) map[string]any {
	return map[string]any{"consumerId": id, "firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com", "phone": "12025550143", "locale": "en-US", "country": "USA"}
}

func (p *partner) enrolBody(consumerID, cardID, encryptedCard string) map[string]any {
	return map[string]any{"consumer": consumerBody(consumerID), "card": map[string]any{"cardId": cardID, "encryptedCard": encryptedCard}}
}

// enrolled enrols a card and waits for the operation; it returns the token.
func (p *partner) enrolled(consumerID, cardID, number string) string {
	p.t.Helper()
	a := p.call("POST", "/dci/clicktopay/v1/enrolments", p.enrolBody(consumerID, cardID, p.sealCard(number)), false)
	expect(p.t, a, 202, "")
	p.srv.Clock.Advance(2 * time.Second)
	op := p.outcome(a.body["operationId"].(string))
	if op.body["status"] != "SUCCEEDED" {
		p.t.Fatalf("operation %s", op.raw)
	}
	return op.body["tokenReferenceId"].(string)
}

// outcome reads an operation until it is no longer PENDING.
func (p *partner) outcome(id string) answer {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		op := p.call("GET", "/dci/clicktopay/v1/operations/"+id, nil, true)
		expect(p.t, op, 200, "")
		if op.body["status"] != "PENDING" {
			return op
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("operation %s stayed PENDING", id)
		}
		time.Sleep(2 * time.Millisecond) // completion runs on its own goroutine once the clock is advanced
	}
}

func TestTokenCall(t *testing.T) {
	_, p := start(t)
	ok := p.tokenCall(p.form(), true)
	expect(t, ok, 200, "")
	if ok.body["token_type"] != "Bearer" || ok.body["expires_in"] != float64(3600) || ok.body["scope"] != p.creds["scope"].Value {
		t.Fatalf("token answer %s", ok.raw)
	}
	inBody := p.form()
	inBody.Set("client_id", p.creds["client-id"].Value)
	inBody.Set("client_secret", p.creds["client-secret"].Value)
	expect(t, p.tokenCall(inBody, false), 200, "")

	noScope := p.form()
	noScope.Del("scope")
	otherScope := p.form()
	otherScope.Set("scope", "SOMETHING_ELSE")
	extra := p.form()
	extra.Set("audience", "x")
	wrong := p.form()
	wrong.Set("client_id", p.creds["client-id"].Value)
	wrong.Set("client_secret", "not-the-secret")
	for name, tc := range map[string]struct {
		a      answer
		status int
		code   string
		says   string
	}{
		"both client authentications": {p.tokenCall(inBody, true), 401, "1001", "not both"},
		"no client authentication":    {p.tokenCall(p.form(), false), 401, "1001", "not authenticated"},
		"wrong secret in the body":    {p.tokenCall(wrong, false), 401, "1001", "wrong"},
		"wrong Basic secret": {p.tokenCall(p.form(), false, func(r *http.Request) { r.SetBasicAuth(p.creds["client-id"].Value, "nope") }),
			401, "1001", "wrong"},
		"no API plan":       {p.tokenCall(p.form(), true, func(r *http.Request) { r.Header.Del("X-DFS-API-PLAN") }), 400, "1003", "X-DFS-API-PLAN is missing"},
		"other API plan":    {p.tokenCall(p.form(), true, func(r *http.Request) { r.Header.Set("X-DFS-API-PLAN", "GOLD") }), 400, "1003", "GOLD"},
		"no scope":          {p.tokenCall(noScope, true), 400, "90001", "scope"},
		"scope not granted": {p.tokenCall(otherScope, true), 400, "1003", "SOMETHING_ELSE"},
		"undeclared field":  {p.tokenCall(extra, true), 400, "", "audience"},
	} {
		t.Run(name, func(t *testing.T) { expect(t, tc.a, tc.status, tc.code, tc.says) })
	}
}

func TestForbiddenStatusSetting(t *testing.T) {
	_, p := start(t, "forbiddenStatus", "403")
	expect(t, p.tokenCall(p.form(), true, func(r *http.Request) { r.Header.Set("X-DFS-API-PLAN", "GOLD") }), 403, "1003")
}

func TestJWKSIsAnonymousAndPublic(t *testing.T) {
	srv, p := start(t)
	resp, err := srv.Client.Get(srv.URL + base + jwks.Path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	set, err := jwks.Parse(b)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, b, err)
	}
	if k, ok := set.Find(p.encKid, jwks.UseEnc); !ok || k.N.Cmp(p.encKey.N) != 0 {
		t.Fatal("the encryption key is not in the JWKS")
	}
	if _, ok := set.Find(p.creds["discover-signing-public-key"].KeyID, jwks.UseSig); !ok {
		t.Fatal("the signing key is not in the JWKS")
	}
	if strings.Contains(string(b), `"d"`) || strings.Contains(string(b), `"p"`) {
		t.Fatalf("the JWKS carries private key material: %s", b)
	}
}

func TestEveryCallsHeaders(t *testing.T) {
	_, p := start(t)
	read := func(mut func(*http.Request)) answer {
		return p.call("GET", "/dci/clicktopay/v1/consumers/nobody", nil, true, mut)
	}
	expect(t, read(func(*http.Request) {}), 400, "10014") // all headers right: the consumer is unknown
	used := p.requestID()
	expect(t, read(func(r *http.Request) { r.Header.Set("X-Request-ID", used) }), 400, "10014")
	for name, tc := range map[string]struct {
		mut    func(*http.Request)
		status int
		code   string
		says   string
	}{
		"no X-Request-ID":       {func(r *http.Request) { r.Header.Del("X-Request-ID") }, 400, "90005", "X-Request-ID"},
		"X-Request-ID not UUID": {func(r *http.Request) { r.Header.Set("X-Request-ID", "req-1") }, 400, "90005", "X-Request-ID"},
		"reused X-Request-ID":   {func(r *http.Request) { r.Header.Set("X-Request-ID", used) }, 400, "10023", "Duplicate request"},
		"no Cache-Control":      {func(r *http.Request) { r.Header.Del("Cache-Control") }, 400, "90005", "Cache-Control"},
		"cacheable":             {func(r *http.Request) { r.Header.Set("Cache-Control", "no-cache") }, 400, "90005", "Cache-Control"},
		"no Accept":             {func(r *http.Request) { r.Header.Del("Accept") }, 400, "90005", "Accept"},
		"Accept HTML only":      {func(r *http.Request) { r.Header.Set("Accept", "text/html") }, 400, "90005", "Accept"},
		"no API plan":           {func(r *http.Request) { r.Header.Del("X-DFS-API-PLAN") }, 400, "1003", "X-DFS-API-PLAN"},
		"no bearer":             {func(r *http.Request) { r.Header.Del("Authorization") }, 401, "1001", "Bearer"},
		"unknown bearer":        {func(r *http.Request) { r.Header.Set("Authorization", "Bearer 0000") }, 401, "1001", "unknown"},
	} {
		t.Run(name, func(t *testing.T) { expect(t, read(tc.mut), tc.status, tc.code, tc.says) })
	}
}

func TestAnExpiredTokenIsRefused(t *testing.T) {
	srv, p := start(t, "tokenTTL", "10m")
	p.bearer()
	srv.Clock.Advance(11 * time.Minute)
	expect(t, p.call("GET", "/dci/clicktopay/v1/consumers/nobody", nil, true), 401, "1001", "expired")
}

func TestSecondFactorPerFamily(t *testing.T) {
	srv, p := start(t)
	body := map[string]any{"requestId": "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35", "tokenReferenceId": "DDX1", "operationType": "Suspend"}
	write := func(mut func(*http.Request)) answer {
		return p.call("POST", "/globalpymt/ddx/stored-payment-token/operations/v1/token/state", body, false, mut)
	}
	expect(t, write(func(*http.Request) {}), 400, "10127") // the second factor verified: the token is unknown
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	sign := func(key *rsa.PrivateKey, kid string, b []byte, at time.Time) string {
		s, _ := secondfactor.Sign(key, kid, b, at)
		return s
	}
	raw, _ := json.Marshal(body)
	now := srv.Clock.Now()
	for name, tc := range map[string]struct {
		mut  func(*http.Request)
		says string
	}{
		"no JWT":           {func(r *http.Request) { r.Header.Del(secondfactor.HeaderJWT) }, "X-DFS-C-APP-JWT is missing"},
		"other body":       {func(r *http.Request) { r.Header.Set(secondfactor.HeaderJWT, sign(p.key, p.kid, []byte("{}"), now)) }, "content_hash"},
		"unregistered key": {func(r *http.Request) { r.Header.Set(secondfactor.HeaderJWT, sign(other, p.kid, raw, now)) }, "signature does not verify"},
		"unknown kid":      {func(r *http.Request) { r.Header.Set(secondfactor.HeaderJWT, sign(p.key, "someone", raw, now)) }, "kid"},
		"stale": {func(r *http.Request) {
			r.Header.Set(secondfactor.HeaderJWT, sign(p.key, p.kid, raw, now.Add(-time.Hour)))
		}, "iat"},
		"certificate given": {func(r *http.Request) {
			r.Header.Del(secondfactor.HeaderJWT)
			r.Header.Set(secondfactor.HeaderCert, secondfactor.CertificateHeader(p.cert))
		}, "X-DFS-C-APP-JWT is missing"},
	} {
		t.Run("write "+name, func(t *testing.T) { expect(t, write(tc.mut), 401, "1001", tc.says) })
	}
	read := func(mut func(*http.Request)) answer {
		return p.call("GET", "/dci/clicktopay/v1/operations/op-1", nil, true, mut)
	}
	expect(t, read(func(*http.Request) {}), 400, "10034")
	foreign := selfSigned(t)
	for name, tc := range map[string]struct {
		mut  func(*http.Request)
		says string
	}{
		"no certificate":      {func(r *http.Request) { r.Header.Del(secondfactor.HeaderCert) }, "X-DFS-C-APP-CERT is missing"},
		"foreign certificate": {func(r *http.Request) { r.Header.Set(secondfactor.HeaderCert, secondfactor.CertificateHeader(foreign)) }, "not the consumer application certificate"},
		"not a certificate":   {func(r *http.Request) { r.Header.Set(secondfactor.HeaderCert, "bm90IGEgY2VydGlmaWNhdGU=") }, "base64 DER"},
		"JWT given": {func(r *http.Request) {
			r.Header.Del(secondfactor.HeaderCert)
			r.Header.Set(secondfactor.HeaderJWT, sign(p.key, p.kid, nil, now))
		}, "X-DFS-C-APP-CERT is missing"},
	} {
		t.Run("read "+name, func(t *testing.T) { expect(t, read(tc.mut), 401, "1001", tc.says) })
	}
	// A registered certificate of one's own is accepted.
	if err := srv.Sim.Network(discover.ID).(simulator.CredentialProvider).RegisterCredential(simulator.Credential{
		Name: "app-certificate", Kind: "certificate", Value: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: foreign.Raw}))}); err != nil {
		t.Fatal(err)
	}
	expect(t, read(func(r *http.Request) { r.Header.Set(secondfactor.HeaderCert, secondfactor.CertificateHeader(foreign)) }), 400, "10034")
}

func TestCardDataIsJWSInJWE(t *testing.T) {
	_, p := start(t)
	card := []byte(`{"pan":"6445644564456445","expiryMonth":2,"expiryYear":2031,"nameOnCard":"G H","billingAddress":{"line1":"1 Way","city":"C","postalCode":"1","country":"USA"}}`)
	enc, _ := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: p.encKey, KeyID: p.encKid}, nil)
	o, _ := enc.Encrypt(card)
	plainJWE, _ := o.CompactSerialize()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	unregistered, _ := cardjwe.Seal(card, other, p.kid, p.encKey, p.encKid)
	otherKid, _ := cardjwe.Seal(card, p.key, p.kid, p.encKey, "someone-else")
	expired, _ := cardjwe.Seal([]byte(strings.Replace(string(card), `"expiryYear":2031`, `"expiryYear":2025`, 1)), p.key, p.kid, p.encKey, p.encKid)
	twice, _ := cardjwe.Seal([]byte(strings.Replace(string(card), `"expiryMonth":2,`, `"expiryMonth":"2","expiryMonth":2,`, 1)), p.key, p.kid, p.encKey, p.encKid)
	for name, tc := range map[string]struct {
		card, code, says string
	}{
		"clear number":         {"6445644564456445 02/2031 Grace", "10004", "never a card number in clear"},
		"clear JSON":           {string(card), "10004", "never a card number in clear"},
		"JWE without JWS":      {plainJWE, "10004", "must carry a JWS"},
		"signed by a stranger": {unregistered, "10004", "does not verify"},
		"to another kid":       {otherKid, "10004", "kid"},
		"expired card":         {expired, "10012", "expired"},
		"key repeated":         {twice, "90000", "/expiryMonth: the key"},
		"not Discover":         {p.sealCard("4111111111111111"), "10002", "not a Discover card"},
		"Luhn":                 {p.sealCard("6011000000000013"), "70004", "Luhn"},
	} {
		t.Run(name, func(t *testing.T) {
			a := p.call("POST", "/dci/clicktopay/v1/enrolments", p.enrolBody("c-"+strings.ReplaceAll(name, " ", "-"), "k1", tc.card), false)
			expect(t, a, 400, tc.code, tc.says)
			if strings.Contains(a.raw, "6445644564456445") || strings.Contains(a.raw, "4111111111111111") {
				t.Fatalf("the card number is echoed: %s", a.raw)
			}
		})
	}
}

func TestEngineErrorsGetPublishedCodes(t *testing.T) {
	srv, p := start(t)
	expect(t, p.call("POST", "/dci/clicktopay/v1/enrolments", []byte(`{"consumer":`), false), 400, "90000", "not valid JSON")
	expect(t, p.call("POST", "/dci/clicktopay/v1/enrolments", []byte(`{"consumer":{},"consumer":{}}`), false), 400, "90000", "more than once")
	a := p.call("PUT", "/dci/clicktopay/v1/consumers/c1", map[string]any{"consumerId": "c1", "firstName": "G"}, false)
	expect(t, a, 400, "90001", "lastName")
	a = p.call("PUT", "/dci/clicktopay/v1/consumers/c1", map[string]any{"consumerId": "c1", "firstName": 7, "lastName": "H", "email": "g@example.com", "phone": "12025550143", "locale": "en-US", "country": "USA"}, false)
	expect(t, a, 400, "90003")
	a = p.call("PUT", "/dci/clicktopay/v1/consumers/c1", map[string]any{"consumerId": "c1", "firstName": "G", "lastName": "H", "email": "not-an-email", "phone": "12025550143", "locale": "en-US", "country": "USA"}, false)
	expect(t, a, 400, "90004", "email")
	a = p.call("PUT", "/dci/clicktopay/v1/consumers/c1", consumerBody("c1"), false, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") })
	expect(t, a, 400, "90006")
	resp, _ := srv.Client.Get(srv.URL + base + "/no/such/path")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"code":"404"`) {
		t.Fatalf("no route: %d %s", resp.StatusCode, b)
	}
	expect(t, p.call("PUT", "/dci/clicktopay/v1/consumers/nobody", consumerBody("nobody"), false), 400, "10014")
}

func TestTokenStateTransitions(t *testing.T) {
	srv, p := start(t)
	tok := p.enrolled("c1", "k1", "6445644564456445")
	state := func(op string) answer {
		return p.call("POST", "/globalpymt/ddx/stored-payment-token/operations/v1/token/state",
			map[string]any{"requestId": "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35", "tokenReferenceId": tok, "operationType": op, "reason": "LOST"}, false)
	}
	cardStatus := func() string {
		a := p.call("GET", "/dci/clicktopay/v1/consumers/c1", nil, true)
		cards, _ := a.body["cards"].([]any)
		if len(cards) == 0 {
			return "gone"
		}
		return cards[0].(map[string]any)["status"].(string)
	}
	illegal := state("Resume")
	expect(t, illegal, 400, "10103", "ACTIVE", "nothing was changed")
	if cardStatus() != "ACTIVE" {
		t.Fatal("an illegal change changed the card")
	}
	a := state("Suspend")
	expect(t, a, 200, "")
	if a.body["tokenStatus"] != "SUSPENDED" || a.body["requestId"] != "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35" || cardStatus() != "SUSPENDED" {
		t.Fatalf("suspend: %s", a.raw)
	}
	expect(t, state("Suspend"), 400, "10103")
	expect(t, state("Resume"), 200, "")
	expect(t, state("Unlink"), 200, "")
	if cardStatus() != "gone" {
		t.Fatal("an unlinked card stays in the profile")
	}
	expect(t, state("Resume"), 400, "10103", "UNLINKED")
	expect(t, p.call("POST", "/globalpymt/ddx/stored-payment-token/operations/v1/token/state",
		map[string]any{"requestId": "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35", "tokenReferenceId": "DDXNOPE", "operationType": "Suspend"}, false), 400, "10127")
	expect(t, p.call("POST", "/globalpymt/ddx/stored-payment-token/operations/v1/token/state",
		map[string]any{"requestId": "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35", "tokenReferenceId": tok, "operationType": "suspend"}, false), 400, "90004")
	if e := srv.Sim.Journal().Find(journal.Query{OperationID: "updateTokenState", CorrelationID: "c1"}); len(e) == 0 {
		t.Fatal("token state calls are not journalled under their consumer")
	}
}

func selfSigned(t *testing.T) *x509.Certificate {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "not issued by Discover"},
		NotBefore: simtest.Epoch.Add(-time.Hour), NotAfter: simtest.Epoch.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// A partner signing key registered in place of the sandbox's (a restart
// restoring the key handed out before) signs from then on, under its keyId,
// and is the one handed out.
func TestTheSandboxPartnerKeyCanBeRestored(t *testing.T) {
	srv, p := start(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if err := srv.Sim.Network(discover.ID).(simulator.CredentialProvider).RegisterCredential(simulator.Credential{
		Name: "partner-signing-private-key", Kind: "rsa-private-key", KeyID: "partner-restored", Value: pemkey.EncodePrivate(other)}); err != nil {
		t.Fatal(err)
	}
	p.key, p.kid = other, "partner-restored"
	expect(t, p.call("PUT", "/dci/clicktopay/v1/consumers/nobody", consumerBody("nobody"), false), 400, "10014") // the second factor verified
	for _, c := range srv.Sim.Network(discover.ID).(simulator.CredentialProvider).Credentials() {
		if c.Name == "partner-signing-private-key" && (c.KeyID != "partner-restored" || c.Value != pemkey.EncodePrivate(other)) {
			t.Fatalf("handed out %s", c.KeyID)
		}
	}
}
