package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c2psim/c2psim/internal/pause"
)

// Issuer is the unified Click to Pay API over per-network adapters: it
// routes each card to its network, validates before sending, retries what is
// worth retrying, serialises requests per consumer and network, and keeps the
// issuer's view of every enrolment with the lifecycle's state machine.
type Issuer struct {
	adapters     map[Network]Adapter
	router       *Router
	retry        RetryPolicy
	sleep        sleeper
	jitter       func() float64
	now          func() time.Time
	log          *slog.Logger
	pollInterval time.Duration
	gate         gate
	seq          atomic.Uint64

	mu         sync.Mutex
	enrolments map[string]*Enrolment // network/cardRef
	optedOut   map[string]bool       // network/cardRef: opt-outs are remembered (LCM-08)
	waiters    map[string][]chan *Operation
	events     map[string]*NetworkEvent // event ID → first delivery (NTF-05)
	cardSecret []byte                   // keys cardKey
}

// Option configures an Issuer.
type Option func(*Issuer) error

// WithAdapter adds a network adapter; one per network.
func WithAdapter(a Adapter) Option {
	return func(i *Issuer) error {
		if _, dup := i.adapters[a.Network()]; dup {
			return fmt.Errorf("two adapters for %s", a.Network())
		}
		i.adapters[a.Network()] = a
		return nil
	}
}

// WithBINRanges replaces the default BIN ranges used for routing.
func WithBINRanges(r []BINRange) Option {
	return func(i *Issuer) error {
		router, err := NewRouter(r)
		i.router = router
		return err
	}
}

// WithRetryPolicy sets how retryable failures are retried.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(i *Issuer) error { i.retry = p.withDefaults(); return nil }
}

// WithLogger sets the structured logger (card numbers are always masked).
func WithLogger(l *slog.Logger) Option { return func(i *Issuer) error { i.log = l; return nil } }

// WithClock sets the time source.
func WithClock(now func() time.Time) Option { return func(i *Issuer) error { i.now = now; return nil } }

// WithSleep replaces the wait between retries and polls (tests pass one
// that returns at once).
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(i *Issuer) error { i.sleep = f; return nil }
}

// WithJitter replaces the source of backoff jitter (values in [0,1)).
func WithJitter(f func() float64) Option { return func(i *Issuer) error { i.jitter = f; return nil } }

// WithPollInterval sets how often Wait polls an operation (default 1s).
func WithPollInterval(d time.Duration) Option {
	return func(i *Issuer) error { i.pollInterval = d; return nil }
}

// New builds an Issuer.
func New(opts ...Option) (*Issuer, error) {
	router, _ := NewRouter(DefaultBINRanges)
	i := &Issuer{
		adapters: map[Network]Adapter{}, router: router, retry: DefaultRetryPolicy,
		sleep: pause.For, jitter: defaultJitter, now: time.Now,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), pollInterval: time.Second,
		enrolments: map[string]*Enrolment{}, optedOut: map[string]bool{},
		waiters: map[string][]chan *Operation{}, events: map[string]*NetworkEvent{},
		cardSecret: newCardSecret(),
	}
	var errs []error
	for _, o := range opts {
		if err := o(i); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("configuring issuer: %w", err)
	}
	return i, nil
}

// Networks lists the networks with an adapter.
func (i *Issuer) Networks() []Network {
	out := make([]Network, 0, len(i.adapters))
	for n := range i.adapters {
		out = append(out, n)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// capability finds network n's adapter and asserts capability T.
func capability[T any](i *Issuer, n Network) (T, error) {
	var zero T
	a, ok := i.adapters[n]
	if !ok {
		return zero, fmt.Errorf("%w: no adapter for %s (configured: %v)", ErrUnsupported, n, i.Networks())
	}
	c, ok := a.(T)
	if !ok {
		return zero, fmt.Errorf("%w: %s", ErrUnsupported, n)
	}
	return c, nil
}

func key(n Network, cardRef string) string { return string(n) + "/" + cardRef }

// correlation makes the issuer-side ID logged with every attempt of one call.
func (i *Issuer) correlation() string {
	return "iss-" + strconv.FormatUint(i.seq.Add(1), 10)
}

// call runs fn under the per-consumer gate with retries.
func (i *Issuer) call(ctx context.Context, n Network, consumerRef, what string, fn func(ctx context.Context, attempt int) (*Operation, error)) (*Operation, error) {
	release, err := i.gate.acquire(ctx, string(n)+"/"+consumerRef)
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for the consumer's previous request: %w", what, err)
	}
	defer release()
	corr := i.correlation()
	log := i.log.With("network", string(n), "consumer", consumerRef, "operation", what, "correlation", corr)
	var lastErr error
	// failures counts the retryable failures MaxAttempts bounds; the waits
	// for a request in flight are bounded by ConflictWait instead.
	failures, waited := 0, time.Duration(0)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			d := i.retry.Backoff(attempt-1, i.jitter())
			log.Info("retrying", "attempt", attempt, "after", d, "error", lastErr)
			if err := i.sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("%s: %w (last error: %v)", what, err, lastErr)
			}
			if errors.Is(lastErr, ErrConflict) {
				waited += d
			}
		}
		op, err := fn(ctx, attempt)
		if err == nil {
			if op.CorrelationID == "" {
				op.CorrelationID = corr
			}
			log.Info("done", "attempt", attempt, "status", string(op.Status), "network_ref", op.ID)
			return op, nil
		}
		lastErr = err
		if !Retryable(err) {
			log.Warn("failed", "attempt", attempt, "error", err)
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if errors.Is(err, ErrConflict) {
			if waited < i.retry.ConflictWait {
				continue
			}
			log.Warn("giving up", "attempts", attempt, "waited", waited, "error", lastErr)
			return nil, fmt.Errorf("%s: giving up after %d attempts, %s waiting for the request in flight: %w", what, attempt, waited.Round(time.Millisecond), lastErr)
		}
		if failures++; failures >= i.retry.MaxAttempts {
			log.Warn("giving up", "attempts", attempt, "error", lastErr)
			return nil, fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt, lastErr)
		}
	}
}

// EnrolCard enrols a card for a consumer in the card's network. When the
// issuer already has the consumer in that network it adds the card instead
// of creating the consumer again (ENR-05). A retry after a timeout that
// meets "already enrolled" is checked against the network's profile and
// counts as success (IDM-04). An explicit enrolment is how an opted-out card
// comes back (ENR-14).
func (i *Issuer) EnrolCard(ctx context.Context, c Consumer, card Card) (*Operation, error) {
	return i.enrol(ctx, c, card, false)
}

// PushCard enrols a card the cardholder chose to add to Click to Pay in the
// issuer's app ("Add to Click to Pay"), through the network's push
// provisioning (a PushProvisioner adapter): the enrolment is recorded and
// followed like EnrolCard's. A network without push provisioning is
// ErrUnsupported; use EnrolCard there.
func (i *Issuer) PushCard(ctx context.Context, c Consumer, card Card) (*Operation, error) {
	return i.enrolWith(ctx, c, card, enrolPush)
}

// AutoEnrolCard is EnrolCard for automatic (portfolio, batch) enrolment: a
// card whose enrolment was opted out is never re-enrolled this way (LCM-08).
// Where the network has a bulk channel (a BatchEnroller adapter) the card
// goes through it and the operation stays PENDING until the batch says.
func (i *Issuer) AutoEnrolCard(ctx context.Context, c Consumer, card Card) (*Operation, error) {
	return i.enrol(ctx, c, card, true)
}

// enrolMode is how a card is enrolled.
type enrolMode int

const (
	enrolDirect enrolMode = iota // the enrolment API
	enrolAuto                    // automatic: the bulk channel where there is one
	enrolPush                    // the cardholder's push from the issuer's app
)

func (i *Issuer) enrol(ctx context.Context, c Consumer, card Card, auto bool) (*Operation, error) {
	if auto {
		return i.enrolWith(ctx, c, card, enrolAuto)
	}
	return i.enrolWith(ctx, c, card, enrolDirect)
}

func (i *Issuer) enrolWith(ctx context.Context, c Consumer, card Card, mode enrolMode) (*Operation, error) {
	auto := mode == enrolAuto
	if err := errors.Join(c.Validate(), card.Validate()); err != nil {
		return nil, fmt.Errorf("enrolling card %s: %w: %w", card.PAN, ErrValidation, err)
	}
	n, err := i.router.Route(card)
	if err != nil {
		return nil, fmt.Errorf("enrolling card: %w", err)
	}
	e, err := capability[Enroller](i, n)
	if err != nil {
		return nil, fmt.Errorf("enrolling card: %w", err)
	}
	var push PushProvisioner
	if mode == enrolPush {
		if push, err = capability[PushProvisioner](i, n); err != nil {
			return nil, fmt.Errorf("pushing card %s: %w", card.Ref, err)
		}
	}
	k := key(n, card.Ref)
	i.mu.Lock()
	if auto && i.optedOut[k] {
		i.mu.Unlock()
		return nil, fmt.Errorf("auto-enrolling card %s on %s: %w: only an explicit enrolment brings it back", card.Ref, n, ErrOptedOut)
	}
	known := i.consumerKnown(n, c.Ref)
	if prev, ok := i.enrolments[k]; ok && (prev.State == StateActive || prev.State == StatePending || prev.State == StateTokenizing) {
		i.mu.Unlock()
		return nil, fmt.Errorf("enrolling card %s on %s: %w (state %s)", card.Ref, n, ErrAlreadyEnrolled, prev.State)
	}
	i.enrolments[k] = &Enrolment{ConsumerRef: c.Ref, CardRef: card.Ref, CardLast4: card.PAN.Last4(), cardKey: i.cardKey(card.PAN), Network: n, State: StateRequested, UpdatedAt: i.now()}
	i.mu.Unlock()

	uncertain := false // a previous attempt may have reached the network
	op, err := i.call(ctx, n, c.Ref, "enrolling card "+card.Ref, func(ctx context.Context, attempt int) (*Operation, error) {
		var op *Operation
		var err error
		if push != nil {
			op, err = push.PushCard(ctx, c, card)
		} else if b, ok := i.adapters[n].(BatchEnroller); ok && auto {
			op, err = b.EnrolBatch(ctx, c, card)
		} else if known {
			op, err = e.AddCard(ctx, c.Ref, card)
		} else {
			op, err = e.EnrolCard(ctx, c, card)
			if errors.Is(err, ErrAlreadyEnrolled) && !uncertain {
				// The network has the consumer already (enrolled elsewhere or
				// earlier): add the card to it rather than fail. When it has
				// no such consumer, "already enrolled" was about the card
				// (enrolled in another profile): that is the answer.
				already := err
				known = true
				op, err = e.AddCard(ctx, c.Ref, card)
				if errors.Is(err, ErrNotEnrolled) {
					known, err = false, already
				}
			}
		}
		if errors.Is(err, ErrAlreadyEnrolled) && uncertain {
			return i.confirmEnrolled(ctx, n, c.Ref, card)
		}
		if err != nil && Retryable(err) {
			uncertain = true
		}
		return op, err
	})
	i.mu.Lock()
	defer i.mu.Unlock()
	enr := i.enrolments[k]
	if err != nil {
		_ = enr.Transition(StateFailed, i.now())
		return nil, err
	}
	delete(i.optedOut, k)
	op.Kind, op.ConsumerRef, op.CardRef = KindEnrol, c.Ref, card.Ref
	if known {
		op.Kind = KindAddCard
	}
	i.applyLocked(op)
	return op, nil
}

// confirmEnrolled checks, after "already enrolled" on a retry, that the
// network really holds the card, and reports the enrolment as done.
func (i *Issuer) confirmEnrolled(ctx context.Context, n Network, consumerRef string, card Card) (*Operation, error) {
	pr, err := capability[ProfileReader](i, n)
	if err != nil {
		return nil, fmt.Errorf("%w: and the network offers no read-back to check it", ErrAlreadyEnrolled)
	}
	p, err := pr.GetProfile(ctx, consumerRef)
	if err != nil {
		return nil, fmt.Errorf("checking an enrolment after a retry: %w", err)
	}
	for _, pc := range p.Cards {
		if pc.Last4 == card.PAN.Last4() && (pc.BIN == "" || pc.BIN == card.PAN.BIN()) {
			now := i.now()
			return &Operation{ID: "confirmed-" + card.Ref, Network: n, Status: Succeeded, NetworkStatus: "ALREADY_ENROLLED_CONFIRMED",
				TokenRef: pc.TokenRef, StartedAt: now, UpdatedAt: now}, nil
		}
	}
	return nil, fmt.Errorf("%w: the network says so but its profile does not show card %s", ErrAlreadyEnrolled, card.PAN)
}

func (i *Issuer) consumerKnown(n Network, consumerRef string) bool {
	for _, e := range i.enrolments {
		if e.Network == n && e.ConsumerRef == consumerRef && e.State != StateFailed && e.State != StateRequested {
			return true
		}
	}
	return false
}

// applyLocked moves enrolments according to an operation's outcome.
func (i *Issuer) applyLocked(op *Operation) {
	now := i.now()
	move := func(e *Enrolment, to State) {
		if e.State == to && to != StateActive {
			return
		}
		if err := e.Transition(to, now); err != nil {
			i.log.Warn("ignoring an outcome that the lifecycle does not allow", "error", err)
		}
	}
	e := i.enrolments[key(op.Network, op.CardRef)]
	switch op.Kind {
	case KindEnrol, KindAddCard:
		if e == nil {
			return
		}
		e.LastOp = op
		if op.TokenRef != "" {
			e.TokenRef = op.TokenRef
		}
		switch op.Status {
		case Succeeded:
			move(e, StateActive)
		case Pending:
			if e.State == StateRequested {
				move(e, StatePending)
			}
		case Failed:
			move(e, StateFailed)
		}
	case KindSuspend, KindResume, KindDeleteCard, KindUpdateCard:
		if e == nil || op.Status != Succeeded {
			return
		}
		e.LastOp = op
		switch op.Kind {
		case KindSuspend:
			move(e, StateSuspended)
		case KindResume:
			// A token can have other suspenders than the issuer (the
			// wallet, the cardholder): when the network says the token is
			// still suspended, only the issuer's suspension was lifted.
			if !strings.EqualFold(op.NetworkStatus, "SUSPENDED") {
				move(e, StateActive)
			}
		case KindDeleteCard:
			move(e, StateOptedOut)
			i.optedOut[key(op.Network, op.CardRef)] = true
		}
	case KindDeleteConsumer:
		if op.Status != Succeeded {
			return
		}
		for k, e := range i.enrolments {
			if e.Network == op.Network && e.ConsumerRef == op.ConsumerRef && (e.State == StateActive || e.State == StateSuspended) {
				move(e, StateOptedOut)
				i.optedOut[k] = true
			}
		}
	}
}

// Enrolment returns the issuer's view of a card's enrolment in a network.
func (i *Issuer) Enrolment(n Network, cardRef string) (Enrolment, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	e, ok := i.enrolments[key(n, cardRef)]
	if !ok {
		return Enrolment{}, false
	}
	return *e, true
}

// Enrolments returns every enrolment the issuer tracks, sorted.
func (i *Issuer) Enrolments() []Enrolment {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]Enrolment, 0, len(i.enrolments))
	for _, e := range i.enrolments {
		out = append(out, *e)
	}
	sort.Slice(out, func(a, b int) bool {
		return key(out[a].Network, out[a].CardRef) < key(out[b].Network, out[b].CardRef)
	})
	return out
}

// AddCard adds a card to a consumer already enrolled in the card's network.
func (i *Issuer) AddCard(ctx context.Context, c Consumer, card Card) (*Operation, error) {
	return i.EnrolCard(ctx, c, card)
}

// UpdateConsumer pushes a consumer's complete data to every network where
// the issuer has enrolled them (LCM-06).
func (i *Issuer) UpdateConsumer(ctx context.Context, c Consumer) ([]*Operation, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("updating consumer: %w: %w", ErrValidation, err)
	}
	var ops []*Operation
	var errs []error
	for _, n := range i.networksOf(c.Ref) {
		u, err := capability[ConsumerUpdater](i, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		op, err := i.call(ctx, n, c.Ref, "updating consumer", func(ctx context.Context, _ int) (*Operation, error) {
			return u.UpdateConsumer(ctx, c)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		op.Kind, op.ConsumerRef = KindUpdateConsumer, c.Ref
		ops = append(ops, op)
	}
	if len(ops) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("updating consumer %s: %w in any network", c.Ref, ErrNotEnrolled)
	}
	return ops, errors.Join(errs...)
}

func (i *Issuer) networksOf(consumerRef string) []Network {
	i.mu.Lock()
	defer i.mu.Unlock()
	seen := map[Network]bool{}
	var out []Network
	for _, e := range i.enrolments {
		if e.ConsumerRef == consumerRef && (e.State == StateActive || e.State == StateSuspended || e.State == StatePending) && !seen[e.Network] {
			seen[e.Network] = true
			out = append(out, e.Network)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// UpdateCard sends a renewed expiry, name or billing address for the same
// PAN (LCM-01).
func (i *Issuer) UpdateCard(ctx context.Context, consumerRef string, card Card) (*Operation, error) {
	if err := card.Validate(); err != nil {
		return nil, fmt.Errorf("updating card: %w: %w", ErrValidation, err)
	}
	n, err := i.router.Route(card)
	if err != nil {
		return nil, err
	}
	u, err := capability[CardUpdater](i, n)
	if err != nil {
		return nil, fmt.Errorf("updating card: %w", err)
	}
	op, err := i.call(ctx, n, consumerRef, "updating card "+card.Ref, func(ctx context.Context, _ int) (*Operation, error) {
		return u.UpdateCard(ctx, consumerRef, card)
	})
	if err != nil {
		return nil, err
	}
	op.Kind, op.ConsumerRef, op.CardRef = KindUpdateCard, consumerRef, card.Ref
	i.apply(op)
	return op, nil
}

func (i *Issuer) apply(op *Operation) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.applyLocked(op)
}

// cardAction runs a suspend, resume or delete.
func (i *Issuer) cardAction(ctx context.Context, kind OperationKind, a CardAction) (*Operation, error) {
	n, err := i.router.Route(a.Card)
	if err != nil {
		return nil, err
	}
	if a.TokenRef == "" {
		if e, ok := i.Enrolment(n, a.Card.Ref); ok {
			a.TokenRef = e.TokenRef
		}
	}
	what := fmt.Sprintf("%s card %s", kind, a.Card.Ref)
	var fn func(ctx context.Context, _ int) (*Operation, error)
	switch kind {
	case KindSuspend, KindResume:
		s, err := capability[CardSuspender](i, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		fn = func(ctx context.Context, _ int) (*Operation, error) {
			if kind == KindSuspend {
				return s.SuspendCard(ctx, a)
			}
			return s.ResumeCard(ctx, a)
		}
	case KindDeleteCard:
		d, err := capability[CardDeleter](i, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		fn = func(ctx context.Context, _ int) (*Operation, error) { return d.DeleteCard(ctx, a) }
	}
	op, err := i.call(ctx, n, a.ConsumerRef, what, fn)
	if err != nil {
		return nil, err
	}
	op.Kind, op.ConsumerRef, op.CardRef = kind, a.ConsumerRef, a.Card.Ref
	i.apply(op)
	return op, nil
}

// SuspendCard suspends a card's Click to Pay token (temporary block, LCM-05).
func (i *Issuer) SuspendCard(ctx context.Context, a CardAction) (*Operation, error) {
	return i.cardAction(ctx, KindSuspend, a)
}

// ResumeCard resumes a suspended card's token.
func (i *Issuer) ResumeCard(ctx context.Context, a CardAction) (*Operation, error) {
	return i.cardAction(ctx, KindResume, a)
}

// DeleteCard removes a card from Click to Pay (closure or opt-out, LCM-03);
// the consumer's other cards stay (LCM-07). The opt-out is remembered.
func (i *Issuer) DeleteCard(ctx context.Context, a CardAction) (*Operation, error) {
	return i.cardAction(ctx, KindDeleteCard, a)
}

// DeleteConsumer removes a consumer, and with it every card, from one
// network (LCM-07, LCM-10).
func (i *Issuer) DeleteConsumer(ctx context.Context, n Network, consumerRef string) (*Operation, error) {
	d, err := capability[ConsumerDeleter](i, n)
	if err != nil {
		return nil, fmt.Errorf("deleting consumer: %w", err)
	}
	op, err := i.call(ctx, n, consumerRef, "deleting consumer", func(ctx context.Context, _ int) (*Operation, error) {
		return d.DeleteConsumer(ctx, consumerRef)
	})
	if err != nil {
		return nil, err
	}
	op.Kind, op.ConsumerRef = KindDeleteConsumer, consumerRef
	i.apply(op)
	return op, nil
}

// ReplaceCard moves an enrolment to a new PAN (LCM-02): in one call where
// the network relinks, otherwise by deleting the old card and enrolling the
// new one for the same consumer.
func (i *Issuer) ReplaceCard(ctx context.Context, c Consumer, old, replacement Card) (*Operation, error) {
	n, err := i.router.Route(old)
	if err != nil {
		return nil, err
	}
	if r, err := capability[CardReplacer](i, n); err == nil {
		op, err := i.call(ctx, n, c.Ref, "replacing card "+old.Ref, func(ctx context.Context, _ int) (*Operation, error) {
			return r.ReplaceCard(ctx, c.Ref, old, replacement)
		})
		if err != nil {
			return nil, err
		}
		i.mu.Lock()
		if e := i.enrolments[key(n, old.Ref)]; e != nil {
			_ = e.Transition(StateReplaced, i.now())
		}
		i.enrolments[key(n, replacement.Ref)] = &Enrolment{ConsumerRef: c.Ref, CardRef: replacement.Ref, CardLast4: replacement.PAN.Last4(), cardKey: i.cardKey(replacement.PAN), Network: n, State: StateActive, UpdatedAt: i.now()}
		i.mu.Unlock()
		op.Kind = KindReplaceCard
		return op, nil
	}
	del, err := i.DeleteCard(ctx, CardAction{ConsumerRef: c.Ref, Card: old, Reason: "ACCOUNT_CLOSED"})
	if err != nil {
		return nil, fmt.Errorf("replacing card %s: removing the old card: %w", old.Ref, err)
	}
	if _, err := i.Wait(ctx, del); err != nil {
		return nil, fmt.Errorf("replacing card %s: waiting for the old card's removal: %w", old.Ref, err)
	}
	i.mu.Lock()
	if e := i.enrolments[key(n, old.Ref)]; e != nil {
		e.State = StateReplaced // the opt-out was the replacement's first half
		delete(i.optedOut, key(n, old.Ref))
	}
	i.mu.Unlock()
	op, err := i.EnrolCard(ctx, c, replacement)
	if err != nil {
		return nil, fmt.Errorf("replacing card %s: enrolling the new card: %w", old.Ref, err)
	}
	op.Kind = KindReplaceCard
	return op, nil
}

// GetProfile reads back what a network holds for a consumer (LCM-11).
func (i *Issuer) GetProfile(ctx context.Context, n Network, consumerRef string) (*Profile, error) {
	pr, err := capability[ProfileReader](i, n)
	if err != nil {
		return nil, fmt.Errorf("reading profile: %w", err)
	}
	var p *Profile
	_, err = i.call(ctx, n, consumerRef, "reading profile", func(ctx context.Context, _ int) (*Operation, error) {
		var err error
		p, err = pr.GetProfile(ctx, consumerRef)
		return &Operation{Status: Succeeded}, err
	})
	return p, err
}

// IssuedCode is the activation code the issuer issued for token tokenRef
// on network n (what its delivery channel sends the cardholder), with its
// expiry. It wraps ErrNotEnrolled when the issuer issued none for the token
// (none yet, or it was used or expired), ErrUnsupported when the network's
// adapter issues no codes.
func (i *Issuer) IssuedCode(n Network, tokenRef string) (string, time.Time, error) {
	c, err := capability[ActivationCodeIssuer](i, n)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("reading the activation code issued: %w", err)
	}
	code, expires, ok := c.IssuedCode(tokenRef)
	if !ok {
		return "", time.Time{}, fmt.Errorf("%w: no activation code was issued for token %s on %s", ErrNotEnrolled, tokenRef, n)
	}
	return code, expires, nil
}

// GetOperation reads an operation's current outcome from its network.
func (i *Issuer) GetOperation(ctx context.Context, op *Operation) (*Operation, error) {
	if op.Status.Terminal() {
		return op, nil
	}
	r, err := capability[OperationReader](i, op.Network)
	if err != nil {
		return nil, fmt.Errorf("reading operation: %w", err)
	}
	var cur *Operation
	_, err = i.call(ctx, op.Network, op.ConsumerRef+"#read", "reading operation "+op.ID, func(ctx context.Context, _ int) (*Operation, error) {
		var err error
		cur, err = r.GetOperation(ctx, op)
		return cur, err
	})
	if err != nil {
		return nil, err
	}
	cur.Kind, cur.ConsumerRef, cur.CardRef = op.Kind, op.ConsumerRef, op.CardRef
	if cur.CorrelationID == "" {
		cur.CorrelationID = op.CorrelationID
	}
	return cur, nil
}

// Wait returns once op is terminal: it polls the network (ENR-06: a 202 is
// not success) or takes the outcome from a notification the CallbackHandler
// received, whichever comes first, and applies it to the enrolment.
func (i *Issuer) Wait(ctx context.Context, op *Operation) (*Operation, error) {
	cur := op
	notified := i.subscribe(op.ID)
	defer i.unsubscribe(op.ID, notified)
	for !cur.Status.Terminal() {
		select {
		case n := <-notified:
			n.Kind, n.ConsumerRef, n.CardRef = op.Kind, op.ConsumerRef, op.CardRef
			cur = n
			continue
		case <-ctx.Done():
			return cur, fmt.Errorf("waiting for %s %s: %w", op.Network, op.ID, ctx.Err())
		default:
		}
		if err := i.sleep(ctx, i.pollInterval); err != nil {
			return cur, fmt.Errorf("waiting for %s %s: %w", op.Network, op.ID, err)
		}
		next, err := i.GetOperation(ctx, cur)
		if err != nil {
			return cur, err
		}
		cur = next
	}
	i.apply(cur)
	return cur, nil
}

func (i *Issuer) subscribe(id string) chan *Operation {
	ch := make(chan *Operation, 1)
	i.mu.Lock()
	i.waiters[id] = append(i.waiters[id], ch)
	i.mu.Unlock()
	return ch
}

func (i *Issuer) unsubscribe(id string, ch chan *Operation) {
	i.mu.Lock()
	defer i.mu.Unlock()
	list := i.waiters[id]
	for k, c := range list {
		if c == ch {
			i.waiters[id] = append(list[:k], list[k+1:]...)
		}
	}
	if len(i.waiters[id]) == 0 {
		delete(i.waiters, id)
	}
}

// notifyOperation hands a completed operation to anyone waiting on it.
func (i *Issuer) notifyOperation(op *Operation) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, ch := range i.waiters[op.ID] {
		select {
		case ch <- op:
		default:
		}
	}
}

// HasCapability reports whether network n's adapter satisfies test (used to
// ask for optional capabilities such as CallbackCodec).
func (i *Issuer) HasCapability(n Network, test func(Adapter) bool) bool {
	a, ok := i.adapters[n]
	return ok && test(a)
}
