package visa_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// issuerEndpoint records what the simulator calls on the issuer side and
// answers as told.
type issuerEndpoint struct {
	mu       sync.Mutex
	calls    map[string][][]byte // path → bodies
	headers  map[string]http.Header
	decision string // approveProvisioning actionCode
	status   int    // answer status for every call (0: 200)
}

func (e *issuerEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.calls[r.URL.Path] = append(e.calls[r.URL.Path], b)
	e.headers[r.URL.Path] = r.Header.Clone()
	status, decision := e.status, e.decision
	e.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/approveProvisioning") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"actionCode":"` + decision + `"}`))
	}
}

func (e *issuerEndpoint) bodies(suffix string) [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out [][]byte
	for p, bs := range e.calls {
		if strings.HasSuffix(p, suffix) {
			out = append(out, bs...)
		}
	}
	return out
}

func withIssuerEndpoint(t *testing.T, srv *simtest.Server, decision string) *issuerEndpoint {
	e := &issuerEndpoint{calls: map[string][][]byte{}, headers: map[string]http.Header{}, decision: decision}
	hs := httptest.NewServer(e)
	t.Cleanup(hs.Close)
	if err := srv.Sim.SetCallbackTarget("visa", simulator.CallbackTarget{URL: hs.URL + "/issuer", RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func credential(t *testing.T, srv *simtest.Server, name string) simulator.Credential {
	for _, c := range srv.Sim.Credentials("visa") {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no credential %s", name)
	return simulator.Credential{}
}

func TestEnrollmentAttemptNotification(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, "00")
	out, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"firstName": "Grace", "panLast4": "1141"})
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != 200 {
		t.Fatalf("trigger = %v", out)
	}
	bodies := e.bodies("/cardEnrollment/notification")
	if len(bodies) != 1 {
		t.Fatalf("%d notifications", len(bodies))
	}
	signing := credential(t, srv, "notification-signing-public-key")
	blk, _ := pem.Decode([]byte(signing.Value))
	pub, _ := x509.ParsePKIXPublicKey(blk.Bytes)
	op := notification.Opener{
		VerifyKeys: func(kid string) (*rsa.PublicKey, bool) { return pub.(*rsa.PublicKey), kid == signing.KeyID },
		DecryptKey: c.clientPriv, DecryptKeyID: c.kid,
	}
	o, err := op.Open(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ClientInformation struct{ FirstName string } `json:"clientInformation"`
		Enrollment        struct {
			EnrollmentID, PanLast4, TokenRequestorID string
		} `json:"enrollment"`
	}
	_ = json.Unmarshal(o.Payload, &p)
	if p.ClientInformation.FirstName != "Grace" || p.Enrollment.PanLast4 != "1141" || p.Enrollment.EnrollmentID != out["enrollmentID"] || p.Enrollment.TokenRequestorID != "40010075001" {
		t.Fatalf("payload %s", o.Payload)
	}
	entries := srv.Sim.Journal().Find(journal.Query{OperationID: "notifyEnrollmentAttempt"})
	if len(entries) != 1 || entries[0].RequestCheck == nil || !entries[0].RequestCheck.OK || entries[0].ResponseCheck == nil || !entries[0].ResponseCheck.OK {
		t.Fatalf("journal = %+v", entries)
	}
	if !strings.Contains(entries[0].URL, "eventType=CTP_ENROLLMENT_ATTEMPT") {
		t.Fatalf("url %s", entries[0].URL)
	}
	// A refusal by the issuer (bad signature on its side) is an error the
	// trigger reports; bad params are refused before anything is sent.
	e.mu.Lock()
	e.status = 401
	e.mu.Unlock()
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", nil); err == nil {
		t.Fatal("a 401 from the issuer was reported as delivered")
	}
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"panLast4": "4111111145551140"}); err == nil || strings.Contains(err.Error(), "4111111145551140") {
		t.Fatalf("bad panLast4: %v", err)
	}
}

func TestApproveProvisioningDecidesTheCard(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, "05")
	a := c.call("POST", "enrollData", enrolment("cons-ap", "4111111145551140"))
	srv.Clock.Advance(2 * time.Second)
	done := waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	b, _ := json.Marshal(done.plain["details"])
	if !strings.Contains(string(b), `"FAILURE"`) || !strings.Contains(string(b), "VIDC-7000") || !strings.Contains(string(b), "declined provisioning") {
		t.Fatalf("declined approval: details %s", b)
	}
	calls := e.bodies("/approveProvisioning")
	if len(calls) != 1 {
		t.Fatalf("%d approval calls", len(calls))
	}
	var call struct {
		TokenInfo     struct{ TokenReferenceID, TokenType, PanLast4 string } `json:"tokenInfo"`
		EncryptedData string                                                 `json:"encryptedData"`
	}
	_ = json.Unmarshal(calls[0], &call)
	o, err := vtsjwe.Opener{Secret: func(k string) (string, bool) { return c.secret, k == c.apiKey }, Now: srv.Clock.Now}.Open(call.EncryptedData)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(o.Payload), `"primaryAccountNumber":"4111111145551140"`) || call.TokenInfo.TokenType != "CLICK_TO_PAY" || call.TokenInfo.PanLast4 != "1140" {
		t.Fatalf("approval %s / %s", calls[0], o.Payload)
	}
	// The journal keeps the card masked even in the decrypted view.
	for _, en := range srv.Sim.Journal().Find(journal.Query{OperationID: "approveProvisioning"}) {
		if strings.Contains(en.RequestPlain+en.RequestBody, "4111111145551140") {
			t.Fatal("journal holds the PAN in clear")
		}
	}
	// Approved: the card is enrolled with the token reference the call named.
	e.mu.Lock()
	e.decision = "00"
	e.mu.Unlock()
	a = c.call("POST", "enrollPaymentInstruments", map[string]any{"intent": ctp, "consumerInformation": ref("cons-ap"), "paymentInstruments": []any{instrument("4111111145551141")}})
	srv.Clock.Advance(2 * time.Second)
	done = waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	b, _ = json.Marshal(done.plain["details"])
	if !strings.Contains(string(b), `"SUCCESS"`) {
		t.Fatalf("approved: details %s", b)
	}
}

func TestApprovalStandInWhenTheIssuerNeverAnswers(t *testing.T) {
	for standIn, want := range map[string]string{"decline": "FAILURE", "approve": "SUCCESS"} {
		t.Run(standIn, func(t *testing.T) {
			srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: map[string]string{"visa.approvalStandIn": standIn}})
			c := newIssuer(t, srv)
			e := withIssuerEndpoint(t, srv, "00")
			e.status = 503
			a := c.call("POST", "enrollData", enrolment("cons-si", "4111111145551140"))
			srv.Clock.Advance(2 * time.Second)
			done := waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
			if d := done.plain["details"].([]any)[0].(map[string]any); d["status"] != want {
				t.Fatalf("details %v", d)
			}
		})
	}
}

func TestStatusNotification(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: map[string]string{"visa.statusNotifications": "true", "visa.approvalCalls": "false", "visa.maxPaymentInstruments": "2"}})
	c := newIssuer(t, srv)
	e := withIssuerEndpoint(t, srv, "00")
	a := c.call("POST", "enrollData", enrolment("cons-sn", "4111111145551140"))
	trace := a.str("requestTraceId")
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, trace, "COMPLETED")
	deadline := time.Now().Add(5 * time.Second)
	for len(e.bodies("/requestStatusNotification")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no status notification")
		}
		time.Sleep(2 * time.Millisecond) // delivery runs on the completion goroutine
	}
	if n := len(e.bodies("/approveProvisioning")); n != 0 {
		t.Fatalf("approvalCalls=false still made %d calls", n)
	}
	o, err := mle.Open(e.bodies("/requestStatusNotification")[0], c.clientPriv, c.kid)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(o.Payload), trace) || !strings.Contains(string(o.Payload), `"COMPLETED"`) {
		t.Fatalf("notification %s", o.Payload)
	}
}

// specCodes is the VIDC table declared in the spec: reason → status.
func specCodes(t *testing.T) map[string]int {
	doc, err := openapi.Load("visa/vica.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc.Components.Extensions["x-c2psim-error-codes"])
	var table map[string]struct{ Status int }
	if err := json.Unmarshal(raw, &table); err != nil || len(table) == 0 {
		t.Fatalf("x-c2psim-error-codes: %v (%s)", err, raw)
	}
	out := map[string]int{}
	for k, v := range table {
		out[k] = v.Status
	}
	return out
}

func TestSettingsAreCheckedAtStartUp(t *testing.T) {
	for key, bad := range map[string]string{"visa.approvalStandIn": "maybe", "visa.tokenRequestorId": "123"} {
		sim, err := simulator.New(simulator.Options{Networks: []string{"visa"}, Settings: map[string]string{key: bad}})
		if err == nil {
			sim.Close()
			t.Errorf("%s=%s accepted", key, bad)
			continue
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(key, "visa.")) {
			t.Errorf("%s=%s: error does not name the key: %v", key, bad, err)
		}
	}
}

// verifyingIssuer is an issuer endpoint that does what NTF-04 asks: it
// verifies the PS256 JWS with Visa's signing key, decrypts the JWE with its
// own key, answers 200 with no body, and refuses a bad signature with 401.
type verifyingIssuer struct {
	verify  *rsa.PublicKey
	decrypt *rsa.PrivateKey

	mu       sync.Mutex
	payloads [][]byte
	refused  []error
	failNext int // answer 503 to this many deliveries first
}

func (v *verifyingIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("eventType") != "CTP_ENROLLMENT_ATTEMPT" || !strings.HasSuffix(r.URL.Path, "/cardEnrollment/notification") {
		http.Error(w, "unexpected call "+r.URL.Path, http.StatusNotFound)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.failNext > 0 {
		v.failNext--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var body notification.Body
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	payload, err := notification.Open(body.EncryptedData, v.verify, v.decrypt)
	switch {
	case errors.Is(err, notification.ErrSignature), errors.Is(err, notification.ErrUnknownKey):
		v.refused = append(v.refused, err)
		w.WriteHeader(http.StatusUnauthorized)
	case err != nil:
		v.refused = append(v.refused, err)
		w.WriteHeader(http.StatusBadRequest)
	default:
		v.payloads = append(v.payloads, payload)
		w.WriteHeader(http.StatusOK)
	}
}

func rsaPublicCredential(t *testing.T, c simulator.Credential) *rsa.PublicKey {
	t.Helper()
	blk, _ := pem.Decode([]byte(c.Value))
	if blk == nil {
		t.Fatalf("credential %s holds no PEM block", c.Name)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PublicKey)
}

func TestEnrollmentAttemptVerifiedByTheIssuer(t *testing.T) {
	srv, c := start(t)
	iss := &verifyingIssuer{verify: rsaPublicCredential(t, credential(t, srv, "notification-signing-public-key")), decrypt: c.clientPriv}
	hs := httptest.NewServer(iss)
	t.Cleanup(hs.Close)
	if err := srv.Sim.SetCallbackTarget("visa", simulator.CallbackTarget{URL: hs.URL + "/issuer", RetrySchedule: []time.Duration{time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// A test card given in full: only its last 4 digits travel, and the
	// issuer verifies and decrypts on the second delivery.
	iss.failNext = 1
	out, err := srv.Sim.Trigger(ctx, "visa", "enrollmentAttempt", map[string]any{"accountNumber": "4111111145551141", "firstName": "Grace", "lastName": "Hopper"})
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != 200 || out["attempts"] != 2 {
		t.Fatalf("trigger = %v, want status 200 after 2 attempts", out)
	}
	iss.mu.Lock()
	if len(iss.payloads) != 1 || len(iss.refused) != 0 {
		t.Fatalf("issuer accepted %d, refused %v", len(iss.payloads), iss.refused)
	}
	var p struct {
		ClientInformation struct{ FirstName, LastName string }    `json:"clientInformation"`
		Enrollment        struct{ EnrollmentID, PanLast4 string } `json:"enrollment"`
	}
	if err := json.Unmarshal(iss.payloads[0], &p); err != nil {
		t.Fatal(err)
	}
	iss.mu.Unlock()
	if p.ClientInformation.FirstName != "Grace" || p.ClientInformation.LastName != "Hopper" || p.Enrollment.PanLast4 != "1141" || p.Enrollment.EnrollmentID != out["enrollmentID"] {
		t.Fatalf("issuer decrypted %+v", p)
	}
	entries := srv.Sim.Journal().Find(journal.Query{OperationID: "notifyEnrollmentAttempt"})
	if len(entries) != 2 {
		t.Fatalf("%d journal entries, want one per delivery attempt", len(entries))
	}
	for _, en := range entries {
		b, _ := json.Marshal(en)
		if strings.Contains(string(b), "4111111145551141") {
			t.Fatal("journal holds the card number in clear")
		}
	}

	// Defaults: the published sample card and a default consumer.
	if out, err := srv.Sim.Trigger(ctx, "visa", "enrollmentAttempt", nil); err != nil || out["status"] != 200 {
		t.Fatalf("default trigger: %v, %v", out, err)
	}
	iss.mu.Lock()
	if got := string(iss.payloads[1]); !strings.Contains(got, `"panLast4":"1140"`) || !strings.Contains(got, `"firstName":"Ada"`) {
		t.Fatalf("default payload %s", got)
	}
	iss.mu.Unlock()

	// An issuer holding another key as Visa's refuses the notification
	// (401), and the trigger reports it after the redelivery.
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss.mu.Lock()
	iss.verify = &other.PublicKey
	iss.mu.Unlock()
	if _, err := srv.Sim.Trigger(ctx, "visa", "enrollmentAttempt", nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("signature refused by the issuer: trigger error %v, want one naming 401", err)
	}
	iss.mu.Lock()
	if len(iss.refused) != 2 || !errors.Is(iss.refused[0], notification.ErrSignature) || len(iss.payloads) != 2 {
		t.Fatalf("issuer refused %v, accepted %d", iss.refused, len(iss.payloads))
	}
	iss.mu.Unlock()

	// Bad cards are refused before anything is sent, without the number in clear.
	for _, params := range []map[string]any{
		{"accountNumber": "5186001700008785"},                     // not a Visa card
		{"accountNumber": "4111111145551141", "panLast4": "1140"}, // two different cards
		{"accountNumber": "4111-1111-4555-11x1"},                  // not digits
	} {
		_, err := srv.Sim.Trigger(ctx, "visa", "enrollmentAttempt", params)
		if err == nil {
			t.Fatalf("%v accepted", params)
		}
		if strings.Contains(err.Error(), "5186001700008785") || strings.Contains(err.Error(), "4111111145551141") || strings.Contains(err.Error(), "11111455") {
			t.Fatalf("error shows the card number: %v", err)
		}
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{OperationID: "notifyEnrollmentAttempt"})); n != 5 {
		t.Fatalf("%d deliveries journalled, want 5 (2 + 1 + 2; refused params send nothing)", n)
	}
}

// The status notification carries the Request Status body, failures
// included, and matches RequestStatusNotificationPlaintext.
func TestStatusNotificationMatchesItsDocument(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: map[string]string{"visa.statusNotifications": "true", "visa.approvalCalls": "false", "visa.maxPaymentInstruments": "2"}})
	c := newIssuer(t, srv)
	e := withIssuerEndpoint(t, srv, "00")
	const stem = "400000000007000" // the VIDC-7000 test card, without its check digit
	notTokenisable := stem + string(pan.LuhnCheckDigit(stem))
	a := c.call("POST", "enrollData", enrolment("cons-snd", "4111111145551140", notTokenisable))
	trace := a.str("requestTraceId")
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, trace, "COMPLETED")
	deadline := time.Now().Add(5 * time.Second)
	for len(e.bodies("/requestStatusNotification")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no status notification")
		}
		time.Sleep(2 * time.Millisecond) // delivery runs on the completion goroutine
	}
	o, err := mle.Open(e.bodies("/requestStatusNotification")[0], c.clientPriv, c.kid)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Load("visa/issuer-callbacks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(o.Payload, &v); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["RequestStatusNotificationPlaintext"].Value.VisitJSON(v); err != nil {
		t.Fatalf("notification plaintext %s does not match its schema: %v", o.Payload, err)
	}
	var body struct {
		Status  string
		Details []struct {
			AccountNumberLast4, Status string
			ErrorDetail                *struct{ Reason string }
		}
	}
	_ = json.Unmarshal(o.Payload, &body)
	if body.Status != "COMPLETED" || len(body.Details) != 2 || body.Details[1].Status != "FAILURE" || body.Details[1].ErrorDetail == nil || body.Details[1].ErrorDetail.Reason != "VIDC-7000" {
		t.Fatalf("notification %s", o.Payload)
	}
	if strings.Contains(string(o.Payload), notTokenisable) || strings.Contains(string(o.Payload), "4111111145551140") {
		t.Fatal("the notification carries a card number in clear")
	}
}

func TestTriggerVariantsForRefusals(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, "00")
	signing := credential(t, srv, "notification-signing-public-key")
	blk, _ := pem.Decode([]byte(signing.Value))
	pub, _ := x509.ParsePKIXPublicKey(blk.Bytes)
	op := notification.Opener{VerifyKeys: func(kid string) (*rsa.PublicKey, bool) { return pub.(*rsa.PublicKey), kid == signing.KeyID }, DecryptKey: c.clientPriv}
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"signature": "forged"}); err != nil {
		t.Fatal(err)
	}
	bodies := e.bodies("/cardEnrollment/notification")
	if _, err := op.Open(bodies[len(bodies)-1]); !errors.Is(err, notification.ErrSignature) {
		t.Fatalf("forged notification verified: %v", err)
	}
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"signature": "maybe"}); err == nil {
		t.Fatal("unknown signature mode accepted")
	}

	opener := vtsjwe.Opener{Secret: func(k string) (string, bool) { return c.secret, k == c.apiKey }, Now: srv.Clock.Now}
	for enc, want := range map[string]error{"": nil, "stale": vtsjwe.ErrStale, "foreignSecret": vtsjwe.ErrDecrypt} {
		out, err := srv.Sim.Trigger(context.Background(), "visa", "approveProvisioning", map[string]any{"accountNumber": "4111111145551140", "encryption": enc})
		if err != nil || out["actionCode"] != "00" {
			t.Fatalf("%q: %v %v", enc, out, err)
		}
		calls := e.bodies("/approveProvisioning")
		var call struct{ EncryptedData string }
		_ = json.Unmarshal(calls[len(calls)-1], &call)
		if _, err := opener.Open(call.EncryptedData); !errors.Is(err, want) {
			t.Errorf("encryption %q: the issuer would see %v, want %v", enc, err, want)
		}
	}
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "approveProvisioning", map[string]any{"accountNumber": "5186001700008785"}); err == nil || strings.Contains(err.Error(), "5186001700008785") {
		t.Fatalf("non-Visa card: %v", err)
	}
}

func TestAnswersCarryAnUnknownFieldUnlessTurnedOff(t *testing.T) {
	for setting, want := range map[string]bool{"true": true, "false": false} {
		srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: map[string]string{"visa.unknownFields": setting}})
		c := newIssuer(t, srv)
		a := c.call("POST", "enrollData", enrolment("cons-u", "4111111145551140"))
		if _, has := a.plain["c2psimFutureField"]; has != want || a.status != 202 {
			t.Errorf("unknownFields=%s: %d %v", setting, a.status, a.plain)
		}
	}
}

func TestAnswerLostCardIsProcessedDespiteTheError(t *testing.T) {
	srv, c := start(t)
	lost := cardFor(t, c, "answer-lost")
	a := c.call("POST", "enrollData", enrolment("cons-lost", lost))
	if a.status != 503 || a.str("reason") != "VIDC-5000" {
		t.Fatalf("first answer: %d %v", a.status, a.plain)
	}
	if r := c.call("POST", "enrollData", enrolment("cons-lost", lost)); r.status != 409 || r.str("reason") != "VIDC-3000" {
		t.Fatalf("retry while processing: %d %v", r.status, r.plain)
	}
	srv.Clock.Advance(2 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.call("POST", "enrollData", enrolment("cons-lost", lost))
		if r.status == 400 && r.str("reason") == "VIDC-2000" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry after completion: %d %v", r.status, r.plain)
		}
		time.Sleep(2 * time.Millisecond) // completion runs on its own goroutine
	}
	g := c.call("POST", "getData", map[string]any{"intent": ctp, "consumerInformation": ref("cons-lost")})
	if cards := g.plain["data"].([]any)[0].(map[string]any)["paymentInstruments"].([]any); len(cards) != 1 {
		t.Fatalf("getData: %v", g.plain)
	}
}
