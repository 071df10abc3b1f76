package amex_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	_ "github.com/c2psim/c2psim/simulator/networks/amex"
	"github.com/c2psim/c2psim/simulator/simtest"
)

const (
	sampleCard = "371111111111111" // the Token Service SDK's sample
	secondCard = "378282246310005"
)

func config(t *testing.T, srv *simtest.Server) amex.Config {
	t.Helper()
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials("amex") {
		creds[c.Name] = c
	}
	key, err := jwe.ParseKey(creds["encryption-key"].Value)
	if err != nil {
		t.Fatal(err)
	}
	return amex.Config{BaseURL: srv.URL + srv.Sim.BasePath("amex"), APIKey: creds["api-key"].Value, MACKeyID: creds["mac-key-id"].Value,
		Secret: creds["mac-secret"].Value, EncryptionKeyID: creds["encryption-key"].KeyID, EncryptionKey: key,
		TokenRequesterID: creds["token-requester-id"].Value, HTTPClient: srv.Client, Now: srv.Clock.Now}
}

func setup(t *testing.T) (*simtest.Server, *amex.Adapter, *client.Issuer) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"amex"}, FakeClock: true})
	a, err := amex.New(config(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithClock(srv.Clock.Now),
		client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return srv, a, iss
}

func ada() client.Consumer {
	return client.Consumer{Ref: "cm-1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(ref, number string) client.Card {
	return client.Card{Ref: ref, PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2031, Month: 2}, NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

func cardFor(t *testing.T, srv *simtest.Server, outcome string) string {
	t.Helper()
	for _, c := range srv.Sim.Network("amex").(simulator.TestCardLister).TestCards() {
		if c.Outcome == outcome {
			return c.PAN
		}
	}
	t.Fatalf("no %s card", outcome)
	return ""
}

func must(t *testing.T) func(*client.Operation, error) *client.Operation {
	return func(op *client.Operation, err error) *client.Operation {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if op.Status != client.Succeeded {
			t.Fatalf("operation %+v is not Succeeded", op)
		}
		return op
	}
}

func entries(srv *simtest.Server, op string) []journal.Entry {
	return srv.Sim.Journal().Find(journal.Query{Network: "amex", OperationID: op, Direction: journal.Inbound})
}

func TestLifecycle(t *testing.T) {
	srv, a, iss := setup(t)
	ctx := context.Background()
	c := ada()
	k1, k2 := card("k1", sampleCard), card("k2", secondCard)
	op := must(t)(iss.EnrolCard(ctx, c, k1))
	if op.TokenRef == "" || op.NetworkStatus != "ACTIVE" || op.ID == "" || op.CorrelationID != op.ID {
		t.Fatalf("enrol = %+v", op)
	}
	if e, _ := iss.Enrolment(client.Amex, "k1"); e.State != client.StateActive || e.TokenRef != op.TokenRef {
		t.Fatalf("enrolment = %+v", e)
	}
	// The second card joins the profile with the data read back from it.
	must(t)(iss.EnrolCard(ctx, c, k2))
	if n := len(entries(srv, "getConsumerProfile")); n != 1 {
		t.Fatalf("adding a card read the profile %d times, want 1", n)
	}
	must(t)(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: k1, Reason: "LOST"}))
	if e, _ := iss.Enrolment(client.Amex, "k1"); e.State != client.StateSuspended {
		t.Fatalf("after suspend: %s", e.State)
	}
	if st, err := a.TokenStatus(ctx, op.TokenRef); err != nil || st != "SUSPENDED" {
		t.Fatalf("token status %q, %v", st, err)
	}
	must(t)(iss.ResumeCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: k1}))
	must(t)(iss.DeleteCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: k1, Reason: "ACCOUNT_CLOSED"}))
	var sent struct{ Reason string }
	_ = json.Unmarshal([]byte(entries(srv, "notifyTokenLifecycle")[0].RequestBody), &sent)
	if sent.Reason != "CARD_CLOSED" {
		t.Fatalf("delete reason sent as %q, want CARD_CLOSED", sent.Reason)
	}
	p, err := iss.GetProfile(ctx, client.Amex, c.Ref)
	if err != nil || !p.Enrolled || len(p.Cards) != 1 || p.Cards[0].CardRef != "k2" || p.Cards[0].Last4 != "0005" || p.Cards[0].BIN != "378282" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	if p.FirstName != "Ada" || p.LastName != "Lovelace" || p.Phones[0] != "447700900123" {
		t.Fatalf("profile consumer = %+v", p)
	}
	if meta, err := a.Token(ctx, op.TokenRef); err != nil || meta.Status != "DELETED" || meta.CardRef != "k1" {
		t.Fatalf("deleted token metadata = %+v, %v", meta, err)
	}
	c.Emails = []string{"ada.lovelace@example.com"}
	c.MiddleName = "King"
	if ops, err := iss.UpdateConsumer(ctx, c); err != nil || len(ops) != 1 || ops[0].Status != client.Succeeded {
		t.Fatalf("update consumer = %+v, %v", ops, err)
	}
	upd := entries(srv, "updateConsumer")
	if len(upd) != 1 || !strings.Contains(upd[0].RequestBody, `"name":"Ada|King|Lovelace"`) || !strings.Contains(upd[0].RequestBody, "ada.lovelace@example.com") {
		t.Fatalf("update sent %+v", upd)
	}
	if _, err := iss.UpdateCard(ctx, c.Ref, k2); !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("update card: %v", err)
	}
	if _, err := iss.DeleteConsumer(ctx, client.Amex, c.Ref); !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("delete consumer: %v", err)
	}
	if p, err := iss.GetProfile(ctx, client.Amex, "nobody"); err != nil || p.Enrolled || len(p.Cards) != 0 {
		t.Fatalf("unknown consumer: %+v, %v", p, err)
	}
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEveryCallIsSignedWithItsOwnRequestID(t *testing.T) {
	srv, _, iss := setup(t)
	ctx := context.Background()
	c := ada()
	must(t)(iss.EnrolCard(ctx, c, card("k1", sampleCard)))
	must(t)(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: card("k1", sampleCard)}))
	if _, err := iss.GetProfile(ctx, client.Amex, c.Ref); err != nil {
		t.Fatal(err)
	}
	all := srv.Sim.Journal().Find(journal.Query{Network: "amex", Direction: journal.Inbound})
	if len(all) != 3 {
		t.Fatalf("%d calls journalled, want 3", len(all))
	}
	seen := map[string]bool{}
	for _, e := range all {
		id := e.RequestHeader["X-Amex-Request-Id"]
		if !guid.MatchString(id) || seen[id] {
			t.Errorf("%s: x-amex-request-id %q is not a fresh GUID", e.OperationID, id)
		}
		seen[id] = true
		if e.Auth == nil || !e.Auth.OK || e.RequestHeader["Authorization"] != "MAC [removed]" || e.RequestHeader["X-Amex-Token-Requester-Id"] == "" {
			t.Errorf("%s: not authenticated as the SDK does: %+v %v", e.OperationID, e.Auth, e.RequestHeader)
		}
	}
	enrol := entries(srv, "enrolCard")[0]
	if strings.Contains(enrol.RequestBody, sampleCard) || !regexp.MustCompile(`"account_data":"[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+"`).MatchString(enrol.RequestBody) {
		t.Fatalf("account_data is not a JWE: %s", enrol.RequestBody)
	}
	// account_input_method is the SDK's wire value, AccountInputMethod.ON_FILE.getValue().
	if !strings.Contains(enrol.RequestBody, `"risk_assessment_data":{"account_input_method":"On File"}`) {
		t.Fatalf("risk_assessment_data is not the SDK's: %s", enrol.RequestBody)
	}
	// The journal's plaintext is redacted (expiry removed, number masked).
	var plain struct {
		AccountType    string            `json:"account_type"`
		CreditCard     map[string]any    `json:"credit_card"`
		BillingAddress map[string]string `json:"billing_address"`
	}
	if err := json.Unmarshal([]byte(enrol.RequestPlain), &plain); err != nil || plain.AccountType != "credit_card" ||
		plain.CreditCard["name_on_card"] != "Ada Lovelace" || plain.CreditCard["expiry_month"] == nil || plain.CreditCard["expiry_year"] == nil ||
		plain.BillingAddress["postal_code"] != "N1 9GU" {
		t.Fatalf("plaintext %s (%v)", enrol.RequestPlain, err)
	}
}

func TestErrorsMapToTheUnifiedModel(t *testing.T) {
	srv, a, iss := setup(t)
	ctx := context.Background()
	c := ada()
	for _, tc := range []struct {
		outcome, code string
		kind          error
		attempts      int
	}{
		{"ineligible", "CARD_INELIGIBLE", client.ErrIneligible, 1},
		{"declined", "CARD_DECLINED", client.ErrIneligible, 1},
		{"already-enrolled", "ALREADY_ENROLLED", client.ErrAlreadyEnrolled, 1}, // another profile's card: the Issuer's AddCard finds no profile
		{"service-error", "SERVICE_ERROR", client.ErrUnavailable, client.DefaultRetryPolicy.MaxAttempts},
		{"unavailable", "SERVICE_UNAVAILABLE", client.ErrUnavailable, client.DefaultRetryPolicy.MaxAttempts},
	} {
		number := cardFor(t, srv, tc.outcome)
		before := len(entries(srv, "enrolCard"))
		_, err := iss.EnrolCard(ctx, c, card("k-"+tc.outcome, number))
		var ne *client.NetworkError
		if !errors.Is(err, tc.kind) || !errors.As(err, &ne) || ne.Code != tc.code || ne.Retryable != errors.Is(tc.kind, client.ErrUnavailable) {
			t.Errorf("%s: %v", tc.outcome, err)
		}
		if strings.Contains(err.Error(), number) {
			t.Errorf("%s: the error shows the card number", tc.outcome)
		}
		if n := len(entries(srv, "enrolCard")) - before; n != tc.attempts {
			t.Errorf("%s: %d attempts, want %d", tc.outcome, n, tc.attempts)
		}
	}

	k := card("k1", sampleCard)
	op := must(t)(iss.EnrolCard(ctx, c, k))
	before := len(entries(srv, "notifyTokenLifecycle"))
	_, err := iss.ResumeCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: k})
	if !errors.Is(err, client.ErrIllegalTransition) || client.Retryable(err) {
		t.Fatalf("resuming an active token: %v", err)
	}
	if n := len(entries(srv, "notifyTokenLifecycle")) - before; n != 1 {
		t.Fatalf("an illegal transition was sent %d times", n)
	}
	if e, _ := iss.Enrolment(client.Amex, "k1"); e.State != client.StateActive {
		t.Fatalf("state after a refused resume: %s", e.State)
	}
	if _, err := a.SuspendCard(ctx, client.CardAction{ConsumerRef: c.Ref, TokenRef: "AXTRUNKNOWN0"}); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := a.SuspendCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: card("k9", secondCard)}); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("a card without a token: %v", err)
	}
	if _, err := iss.DeleteCard(ctx, client.CardAction{ConsumerRef: c.Ref, Card: k, TokenRef: op.TokenRef}); err != nil {
		t.Fatal(err)
	}

	cfg := config(t, srv)
	cfg.Secret = "not-the-client-secret-at-all"
	bad, _ := amex.New(cfg)
	if _, err := bad.GetProfile(ctx, c.Ref); !errors.Is(err, client.ErrAuth) || client.Retryable(err) {
		t.Fatalf("wrong secret: %v", err)
	}
	cfg = config(t, srv)
	cfg.EncryptionKeyID = "not-the-key-id"
	bad, _ = amex.New(cfg)
	if _, err := bad.EnrolCard(ctx, c, card("k2", secondCard)); !errors.Is(err, client.ErrAuth) {
		t.Fatalf("unknown kid: %v", err)
	}
	// One request ID for two different requests: the second is refused as
	// a duplicate, retryable with a fresh ID.
	cfg = config(t, srv)
	cfg.NewRequestID = func() string { return "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35" }
	fixed, _ := amex.New(cfg)
	if _, err := fixed.GetProfile(ctx, "cm-1"); err != nil {
		t.Fatal(err)
	}
	_, err = fixed.GetProfile(ctx, "cm-2")
	var ne *client.NetworkError
	if !errors.As(err, &ne) || ne.Code != "DUPLICATE_REQUEST_ID" || !errors.Is(err, client.ErrConflict) || !ne.Retryable {
		t.Fatalf("reused request id: %v", err)
	}
}

func TestConfigProblemsAreAllReported(t *testing.T) {
	_, err := amex.New(amex.Config{BaseURL: "ftp://x", EncryptionKey: []byte("short"), TokenRequesterID: "12", CallbackURL: "/relative"})
	for _, want := range []string{"base URL", "client id", "encryption key", "token requester", "callback URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error %v does not mention %s", err, want)
		}
	}
}

func TestNamesWithTheSeparatorAreRefused(t *testing.T) {
	_, a, _ := setup(t)
	c := ada()
	c.LastName = "Love|lace"
	if _, err := a.EnrolCard(context.Background(), c, card("k1", sampleCard)); !errors.Is(err, client.ErrValidation) {
		t.Fatalf("a name with '|': %v", err)
	}
}

// TestUnknownTokenStatusIsPending: an enrolment or lifecycle answer whose
// token_status this client does not know (PENDING, or none) is a Pending
// operation, and the Issuer does not take the card for active.
func TestUnknownTokenStatusIsPending(t *testing.T) {
	var status atomic.Value
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"token_ref_id":"AXTR1","consumer_ref":"cm-1","token_status":"`+status.Load().(string)+`"}`)
	}))
	defer stub.Close()
	a, err := amex.New(amex.Config{BaseURL: stub.URL, APIKey: "k", Secret: "s", EncryptionKeyID: "kid", EncryptionKey: make([]byte, 32), TokenRequesterID: "34900000001"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		status string
		want   client.OperationStatus
	}{
		{"PENDING", client.Pending}, {"", client.Pending}, {"INACTIVE", client.Pending},
		{"ACTIVE", client.Succeeded}, {"active", client.Succeeded}, {"SUSPENDED", client.Succeeded}, {"DELETED", client.Succeeded},
	} {
		status.Store(tc.status)
		op, err := a.EnrolCard(ctx, ada(), card("k1", sampleCard))
		if err != nil || op.Status != tc.want || op.NetworkStatus != tc.status {
			t.Errorf("enrol answered %q: %+v, %v", tc.status, op, err)
		}
		op, err = a.SuspendCard(ctx, client.CardAction{ConsumerRef: "cm-1", TokenRef: "AXTR1"})
		if err != nil || op.Status != tc.want {
			t.Errorf("suspend answered %q: %+v, %v", tc.status, op, err)
		}
	}
	status.Store("PENDING")
	iss, err := client.New(client.WithAdapter(a))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.EnrolCard(ctx, ada(), card("k1", sampleCard)); err != nil {
		t.Fatal(err)
	}
	if e, _ := iss.Enrolment(client.Amex, "k1"); e.State != client.StatePending {
		t.Fatalf("state after a PENDING answer: %s", e.State)
	}
}

// TestOnlyDuplicateRequestIDConflictsAreRetried: a 409 whose code the
// adapter does not know is terminal; DUPLICATE_REQUEST_ID is retried.
func TestOnlyDuplicateRequestIDConflictsAreRetried(t *testing.T) {
	var code atomic.Value
	var calls atomic.Int32
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, `{"error_code":"`+code.Load().(string)+`","error_type":"conflict_error","error_description":"conflict"}`)
	}))
	defer stub.Close()
	a, err := amex.New(amex.Config{BaseURL: stub.URL, APIKey: "k", Secret: "s", EncryptionKeyID: "kid", EncryptionKey: make([]byte, 32), TokenRequesterID: "34900000001"})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithSleep(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code      string
		retryable bool
		kind      error
		attempts  int
	}{
		{"TOKEN_LOCKED", false, client.ErrIllegalTransition, 1},
		{"", false, client.ErrIllegalTransition, 1},
		// A conflict is waited out for ConflictWait, not MaxAttempts:
		// with waits of 0.8 to 1.2 times 200ms doubling to 5s, 30s take
		// 9 to 13 attempts.
		{"DUPLICATE_REQUEST_ID", true, client.ErrConflict, -1},
	} {
		code.Store(tc.code)
		calls.Store(0)
		_, err := iss.GetProfile(context.Background(), client.Amex, "cm-1")
		n := int(calls.Load())
		if tc.attempts < 0 && n > client.DefaultRetryPolicy.MaxAttempts && n <= 20 {
			n = tc.attempts
		}
		if client.Retryable(err) != tc.retryable || !errors.Is(err, tc.kind) || n != tc.attempts {
			t.Errorf("409 %q: %v (retryable %v) after %d calls, want %v after %d", tc.code, err, client.Retryable(err), n, tc.kind, tc.attempts)
		}
	}
}

// TestWrongBaseURLIsNotNotEnrolled: only the operation's NOT_FOUND (an
// unknown consumer or token) means "not enrolled"; a 404 for a path no
// operation serves, with RESOURCE_NOT_FOUND or no Amex code at all, is a
// configuration error, neither retried nor read as an empty profile.
func TestWrongBaseURLIsNotNotEnrolled(t *testing.T) {
	srv, a, _ := setup(t)
	ctx := context.Background()
	p, err := a.GetProfile(ctx, "cm-none")
	if err != nil || len(p.Cards) != 0 {
		t.Fatalf("unknown consumer: %+v, %v", p, err)
	}
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for name, base := range map[string]string{
		"wrong path on the simulator": srv.URL + srv.Sim.BasePath("amex") + "/v9",
		"not the API at all":          plain.URL,
	} {
		cfg := config(t, srv)
		cfg.BaseURL = base
		bad, _ := amex.New(cfg)
		iss, err := client.New(client.WithAdapter(bad), client.WithClock(srv.Clock.Now),
			client.WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		before := len(srv.Sim.Journal().Find(journal.Query{Network: "amex", Direction: journal.Inbound}))
		p, err := iss.GetProfile(ctx, client.Amex, "cm-1")
		var ne *client.NetworkError
		if p != nil || !errors.Is(err, client.ErrNotFound) || errors.Is(err, client.ErrNotEnrolled) || client.Retryable(err) ||
			!errors.As(err, &ne) || ne.HTTPStatus != http.StatusNotFound {
			t.Errorf("%s: profile %+v, %v", name, p, err)
		}
		_, err = iss.EnrolCard(ctx, ada(), card("k1", sampleCard))
		if !errors.Is(err, client.ErrNotFound) || errors.Is(err, client.ErrNotEnrolled) || client.Retryable(err) {
			t.Errorf("%s: enrol %v", name, err)
		}
		if ne != nil && name == "wrong path on the simulator" && ne.Code != "RESOURCE_NOT_FOUND" {
			t.Errorf("%s: code %q", name, ne.Code)
		}
		after := len(srv.Sim.Journal().Find(journal.Query{Network: "amex", Direction: journal.Inbound}))
		if want := map[bool]int{true: 2, false: 0}[strings.HasPrefix(base, srv.URL)]; after-before != want {
			t.Errorf("%s: %d calls reached the simulator, want %d (no retries)", name, after-before, want)
		}
	}
}

// TestUnknownFieldsAndStatusesAreTolerated answers with fields and a token
// status no document declares, as a newer release could (ERR-04).
func TestUnknownFieldsAndStatusesAreTolerated(t *testing.T) {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/tokens/provisioning"):
			_, _ = io.WriteString(w, `{"token_ref_id":"AXTR1","token_status":"PENDING_REVIEW","consumer_ref":"cm-1","future_field":{"a":[1,2]},"risk_score":7}`)
		default:
			_, _ = io.WriteString(w, `{"consumer_ref":"cm-1","user_data":{"name":"Ada||Lovelace","email":"a@example.com","nickname":"A"},"tokens":[{"token_ref_id":"AXTR1","token_status":"PENDING_REVIEW","account_last4":"1111","wallet":"x"}],"links":[]}`)
		}
	}))
	defer stub.Close()
	a, err := amex.New(amex.Config{BaseURL: stub.URL, APIKey: "k", Secret: "s", EncryptionKeyID: "kid", EncryptionKey: make([]byte, 32), TokenRequesterID: "34900000001"})
	if err != nil {
		t.Fatal(err)
	}
	op, err := a.EnrolCard(context.Background(), ada(), card("k1", sampleCard))
	if err != nil || op.TokenRef != "AXTR1" || op.NetworkStatus != "PENDING_REVIEW" {
		t.Fatalf("enrol = %+v, %v", op, err)
	}
	p, err := a.GetProfile(context.Background(), "cm-1")
	if err != nil || len(p.Cards) != 1 || p.Cards[0].Status != "PENDING_REVIEW" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
}

// TestRequestIDsNeverReadAsCardNumbers: a GUID whose leading groups are all
// digits reads as a card number to the redactors of logs and journals, which
// would mask the very ID that traces the call; the adapter draws again.
func TestRequestIDsNeverReadAsCardNumbers(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"amex"}, FakeClock: true})
	cfg := config(t, srv)
	const looksLikeACard, plain = "53141213-1111-4aaa-8aaa-aaaaaaaaaaaa", "6f1c2a9e-3b7d-4c1e-9a2f-0d4b8e6c1a35"
	if pan.RedactText(looksLikeACard) == looksLikeACard {
		t.Skip("the redactor no longer takes such GUIDs for card numbers")
	}
	ids := []string{looksLikeACard, plain}
	cfg.NewRequestID = func() string { id := ids[0]; ids = ids[1:]; return id }
	a, _ := amex.New(cfg)
	if _, err := a.GetProfile(context.Background(), "cm-1"); err != nil {
		t.Fatal(err)
	}
	got := entries(srv, "getConsumerProfile")
	if len(got) != 1 || got[0].RequestHeader["X-Amex-Request-Id"] != plain {
		t.Fatalf("request sent with %v", got)
	}
}
