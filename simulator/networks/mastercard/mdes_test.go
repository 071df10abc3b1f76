package mastercard_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"github.com/onsi/gomega"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const csBase = "/mastercard/mdes/csapi/v2"

var audit = map[string]any{"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "5555551234"}

// cs signs and posts one MDES Customer Service request: body is wrapped in
// an object named wrapper.
func (c *issuer) cs(p, wrapper string, fields map[string]any) answer {
	c.t.Helper()
	if _, ok := fields["AuditInfo"]; !ok && fields != nil {
		fields["AuditInfo"] = audit
	}
	body, _ := json.Marshal(map[string]any{wrapper: fields})
	return c.signed(http.MethodPost, csBase+p, body)
}

func (c *issuer) change(op, tur, reason string) answer {
	c.t.Helper()
	wrapper := map[string]string{"suspend": "TokenSuspendRequest", "unsuspend": "TokenUnsuspendRequest", "delete": "TokenDeleteRequest", "activate": "TokenActivateRequest"}[op]
	return c.cs("/token/"+op, wrapper, map[string]any{"TokenUniqueReference": tur, "ReasonCode": reason})
}

// searchOne searches by key (AccountPan or TokenUniqueReference) and returns
// the single token found.
func (c *issuer) searchOne(key, value string) map[string]any {
	c.t.Helper()
	a := c.cs("/search", "SearchRequest", map[string]any{key: value})
	if a.status != 200 {
		c.t.Fatalf("search %s: %d %s", key, a.status, a.raw)
	}
	accounts := dig(a.body, "SearchResponse", "Accounts", "Account").([]any)
	if len(accounts) != 1 {
		c.t.Fatalf("search %s: %d accounts", key, len(accounts))
	}
	tokens := dig(accounts[0], "Tokens", "Token").([]any)
	if len(tokens) != 1 {
		c.t.Fatalf("search %s: %d tokens", key, len(tokens))
	}
	return tokens[0].(map[string]any)
}

func dig(v any, path ...string) any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// appError returns the single Customer Service application error of an
// answer (ReasonCode, ErrorCode), failing when the envelope is not that one.
func appError(t *testing.T, a answer) (string, string) {
	t.Helper()
	list, _ := dig(a.body, "Errors", "Error").([]any)
	if len(list) != 1 {
		t.Fatalf("not one application error: %d %s", a.status, a.raw)
	}
	e := list[0].(map[string]any)
	if r, _ := e["Recoverable"].(string); r != "true" && r != "false" {
		t.Fatalf("Recoverable %v, want the string true or false: %s", e["Recoverable"], a.raw)
	}
	if e["ErrorCode"] != e["ReasonCode"] {
		t.Fatalf("ErrorCode %v, ReasonCode %v: %s", e["ErrorCode"], e["ReasonCode"], a.raw)
	}
	source, _ := e["Source"].(string)
	if source == "System" {
		source = ""
	}
	return e["ReasonCode"].(string), source
}

// issuerCall is one callback the fake issuer accepted, its encrypted
// payload opened.
type issuerCall struct {
	Body  map[string]any
	Plain map[string]any
	Err   string // what was wrong with the call, if anything
}

// fakeIssuer hosts the Pre-Digitization endpoints. It decides Authorize
// Service per card, can refuse the first attempts of an operation with 503,
// and records what it accepted; tests assert on the records, never in the
// handler.
type fakeIssuer struct {
	ring     encryption.KeyRing
	srv      *httptest.Server
	mu       sync.Mutex
	decide   map[string]string // card last 4 → decision (default APPROVED)
	fail     map[string]int    // path → attempts still to refuse
	attempts map[string]int
	got      map[string]chan issuerCall
}

// issuerRing holds the sandbox issuer's callback decryption key.
func issuerRing(t testing.TB, srv *simtest.Server) encryption.KeyRing {
	t.Helper()
	b, _ := pem.Decode([]byte(credential(t, srv, "issuer-fle-private-key")))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ring := encryption.KeyRing{}
	if _, err := ring.Add(k.(*rsa.PrivateKey)); err != nil {
		t.Fatal(err)
	}
	return ring
}

// cardLast4 is the last four digits of the card an Authorize Service call
// carries encrypted ("" when it does not open).
func cardLast4(ring encryption.KeyRing, body []byte) string {
	var req struct {
		FundingAccountInfo struct {
			EncryptedPayload encryption.FLE `json:"encryptedPayload"`
		} `json:"fundingAccountInfo"`
	}
	_ = json.Unmarshal(body, &req)
	plain, err := ring.OpenFLE(req.FundingAccountInfo.EncryptedPayload)
	if err != nil {
		return ""
	}
	var d struct {
		CardAccountData struct{ AccountNumber string } `json:"cardAccountData"`
	}
	_ = json.Unmarshal(plain, &d)
	if n := d.CardAccountData.AccountNumber; len(n) > 4 {
		return n[len(n)-4:]
	}
	return ""
}

func newFakeIssuer(t *testing.T, srv *simtest.Server, retry []time.Duration) *fakeIssuer {
	t.Helper()
	f := &fakeIssuer{ring: issuerRing(t, srv), decide: map[string]string{}, fail: map[string]int{}, attempts: map[string]int{}, got: map[string]chan issuerCall{}}
	for _, p := range []string{"/authorizeService", "/requestActivationMethods", "/deliverActivationCode", "/validateActivationCode",
		"/notifyServiceActivated", "/notifyTokenUpdated", "/notifySuspiciousEvents", "/getAccountInformation"} {
		f.got[p] = make(chan issuerCall, 64)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{URL: f.srv.URL + "/issuer", RetrySchedule: retry}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeIssuer) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/issuer")
	ch, ok := f.got[p]
	if !ok {
		http.Error(w, "no such endpoint", http.StatusNotFound)
		return
	}
	f.mu.Lock()
	f.attempts[p]++
	refuse := f.fail[p] > 0
	if refuse {
		f.fail[p]--
	}
	f.mu.Unlock()
	if refuse {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	call := issuerCall{}
	if err := json.Unmarshal(raw, &call.Body); err != nil {
		call.Err = "body is not JSON"
	}
	// Card data is encrypted where the Issuer Outbound API puts it; the
	// rest is in clear.
	envelope := dig(call.Body, "fundingAccountInfo", "encryptedPayload")
	if tokens, _ := call.Body["tokens"].([]any); p == "/notifyTokenUpdated" && len(tokens) > 0 {
		envelope = dig(tokens[0], "fundingAccountInfo", "encryptedPayload")
	}
	if envelope != nil {
		var fle encryption.FLE
		eb, _ := json.Marshal(envelope)
		if err := json.Unmarshal(eb, &fle); err != nil {
			call.Err = "encryptedPayload is not an envelope"
		} else if plain, err := f.ring.OpenFLE(fle); err != nil {
			call.Err = "encryptedPayload does not open: " + err.Error()
		} else if err := json.Unmarshal(plain, &call.Plain); err != nil {
			call.Err = "plaintext is not JSON"
		}
	} else if p == "/authorizeService" || p == "/requestActivationMethods" || p == "/notifyServiceActivated" {
		call.Err = "no encryptedPayload"
	}
	// A spec-correct issuer: responseId only, plus what the operation
	// asks for.
	answer := map[string]any{"responseId": fmt.Sprint(len(ch))}
	if p == "/authorizeService" {
		f.mu.Lock()
		last4, _ := dig(call.Plain, "cardAccountData", "accountNumber").(string)
		if len(last4) > 4 {
			last4 = last4[len(last4)-4:]
		}
		d := f.decide[last4]
		f.mu.Unlock()
		if d == "" {
			d = "APPROVED"
		}
		answer["decision"], answer["services"] = d, []string{"DIGITIZATION"}
	}
	if p == "/validateActivationCode" {
		answer["result"] = "SUCCESS"
	}
	ch <- call
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// next returns the next accepted call to p, failing after 10s without one.
func (f *fakeIssuer) next(t *testing.T, p string) issuerCall {
	t.Helper()
	select {
	case c := <-f.got[p]:
		if c.Err != "" {
			t.Fatalf("%s: %s", p, c.Err)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s call arrived", p)
	}
	return issuerCall{}
}

// none checks that no call to p is waiting.
func (f *fakeIssuer) none(t *testing.T, p string) {
	t.Helper()
	select {
	case c := <-f.got[p]:
		t.Fatalf("unexpected %s call: %v", p, c.Plain)
	default:
	}
}

// ntu returns the single token of the next Notify Token Updated.
func (f *fakeIssuer) ntu(t *testing.T) map[string]any {
	t.Helper()
	c := f.next(t, "/notifyTokenUpdated")
	if c.Body["reasonCode"] != "STATUS_UPDATE" || c.Body["requestId"] == "" {
		t.Fatalf("Notify Token Updated body %v", c.Body)
	}
	tokens, _ := c.Body["tokens"].([]any)
	if len(tokens) != 1 {
		t.Fatalf("Notify Token Updated tokens %v", c.Body)
	}
	return tokens[0].(map[string]any)
}

func enrolToken(t *testing.T, c *issuer, cardPAN, wantStatus string) string {
	t.Helper()
	a := c.send(c.body(cardPAN), nil)
	if a.status != 200 {
		t.Fatalf("enrol %s: %d %s", cardPAN[12:], a.status, a.raw)
	}
	if got := dig(a.body, "maskedCard", "digitalCardData", "status"); got != wantStatus {
		t.Fatalf("enrol %s: token %v, want %s", cardPAN[12:], got, wantStatus)
	}
	tur := c.searchOne("AccountPan", cardPAN)["TokenUniqueReference"].(string)
	if tur == "" {
		t.Fatal("search gave no TokenUniqueReference")
	}
	return tur
}

// The issuer suspends, resumes and deletes a token through Customer
// Service; each legal change is answered, visible in search and notified;
// each illegal one is INVALID_TOKEN_STATUS and changes nothing.
func TestMDESLifecycle(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	const card = "5186001700008785"
	tur := enrolToken(t, c, card, "ACTIVE")
	iss.next(t, "/authorizeService")

	tok := c.searchOne("TokenUniqueReference", tur)
	want := map[string]any{"CurrentStatusCode": "A", "TokenRequestorId": mastercard.TokenRequestorID, "FinalTokenizationDecision": "A",
		"ProvisioningStatusCode": "S", "DigitizationRequestDateTime": "2026-01-15T10:00:00Z", "TokenActivatedDateTime": "2026-01-15T10:00:00Z"}
	for k, v := range want {
		if tok[k] != v {
			t.Errorf("search: %s = %v, want %v", k, tok[k], v)
		}
	}
	a := c.cs("/search", "SearchRequest", map[string]any{"AccountPan": card})
	if acc := dig(a.body, "SearchResponse", "Accounts", "Account").([]any)[0].(map[string]any); acc["AccountPanSuffix"] != "8785" || acc["ExpirationDate"] != "1230" {
		t.Errorf("account %v", acc)
	}
	if strings.Contains(a.raw, card) {
		t.Error("the search answer carries the PAN in clear")
	}

	steps := []struct {
		op, reason   string
		status, code string // search's CurrentStatusCode afterwards
		ntuStatus    string // "" when the change must be refused
		event        string
		refusedAs    string // Source of a refusal
	}{
		{"suspend", "T", "SUSPENDED", "S", "SUSPENDED", "SUSPECTED_FRAUD", ""},
		{"suspend", "L", "SUSPENDED", "S", "", "", "TokenUniqueReference"},
		{"activate", "C", "SUSPENDED", "S", "", "", "TokenUniqueReference"},
		{"unsuspend", "F", "ACTIVE", "A", "ACTIVE", "DEVICE_FOUND", ""},
		{"unsuspend", "T", "ACTIVE", "A", "", "", "TokenUniqueReference"},
		{"suspend", "S", "SUSPENDED", "S", "SUSPENDED", "DEVICE_STOLEN", ""},
		{"delete", "C", "DEACTIVATED", "D", "DEACTIVATED", "ACCOUNT_CLOSED", ""},
		{"unsuspend", "Z", "DEACTIVATED", "D", "", "", "TokenUniqueReference"},
		{"delete", "Z", "DEACTIVATED", "D", "", "", "TokenUniqueReference"},
	}
	for i, s := range steps {
		a := c.change(s.op, tur, s.reason)
		srv.Clock.Advance(0) // lets a pending notification go
		if s.ntuStatus == "" {
			if a.status != 400 {
				t.Fatalf("step %d %s on %s: %d %s, want 400", i, s.op, s.refusedAs, a.status, a.raw)
			}
			if reason, code := appError(t, a); reason != "INVALID_TOKEN_STATUS" || code != s.refusedAs {
				t.Fatalf("step %d %s: %s %s", i, s.op, reason, code)
			}
		} else {
			if a.status != 200 {
				t.Fatalf("step %d %s: %d %s", i, s.op, a.status, a.raw)
			}
			resp := map[string]string{"suspend": "TokenSuspendResponse", "unsuspend": "TokenUnsuspendResponse", "delete": "TokenDeleteResponse"}[s.op]
			// No comment text, no CommentId.
			if dig(a.body, resp, "Token", "TokenUniqueReference") != tur || dig(a.body, resp, "Token", "CommentId") != nil {
				t.Fatalf("step %d %s answer %s", i, s.op, a.raw)
			}
			n := iss.ntu(t)
			if n["tokenUniqueReference"] != tur || n["status"] != s.ntuStatus {
				t.Fatalf("step %d %s: Notify Token Updated %v", i, s.op, n)
			}
			if by, _ := n["suspendedBy"].([]any); (s.ntuStatus == "SUSPENDED") != (len(by) == 1 && by[0] == "ISSUER") {
				t.Fatalf("step %d %s: suspendedBy %v", i, s.op, n["suspendedBy"])
			}
		}
		tok := c.searchOne("TokenUniqueReference", tur)
		if tok["CurrentStatusCode"] != s.code {
			t.Fatalf("step %d %s: search says %v, want %s", i, s.op, tok["CurrentStatusCode"], s.code)
		}
		if sus, _ := dig(tok, "Suspenders", "Suspender").([]any); (s.code == "S") != (len(sus) == 1 && sus[0] == "I") {
			t.Fatalf("step %d: Suspenders %v", i, tok["Suspenders"])
		}
	}
	iss.none(t, "/notifyTokenUpdated") // refused changes notify nothing

	// A deleted token is listed unless the search excludes deleted tokens.
	a = c.cs("/search", "SearchRequest", map[string]any{"TokenUniqueReference": tur, "ExcludeDeletedIndicator": "true"})
	if reason, _ := appError(t, a); a.status != 404 || reason != "EMPTY_RESULT" {
		t.Fatalf("excluding deleted: %d %s", a.status, a.raw)
	}
	// Every Customer Service call and every notification is journalled
	// under the token reference.
	var ops []string
	for _, e := range srv.Sim.Journal().Find(journal.Query{CorrelationID: tur, Limit: 100}) {
		ops = append(ops, e.OperationID)
	}
	if got := strings.Count(strings.Join(ops, " "), "notifyTokenUpdated"); got != 4 {
		t.Errorf("journal under %s: %d notifications in %v", tur, got, ops)
	}
	// A search by Account PAN is journalled with the card masked, never in clear.
	byPAN := 0
	for _, e := range srv.Sim.Journal().Find(journal.Query{OperationID: "searchTokens"}) {
		if fmt.Sprint(e.Cards) == "["+pan.Mask(card)+"]" {
			byPAN++
		}
	}
	if byPAN != 2 { // enrolToken's and the account check's
		t.Errorf("%d searches journalled with the masked Account PAN, want 2", byPAN)
	}
	all, _ := json.Marshal(srv.Sim.Journal().Find(journal.Query{Limit: 1000}))
	if strings.Contains(string(all), card) {
		t.Error("the journal holds the PAN in clear")
	}
}

func TestMDESRefusals(t *testing.T) {
	_, c := start(t)
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	cases := []struct {
		name, p, wrapper string
		fields           map[string]any
		status           int
		reason, field    string
	}{
		{"unknown token", "/token/suspend", "TokenSuspendRequest", map[string]any{"TokenUniqueReference": "DM4MMC0000000000000000000000000000", "ReasonCode": "T"}, 404, "EMPTY_RESULT", "TokenUniqueReference"},
		{"unknown token, delete", "/token/delete", "TokenDeleteRequest", map[string]any{"TokenUniqueReference": "DM4MMC0000000000000000000000000000", "ReasonCode": "C"}, 404, "EMPTY_RESULT", "TokenUniqueReference"},
		{"search unknown token", "/search", "SearchRequest", map[string]any{"TokenUniqueReference": "DM4MMC0000000000000000000000000000"}, 404, "EMPTY_RESULT", "TokenUniqueReference"},
		{"search card never enrolled", "/search", "SearchRequest", map[string]any{"AccountPan": "5186001700009726"}, 404, "EMPTY_RESULT", "AccountPan"},
		{"suspend reason of unsuspend", "/token/suspend", "TokenSuspendRequest", map[string]any{"TokenUniqueReference": tur, "ReasonCode": "F"}, 400, "INVALID_FIELD_VALUE", "TokenSuspendRequest.ReasonCode"},
		{"reason code spelt out", "/token/delete", "TokenDeleteRequest", map[string]any{"TokenUniqueReference": tur, "ReasonCode": "ACCOUNT_CLOSED"}, 400, "INVALID_FIELD_VALUE", "TokenDeleteRequest.ReasonCode"},
		{"no reason code", "/token/suspend", "TokenSuspendRequest", map[string]any{"TokenUniqueReference": tur}, 400, "MISSING_REQUIRED_FIELD", "TokenSuspendRequest.ReasonCode"},
		{"no audit info", "/token/unsuspend", "TokenUnsuspendRequest", map[string]any{"TokenUniqueReference": tur, "ReasonCode": "F", "AuditInfo": nil}, 400, "", ""},
		{"unknown field", "/token/suspend", "TokenSuspendRequest", map[string]any{"TokenUniqueReference": tur, "ReasonCode": "T", "Token": "5598765432109876"}, 400, "INVALID_FIELD_VALUE", ""},
		{"search with two keys", "/search", "SearchRequest", map[string]any{"TokenUniqueReference": tur, "AccountPan": "5186001700008785"}, 400, "INVALID_FIELD_VALUE", "SearchRequest.TokenUniqueReference"},
		{"search without a key", "/search", "SearchRequest", map[string]any{}, 400, "MISSING_REQUIRED_FIELD", "SearchRequest.TokenUniqueReference"},
		{"search by a key Click to Pay tokens lack", "/search", "SearchRequest", map[string]any{"PaymentAppInstanceId": "645b532a245e4723d7a9c4f62b24f24a24ba98e27d43e34e"}, 404, "EMPTY_RESULT", "PaymentAppInstanceId"},
		{"search by two new keys", "/search", "SearchRequest", map[string]any{"Token": "5598765432109876", "CommentId": "1"}, 400, "INVALID_FIELD_VALUE", "SearchRequest.Token"},
		{"activate by PAN without the app instance", "/token/activate", "TokenActivateRequest", map[string]any{"AccountPan": "5186001700008785", "ReasonCode": "A"}, 400, "MISSING_REQUIRED_FIELD", "TokenActivateRequest.TokenUniqueReference"},
		{"update both ways", "/token/update", "TokenUpdateRequest", map[string]any{"TokenUniqueReference": tur, "ExpirationDate": "0135", "IssuerProductConfigurationId": "GOLD"}, 400, "INVALID_FIELD_VALUE", "TokenUpdateRequest.IssuerProductConfigurationId"},
		{"search PAN failing Luhn", "/search", "SearchRequest", map[string]any{"AccountPan": "5186001700008786"}, 404, "EMPTY_RESULT", "AccountPan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := c.cs(tc.p, tc.wrapper, tc.fields)
			if a.status != tc.status {
				t.Fatalf("%d %s, want %d", a.status, a.raw, tc.status)
			}
			list, _ := dig(a.body, "Errors", "Error").([]any)
			if len(list) == 0 {
				t.Fatalf("no application errors: %s", a.raw)
			}
			e := list[0].(map[string]any)
			// Recoverable is a string in the Customer Service envelope;
			// Source names the field in error.
			if e["Recoverable"] != "false" || (tc.reason != "" && e["ReasonCode"] != tc.reason) || (tc.field != "" && e["Source"] != tc.field) {
				t.Fatalf("error %v, want %s on %s", e, tc.reason, tc.field)
			}
			if strings.Contains(a.raw, "5186001700008786") || strings.Contains(a.raw, "5186001700009726") {
				t.Fatal("the answer echoes the card number")
			}
		})
	}
	// Nothing of the above changed the token.
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "A" {
		t.Fatalf("token after refusals: %v", tok)
	}
	// The Customer Service takes the same OAuth 1.0a as the rest: the
	// gateway answers a missing signature.
	a := c.do(c.request(http.MethodPost, csBase+"/token/suspend", []byte(`{"TokenSuspendRequest":{}}`)))
	if reason, _ := gatewayReason(t, a); a.status != 401 || reason != "AUTHENTICATION_FAILED" {
		t.Fatalf("unsigned: %d %s", a.status, a.raw)
	}
}

// REQUIRE_ADDITIONAL_AUTHENTICATION leaves the token INACTIVE and hands
// the issuer an activation code; only that code, entered in time, activates
// the token, and the activation is notified.
func TestYellowPathActivationCode(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	iss.decide["9726"] = "REQUIRE_ADDITIONAL_AUTHENTICATION"
	tur := enrolToken(t, c, "5186001700009726", "INACTIVE")
	as := iss.next(t, "/authorizeService")
	iss.none(t, "/deliverActivationCode") // not before the enrolment is answered
	srv.Clock.Advance(0)
	dac := iss.next(t, "/deliverActivationCode")
	// The issuer gave no activation methods: MDES asked for them, and the
	// fake issuer has none, so the consumer's mobile number is used.
	iss.next(t, "/requestActivationMethods")
	code, _ := dac.Body["activationCode"].(string) // in clear, as the Issuer Outbound API sends it
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("activation code %q", code)
	}
	if dac.Body["tokenUniqueReference"] != tur || dac.Body["correlationId"] != as.Body["correlationId"] || len(fmt.Sprint(dac.Body["correlationId"])) > 14 ||
		dac.Body["expirationDateTime"] != "2026-01-15T10:30:00.000Z" || dig(dac.Body, "activationMethod", "type") != "TEXT_TO_CARDHOLDER_NUMBER" {
		t.Fatalf("Deliver Activation Code %v", dac.Body)
	}
	tok := c.searchOne("TokenUniqueReference", tur)
	if tok["CurrentStatusCode"] != "U" || tok["ProvisioningStatusCode"] != "A" || tok["FinalTokenizationDecision"] != "R" ||
		tok["ActivationCodeExpirationDateTime"] != "2026-01-15T10:30:00Z" || tok["TokenActivatedDateTime"] != nil || tok["CorrelationId"] != as.Body["correlationId"] {
		t.Fatalf("pending token %v", tok)
	}
	// A pending token can be neither suspended nor resumed.
	if a := c.change("suspend", tur, "T"); a.status != 400 {
		t.Fatalf("suspend pending: %d %s", a.status, a.raw)
	}
	ctx := context.Background()
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur, "activationCode": wrongCode(code)}); err == nil || !strings.Contains(err.Error(), "wrong activation code") {
		t.Fatalf("wrong code: %v", err)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "U" {
		t.Fatalf("after a wrong code: %v", tok)
	}
	srv.Clock.Advance(10 * time.Minute)
	out, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur, "activationCode": code})
	if err != nil || out["status"] != "ACTIVE" || out["notifyStatus"] != 200 || out["attempts"] != 1 {
		t.Fatalf("right code: %v %v", out, err)
	}
	if n := iss.ntu(t); n["status"] != "ACTIVE" || n["tokenUniqueReference"] != tur {
		t.Fatalf("activation notified as %v", n)
	}
	tok = c.searchOne("TokenUniqueReference", tur)
	if tok["CurrentStatusCode"] != "A" || tok["TokenActivatedDateTime"] != "2026-01-15T10:10:00Z" || tok["ActivationCodeExpirationDateTime"] != nil {
		t.Fatalf("activated token %v", tok)
	}
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur, "activationCode": code}); err == nil {
		t.Fatal("an active token took an activation code")
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// The yellow test card is provisioned INACTIVE even when the issuer
// approves; the issuer can then activate it through Customer Service. An
// expired code activates nothing.
func TestYellowTestCard(t *testing.T) {
	srv, c := start(t)
	yellow := testCardWith(t, "yellow")
	// Without a callback URL: INACTIVE, no code can be delivered, and the
	// code expires after activationCodeTTL.
	tur := enrolToken(t, c, yellow, "INACTIVE")
	srv.Clock.Advance(31 * time.Minute)
	if _, err := srv.Sim.Trigger(context.Background(), mastercard.ID, mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur}); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired code: %v", err)
	}
	if a := c.change("delete", tur, "Z"); a.status != 200 {
		t.Fatalf("delete pending token: %d %s", a.status, a.raw)
	}

	srv2, c2 := start(t)
	iss := newFakeIssuer(t, srv2, []time.Duration{})
	tur = enrolToken(t, c2, yellow, "INACTIVE")
	if as := iss.next(t, "/authorizeService"); as.Plain == nil {
		t.Fatal("no Authorize Service payload")
	}
	srv2.Clock.Advance(0)
	iss.next(t, "/deliverActivationCode")
	a := c2.change("activate", tur, "C")
	if a.status != 200 || dig(a.body, "TokenActivateResponse", "Token", "TokenUniqueReference") != tur {
		t.Fatalf("activate: %d %s", a.status, a.raw)
	}
	srv2.Clock.Advance(0)
	if n := iss.ntu(t); n["status"] != "ACTIVE" {
		t.Fatalf("activation notified as %v", n)
	}
	if a := c2.change("activate", tur, "A"); a.status != 400 {
		t.Fatalf("second activation: %d %s", a.status, a.raw)
	}
}

func testCardWith(t *testing.T, outcome string) string {
	t.Helper()
	for _, tc := range (&mastercard.Network{}).TestCards() {
		if tc.Outcome == outcome {
			return tc.PAN
		}
	}
	t.Fatalf("no %s test card", outcome)
	return ""
}

// A notification the issuer refuses is redelivered on the callback target's
// schedule until it is accepted, every attempt journalled; the same
// requestId can be delivered again on purpose (duplicate delivery).
func TestNotifyTokenUpdatedRetriedThenDelivered(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond})
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	iss.mu.Lock()
	iss.fail["/notifyTokenUpdated"] = 2
	iss.mu.Unlock()
	ctx := context.Background()
	out, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "SUSPENDED", "suspendedBy": "CARDHOLDER"})
	if err != nil || out["attempts"] != 3 || out["notifyStatus"] != 200 || out["status"] != "SUSPENDED" {
		t.Fatalf("trigger: %v %v", out, err)
	}
	n := iss.ntu(t)
	if by, _ := n["suspendedBy"].([]any); len(by) != 1 || by[0] != "CARDHOLDER" {
		t.Fatalf("Notify Token Updated %v", n)
	}
	var statuses []int
	for _, e := range srv.Sim.Journal().Find(journal.Query{OperationID: "notifyTokenUpdated"}) {
		if e.Direction == journal.Outbound {
			statuses = append(statuses, e.Status)
			if e.RequestCheck == nil || !e.RequestCheck.OK {
				t.Errorf("attempt %d does not match the issuer-side document: %+v", e.Attempt, e.RequestCheck)
			}
		}
	}
	if fmt.Sprint(statuses) != "[503 503 200]" && fmt.Sprint(statuses) != "[200 503 503]" {
		t.Fatalf("journalled attempts %v", statuses)
	}
	// The token requestor's suspension shows in Customer Service; the issuer
	// cannot lift it as its own.
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "S" || fmt.Sprint(dig(tok, "Suspenders", "Suspender")) != "[C]" {
		t.Fatalf("search after the cardholder's suspension: %v", tok)
	}
	// Duplicate delivery: the same status and requestId again.
	id := out["requestId"].(string)
	again, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "SUSPENDED", "suspendedBy": "CARDHOLDER", "requestId": id})
	if err != nil || again["requestId"] != id || again["attempts"] != 1 {
		t.Fatalf("duplicate: %v %v", again, err)
	}
	if n := iss.ntu(t); fmt.Sprint(n["suspendedBy"]) != "[CARDHOLDER]" {
		t.Fatalf("duplicate carries %v", n)
	}
	// Redelivery: after a newer change, the old notification goes out again
	// exactly as it was, and nothing changes; an unknown requestId is refused.
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "ACTIVE", "suspendedBy": "CARDHOLDER"}); err != nil {
		t.Fatal(err)
	}
	if n := iss.ntu(t); n["status"] != "ACTIVE" {
		t.Fatalf("Notify Token Updated %v", n)
	}
	late, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "requestId": id, "redeliver": true})
	if err != nil || late["requestId"] != id || late["status"] != "SUSPENDED" {
		t.Fatalf("redelivery: %v %v", late, err)
	}
	if n := iss.ntu(t); n["status"] != "SUSPENDED" {
		t.Fatalf("the redelivery carries %v, not the old notification", n)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "A" {
		t.Fatalf("a redelivery changed the token: %v", tok)
	}
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "requestId": "never-sent", "redeliver": true}); err == nil {
		t.Fatal("redelivering a notification never sent was accepted")
	}
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "SUSPENDED"}); err != nil {
		t.Fatal(err)
	}
	iss.ntu(t)
	// A suspender the trigger cannot play is refused before anything
	// changes (the issuer suspends through Customer Service).
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "ACTIVE", "suspendedBy": "ISSUER"}); err == nil || !strings.Contains(err.Error(), "suspendedBy") {
		t.Fatalf("suspendedBy ISSUER: %v", err)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "S" {
		t.Fatalf("after a refused trigger: %v", tok)
	}
	// An issuer that never accepts: every attempt fails, the trigger says so.
	iss.mu.Lock()
	iss.fail["/notifyTokenUpdated"] = 10
	iss.mu.Unlock()
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "DEACTIVATED"}); err == nil || !strings.Contains(err.Error(), "4 attempts") {
		t.Fatalf("never accepted: %v", err)
	}
	// Refusals of the trigger itself.
	for _, p := range []map[string]any{
		{"status": "ACTIVE"},
		{"tokenUniqueReference": tur, "status": "GONE"},
		{"tokenUniqueReference": "DM4MMC0000000000000000000000000000", "status": "ACTIVE"},
		{"tokenUniqueReference": tur, "status": "SUSPENDED", "suspendedBy": "ISSUER"},
		{"tokenUniqueReference": tur, "status": "ACTIVE"}, // DEACTIVATED is final
	} {
		if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, p); err == nil {
			t.Errorf("trigger %v accepted", p)
		}
	}
}

// Deliver Activation Code is retried like every callback.
func TestDeliverActivationCodeRetried(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{time.Millisecond})
	iss.fail["/deliverActivationCode"] = 1
	enrolToken(t, c, testCardWith(t, "yellow"), "INACTIVE")
	// The refused first attempt is retried after a back-off on the
	// simulator's clock.
	gomega.NewWithT(t).Eventually(func() int {
		srv.Clock.Advance(100 * time.Millisecond)
		iss.mu.Lock()
		defer iss.mu.Unlock()
		return iss.attempts["/deliverActivationCode"]
	}).WithTimeout(10 * time.Second).WithPolling(time.Millisecond).Should(gomega.Equal(2))
	iss.next(t, "/deliverActivationCode")
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.attempts["/deliverActivationCode"] != 2 {
		t.Fatalf("attempts %d", iss.attempts["/deliverActivationCode"])
	}
}

// The slow test card's enrolment is answered only once slowDelay has passed
// on the simulator clock.
func TestSlowCard(t *testing.T) {
	srv, c := start(t)
	body := c.body(testCardWith(t, "slow"))
	req := c.request(http.MethodPost, path, body)
	c.sign(req, body)
	type result struct {
		status int
		raw    string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := srv.Client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, raw: string(raw)}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Clock.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow enrolment never waited on the clock")
		}
		runtime.Gosched()
	}
	srv.Clock.Advance(9 * time.Second)
	if srv.Clock.Pending() != 1 {
		t.Fatal("the slow enrolment stopped waiting before slowDelay")
	}
	srv.Clock.Advance(time.Second)
	select {
	case r := <-done:
		if r.err != nil || r.status != 200 || !strings.Contains(r.raw, `"status":"ACTIVE"`) {
			t.Fatalf("slow enrolment: %v %d %s", r.err, r.status, r.raw)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer after slowDelay")
	}
}

// The triggers answer through the admin API with its own statuses: a
// refused activation is 400, an unknown token 404, a done one 200.
func TestTriggersThroughAdminAPI(t *testing.T) {
	srv, c := start(t)
	tur := enrolToken(t, c, testCardWith(t, "yellow"), "INACTIVE")
	post := func(name string, params map[string]any) answer {
		t.Helper()
		b, _ := json.Marshal(params)
		resp, err := srv.Client.Post(srv.URL+"/_admin/networks/mastercard/triggers/"+name, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, raw: string(raw)}
		_ = json.Unmarshal(raw, &a.body)
		return a
	}
	if a := post(mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur, "activationCode": "12345"}); a.status != 400 {
		t.Fatalf("wrong code: %d %s", a.status, a.raw)
	}
	if a := post(mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": "DM4MMC0000000000000000000000000000"}); a.status != 404 {
		t.Fatalf("unknown token: %d %s", a.status, a.raw)
	}
	if a := post(mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur}); a.status != 200 || a.body["status"] != "ACTIVE" {
		t.Fatalf("activation: %d %s", a.status, a.raw)
	}
	if a := post(mastercard.TriggerEnterActivationCode, map[string]any{"tokenUniqueReference": tur}); a.status != 400 {
		t.Fatalf("second activation: %d %s", a.status, a.raw)
	}
	if a := post(mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "SUSPENDED"}); a.status != 200 || a.body["status"] != "SUSPENDED" {
		t.Fatalf("status change: %d %s", a.status, a.raw)
	}
	if a := post("noSuchTrigger", map[string]any{}); a.status != 404 || !strings.Contains(a.raw, "tokenStatusChange") {
		t.Fatalf("unknown trigger: %d %s", a.status, a.raw)
	}
}

// A card whose token was deleted through Customer Service can be enrolled
// again: it gets a new token, and its Credential Directory address follows
// the new enrolment.
func TestReenrolAfterTokenDeleted(t *testing.T) {
	srv, c := start(t)
	const card = "5186001700008785"
	dir := credential(t, srv, "directory-id")
	if a := c.enrolIn("consumer-1", "card-1", card); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	old := c.searchOne("AccountPan", card)["TokenUniqueReference"].(string)
	if a := c.enrolIn("consumer-1", "card-1", card); a.status != 409 {
		t.Fatalf("enrolling an enrolled card: %d %s", a.status, a.raw)
	}
	if a := c.change("delete", old, "Z"); a.status != 200 {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	if a := c.call(http.MethodGet, "/directories/"+dir+"/consumers/consumer-1/credentials/card-1", nil); a.status != 200 || a.body["status"] != "DEACTIVATED" {
		t.Fatalf("deleted credential: %d %s", a.status, a.raw)
	}
	// Same address: the credential comes back with a new token.
	a := c.enrolIn("consumer-1", "card-1", card)
	if a.status != 200 || dig(a.body, "maskedCard", "digitalCardData", "status") != "ACTIVE" {
		t.Fatalf("re-enrol: %d %s", a.status, a.raw)
	}
	tok := c.searchOne("AccountPan", card)
	if tok["TokenUniqueReference"] == old || tok["CurrentStatusCode"] != "A" {
		t.Fatalf("re-enrolled token %v", tok)
	}
	if a := c.cs("/search", "SearchRequest", map[string]any{"TokenUniqueReference": old}); a.status != 404 {
		t.Fatalf("the deleted token is still listed: %d %s", a.status, a.raw)
	}
	// Another address: the old one is gone.
	if a := c.change("delete", tok["TokenUniqueReference"].(string), "C"); a.status != 200 {
		t.Fatalf("second delete: %d %s", a.status, a.raw)
	}
	if a := c.enrolIn("consumer-1", "card-2", card); a.status != 200 {
		t.Fatalf("re-enrol elsewhere: %d %s", a.status, a.raw)
	}
	if a := c.call(http.MethodGet, "/directories/"+dir+"/consumers/consumer-1/credentials/card-1", nil); a.status != 404 {
		t.Fatalf("old address: %d %s", a.status, a.raw)
	}
	if a := c.call(http.MethodGet, "/directories/"+dir+"/consumers/consumer-1/credentials/card-2", nil); a.status != 200 || a.body["status"] != "ACTIVE" {
		t.Fatalf("new address: %d %s", a.status, a.raw)
	}
}

// Changes made back to back are notified in their order.
func TestNotificationsKeepTheOrderOfChanges(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	var want []string
	for i := 0; i < 4; i++ {
		if a := c.change("suspend", tur, "T"); a.status != 200 {
			t.Fatalf("suspend: %d %s", a.status, a.raw)
		}
		if a := c.change("unsuspend", tur, "T"); a.status != 200 {
			t.Fatalf("unsuspend: %d %s", a.status, a.raw)
		}
		want = append(want, "SUSPENDED", "ACTIVE")
	}
	srv.Clock.Advance(0) // every notification is due at once
	var got []string
	for range want {
		got = append(got, iss.ntu(t)["status"].(string))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("notified %v, changes were %v", got, want)
	}
}

// An injected failure of a Customer Service call is answered in the
// application envelope, marked recoverable, and changes nothing.
func TestMDESInjectedFailure(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	for _, h := range []string{"status=503", "status=500; code=INTERNAL_SERVICE_FAILURE"} {
		body, _ := json.Marshal(map[string]any{"TokenSuspendRequest": map[string]any{"TokenUniqueReference": tur, "ReasonCode": "T", "AuditInfo": audit}})
		req := c.request(http.MethodPost, csBase+"/token/suspend", body)
		req.Header.Set("X-C2PSim-Fault", h)
		c.sign(req, body)
		a := c.do(req)
		reason, _ := appError(t, a)
		want := map[int]string{503: "SERVICE_UNAVAILABLE", 500: "INTERNAL_SERVICE_FAILURE"}[a.status]
		if want == "" || reason != want || dig(a.body, "Errors", "Error").([]any)[0].(map[string]any)["Recoverable"] != "true" {
			t.Fatalf("%s: %d %s", h, a.status, a.raw)
		}
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "A" {
		t.Fatalf("token after injected failures: %v", tok)
	}
	srv.Clock.Advance(0)
	iss.none(t, "/notifyTokenUpdated")
}

// A token can have several suspenders (MDES Customer Service 2.0.7): the
// issuer may suspend a token the token requestor suspended, each lifts only
// its own suspension, and the token is ACTIVE again only when the last one
// does; the issuer is notified of status changes only.
func TestMultipleSuspenders(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	tur := enrolToken(t, c, "5186001700008785", "ACTIVE")
	ctx := context.Background()
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "SUSPENDED"}); err != nil {
		t.Fatal(err)
	}
	if n := iss.ntu(t); n["status"] != "SUSPENDED" || fmt.Sprint(n["suspendedBy"]) != "[TOKEN_REQUESTOR]" {
		t.Fatalf("token requestor's suspension notified as %v", n)
	}
	suspenders := func() string {
		return fmt.Sprint(dig(c.searchOne("TokenUniqueReference", tur), "Suspenders", "Suspender"))
	}
	// The issuer cannot lift what it did not impose.
	if a := c.change("unsuspend", tur, "F"); a.status != 400 {
		t.Fatalf("issuer lifting the token requestor's suspension: %d %s", a.status, a.raw)
	}
	// The issuer adds itself as a suspender: accepted, still SUSPENDED.
	a := c.cs("/token/suspend", "TokenSuspendRequest", map[string]any{"TokenUniqueReference": tur, "ReasonCode": "T", "CommentText": "Fraud reported."})
	if a.status != 200 || dig(a.body, "TokenSuspendResponse", "Token", "CommentId") == nil {
		t.Fatalf("issuer suspend of a suspended token: %d %s", a.status, a.raw)
	}
	if got := suspenders(); got != "[W I]" {
		t.Fatalf("Suspenders %s, want [W I]", got)
	}
	if a := c.change("suspend", tur, "T"); a.status != 400 {
		t.Fatalf("a second issuer suspension: %d %s", a.status, a.raw)
	}
	// The issuer lifts its own: the token requestor's remains.
	if a := c.change("unsuspend", tur, "T"); a.status != 200 {
		t.Fatalf("issuer unsuspend: %d %s", a.status, a.raw)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "S" || suspenders() != "[W]" {
		t.Fatalf("after the issuer's unsuspend: %v", tok)
	}
	srv.Clock.Advance(0)
	iss.none(t, "/notifyTokenUpdated")
	// The token requestor lifts the last suspension: ACTIVE, notified.
	if _, err := srv.Sim.Trigger(ctx, mastercard.ID, mastercard.TriggerTokenStatusChange, map[string]any{"tokenUniqueReference": tur, "status": "ACTIVE"}); err != nil {
		t.Fatal(err)
	}
	if n := iss.ntu(t); n["status"] != "ACTIVE" {
		t.Fatalf("last suspender lifting notified as %v", n)
	}
	if tok := c.searchOne("TokenUniqueReference", tur); tok["CurrentStatusCode"] != "A" {
		t.Fatalf("after the last suspender: %v", tok)
	}
	// The history lists every change, newest first, with who made it.
	h := c.cs("/token/statushistory", "TokenStatusHistoryRequest", map[string]any{"TokenUniqueReference": tur})
	list, _ := dig(h.body, "TokenStatusHistoryResponse", "Statuses", "Status").([]any)
	var codes []string
	for _, e := range list {
		m := e.(map[string]any)
		codes = append(codes, fmt.Sprint(m["StatusCode"], m["Initiator"]))
	}
	if got := strings.Join(codes, " "); got != "AW SI SW AI U<nil>" {
		t.Fatalf("status history %s: %s", got, h.raw)
	}
	cm := c.cs("/token/comments", "TokenCommentsRequest", map[string]any{"TokenUniqueReference": tur})
	if comments, _ := dig(cm.body, "TokenCommentsResponse", "Comments", "Comment").([]any); len(comments) != 1 {
		t.Fatalf("comments %s", cm.raw)
	}
}
