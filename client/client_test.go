package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/clienttest"
	"github.com/c2psim/c2psim/client/pan"
)

const visaPAN = "4111111111111111"

func ada() client.Consumer {
	return client.Consumer{Ref: "cons-1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

func card(ref, number string) client.Card {
	return client.Card{Ref: ref, PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2030, Month: 8}, NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

func noWait(context.Context, time.Duration) error { return nil }

func newIssuer(t *testing.T, opts ...client.Option) (*client.Issuer, *clienttest.Adapter) {
	t.Helper()
	net := clienttest.New(client.Visa)
	iss, err := client.New(append([]client.Option{client.WithAdapter(net), client.WithSleep(noWait)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return iss, net
}

func TestRouting(t *testing.T) {
	r, _ := client.NewRouter(client.DefaultBINRanges)
	for number, want := range map[string]client.Network{
		"5186001700008785": client.Mastercard, "2223001850114872": client.Mastercard, "4111111111111111": client.Visa,
		"371111111111111": client.Amex, "341111111111111": client.Amex, "6011000990139424": client.Discover,
		"6445644564456445": client.Discover, "6500000000000002": client.Discover,
	} {
		if got, err := r.RoutePAN(pan.MustParse(number)); err != nil || got != want {
			t.Errorf("%s → %s, %v; want %s", pan.Mask(number), got, err, want)
		}
	}
	if _, err := r.RoutePAN(pan.MustParse("9999999999999995")); !errors.Is(err, client.ErrNoRoute) {
		t.Errorf("unknown BIN: %v", err)
	}
	c := card("c", "5186001700008785")
	c.Network = client.Visa
	if got, _ := r.Route(c); got != client.Visa {
		t.Errorf("explicit network ignored: %s", got)
	}
	custom, _ := client.NewRouter([]client.BINRange{{"4", "4", client.Visa}, {"411111", "411111", client.Mastercard}})
	if got, _ := custom.RoutePAN(pan.MustParse(visaPAN)); got != client.Mastercard {
		t.Errorf("the more specific range should win: %s", got)
	}
	for _, bad := range [][]client.BINRange{{{"51", "5", client.Mastercard}}, {{"55", "51", client.Mastercard}}, {{"5a", "5b", client.Visa}}} {
		if _, err := client.NewRouter(bad); err == nil {
			t.Errorf("NewRouter(%v) accepted", bad)
		}
	}
}

func TestStateMachine(t *testing.T) {
	all := []client.State{client.StateRequested, client.StatePending, client.StateTokenizing, client.StateActive, client.StateSuspended,
		client.StateOptedOut, client.StateReplaced, client.StateFailed}
	legal := map[[2]client.State]bool{}
	for _, p := range [][2]client.State{
		{client.StateRequested, client.StatePending}, {client.StateRequested, client.StateTokenizing}, {client.StateRequested, client.StateActive}, {client.StateRequested, client.StateFailed},
		{client.StatePending, client.StateTokenizing}, {client.StatePending, client.StateActive}, {client.StatePending, client.StateFailed},
		{client.StateTokenizing, client.StateActive}, {client.StateTokenizing, client.StateFailed},
		{client.StateActive, client.StateActive}, {client.StateActive, client.StateSuspended}, {client.StateActive, client.StateOptedOut}, {client.StateActive, client.StateReplaced},
		{client.StateSuspended, client.StateActive}, {client.StateSuspended, client.StateOptedOut},
	} {
		legal[p] = true
	}
	for _, from := range all {
		for _, to := range all {
			e := client.Enrolment{State: from}
			err := e.Transition(to, time.Now())
			if legal[[2]client.State{from, to}] {
				if err != nil || e.State != to {
					t.Errorf("%s → %s should be legal: %v", from, to, err)
				}
			} else if !errors.Is(err, client.ErrIllegalTransition) || e.State != from {
				t.Errorf("%s → %s should be refused and leave the state: %v, now %s", from, to, err, e.State)
			}
		}
	}
}

func TestErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		err       error
		retryable bool
		is        error
	}{
		{clienttest.Unavailable, true, client.ErrUnavailable},
		{clienttest.InFlight, true, client.ErrConflict},
		{clienttest.Invalid, false, client.ErrValidation},
		{clienttest.AuthFailed, false, client.ErrAuth},
		{clienttest.Timeout{}, true, nil},
		{fmt.Errorf("enrolling: %w", clienttest.Invalid), false, client.ErrValidation},
	} {
		if got := client.Retryable(tc.err); got != tc.retryable {
			t.Errorf("Retryable(%v) = %v", tc.err, got)
		}
		if tc.is != nil && !errors.Is(tc.err, tc.is) {
			t.Errorf("%v is not %v", tc.err, tc.is)
		}
	}
	var ne *client.NetworkError
	if !errors.As(fmt.Errorf("x: %w", clienttest.AuthFailed), &ne) || ne.HTTPStatus != 401 || ne.Code != "AUTHENTICATION_FAILED" {
		t.Errorf("errors.As lost the NetworkError: %+v", ne)
	}
}

func TestBackoffBounds(t *testing.T) {
	p := client.RetryPolicy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Jitter: 0.2}
	for n := 1; n <= 8; n++ {
		base := 100 * time.Millisecond << (n - 1)
		if base > time.Second {
			base = time.Second
		}
		lo, hi := p.Backoff(n, 0), p.Backoff(n, 0.999999)
		if lo < time.Duration(float64(base)*0.8)-time.Microsecond || hi > time.Duration(float64(base)*1.2) || lo >= hi {
			t.Errorf("retry %d: [%s, %s] outside %s ±20%%", n, lo, hi, base)
		}
	}
}

func TestRetriesOnlyRetryableFailures(t *testing.T) {
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	iss, net := newIssuer(t, client.WithSleep(sleep), client.WithJitter(func() float64 { return 0.5 }),
		client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second}))
	net.Fail("EnrolCard", clienttest.Unavailable, clienttest.InFlight)
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", visaPAN))
	if err != nil || op.Status != client.Succeeded {
		t.Fatalf("EnrolCard = %+v, %v", op, err)
	}
	if fmt.Sprint(slept) != "[10ms 20ms]" {
		t.Errorf("backoff = %v, want [10ms 20ms]", slept)
	}
	// A terminal error is returned at once, never retried.
	iss2, net2 := newIssuer(t)
	net2.Fail("EnrolCard", clienttest.Invalid, clienttest.Invalid)
	if _, err := iss2.EnrolCard(context.Background(), ada(), card("c1", visaPAN)); !errors.Is(err, client.ErrValidation) {
		t.Fatalf("err = %v", err)
	}
	if calls := net2.Calls(); len(calls) != 1 {
		t.Errorf("terminal error retried: %v", calls)
	}
	// Retries are bounded.
	iss3, net3 := newIssuer(t, client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2}))
	net3.Fail("EnrolCard", clienttest.Unavailable, clienttest.Unavailable, clienttest.Unavailable)
	if _, err := iss3.EnrolCard(context.Background(), ada(), card("c1", visaPAN)); !errors.Is(err, client.ErrUnavailable) || !strings.Contains(err.Error(), "giving up after 2") {
		t.Fatalf("err = %v", err)
	}
	if e, _ := iss3.Enrolment(client.Visa, "c1"); e.State != client.StateFailed {
		t.Errorf("state after giving up = %s", e.State)
	}
}

// A request refused because an earlier one for the consumer is still in
// flight is waited out past MaxAttempts (the network is busy, not failing),
// for up to ConflictWait, and those waits grow like any backoff.
func TestConflictIsWaitedOutWithinConflictWait(t *testing.T) {
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	policy := client.RetryPolicy{MaxAttempts: 2, BaseDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond, ConflictWait: 2 * time.Second}
	iss, net := newIssuer(t, client.WithSleep(sleep), client.WithJitter(func() float64 { return 0.5 }), client.WithRetryPolicy(policy))
	net.Fail("EnrolCard", clienttest.InFlight, clienttest.InFlight, clienttest.InFlight, clienttest.InFlight)
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", visaPAN))
	if err != nil || op.Status != client.Succeeded {
		t.Fatalf("four conflicts with MaxAttempts 2: %+v, %v", op, err)
	}
	if fmt.Sprint(slept) != "[100ms 200ms 400ms 400ms]" {
		t.Errorf("waits = %v, want [100ms 200ms 400ms 400ms]", slept)
	}
	// A request that stays in flight is given up once ConflictWait is spent.
	slept = nil
	iss2, net2 := newIssuer(t, client.WithSleep(sleep), client.WithJitter(func() float64 { return 0.5 }), client.WithRetryPolicy(policy))
	var always []error
	for range 50 {
		always = append(always, clienttest.InFlight)
	}
	net2.Fail("EnrolCard", always...)
	_, err = iss2.EnrolCard(context.Background(), ada(), card("c1", visaPAN))
	if !errors.Is(err, client.ErrConflict) || !strings.Contains(err.Error(), "waiting for the request in flight") {
		t.Fatalf("a request in flight for ever: %v", err)
	}
	var total time.Duration
	for _, d := range slept {
		total += d
	}
	if total < policy.ConflictWait || total > policy.ConflictWait+policy.MaxDelay {
		t.Errorf("waited %v in all (%v), want ConflictWait %v and at most one delay more", total, slept, policy.ConflictWait)
	}
}

func TestRetryAfterTimeoutIsIdempotent(t *testing.T) {
	iss, net := newIssuer(t)
	// The network applies the first enrolment but the answer is lost.
	net.LoseResponse("EnrolCard", 1)
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", visaPAN))
	if err != nil || op.Status != client.Succeeded || op.NetworkStatus != "ALREADY_ENROLLED_CONFIRMED" {
		t.Fatalf("EnrolCard = %+v, %v", op, err)
	}
	p, _ := net.GetProfile(context.Background(), "cons-1")
	if len(p.Cards) != 1 {
		t.Fatalf("duplicate created: %+v", p.Cards)
	}
	if calls := fmt.Sprint(net.Calls()); calls != "[EnrolCard EnrolCard GetProfile GetProfile]" && calls != "[EnrolCard EnrolCard GetProfile]" {
		t.Errorf("calls = %s", calls)
	}
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StateActive {
		t.Errorf("state = %s", e.State)
	}
}

func TestSecondCardUsesAddCardAndOneRequestAtATime(t *testing.T) {
	iss, net := newIssuer(t)
	ctx := context.Background()
	if _, err := iss.EnrolCard(ctx, ada(), card("c1", visaPAN)); err != nil {
		t.Fatal(err)
	}
	net.Hold = make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, number := range []string{"4000056655665556", "4242424242424242"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := iss.EnrolCard(ctx, ada(), card(fmt.Sprint("c", i+2), number))
			errs <- err
		}()
	}
	close(net.Hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	calls := fmt.Sprint(net.Calls())
	if calls != "[EnrolCard AddCard AddCard]" {
		t.Errorf("calls = %s, want the consumer created once (ENR-05)", calls)
	}
	if net.Overlaps != 0 {
		t.Errorf("%d requests for one consumer overlapped (LCM-09)", net.Overlaps)
	}
}

func TestWaitPollsUntilTerminalAndHonoursContext(t *testing.T) {
	iss, net := newIssuer(t)
	net.Async, net.PollsToComplete = true, 3
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", visaPAN))
	if err != nil || op.Status != client.Pending {
		t.Fatalf("EnrolCard = %+v, %v", op, err)
	}
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StatePending {
		t.Fatalf("a 202 is not an enrolment: state %s", e.State)
	}
	done, err := iss.Wait(context.Background(), op)
	if err != nil || done.Status != client.Succeeded {
		t.Fatalf("Wait = %+v, %v", done, err)
	}
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StateActive {
		t.Fatalf("state after Wait = %s", e.State)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pending := &client.Operation{ID: "op-x", Network: client.Visa, Status: client.Pending}
	if _, err := iss.Wait(ctx, pending); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v", err)
	}
}

func TestLifecycleAndOptOutMemory(t *testing.T) {
	iss, net := newIssuer(t)
	ctx := context.Background()
	c1, c2 := card("c1", visaPAN), card("c2", "4242424242424242")
	for _, c := range []client.Card{c1, c2} {
		if _, err := iss.EnrolCard(ctx, ada(), c); err != nil {
			t.Fatal(err)
		}
	}
	must := func(_ *client.Operation, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(iss.SuspendCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1, Reason: "LOST"}))
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StateSuspended || net.CardStatus("cons-1", "c1") != "SUSPENDED" {
		t.Fatalf("after suspend: %s / %s", e.State, net.CardStatus("cons-1", "c1"))
	}
	must(iss.ResumeCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1, Reason: "FOUND"}))
	must(iss.DeleteCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c1, Reason: "ACCOUNT_CLOSED"}))
	if e, _ := iss.Enrolment(client.Visa, "c2"); e.State != client.StateActive {
		t.Fatalf("deleting one card touched the other: %s", e.State)
	}
	// The opt-out is remembered: automatic re-enrolment is refused,
	// an explicit one is allowed.
	if _, err := iss.AutoEnrolCard(ctx, ada(), c1); !errors.Is(err, client.ErrOptedOut) {
		t.Fatalf("auto re-enrolment after opt-out: %v", err)
	}
	must(iss.EnrolCard(ctx, ada(), c1))
	ops, err := iss.UpdateConsumer(ctx, ada())
	if err != nil || len(ops) != 1 {
		t.Fatalf("UpdateConsumer = %v, %v", ops, err)
	}
	must(iss.DeleteConsumer(ctx, client.Visa, "cons-1"))
	for _, e := range iss.Enrolments() {
		if e.State != client.StateOptedOut {
			t.Errorf("%s after consumer delete: %s", e.CardRef, e.State)
		}
	}
	// Illegal: resuming a deleted card is refused by the network, state untouched.
	if _, err := iss.ResumeCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: c2}); err == nil {
		t.Fatal("resumed a card of a deleted consumer")
	}
}

func TestReplaceCardWithoutRelinkDeletesThenEnrols(t *testing.T) {
	iss, net := newIssuer(t)
	ctx := context.Background()
	old, repl := card("c1", visaPAN), card("c1b", "4242424242424242")
	if _, err := iss.EnrolCard(ctx, ada(), old); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.ReplaceCard(ctx, ada(), old, repl); err != nil {
		t.Fatal(err)
	}
	e1, _ := iss.Enrolment(client.Visa, "c1")
	e2, _ := iss.Enrolment(client.Visa, "c1b")
	if e1.State != client.StateReplaced || e2.State != client.StateActive {
		t.Fatalf("states %s / %s", e1.State, e2.State)
	}
	if fmt.Sprint(net.Calls()) != "[EnrolCard DeleteCard AddCard]" {
		t.Errorf("calls = %v", net.Calls())
	}
}

func TestValidationBeforeSending(t *testing.T) {
	iss, net := newIssuer(t)
	bad := ada()
	bad.Emails, bad.Locale, bad.Country = []string{"not-an-email"}, "english", "GB"
	_, err := iss.EnrolCard(context.Background(), bad, card("c1", visaPAN))
	if !errors.Is(err, client.ErrValidation) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"not-an-email", "locale", "alpha-3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if len(net.Calls()) != 0 {
		t.Fatal("an invalid request reached the network")
	}
	if _, err := iss.EnrolCard(context.Background(), ada(), card("c1", "5186001700008785")); !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("no Mastercard adapter: %v", err)
	}
}

func TestCallbackHandler(t *testing.T) {
	iss, _ := newIssuer(t)
	ctx := context.Background()
	op, _ := iss.EnrolCard(ctx, ada(), card("c1", visaPAN))
	sink := &client.MemorySink{}
	srv := httptest.NewServer(iss.CallbackHandler(nil, sink))
	defer srv.Close()
	post := func(e clienttest.Event) (int, map[string]string) {
		b, _ := json.Marshal(e)
		resp, err := http.Post(srv.URL+"/visa/events", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	sig := clienttest.Signature
	if _, out := post(clienttest.Event{ID: "e1", Type: "TOKENIZATION_AUTH_REQUEST", Card: visaPAN, Signature: sig}); out["decision"] != "APPROVED" {
		t.Errorf("own card: %v", out)
	}
	if _, out := post(clienttest.Event{ID: "e2", Type: "TOKENIZATION_AUTH_REQUEST", Card: "4000056655665556", Signature: sig}); out["decision"] != "DECLINED" {
		t.Errorf("unknown card: %v", out)
	}
	if status, _ := post(clienttest.Event{ID: "e3", Type: "TOKEN_STATUS_CHANGED", Signature: "forged"}); status != 401 {
		t.Errorf("forged event: %d", status)
	}
	// Token suspended by the network: applied once, even when redelivered.
	ev := clienttest.Event{ID: "e4", Type: "TOKEN_STATUS_CHANGED", TokenRef: op.TokenRef, TokenStatus: "SUSPENDED", Signature: sig}
	post(ev)
	if e, _ := iss.Enrolment(client.Visa, "c1"); e.State != client.StateSuspended {
		t.Fatalf("token status not applied: %s", e.State)
	}
	if _, err := iss.ResumeCard(ctx, client.CardAction{ConsumerRef: "cons-1", Card: card("c1", visaPAN)}); err == nil {
		t.Log("network resumed the card") // the fake network still thinks ACTIVE; what matters is the redelivery below
	}
	post(ev)
	events := sink.Events()
	if len(events) != 4 || !events[3].Duplicate {
		t.Fatalf("events = %+v", events)
	}
	if _, out := post(clienttest.Event{ID: "e5", Type: "SOMETHING_NEW", Signature: sig}); out["decision"] != "ACKNOWLEDGED" {
		t.Errorf("unknown event type not tolerated: %v", out)
	}
}

// The default decider knows a card by its whole number, or by its token
// when the call carries no number: a stranger's card that shares the last
// four digits of an enrolled one is declined.
func TestDefaultDeciderMatchesTheWholeCardNumber(t *testing.T) {
	iss, _ := newIssuer(t)
	ctx := context.Background()
	op, err := iss.EnrolCard(ctx, ada(), card("c1", visaPAN))
	if err != nil {
		t.Fatal(err)
	}
	if op.TokenRef == "" {
		t.Fatal("the fake network gave the enrolment no token: the token cases would prove nothing")
	}
	own := pan.MustParse(visaPAN)
	stranger := pan.MustParse("4242424242041111") // Luhn-valid, last four 1111 like visaPAN
	if !stranger.LuhnValid() || stranger.Last4() != own.Last4() {
		t.Fatal("the stranger's card must be a real card number sharing the enrolled card's last four")
	}
	decide := iss.DefaultDecider().Decide
	for _, c := range []struct {
		name string
		ev   client.NetworkEvent
		want client.Decision
	}{
		{"the enrolled card", client.NetworkEvent{Network: client.Visa, Card: own, CardLast4: own.Last4()}, client.Approve},
		{"a stranger sharing its last four", client.NetworkEvent{Network: client.Visa, Card: stranger, CardLast4: stranger.Last4(), CardBIN: stranger.BIN()}, client.Decline},
		{"a stranger's number with the enrolled card's token", client.NetworkEvent{Network: client.Visa, Card: stranger, TokenRef: op.TokenRef}, client.Decline},
		{"the enrolled card's token, no number", client.NetworkEvent{Network: client.Visa, TokenRef: op.TokenRef}, client.Approve},
		{"only the last four", client.NetworkEvent{Network: client.Visa, CardLast4: own.Last4()}, client.Decline},
		{"the enrolled card on another network", client.NetworkEvent{Network: client.Mastercard, Card: own}, client.Decline},
	} {
		ev := c.ev
		ev.Type = client.EventTokenizationAuth
		if got := decide(ctx, &ev); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// Nothing the client produces shows a full card number: logs, errors,
// operations, enrolments, events.
func TestNoFullPANAnywhere(t *testing.T) {
	var logs bytes.Buffer
	iss, net := newIssuer(t, client.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	net.Fail("EnrolCard", clienttest.Unavailable)
	op, _ := iss.EnrolCard(ctx, ada(), card("c1", visaPAN))
	_, err1 := iss.EnrolCard(ctx, ada(), card("c1", visaPAN))
	_, err2 := iss.EnrolCard(ctx, ada(), card("c9", "4000000000000002"))
	bad := card("c8", visaPAN)
	bad.NameOnCard = ""
	_, err3 := iss.EnrolCard(ctx, ada(), bad)
	js, _ := json.Marshal([]any{op, iss.Enrolments(), card("c1", visaPAN)})
	all := logs.String() + fmt.Sprint(err1, err2, err3) + string(js) + fmt.Sprintf("%+v %#v", card("c1", visaPAN), card("c1", visaPAN))
	for _, p := range []string{visaPAN, "4000000000000002"} {
		if strings.Contains(all, p) {
			t.Fatalf("full PAN %s leaked: %s", pan.Mask(p), all)
		}
	}
	if !strings.Contains(all, "411111******1111") {
		t.Fatal("masked PAN missing: the test did not exercise printing")
	}
	if !strings.Contains(logs.String(), `"correlation":"iss-`) {
		t.Fatal("log lines carry no correlation ID")
	}
}

// batchAdapter is a test network with a bulk channel: EnrolBatch answers
// PENDING and records that it was used.
type batchAdapter struct {
	*clienttest.Adapter
	batches []string
}

func (b *batchAdapter) EnrolBatch(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	b.batches = append(b.batches, k.Ref)
	b.Async = true
	defer func() { b.Async = false }()
	return b.EnrolCard(ctx, c, k)
}

func TestAutoEnrolmentUsesTheBulkChannelWhereThereIsOne(t *testing.T) {
	net := &batchAdapter{Adapter: clienttest.New(client.Visa)}
	net.PollsToComplete = 1
	iss, err := client.New(client.WithAdapter(net), client.WithSleep(noWait))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := iss.EnrolCard(ctx, ada(), card("c1", visaPAN)); err != nil {
		t.Fatal(err)
	}
	if len(net.batches) != 0 {
		t.Fatalf("an explicit enrolment went through the bulk channel: %v", net.batches)
	}
	other := ada()
	other.Ref = "cons-2"
	op, err := iss.AutoEnrolCard(ctx, other, card("c2", "4012888888881881"))
	if err != nil || op.Status != client.Pending {
		t.Fatalf("AutoEnrolCard = %+v, %v", op, err)
	}
	if len(net.batches) != 1 || net.batches[0] != "c2" {
		t.Fatalf("the automatic enrolment did not use the bulk channel: %v", net.batches)
	}
	if e, _ := iss.Enrolment(client.Visa, "c2"); e.State != client.StatePending {
		t.Fatalf("a submitted batch is not an enrolment: state %s", e.State)
	}
	if done, err := iss.Wait(ctx, op); err != nil || done.Status != client.Succeeded {
		t.Fatalf("Wait = %+v, %v", done, err)
	}
}
