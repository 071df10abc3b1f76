// Package driver serves openapi/driver.yaml over a client.Issuer, so the
// bundled client can run as the issuer system the conformance harness drives
// in its external mode, exactly as a user's own system would:
//
//	iss, _ := client.New(client.WithAdapter(visaAdapter))
//	http.Handle("/driver/", http.StripPrefix("/driver", driver.New(iss, sink)))
//
// The driver remembers the cards it enrolled (by ref) so that suspend,
// resume and delete need only the refs, and the operations it started so
// that their outcome can be read or waited for.
package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
)

// Handler implements the driver contract.
type Handler struct {
	iss  *client.Issuer
	sink *client.MemorySink
	log  *slog.Logger
	mux  *http.ServeMux

	mu        sync.Mutex
	cards     map[string]client.Card     // consumerRef/cardRef
	consumers map[string]client.Consumer // by ref
	ops       map[string]*client.Operation
}

// New returns the driver for iss; sink is where the issuer's
// CallbackHandler records network events (listed by GET /events).
func New(iss *client.Issuer, sink *client.MemorySink, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{iss: iss, sink: sink, log: log, mux: http.NewServeMux(),
		cards: map[string]client.Card{}, consumers: map[string]client.Consumer{}, ops: map[string]*client.Operation{}}
	h.mux.HandleFunc("POST /enrolments", h.enrol)
	h.mux.HandleFunc("GET /enrolments", h.listEnrolments)
	h.mux.HandleFunc("PUT /consumers/{consumerRef}", h.updateConsumer)
	h.mux.HandleFunc("PUT /consumers/{consumerRef}/cards/{cardRef}", h.updateCard)
	h.mux.HandleFunc("POST /consumers/{consumerRef}/cards/{cardRef}/replacement", h.replace)
	h.mux.HandleFunc("POST /consumers/{consumerRef}/cards/{cardRef}/{action}", h.cardAction)
	h.mux.HandleFunc("DELETE /networks/{network}/consumers/{consumerRef}", h.deleteConsumer)
	h.mux.HandleFunc("GET /networks/{network}/consumers/{consumerRef}/profile", h.profile)
	h.mux.HandleFunc("GET /networks/{network}/operations/{operationId}", h.operation)
	h.mux.HandleFunc("GET /events", h.events)
	return h
}

var correlationPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c := r.Header.Get("X-Correlation-Id"); c != "" {
		if !correlationPattern.MatchString(c) {
			writeError(w, http.StatusBadRequest, "validation", "X-Correlation-Id must be 1-64 of [A-Za-z0-9_-]", nil)
			return
		}
		h.log.Info("driver call", "method", r.Method, "path", pan.RedactText(r.URL.Path), "correlation", c)
	}
	h.mux.ServeHTTP(w, r)
}

// wire forms

type cardIn struct {
	Ref            string         `json:"ref"`
	PAN            string         `json:"pan"`
	Expiry         string         `json:"expiry"`
	NameOnCard     string         `json:"nameOnCard"`
	BillingAddress client.Address `json:"billingAddress"`
	Network        client.Network `json:"network,omitempty"`
}

func (c cardIn) card() (client.Card, error) {
	p, err := pan.Parse(c.PAN)
	if err != nil {
		return client.Card{}, err
	}
	exp, err := client.ParseExpiry(c.Expiry)
	if err != nil {
		return client.Card{}, err
	}
	return client.Card{Ref: c.Ref, PAN: p, Expiry: exp, NameOnCard: c.NameOnCard, BillingAddress: c.BillingAddress, Network: c.Network}, nil
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "validation", "decoding the request: "+pan.RedactText(err.Error()), nil)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string, ne *client.NetworkError) {
	e := map[string]any{"code": code, "message": pan.RedactText(msg)}
	if ne != nil {
		e["network"], e["networkCode"], e["httpStatus"], e["retryable"] = ne.Network, ne.Code, ne.HTTPStatus, ne.Retryable
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// fail maps the client's errors onto the contract's statuses.
func fail(w http.ResponseWriter, err error) {
	var ne *client.NetworkError
	errors.As(err, &ne)
	switch {
	case errors.Is(err, client.ErrUnsupported):
		writeError(w, http.StatusNotImplemented, "unsupported", err.Error(), ne)
	case errors.Is(err, client.ErrAuth):
		writeError(w, http.StatusBadGateway, "network_auth", err.Error(), ne)
	case errors.Is(err, client.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, "network_unavailable", err.Error(), ne)
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "timeout", err.Error(), ne)
	case errors.Is(err, client.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error(), ne)
	case ne != nil || errors.Is(err, client.ErrOptedOut) || errors.Is(err, client.ErrAlreadyEnrolled) || errors.Is(err, client.ErrIllegalTransition):
		writeError(w, http.StatusUnprocessableEntity, "network_refused", err.Error(), ne)
	case errors.Is(err, client.ErrValidation) || errors.Is(err, client.ErrNoRoute):
		writeError(w, http.StatusBadRequest, "validation", err.Error(), nil)
	default:
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			writeError(w, http.StatusBadGateway, "network_unavailable", err.Error(), nil)
			return
		}
		writeError(w, http.StatusBadGateway, "network_unavailable", err.Error(), nil)
	}
}

func (h *Handler) remember(op *client.Operation) *client.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	if op.ID != "" {
		h.ops[string(op.Network)+"/"+op.ID] = op
	}
	return op
}

func (h *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Consumer client.Consumer `json:"consumer"`
		Card     cardIn          `json:"card"`
		Auto     bool            `json:"auto"`
		Existing *struct {
			ConsumerID    string `json:"consumerId"`
			InstrumentRef string `json:"instrumentRef"`
		} `json:"existing"`
	}
	if !decode(w, r, &in) {
		return
	}
	card, err := in.Card.card()
	if err != nil {
		writeError(w, http.StatusBadRequest, "validation", "card: "+err.Error(), nil)
		return
	}
	enrol := h.iss.EnrolCard
	if in.Auto {
		enrol = h.iss.AutoEnrolCard
	}
	if ex := in.Existing; ex != nil {
		if ex.ConsumerID != in.Consumer.Ref {
			writeError(w, http.StatusBadRequest, "validation", "existing.consumerId must be the consumer's ref: the bundled issuer uses its consumer refs as the network's consumer identifiers", nil)
			return
		}
		enrol = func(ctx context.Context, c client.Consumer, card client.Card) (*client.Operation, error) {
			return h.iss.EnrolExisting(ctx, c, card, ex.InstrumentRef)
		}
	}
	op, err := enrol(r.Context(), in.Consumer, card)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[in.Consumer.Ref+"/"+card.Ref] = card
	h.consumers[in.Consumer.Ref] = in.Consumer
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, h.remember(op))
}

func (h *Handler) listEnrolments(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"enrolments": h.iss.Enrolments()})
}

func (h *Handler) updateConsumer(w http.ResponseWriter, r *http.Request) {
	var c client.Consumer
	if !decode(w, r, &c) {
		return
	}
	if c.Ref != r.PathValue("consumerRef") {
		writeError(w, http.StatusBadRequest, "validation", "the body's ref differs from the path's consumerRef", nil)
		return
	}
	ops, err := h.iss.UpdateConsumer(r.Context(), c)
	if err != nil && len(ops) == 0 {
		if errors.Is(err, client.ErrNotEnrolled) {
			writeError(w, http.StatusNotFound, "not_found", err.Error(), nil)
			return
		}
		fail(w, err)
		return
	}
	for _, op := range ops {
		h.remember(op)
	}
	h.mu.Lock()
	h.consumers[c.Ref] = c
	h.mu.Unlock()
	if ops == nil {
		ops = []*client.Operation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": ops})
}

func (h *Handler) knownCard(w http.ResponseWriter, r *http.Request) (client.Card, bool) {
	h.mu.Lock()
	c, ok := h.cards[r.PathValue("consumerRef")+"/"+r.PathValue("cardRef")]
	h.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no card %s was enrolled for consumer %s through this driver", r.PathValue("cardRef"), r.PathValue("consumerRef")), nil)
	}
	return c, ok
}

func (h *Handler) updateCard(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.knownCard(w, r); !ok {
		return
	}
	var in cardIn
	if !decode(w, r, &in) {
		return
	}
	card, err := in.card()
	if err != nil || card.Ref != r.PathValue("cardRef") {
		writeError(w, http.StatusBadRequest, "validation", fmt.Sprintf("card: %v (ref must match the path)", err), nil)
		return
	}
	op, err := h.iss.UpdateCard(r.Context(), r.PathValue("consumerRef"), card)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[r.PathValue("consumerRef")+"/"+card.Ref] = card
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, h.remember(op))
}

func (h *Handler) replace(w http.ResponseWriter, r *http.Request) {
	old, ok := h.knownCard(w, r)
	if !ok {
		return
	}
	var in cardIn
	if !decode(w, r, &in) {
		return
	}
	repl, err := in.card()
	if err != nil {
		writeError(w, http.StatusBadRequest, "validation", "replacement card: "+err.Error(), nil)
		return
	}
	h.mu.Lock()
	c := h.consumers[r.PathValue("consumerRef")]
	h.mu.Unlock()
	op, err := h.iss.ReplaceCard(r.Context(), c, old, repl)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[c.Ref+"/"+repl.Ref] = repl
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, h.remember(op))
}

func (h *Handler) cardAction(w http.ResponseWriter, r *http.Request) {
	card, ok := h.knownCard(w, r)
	if !ok {
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	act := client.CardAction{ConsumerRef: r.PathValue("consumerRef"), Card: card, Reason: in.Reason}
	var op *client.Operation
	var err error
	switch r.PathValue("action") {
	case "suspend":
		op, err = h.iss.SuspendCard(r.Context(), act)
	case "resume":
		op, err = h.iss.ResumeCard(r.Context(), act)
	case "delete":
		op, err = h.iss.DeleteCard(r.Context(), act)
	default:
		writeError(w, http.StatusBadRequest, "validation", "action must be suspend, resume or delete", nil)
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.remember(op))
}

func network(w http.ResponseWriter, r *http.Request) (client.Network, bool) {
	n := client.Network(r.PathValue("network"))
	switch n {
	case client.Mastercard, client.Visa, client.Amex, client.Discover:
		return n, true
	}
	writeError(w, http.StatusBadRequest, "validation", fmt.Sprintf("unknown network %q", n), nil)
	return "", false
}

func (h *Handler) deleteConsumer(w http.ResponseWriter, r *http.Request) {
	n, ok := network(w, r)
	if !ok {
		return
	}
	op, err := h.iss.DeleteConsumer(r.Context(), n, r.PathValue("consumerRef"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.remember(op))
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	n, ok := network(w, r)
	if !ok {
		return
	}
	p, err := h.iss.GetProfile(r.Context(), n, r.PathValue("consumerRef"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (h *Handler) operation(w http.ResponseWriter, r *http.Request) {
	n, ok := network(w, r)
	if !ok {
		return
	}
	h.mu.Lock()
	op, ok := h.ops[string(n)+"/"+r.PathValue("operationId")]
	h.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no operation "+r.PathValue("operationId")+" was started through this driver", nil)
		return
	}
	var cur *client.Operation
	var err error
	if v := r.URL.Query().Get("wait"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 || d > time.Minute {
			writeError(w, http.StatusBadRequest, "validation", "wait must be a duration up to 60s", nil)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		cur, err = h.iss.Wait(ctx, op)
		if err != nil && errors.Is(err, context.DeadlineExceeded) {
			writeError(w, http.StatusGatewayTimeout, "timeout", fmt.Sprintf("operation %s still %s after %s", op.ID, cur.Status, d), nil)
			return
		}
	} else {
		cur, err = h.iss.GetOperation(r.Context(), op)
	}
	if err != nil {
		fail(w, err)
		return
	}
	h.remember(cur)
	writeJSON(w, http.StatusOK, cur)
}

func (h *Handler) events(w http.ResponseWriter, _ *http.Request) {
	events := []client.NetworkEvent{}
	if h.sink != nil {
		events = append(events, h.sink.Events()...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}
