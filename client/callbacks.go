package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/c2psim/c2psim/client/pan"
)

// Decider makes the issuer's decisions on network-to-issuer calls, chiefly
// tokenisation authorisation (MDES Authorize Service, VTS approve
// provisioning).
type Decider interface {
	Decide(ctx context.Context, ev *NetworkEvent) Decision
}

// DeciderFunc adapts a function to Decider.
type DeciderFunc func(ctx context.Context, ev *NetworkEvent) Decision

// Decide implements Decider.
func (f DeciderFunc) Decide(ctx context.Context, ev *NetworkEvent) Decision { return f(ctx, ev) }

// EventSink receives every decoded network event.
type EventSink interface {
	Record(ctx context.Context, ev NetworkEvent)
}

// MemorySink keeps events in memory, safe for concurrent use.
type MemorySink struct {
	mu     sync.Mutex
	events []NetworkEvent
}

// Record implements EventSink.
func (m *MemorySink) Record(_ context.Context, ev NetworkEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, ev)
}

// Events returns what was recorded, oldest first.
func (m *MemorySink) Events() []NetworkEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]NetworkEvent(nil), m.events...)
}

// DefaultDecider approves tokenisation of cards the issuer is enrolling or
// has enrolled in that network (its own Click to Pay enrolments, ENR-07) and
// declines cards it does not know; everything else is acknowledged. A card
// is known by its full number (the call's decrypted card, compared by a
// keyed reference) or, when the call carries none, by its token: never by
// its last four digits, which a stranger's card may share.
func (i *Issuer) DefaultDecider() Decider {
	return DeciderFunc(func(_ context.Context, ev *NetworkEvent) Decision {
		if ev.Type != EventTokenizationAuth {
			return Acknowledge
		}
		k := i.cardKey(ev.Card)
		i.mu.Lock()
		defer i.mu.Unlock()
		for _, e := range i.enrolments {
			if !namesEnrolment(e, ev, k) {
				continue
			}
			switch e.State {
			case StateRequested, StatePending, StateTokenizing, StateActive:
				return Approve
			}
		}
		return Decline
	})
}

// CallbackHandler is the http.Handler an issuer mounts to receive network
// calls at <mount>/<network>/...: the network's adapter (a CallbackCodec)
// authenticates and decodes the call, the decider answers it, the sink
// records it, and the adapter writes the network's reply. A redelivered call
// (same event ID) gets the same answer and is not applied twice (NTF-05).
// Token status changes update the issuer's enrolments (LCM-12); operation
// outcomes wake Wait.
func (i *Issuer) CallbackHandler(d Decider, sink EventSink) http.Handler {
	if d == nil {
		d = i.DefaultDecider()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := Network(firstSegment(r.URL.Path))
		codec, err := capability[CallbackCodec](i, n)
		if err != nil {
			http.Error(w, "no network callback endpoint here: "+pan.RedactText(err.Error()), http.StatusNotFound)
			return
		}
		ev, err := codec.DecodeCallback(r)
		if err != nil {
			i.log.Warn("refused a network call", "network", string(n), "error", pan.RedactText(err.Error()))
			if ew, ok := codec.(CallbackErrorWriter); ok {
				if werr := ew.WriteError(w, err); werr != nil {
					i.log.Error("writing the refusal of a network call", "network", string(n), "error", werr)
				}
				return
			}
			status := http.StatusBadRequest
			if errors.Is(err, ErrAuth) {
				status = http.StatusUnauthorized
			}
			http.Error(w, pan.RedactText(err.Error()), status)
			return
		}
		ev.Network = n
		if ev.ReceivedAt.IsZero() {
			ev.ReceivedAt = i.now()
		}
		i.mu.Lock()
		first, dup := i.events[ev.ID]
		if !dup && ev.ID != "" {
			i.events[ev.ID] = ev
		}
		i.mu.Unlock()
		if dup {
			ev.Duplicate, ev.Decision = true, first.Decision
		} else {
			ev.Decision = d.Decide(r.Context(), ev)
			i.applyEvent(ev)
		}
		ev.Card = pan.PAN{} // decided: the number is kept nowhere
		i.log.Info("network call", "network", string(n), "type", string(ev.Type), "event", ev.ID, "decision", string(ev.Decision), "duplicate", ev.Duplicate, "card_last4", ev.CardLast4)
		if sink != nil {
			sink.Record(r.Context(), *ev)
		}
		if err := codec.WriteReply(w, ev); err != nil {
			i.log.Error("writing the reply to a network call", "network", string(n), "error", err)
		}
	})
}

// applyTokenStatus moves the enrolments of one token (or, without a token
// reference, of the card) to the state its network status means. The caller
// holds i.mu.
func (i *Issuer) applyTokenStatus(n Network, tokenRef, last4, status string) {
	var to State
	switch strings.ToUpper(status) {
	case "ACTIVE":
		to = StateActive
	case "SUSPENDED":
		to = StateSuspended
	case "DEACTIVATED", "DELETED", "INACTIVE_DELETED", "UNLINKED":
		to = StateOptedOut
	default:
		return // unknown statuses are tolerated, not applied (ERR-04)
	}
	for _, e := range i.enrolments {
		if e.Network != n || !(e.TokenRef != "" && e.TokenRef == tokenRef || tokenRef == "" && last4 != "" && e.CardLast4 == last4) {
			continue
		}
		if e.State == to {
			continue
		}
		if err := e.Transition(to, i.now()); err != nil {
			i.log.Warn("token status the lifecycle does not allow", "error", err)
		}
		if to == StateOptedOut {
			i.optedOut[key(e.Network, e.CardRef)] = true
		}
	}
}

func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	seg, _, _ := strings.Cut(p, "/")
	return seg
}

// applyEvent updates enrolments from a network event.
func (i *Issuer) applyEvent(ev *NetworkEvent) {
	switch ev.Type {
	case EventTokenStatusChanged:
		i.mu.Lock()
		defer i.mu.Unlock()
		i.applyTokenStatus(ev.Network, ev.TokenRef, ev.CardLast4, ev.TokenStatus)
		for _, t := range ev.Tokens {
			if t.TokenRef != "" {
				i.applyTokenStatus(ev.Network, t.TokenRef, "", t.Status)
			}
		}
	case EventOperationCompleted:
		if ev.OperationID == "" {
			return
		}
		status := Succeeded
		if s, _ := ev.Payload["status"].(string); strings.EqualFold(s, "FAILED") || strings.EqualFold(s, "FAILURE") {
			status = Failed
		}
		i.notifyOperation(&Operation{ID: ev.OperationID, Network: ev.Network, Status: status, NetworkStatus: "NOTIFIED", UpdatedAt: i.now()})
	}
}
