// Package clienttest is an in-memory network adapter for the unified client:
// it keeps consumers, cards and operations like a network would, answers
// with NetworkErrors mapped to the client's sentinels, and lets a test inject
// failures — including the nastiest one, a request the network applied whose
// answer never arrived.
//
//	net := clienttest.New(client.Visa)
//	net.Fail("EnrolCard", clienttest.Unavailable) // next EnrolCard answers 503
//	iss, _ := client.New(client.WithAdapter(net))
package clienttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
)

// Canned failures to inject.
var (
	Unavailable = &client.NetworkError{HTTPStatus: 503, Code: "SERVICE_UNAVAILABLE", Message: "try again later", Retryable: true, Kind: client.ErrUnavailable}
	InFlight    = &client.NetworkError{HTTPStatus: 409, Code: "IN_FLIGHT", Message: "a prior request is in flight", Retryable: true, Kind: client.ErrConflict}
	Invalid     = &client.NetworkError{HTTPStatus: 400, Code: "INVALID_ARGUMENT", Message: "field rejected", Kind: client.ErrValidation}
	AuthFailed  = &client.NetworkError{HTTPStatus: 401, Code: "AUTHENTICATION_FAILED", Message: "signature did not match", Kind: client.ErrAuth}
)

// Timeout is a transport timeout (net.Error-like).
type Timeout struct{}

func (Timeout) Error() string { return "request timed out" }

// Timeout marks it as a timeout for client.Retryable.
func (Timeout) Timeout() bool { return true }

// IneligibleBIN: cards with this BIN are refused as not eligible.
const IneligibleBIN = "400000"

type card struct {
	ref, bin, last4, status, token string
}

type consumer struct {
	data  client.Consumer
	cards map[string]*card // by card ref
}

// Adapter is the in-memory network.
type Adapter struct {
	net client.Network
	// Async makes mutating operations answer PENDING; GetOperation then
	// completes them after PollsToComplete reads.
	Async           bool
	PollsToComplete int
	now             func() time.Time

	mu        sync.Mutex
	consumers map[string]*consumer
	ops       map[string]*client.Operation
	polls     map[string]int
	fail      map[string][]error
	lose      map[string]int
	calls     []string
	active    map[string]bool // consumers with a call in progress
	Overlaps  int             // calls that arrived while another for the same consumer was in progress
	seq       int
	// Hold, when not nil, blocks every mutating call until it is closed.
	Hold chan struct{}
}

var (
	_ client.Enroller        = (*Adapter)(nil)
	_ client.ConsumerUpdater = (*Adapter)(nil)
	_ client.CardUpdater     = (*Adapter)(nil)
	_ client.CardSuspender   = (*Adapter)(nil)
	_ client.CardDeleter     = (*Adapter)(nil)
	_ client.ConsumerDeleter = (*Adapter)(nil)
	_ client.ProfileReader   = (*Adapter)(nil)
	_ client.OperationReader = (*Adapter)(nil)
	_ client.CallbackCodec   = (*Adapter)(nil)
)

// New returns an empty network.
func New(n client.Network) *Adapter {
	return &Adapter{net: n, now: time.Now, consumers: map[string]*consumer{}, ops: map[string]*client.Operation{},
		polls: map[string]int{}, fail: map[string][]error{}, lose: map[string]int{}, active: map[string]bool{}, PollsToComplete: 1}
}

// Network implements client.Adapter.
func (a *Adapter) Network() client.Network { return a.net }

// Fail makes the next calls of method (EnrolCard, AddCard, ...) return errs,
// one per call, before behaving normally again.
func (a *Adapter) Fail(method string, errs ...error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail[method] = append(a.fail[method], errs...)
}

// LoseResponse makes the next n calls of method take effect and then return
// a Timeout, as when the network applied a request whose answer was lost.
func (a *Adapter) LoseResponse(method string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lose[method] += n
}

// Calls returns the methods called, in order.
func (a *Adapter) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// CardStatus returns the network's status of a card ("" when it has none).
func (a *Adapter) CardStatus(consumerRef, cardRef string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.consumers[consumerRef]; c != nil && c.cards[cardRef] != nil {
		return c.cards[cardRef].status
	}
	return ""
}

// enter records a call and applies injected failures; the returned function
// ends the call and turns a successful answer into a lost one when asked.
func (a *Adapter) enter(method, consumerRef string) (done func(*client.Operation, error) (*client.Operation, error), err error) {
	a.mu.Lock()
	a.calls = append(a.calls, method)
	if a.active[consumerRef] {
		a.Overlaps++
	}
	if q := a.fail[method]; len(q) > 0 {
		a.fail[method] = q[1:]
		a.mu.Unlock()
		return nil, q[0]
	}
	lost := false
	if a.lose[method] > 0 {
		a.lose[method]--
		lost = true
	}
	a.active[consumerRef] = true
	hold := a.Hold
	a.mu.Unlock()
	if hold != nil {
		<-hold // a test keeps the call "at the network" until it closes Hold
	}
	// done is called with a.mu held (every mutating method locks first).
	return func(op *client.Operation, err error) (*client.Operation, error) {
		delete(a.active, consumerRef)
		if lost && err == nil {
			return nil, Timeout{}
		}
		return op, err
	}, nil
}

func (a *Adapter) refuse(status int, code, msg string, kind error) error {
	return &client.NetworkError{Network: a.net, HTTPStatus: status, Code: code, Message: msg, Kind: kind}
}

// operation records an accepted operation (caller holds a.mu).
func (a *Adapter) operation(kind client.OperationKind, consumerRef, cardRef, token string) *client.Operation {
	a.seq++
	now := a.now()
	op := &client.Operation{ID: "op-" + strconv.Itoa(a.seq), Kind: kind, Network: a.net, Status: client.Succeeded, NetworkStatus: "DONE",
		ConsumerRef: consumerRef, CardRef: cardRef, TokenRef: token, StartedAt: now, UpdatedAt: now}
	if a.Async {
		op.Status, op.NetworkStatus = client.Pending, "IN_PROGRESS"
	}
	a.ops[op.ID] = op
	cp := *op
	return &cp
}

func (a *Adapter) addCard(c *consumer, in client.Card) (string, error) {
	if in.PAN.BIN() == IneligibleBIN {
		return "", a.refuse(400, "INELIGIBLE", "card range not enabled for Click to Pay", client.ErrIneligible)
	}
	for _, k := range c.cards {
		if k.last4 == in.PAN.Last4() && k.bin == in.PAN.BIN() {
			return "", a.refuse(400, "CARD_EXISTS", "payment instrument already exists", client.ErrAlreadyEnrolled)
		}
	}
	a.seq++
	token := "tok-" + strconv.Itoa(a.seq)
	c.cards[in.Ref] = &card{ref: in.Ref, bin: in.PAN.BIN(), last4: in.PAN.Last4(), status: "ACTIVE", token: token}
	return token, nil
}

// EnrolCard implements client.Enroller.
func (a *Adapter) EnrolCard(_ context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	done, err := a.enter("EnrolCard", c.Ref)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.consumers[c.Ref]; ok {
		return done(nil, a.refuse(400, "CONSUMER_EXISTS", "consumer already enrolled", client.ErrAlreadyEnrolled))
	}
	cons := &consumer{data: c, cards: map[string]*card{}}
	token, err := a.addCard(cons, k)
	if err != nil {
		return done(nil, err)
	}
	a.consumers[c.Ref] = cons
	return done(a.operation(client.KindEnrol, c.Ref, k.Ref, token), nil)
}

// AddCard implements client.Enroller.
func (a *Adapter) AddCard(_ context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	done, err := a.enter("AddCard", consumerRef)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.consumers[consumerRef]
	if !ok {
		return done(nil, a.refuse(400, "NOT_ENROLLED", "consumer not enrolled", client.ErrNotEnrolled))
	}
	token, err := a.addCard(c, k)
	if err != nil {
		return done(nil, err)
	}
	return done(a.operation(client.KindAddCard, consumerRef, k.Ref, token), nil)
}

// UpdateConsumer implements client.ConsumerUpdater.
func (a *Adapter) UpdateConsumer(_ context.Context, c client.Consumer) (*client.Operation, error) {
	done, err := a.enter("UpdateConsumer", c.Ref)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	cons, ok := a.consumers[c.Ref]
	if !ok {
		return done(nil, a.refuse(400, "NOT_ENROLLED", "consumer not enrolled", client.ErrNotEnrolled))
	}
	cons.data = c
	return done(a.operation(client.KindUpdateConsumer, c.Ref, "", ""), nil)
}

func (a *Adapter) cardOf(consumerRef, cardRef string) (*card, error) {
	c, ok := a.consumers[consumerRef]
	if !ok {
		return nil, a.refuse(400, "NOT_ENROLLED", "consumer not enrolled", client.ErrNotEnrolled)
	}
	k, ok := c.cards[cardRef]
	if !ok {
		return nil, a.refuse(404, "CARD_NOT_FOUND", "card not enrolled", client.ErrNotEnrolled)
	}
	return k, nil
}

// UpdateCard implements client.CardUpdater.
func (a *Adapter) UpdateCard(_ context.Context, consumerRef string, k client.Card) (*client.Operation, error) {
	done, err := a.enter("UpdateCard", consumerRef)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.cardOf(consumerRef, k.Ref); err != nil {
		return done(nil, err)
	}
	return done(a.operation(client.KindUpdateCard, consumerRef, k.Ref, ""), nil)
}

func (a *Adapter) setStatus(method string, act client.CardAction, from []string, to string, kind client.OperationKind) (*client.Operation, error) {
	done, err := a.enter(method, act.ConsumerRef)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	k, err := a.cardOf(act.ConsumerRef, act.Card.Ref)
	if err != nil {
		return done(nil, err)
	}
	ok := false
	for _, f := range from {
		ok = ok || k.status == f
	}
	if !ok {
		return done(nil, a.refuse(409, "INVALID_STATE", fmt.Sprintf("card is %s", k.status), client.ErrValidation))
	}
	if to == "" {
		delete(a.consumers[act.ConsumerRef].cards, act.Card.Ref)
	} else {
		k.status = to
	}
	return done(a.operation(kind, act.ConsumerRef, act.Card.Ref, k.token), nil)
}

// SuspendCard implements client.CardSuspender.
func (a *Adapter) SuspendCard(_ context.Context, act client.CardAction) (*client.Operation, error) {
	return a.setStatus("SuspendCard", act, []string{"ACTIVE"}, "SUSPENDED", client.KindSuspend)
}

// ResumeCard implements client.CardSuspender.
func (a *Adapter) ResumeCard(_ context.Context, act client.CardAction) (*client.Operation, error) {
	return a.setStatus("ResumeCard", act, []string{"SUSPENDED"}, "ACTIVE", client.KindResume)
}

// DeleteCard implements client.CardDeleter.
func (a *Adapter) DeleteCard(_ context.Context, act client.CardAction) (*client.Operation, error) {
	return a.setStatus("DeleteCard", act, []string{"ACTIVE", "SUSPENDED"}, "", client.KindDeleteCard)
}

// DeleteConsumer implements client.ConsumerDeleter.
func (a *Adapter) DeleteConsumer(_ context.Context, consumerRef string) (*client.Operation, error) {
	done, err := a.enter("DeleteConsumer", consumerRef)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.consumers[consumerRef]; !ok {
		return done(nil, a.refuse(400, "NOT_ENROLLED", "consumer not enrolled", client.ErrNotEnrolled))
	}
	delete(a.consumers, consumerRef)
	return done(a.operation(client.KindDeleteConsumer, consumerRef, "", ""), nil)
}

// GetProfile implements client.ProfileReader.
func (a *Adapter) GetProfile(_ context.Context, consumerRef string) (*client.Profile, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "GetProfile")
	c, ok := a.consumers[consumerRef]
	p := &client.Profile{Network: a.net, ConsumerRef: consumerRef, Enrolled: ok, Cards: []client.ProfileCard{}}
	if !ok {
		return p, nil
	}
	p.FirstName, p.LastName, p.Emails, p.Phones = c.data.FirstName, c.data.LastName, c.data.Emails, c.data.Phones
	for _, k := range c.cards {
		p.Cards = append(p.Cards, client.ProfileCard{CardRef: k.ref, BIN: k.bin, Last4: k.last4, Status: k.status, TokenRef: k.token})
	}
	sort.Slice(p.Cards, func(i, j int) bool { return p.Cards[i].CardRef < p.Cards[j].CardRef })
	return p, nil
}

// GetOperation implements client.OperationReader: an asynchronous operation
// completes after PollsToComplete reads.
func (a *Adapter) GetOperation(_ context.Context, op *client.Operation) (*client.Operation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "GetOperation")
	cur, ok := a.ops[op.ID]
	if !ok {
		return nil, a.refuse(404, "UNKNOWN_OPERATION", "no such operation", client.ErrNotFound)
	}
	a.polls[op.ID]++
	if cur.Status == client.Pending && a.polls[op.ID] >= a.PollsToComplete {
		cur.Status, cur.NetworkStatus, cur.UpdatedAt = client.Succeeded, "COMPLETED", a.now()
	}
	cp := *cur
	return &cp, nil
}

// Event is the JSON a test posts to the callback handler at /<network>/events.
type Event struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Card        string `json:"card,omitempty"` // the full number, as networks send it (encrypted)
	CardLast4   string `json:"cardLast4,omitempty"`
	TokenRef    string `json:"tokenRef,omitempty"`
	TokenStatus string `json:"tokenStatus,omitempty"`
	OperationID string `json:"operationId,omitempty"`
	Status      string `json:"status,omitempty"`
	Signature   string `json:"signature"`
}

// Signature is what a genuine event carries; anything else is refused.
const Signature = "clienttest-signed"

// DecodeCallback implements client.CallbackCodec.
func (a *Adapter) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	var e Event
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&e); err != nil {
		return nil, fmt.Errorf("decoding event: %w", err)
	}
	if e.Signature != Signature {
		return nil, fmt.Errorf("%w: event signature does not verify", client.ErrAuth)
	}
	ev := &client.NetworkEvent{ID: e.ID, Type: client.EventType(e.Type), CardLast4: e.CardLast4, TokenRef: e.TokenRef,
		TokenStatus: e.TokenStatus, OperationID: e.OperationID, Payload: map[string]any{"status": e.Status}}
	if e.Card != "" {
		p, err := pan.Parse(e.Card)
		if err != nil {
			return nil, fmt.Errorf("decoding event: card: %w", err)
		}
		ev.Card, ev.CardLast4 = p, p.Last4()
	}
	return ev, nil
}

// WriteReply implements client.CallbackCodec.
func (a *Adapter) WriteReply(w http.ResponseWriter, ev *client.NetworkEvent) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(map[string]string{"decision": string(ev.Decision), "eventId": ev.ID})
}
