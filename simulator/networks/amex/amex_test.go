package amex_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/amex"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const base = "/amex/payments/digital/v2"

// issuer is a minimal client built from the wire rules only: MAC header,
// api key, token requester and a fresh request ID per call, account_data JWE.
type issuer struct {
	t      *testing.T
	srv    *simtest.Server
	creds  map[string]simulator.Credential
	key    []byte
	signer *mac.Signer
	seq    int
}

func newIssuer(t *testing.T, srv *simtest.Server) *issuer {
	c := &issuer{t: t, srv: srv, creds: map[string]simulator.Credential{}}
	for _, cr := range srv.Sim.Credentials(amex.ID) {
		c.creds[cr.Name] = cr
	}
	var err error
	if c.key, err = jwe.ParseKey(c.creds["encryption-key"].Value); err != nil {
		t.Fatal(err)
	}
	c.signer = &mac.Signer{ID: c.creds["mac-key-id"].Value, Secret: c.creds["mac-secret"].Value, Now: srv.Clock.Now}
	return c
}

func start(t *testing.T, settings ...string) (*simtest.Server, *issuer) {
	s := map[string]string{}
	for i := 0; i+1 < len(settings); i += 2 {
		s["amex."+settings[i]] = settings[i+1]
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{amex.ID}, FakeClock: true, Settings: s})
	return srv, newIssuer(t, srv)
}

type answer struct {
	status int
	raw    []byte
	body   map[string]any
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

// requestID returns a fresh GUID-shaped request ID.
func (c *issuer) requestID() string {
	c.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", c.seq)
}

// call sends one signed request; mut may change the request after signing.
func (c *issuer) call(method, path string, body any, mut ...func(r *http.Request)) answer {
	c.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	return c.send(method, path, raw, c.requestID(), mut...)
}

func (c *issuer) send(method, path string, raw []byte, requestID string, mut ...func(r *http.Request)) answer {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+base+path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(mac.HeaderRequestID, requestID)
	req.Header.Set(mac.HeaderTokenRequesterID, c.creds["token-requester-id"].Value)
	req.Header.Set(mac.HeaderAPIKey, c.creds["api-key"].Value)
	if err := c.signer.Sign(req, raw); err != nil {
		c.t.Fatal(err)
	}
	for _, m := range mut {
		m(req)
	}
	return c.do(req)
}

// do sends req and reads the answer.
func (c *issuer) do(req *http.Request) answer {
	c.t.Helper()
	resp, err := c.srv.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: b}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func (c *issuer) accountData(number string, month, year int) string {
	c.t.Helper()
	plain, _ := json.Marshal(map[string]any{
		"account_type":    "credit_card",
		"credit_card":     map[string]any{"account_number": number, "expiry_month": month, "expiry_year": year, "name_on_card": "Ada Lovelace"},
		"billing_address": map[string]any{"address_line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GBR"},
	})
	s, err := jwe.Encrypt(plain, c.creds["encryption-key"].KeyID, c.key)
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

func enrolBody(consumerRef, cardRef, accountData string) map[string]any {
	b := map[string]any{
		"consumer_ref":         consumerRef,
		"user_data":            map[string]any{"email": "ada@example.com", "phone": "+447700900123", "name": "Ada||Lovelace", "locale": "en-GB", "country": "GBR"},
		"account_data":         accountData,
		"risk_assessment_data": map[string]any{"account_input_method": "On File", "ip_address": "192.0.2.10"},
	}
	if cardRef != "" {
		b["card_ref"] = cardRef
	}
	return b
}

func (c *issuer) enrol(consumerRef, cardRef, number string) answer {
	c.t.Helper()
	return c.call("POST", "/tokens/provisioning", enrolBody(consumerRef, cardRef, c.accountData(number, 12, 2030)))
}

func (c *issuer) lifecycle(tokenRef, typ string) answer {
	c.t.Helper()
	return c.call("POST", "/tokens/notifications", map[string]any{"token_ref_id": tokenRef, "notification_type": typ, "reason": "LOST"})
}

func expect(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || (code != "" && a.str("error_code") != code) {
		t.Fatalf("got %d %s, want %d %s", a.status, a.raw, status, code)
	}
}

func testCards(t *testing.T) []simulator.TestCard {
	n, err := simulator.NewNetwork(amex.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n.(simulator.TestCardLister).TestCards()
}

func TestEnrolSampleCardAndReadBack(t *testing.T) {
	_, c := start(t)
	a := c.enrol("cm-1", "card-1", amex.SampleTestPAN)
	expect(t, a, 200, "")
	tok := a.str("token_ref_id")
	if a.str("token_status") != "ACTIVE" || a.str("account_bin") != "371111" || a.str("account_last4") != "1111" || a.str("consumer_ref") != "cm-1" || a.str("card_ref") != "card-1" {
		t.Fatalf("enrol answer %s", a.raw)
	}
	if strings.Contains(string(a.raw), amex.SampleTestPAN) {
		t.Fatal("the answer carries the card number")
	}
	st := c.call("GET", "/tokens/"+tok+"/status", nil)
	expect(t, st, 200, "")
	if st.str("token_status") != "ACTIVE" || st.str("status_updated_at") != "2026-01-15T10:00:00Z" {
		t.Fatalf("status %s", st.raw)
	}
	md := c.call("GET", "/tokens/"+tok+"/metadata", nil)
	expect(t, md, 200, "")
	if md.str("consumer_ref") != "cm-1" || md.body["expiry_year"] != float64(2030) || len(md.str("token_last4")) != 4 {
		t.Fatalf("metadata %s", md.raw)
	}

	// A second card joins the same profile.
	second := c.enrol("cm-1", "card-2", "378282246310005")
	expect(t, second, 200, "")
	p := c.call("GET", "/consumers/cm-1", nil)
	expect(t, p, 200, "")
	toks, _ := p.body["tokens"].([]any)
	if len(toks) != 2 || toks[0].(map[string]any)["token_ref_id"] != tok || toks[1].(map[string]any)["card_ref"] != "card-2" {
		t.Fatalf("profile %s", p.raw)
	}
	if ud, _ := p.body["user_data"].(map[string]any); ud["email"] != "ada@example.com" {
		t.Fatalf("profile %s", p.raw)
	}
}

func TestNoCardNumberInTheJournal(t *testing.T) {
	srv, c := start(t)
	expect(t, c.enrol("cm-1", "", "378282246310005"), 200, "")
	expect(t, c.call("POST", "/tokens/provisioning", enrolBody("cm-2", "", `{"account_number":"378282246310005"}`)), 400, "CLEAR_CARD_DATA")
	b, _ := json.Marshal(srv.Sim.Journal().Find(journal.Query{Network: amex.ID}))
	if strings.Contains(string(b), "378282246310005") {
		t.Fatal("the journal holds the card number in full")
	}
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrolCard", Limit: 2})
	if len(e) != 2 || !strings.Contains(e[1].RequestPlain, "378282") || len(e[1].Cards) != 1 {
		t.Fatalf("journal entries %+v", e)
	}
}

func TestAuthenticationRefusals(t *testing.T) {
	body := func(c *issuer) []byte {
		b, _ := json.Marshal(map[string]any{"token_ref_id": "AXTR0000000000000001", "notification_type": "suspend"})
		return b
	}
	for _, tc := range []struct {
		name   string
		mut    func(c *issuer, r *http.Request)
		status int
		code   string
		says   string
	}{
		{"no Authorization", func(_ *issuer, r *http.Request) { r.Header.Del("Authorization") }, 401, "AUTHENTICATION_FAILED", "Authorization header is missing"},
		{"not a MAC header", func(_ *issuer, r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, 401, "AUTHENTICATION_FAILED", "scheme is not MAC"},
		{"wrong secret", func(c *issuer, r *http.Request) {
			s := &mac.Signer{ID: c.signer.ID, Secret: "not-the-secret-at-all", Now: c.signer.Now}
			_ = s.Sign(r, body(c))
		}, 401, "AUTHENTICATION_FAILED", "bodyhash"},
		{"wrong body hash", func(c *issuer, r *http.Request) {
			_ = c.signer.Sign(r, []byte(`{"token_ref_id":"AXTR0000000000000002","notification_type":"suspend"}`))
		}, 401, "AUTHENTICATION_FAILED", "bodyhash does not match"},
		{"bad mac", func(c *issuer, r *http.Request) {
			p, _ := mac.ParseHeader(r.Header.Get("Authorization"))
			p.MAC = "AAAA" + p.MAC[4:]
			r.Header.Set("Authorization", p.String())
		}, 401, "AUTHENTICATION_FAILED", "mac does not match the canonical string"},
		{"signed for another path", func(c *issuer, r *http.Request) {
			u, _ := url.Parse(c.srv.URL + base + "/tokens/provisioning")
			h, _ := c.signer.Header("POST", u, body(c))
			r.Header.Set("Authorization", h)
		}, 401, "AUTHENTICATION_FAILED", "mac does not match"},
		{"stale ts", func(c *issuer, r *http.Request) {
			s := &mac.Signer{ID: c.signer.ID, Secret: c.signer.Secret, Now: func() time.Time { return c.srv.Clock.Now().Add(-6 * time.Minute) }}
			_ = s.Sign(r, body(c))
		}, 401, "AUTHENTICATION_FAILED", "ts is outside the accepted window"},
		{"unknown MAC id", func(c *issuer, r *http.Request) {
			s := &mac.Signer{ID: "someone-else", Secret: c.signer.Secret, Now: c.signer.Now}
			_ = s.Sign(r, body(c))
		}, 401, "AUTHENTICATION_FAILED", "not a known client id"},
		{"no api key", func(_ *issuer, r *http.Request) { r.Header.Del(mac.HeaderAPIKey) }, 401, "AUTHENTICATION_FAILED", "x-amex-api-key header is missing"},
		{"wrong api key", func(_ *issuer, r *http.Request) { r.Header.Set(mac.HeaderAPIKey, "ax-not-mine") }, 401, "AUTHENTICATION_FAILED", "x-amex-api-key is not a known client id"},
		{"wrong token requester", func(_ *issuer, r *http.Request) { r.Header.Set(mac.HeaderTokenRequesterID, "34999999999") }, 403, "FORBIDDEN", "token requester"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := start(t)
			a := c.send("POST", "/tokens/notifications", body(c), c.requestID(), func(r *http.Request) { tc.mut(c, r) })
			expect(t, a, tc.status, tc.code)
			if !strings.Contains(a.str("error_description"), tc.says) || a.str("error_type") == "" {
				t.Fatalf("error %s does not say %q", a.raw, tc.says)
			}
			if e := srv.Sim.Journal().Find(journal.Query{Network: amex.ID, Limit: 1}); len(e) != 1 || e[0].Auth == nil || e[0].Auth.OK {
				t.Fatalf("journal auth verdict %+v", e)
			}
		})
	}
}

func TestReplayedNonceIsRefused(t *testing.T) {
	_, c := start(t)
	var header string
	keep := func(r *http.Request) { header = r.Header.Get("Authorization") }
	a := c.call("GET", "/tokens/AXTR0000000000000001/status", nil, keep)
	expect(t, a, 404, "NOT_FOUND")
	again := c.call("GET", "/tokens/AXTR0000000000000001/status", nil, func(r *http.Request) { r.Header.Set("Authorization", header) })
	expect(t, again, 401, "AUTHENTICATION_FAILED")
	if !strings.Contains(again.str("error_description"), "nonce was already used") {
		t.Fatalf("%s", again.raw)
	}
}

// An unknown token or consumer is the operation's NOT_FOUND; a path no
// operation serves (a wrong base URL) is RESOURCE_NOT_FOUND, so a client can
// tell "not enrolled" from a configuration error.
func TestNotFoundCodes(t *testing.T) {
	_, c := start(t)
	expect(t, c.call("GET", "/consumers/cm-none", nil), 404, "NOT_FOUND")
	expect(t, c.call("GET", "/tokens/AXTR0000000000000001/status", nil), 404, "NOT_FOUND")
	for _, path := range []string{"/consumer/cm-1", "/tokens/AXTR0000000000000001/state", "/v1/consumers/cm-1"} {
		a := c.call("GET", path, nil)
		expect(t, a, 404, "RESOURCE_NOT_FOUND")
		if a.str("error_type") != "not_found_error" {
			t.Fatalf("%s: %s", path, a.raw)
		}
	}
}

func TestMacWindowSetting(t *testing.T) {
	srv, c := start(t, "macWindow", "1m")
	c.signer.Now = func() time.Time { return srv.Clock.Now().Add(-90 * time.Second) }
	a := c.call("GET", "/consumers/cm-1", nil)
	expect(t, a, 401, "AUTHENTICATION_FAILED")
	if !strings.Contains(a.str("error_description"), "±1m0s") {
		t.Fatalf("%s", a.raw)
	}
}

func TestRequestIDReuse(t *testing.T) {
	srv, c := start(t)
	body, _ := json.Marshal(enrolBody("cm-1", "card-1", c.accountData(amex.SampleTestPAN, 12, 2030)))
	id := c.requestID()
	first := c.send("POST", "/tokens/provisioning", body, id)
	expect(t, first, 200, "")
	// A retry with the same ID and request replays the answer; no second token.
	replay := c.send("POST", "/tokens/provisioning", body, id)
	expect(t, replay, 200, "")
	if !bytes.Equal(replay.raw, first.raw) {
		t.Fatalf("replay %s differs from %s", replay.raw, first.raw)
	}
	p := c.call("GET", "/consumers/cm-1", nil)
	if toks, _ := p.body["tokens"].([]any); len(toks) != 1 {
		t.Fatalf("profile after replay %s", p.raw)
	}
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrolCard", Limit: 1})
	if len(e) != 1 || e[0].Notes["idempotent-replay"] == "" {
		t.Fatalf("replay not noted: %+v", e)
	}
	// The same ID for another request is refused and changes nothing.
	other, _ := json.Marshal(enrolBody("cm-1", "card-2", c.accountData("378282246310005", 12, 2030)))
	dup := c.send("POST", "/tokens/provisioning", other, id)
	expect(t, dup, 409, "DUPLICATE_REQUEST_ID")
	if dup.str("request_id") != id {
		t.Fatalf("request_id not echoed: %s", dup.raw)
	}
	// Even on another operation.
	expect(t, c.send("GET", "/consumers/cm-1", nil, id), 409, "DUPLICATE_REQUEST_ID")
	p = c.call("GET", "/consumers/cm-1", nil)
	if toks, _ := p.body["tokens"].([]any); len(toks) != 1 {
		t.Fatalf("profile after refused reuse %s", p.raw)
	}
}

func TestRequestIDErrorsReplayedButServiceErrorsRunAgain(t *testing.T) {
	srv, c := start(t)
	ineligible := ""
	unavailable := ""
	for _, tc := range testCards(t) {
		switch tc.Outcome {
		case "ineligible":
			ineligible = tc.PAN
		case "unavailable":
			unavailable = tc.PAN
		}
	}
	body, _ := json.Marshal(enrolBody("cm-1", "", c.accountData(ineligible, 12, 2030)))
	id := c.requestID()
	expect(t, c.send("POST", "/tokens/provisioning", body, id), 422, "CARD_INELIGIBLE")
	expect(t, c.send("POST", "/tokens/provisioning", body, id), 422, "CARD_INELIGIBLE")
	if e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrolCard", Limit: 1}); e[0].Notes["idempotent-replay"] == "" {
		t.Fatal("the error was not replayed")
	}
	body, _ = json.Marshal(enrolBody("cm-1", "", c.accountData(unavailable, 12, 2030)))
	id = c.requestID()
	expect(t, c.send("POST", "/tokens/provisioning", body, id), 503, "SERVICE_UNAVAILABLE")
	expect(t, c.send("POST", "/tokens/provisioning", body, id), 503, "SERVICE_UNAVAILABLE")
	if e := srv.Sim.Journal().Find(journal.Query{OperationID: "enrolCard", Limit: 1}); e[0].Notes["idempotent-replay"] != "" {
		t.Fatal("a service error was replayed instead of run again")
	}
}

func TestRequestIDCacheIsBounded(t *testing.T) {
	_, c := start(t, "requestIdCacheSize", "2")
	ids := []string{c.requestID(), c.requestID(), c.requestID()}
	for _, id := range ids {
		expect(t, c.send("GET", "/consumers/cm-x", nil, id), 404, "NOT_FOUND")
	}
	// The newest is still remembered; the oldest was forgotten, so reusing it
	// for another request is no longer detected.
	expect(t, c.send("GET", "/consumers/cm-y", nil, ids[2]), 409, "DUPLICATE_REQUEST_ID")
	expect(t, c.send("GET", "/consumers/cm-y", nil, ids[0]), 404, "NOT_FOUND")
}

func TestAccountDataRefusals(t *testing.T) {
	_, c := start(t)
	plain := `{"account_type":"credit_card","credit_card":{"account_number":"378282246310005","expiry_month":12,"expiry_year":2030,"name_on_card":"Ada"},"billing_address":{"address_line1":"1 Way","city":"London","postal_code":"N1","country":"GBR"}}`
	otherKey := bytes.Repeat([]byte{7}, 32)
	wrongKid, _ := jwe.Encrypt([]byte(plain), "ax-enc-unknown", c.key)
	wrongKey, _ := jwe.Encrypt([]byte(plain), c.creds["encryption-key"].KeyID, otherKey)
	noMonth, _ := jwe.Encrypt([]byte(strings.Replace(plain, `"expiry_month":12,`, "", 1)), c.creds["encryption-key"].KeyID, c.key)
	twice, _ := jwe.Encrypt([]byte(strings.Replace(plain, `"expiry_month":12,`, `"expiry_month":"12","expiry_month":12,`, 1)), c.creds["encryption-key"].KeyID, c.key)
	for name, tc := range map[string]struct {
		accountData string
		code        string
		says        string
	}{
		"clear JSON":        {plain, "CLEAR_CARD_DATA", "never card data in clear"},
		"bare card number":  {"378282246310005", "CLEAR_CARD_DATA", "JWE compact string"},
		"SDK without a key": {"Need key for encryption", "CLEAR_CARD_DATA", "JWE compact string"}, // ProvisioningRequest.toJson(null, null)
		"spaced number":     {"3782 822463 10005", "CLEAR_CARD_DATA", ""},
		"unknown kid":       {wrongKid, "ENCRYPTION_ERROR", `kid does not name a shared key: "ax-enc-unknown"`},
		"wrong key":         {wrongKey, "ENCRYPTION_ERROR", "does not decrypt"},
		"other algorithm":   {"eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIiwia2lkIjoiYXgtZW5jLTEifQ.x.y.z.w", "ENCRYPTION_ERROR", "alg A256KW and enc A128GCM"},
		"plaintext invalid": {noMonth, "VALIDATION_ERROR", "expiry_month"},
		"key repeated":      {twice, "VALIDATION_ERROR", `"expiry_month" appears more than once`},
	} {
		t.Run(name, func(t *testing.T) {
			a := c.call("POST", "/tokens/provisioning", enrolBody("cm-1", "", tc.accountData))
			expect(t, a, 400, tc.code)
			if tc.says != "" && !strings.Contains(a.str("error_description")+fmt.Sprint(a.body["details"]), tc.says) {
				t.Fatalf("%s does not say %q", a.raw, tc.says)
			}
			if strings.Contains(string(a.raw), "378282246310005") || strings.Contains(string(a.raw), "10005\"") && strings.Contains(string(a.raw), "3782 ") {
				t.Fatalf("the card number is echoed: %s", a.raw)
			}
		})
	}
}

func TestTestCards(t *testing.T) {
	_, c := start(t)
	want := map[string]struct {
		status int
		code   string
	}{
		"approved":         {200, ""},
		"ineligible":       {422, "CARD_INELIGIBLE"},
		"declined":         {422, "CARD_DECLINED"},
		"already-enrolled": {409, "ALREADY_ENROLLED"},
		"service-error":    {500, "SERVICE_ERROR"},
		"unavailable":      {503, "SERVICE_UNAVAILABLE"},
		"answer-lost":      {503, "SERVICE_UNAVAILABLE"},
		"not-amex":         {400, "VALIDATION_ERROR"},
	}
	cards := testCards(t)
	if len(cards) < len(want) {
		t.Fatalf("%d test cards", len(cards))
	}
	for i, tc := range cards {
		w, ok := want[tc.Outcome]
		if !ok {
			continue
		}
		if tc.PAN != amex.SampleTestPAN && tc.Outcome != "not-amex" && (!pan.Luhn(tc.PAN) || len(tc.PAN) != 15 || (tc.PAN[:2] != "34" && tc.PAN[:2] != "37")) {
			t.Errorf("%s is not a Luhn-valid 15-digit 34/37 number", pan.Mask(tc.PAN))
		}
		a := c.enrol(fmt.Sprintf("cm-%d", i), "", tc.PAN)
		expect(t, a, w.status, w.code)
		if strings.Contains(string(a.raw), tc.PAN) {
			t.Errorf("%s: the answer carries the card number", tc.Outcome)
		}
	}
}

// The answer-lost card is enrolled although its first answer is a 503; the
// retry (any request ID) meets ALREADY_ENROLLED and the profile shows one
// token (IDM-04).
func TestAnswerLostCard(t *testing.T) {
	_, c := start(t)
	const lost = "370000000000598"
	expect(t, c.enrol("cm-lost", "k1", lost), 503, "SERVICE_UNAVAILABLE")
	expect(t, c.enrol("cm-lost", "k1", lost), 409, "ALREADY_ENROLLED")
	p := c.call("GET", "/consumers/cm-lost", nil)
	expect(t, p, 200, "")
	if toks, _ := p.body["tokens"].([]any); len(toks) != 1 {
		t.Fatalf("profile after a lost answer: %s", p.raw)
	}
}

func TestEnrolRefusals(t *testing.T) {
	_, c := start(t)
	expect(t, c.call("POST", "/tokens/provisioning", enrolBody("cm-1", "", c.accountData("378282246310006", 12, 2030))), 422, "CARD_INELIGIBLE")
	a := c.call("POST", "/tokens/provisioning", enrolBody("cm-1", "", c.accountData("378282246310005", 12, 2025)))
	expect(t, a, 422, "CARD_INELIGIBLE")
	if !strings.Contains(a.str("error_description"), "expired") {
		t.Fatalf("%s", a.raw)
	}
	// Closed request schemas: an unknown field is named.
	b := enrolBody("cm-1", "", c.accountData("378282246310005", 12, 2030))
	b["pan"] = "x"
	v := c.call("POST", "/tokens/provisioning", b)
	expect(t, v, 400, "VALIDATION_ERROR")
	if !strings.Contains(string(v.raw), "pan") {
		t.Fatalf("%s", v.raw)
	}
}

// The SDK sends AccountInputMethod.getValue() ("On File", "User Input");
// c2psim's upper-case additions are accepted too, anything else is refused.
func TestAccountInputMethod(t *testing.T) {
	_, c := start(t)
	for i, m := range []string{"On File", "User Input", "ON_FILE", "MANUALLY_ENTERED"} {
		b := enrolBody(fmt.Sprintf("cm-aim-%d", i), "", c.accountData("378282246310005", 12, 2030))
		b["risk_assessment_data"] = map[string]any{"account_input_method": m}
		expect(t, c.call("POST", "/tokens/provisioning", b), 200, "")
		// One live enrolment per card: delete it before the next value.
		a := c.call("GET", fmt.Sprintf("/consumers/cm-aim-%d", i), nil)
		toks, _ := a.body["tokens"].([]any)
		if len(toks) != 1 {
			t.Fatalf("%q: profile %s", m, a.raw)
		}
		tok, _ := toks[0].(map[string]any)["token_ref_id"].(string)
		expect(t, c.lifecycle(tok, "delete"), 200, "")
	}
	for _, m := range []string{"on file", "USER_INPUT", ""} {
		b := enrolBody("cm-aim-x", "", c.accountData("378282246310005", 12, 2030))
		b["risk_assessment_data"] = map[string]any{"account_input_method": m}
		v := c.call("POST", "/tokens/provisioning", b)
		expect(t, v, 400, "VALIDATION_ERROR")
		if !strings.Contains(string(v.raw), "account_input_method") {
			t.Fatalf("%q: %s", m, v.raw)
		}
	}
}

func TestAlreadyEnrolledAndReEnrolmentAfterDelete(t *testing.T) {
	_, c := start(t)
	first := c.enrol("cm-1", "card-1", "378282246310005")
	expect(t, first, 200, "")
	tok := first.str("token_ref_id")
	dup := c.enrol("cm-1", "card-9", "378282246310005")
	expect(t, dup, 409, "ALREADY_ENROLLED")
	if !strings.Contains(dup.str("error_description"), tok) {
		t.Fatalf("the refusal does not name the live token: %s", dup.raw)
	}
	expect(t, c.enrol("cm-1", "card-1", "340000000000017"), 409, "ALREADY_ENROLLED")
	expect(t, c.lifecycle(tok, "delete"), 200, "")
	again := c.enrol("cm-1", "card-1", "378282246310005")
	expect(t, again, 200, "")
	if again.str("token_ref_id") == tok {
		t.Fatal("re-enrolment reused the deleted token")
	}
	p := c.call("GET", "/consumers/cm-1", nil)
	toks, _ := p.body["tokens"].([]any)
	if len(toks) != 2 || toks[0].(map[string]any)["token_status"] != "DELETED" || toks[1].(map[string]any)["token_status"] != "ACTIVE" {
		t.Fatalf("profile %s", p.raw)
	}
}

func TestLifecycleStateMachine(t *testing.T) {
	_, c := start(t)
	tok := c.enrol("cm-1", "", amex.SampleTestPAN).str("token_ref_id")
	status := func() string { return c.call("GET", "/tokens/"+tok+"/status", nil).str("token_status") }
	steps := []struct {
		typ    string
		status int
		after  string
	}{
		{"resume", 409, "ACTIVE"},
		{"suspend", 200, "SUSPENDED"},
		{"suspend", 409, "SUSPENDED"},
		{"resume", 200, "ACTIVE"},
		{"suspend", 200, "SUSPENDED"},
		{"delete", 200, "DELETED"},
		{"resume", 409, "DELETED"},
		{"suspend", 409, "DELETED"},
		{"delete", 409, "DELETED"},
	}
	for i, s := range steps {
		a := c.lifecycle(tok, s.typ)
		if a.status != s.status {
			t.Fatalf("step %d %s: %d %s", i, s.typ, a.status, a.raw)
		}
		if s.status == 409 && (a.str("error_code") != "INVALID_STATE_TRANSITION" || !strings.Contains(a.str("error_description"), "nothing was changed")) {
			t.Fatalf("step %d: %s", i, a.raw)
		}
		if s.status == 200 && (a.str("token_status") != s.after || a.str("status_reason") != "LOST") {
			t.Fatalf("step %d: %s", i, a.raw)
		}
		if got := status(); got != s.after {
			t.Fatalf("step %d %s: status %s, want %s", i, s.typ, got, s.after)
		}
	}
	expect(t, c.lifecycle("AXTRNOSUCHTOKEN", "suspend"), 404, "NOT_FOUND")
	expect(t, c.call("GET", "/tokens/AXTRNOSUCHTOKEN/metadata", nil), 404, "NOT_FOUND")
	expect(t, c.call("POST", "/tokens/notifications", map[string]any{"token_ref_id": tok, "notification_type": "close"}), 400, "VALIDATION_ERROR")
}

func TestUpdateConsumer(t *testing.T) {
	_, c := start(t)
	expect(t, c.enrol("cm-1", "", amex.SampleTestPAN), 200, "")
	ud := map[string]any{"email": "ada.lovelace@example.com", "phone": "+447700900124", "name": "Ada|King|Lovelace", "locale": "en-GB", "country": "GBR"}
	a := c.call("PUT", "/consumers/cm-1", map[string]any{"user_data": ud})
	expect(t, a, 200, "")
	p := c.call("GET", "/consumers/cm-1", nil)
	if got, _ := p.body["user_data"].(map[string]any); got["email"] != "ada.lovelace@example.com" || got["name"] != "Ada|King|Lovelace" {
		t.Fatalf("profile %s", p.raw)
	}
	expect(t, c.call("PUT", "/consumers/cm-unknown", map[string]any{"user_data": ud}), 404, "NOT_FOUND")
	expect(t, c.call("GET", "/consumers/cm-unknown", nil), 404, "NOT_FOUND")
	ud["name"] = "Ada Lovelace"
	expect(t, c.call("PUT", "/consumers/cm-1", map[string]any{"user_data": ud}), 400, "VALIDATION_ERROR")
}

func TestRegisteredCredentials(t *testing.T) {
	srv, c := start(t)
	newKey := bytes.Repeat([]byte{9}, 32)
	for _, cr := range []simulator.Credential{
		{Name: "api-key", Kind: "id", Value: "my-client"},
		{Name: "mac-secret", Kind: "secret", Value: "my-own-secret-0123456789"},
		{Name: "encryption-key", Kind: "symmetric-key", KeyID: "my-kid-2", Value: jwe.EncodeKey(newKey)},
		{Name: "token-requester-id", Kind: "id", Value: "34912345678"},
	} {
		if err := srv.Sim.RegisterCredentials(amex.ID, []simulator.Credential{cr}); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []simulator.Credential{
		{Name: "mac-secret", Kind: "secret", Value: "short"},
		{Name: "encryption-key", Kind: "symmetric-key", KeyID: "k", Value: jwe.EncodeKey(newKey[:16])},
		{Name: "encryption-key", Kind: "symmetric-key", Value: jwe.EncodeKey(newKey)},
		{Name: "token-requester-id", Kind: "id", Value: "12"},
	} {
		if err := srv.Sim.RegisterCredentials(amex.ID, []simulator.Credential{bad}); err == nil {
			t.Errorf("%s %q accepted", bad.Name, bad.Value)
		}
	}
	oldKid, oldKey := c.creds["encryption-key"].KeyID, c.key
	c = newIssuer(t, srv)
	if c.creds["mac-key-id"].Value != "my-client" || c.creds["encryption-key"].KeyID != "my-kid-2" {
		t.Fatalf("credentials %+v", c.creds)
	}
	expect(t, c.enrol("cm-1", "", amex.SampleTestPAN), 200, "")
	// The previous shared key still decrypts during a rotation.
	old, _ := jwe.Encrypt([]byte(`{"account_type":"credit_card","credit_card":{"account_number":"378282246310005","expiry_month":12,"expiry_year":2030,"name_on_card":"Ada"},"billing_address":{"address_line1":"1 Way","city":"London","postal_code":"N1","country":"GBR"}}`), oldKid, oldKey)
	expect(t, c.call("POST", "/tokens/provisioning", enrolBody("cm-1", "", old)), 200, "")
}

func TestDescribeAndSettings(t *testing.T) {
	n, err := simulator.NewNetwork(amex.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := n.Describe()
	if d.ID != "amex" || len(d.Specs) != 1 || len(d.Callbacks) != 1 {
		t.Fatalf("%+v", d)
	}
	keys := map[string]bool{}
	for _, s := range n.(simulator.SettingsDeclarer).Settings() {
		keys[s.Key] = true
	}
	for _, k := range []string{"macWindow", "nonceCacheSize", "requestIdRetention", "requestIdCacheSize", "notifyIssuerChanges", "notificationDelay"} {
		if !keys[k] {
			t.Errorf("setting %s not declared", k)
		}
	}
	if _, err := simulator.New(simulator.Options{Networks: []string{amex.ID}, Settings: map[string]string{"amex.macWindow": "0s"}}); err == nil {
		t.Error("a zero macWindow was accepted")
	}
}

func TestRequestIDRetention(t *testing.T) {
	srv, c := start(t, "requestIdRetention", "1h")
	id := c.requestID()
	expect(t, c.send("GET", "/consumers/cm-x", nil, id), 404, "NOT_FOUND")
	expect(t, c.send("GET", "/consumers/cm-y", nil, id), 409, "DUPLICATE_REQUEST_ID")
	srv.Clock.Advance(time.Hour + time.Second)
	expect(t, c.send("GET", "/consumers/cm-y", nil, id), 404, "NOT_FOUND")
}

func TestResetForgetsStateNoncesAndRequestIDs(t *testing.T) {
	srv, c := start(t)
	var header string
	raw := mustJSON(enrolBody("cm-1", "", c.accountData(amex.SampleTestPAN, 12, 2030)))
	id := c.requestID()
	expect(t, c.send("POST", "/tokens/provisioning", raw, id, func(r *http.Request) { header = r.Header.Get("Authorization") }), 200, "")
	resend := func(r *http.Request) { r.Header.Set("Authorization", header) }
	expect(t, c.send("POST", "/tokens/provisioning", raw, id, resend), 401, "AUTHENTICATION_FAILED")
	srv.Reset(t)
	expect(t, c.call("GET", "/consumers/cm-1", nil), 404, "NOT_FOUND")
	// Nonce, request ID and card are all forgotten: the very same request
	// enrols again.
	expect(t, c.send("POST", "/tokens/provisioning", raw, id, resend), 200, "")
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
