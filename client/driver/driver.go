// Package driver serves openapi/driver.yaml over a client.Issuer, so the
// bundled client can run as the issuer system the conformance harness drives
// in its external mode, exactly as a user's own system would:
//
//	iss, _ := client.New(client.WithAdapter(visaAdapter))
//	http.Handle("/driver/", http.StripPrefix("/driver", driver.New(iss, sink, nil,
//		driver.WithInfo(driver.Info{Name: "acme issuer", Version: "1.4"}))))
//
// The driver remembers the cards it enrolled (by ref) so that suspend,
// resume and delete need only the refs, and the operations it started so
// that their outcome can be read or waited for. The harness's refs name the
// consumer and card on the driver API only; with WithOwnIDs the issuer
// chooses its own identifiers for the networks, as a real issuer does, and
// every answer reports them (networkIds) so the harness can find the
// exchanges.
package driver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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
	opts options

	mu        sync.Mutex
	cards     map[string]client.Card     // harness consumerRef/cardRef → the issuer's card
	consumers map[string]client.Consumer // harness ref → the issuer's consumer
	ops       map[string]*client.Operation
	harness   map[string]string // the issuer's consumer or consumer/card ref → the harness's
	own       map[string]string // the harness's consumer or consumer/card ref → the issuer's
}

// Info is what GET /info tells the harness about the issuer system.
type Info struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
	// Networks the issuer is integrated with; empty means every network its
	// Issuer has an adapter for.
	Networks []client.Network `json:"networks"`
	// Callbacks are the URLs each network's calls reach the issuer at; the
	// harness registers them with the simulator.
	Callbacks map[client.Network]string `json:"callbacks,omitempty"`
	// Logs says whether GET /logs serves the issuer's log lines.
	Logs bool `json:"logs"`
}

type options struct {
	info   Info
	ownIDs bool
	owners map[client.Network]string
	logs   *LogBuffer
}

// Option configures a Handler.
type Option func(*options)

// WithInfo sets what GET /info answers.
func WithInfo(i Info) Option { return func(o *options) { o.info = i } }

// WithOwnIDs makes the issuer choose its own consumer and card identifiers
// for the networks instead of using the harness's refs.
func WithOwnIDs() Option { return func(o *options) { o.ownIDs = true } }

// WithOwner names the issuer's own identifier at network n that consumer
// identifiers are scoped by (Visa's externalConsumerIDOwnerBID), reported
// in networkIds.owner.
func WithOwner(n client.Network, id string) Option {
	return func(o *options) {
		if o.owners == nil {
			o.owners = map[client.Network]string{}
		}
		o.owners[n] = id
	}
}

// WithLogs serves the lines the issuer logged into b at GET /logs.
func WithLogs(b *LogBuffer) Option { return func(o *options) { o.logs = b } }

// New returns the driver for iss; sink is where the issuer's
// CallbackHandler records network events (listed by GET /events).
func New(iss *client.Issuer, sink *client.MemorySink, log *slog.Logger, opts ...Option) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{iss: iss, sink: sink, log: log, mux: http.NewServeMux(),
		cards: map[string]client.Card{}, consumers: map[string]client.Consumer{}, ops: map[string]*client.Operation{}, harness: map[string]string{}, own: map[string]string{}}
	for _, o := range opts {
		o(&h.opts)
	}
	if h.opts.info.Name == "" {
		h.opts.info.Name = "c2psim bundled issuer client"
	}
	if len(h.opts.info.Networks) == 0 {
		h.opts.info.Networks = iss.Networks()
	}
	h.opts.info.Logs = h.opts.logs != nil
	h.mux.HandleFunc("GET /info", h.info)
	h.mux.HandleFunc("GET /logs", h.logLines)
	h.mux.HandleFunc("POST /enrolments", h.enrol)
	h.mux.HandleFunc("GET /enrolments", h.listEnrolments)
	h.mux.HandleFunc("PUT /consumers/{consumerRef}", h.updateConsumer)
	h.mux.HandleFunc("PUT /consumers/{consumerRef}/cards/{cardRef}", h.updateCard)
	h.mux.HandleFunc("POST /consumers/{consumerRef}/cards/{cardRef}/replacement", h.replace)
	h.mux.HandleFunc("POST /consumers/{consumerRef}/cards/{cardRef}/{action}", h.cardAction)
	h.mux.HandleFunc("DELETE /networks/{network}/consumers/{consumerRef}", h.deleteConsumer)
	h.mux.HandleFunc("GET /networks/{network}/consumers/{consumerRef}/profile", h.profile)
	h.mux.HandleFunc("GET /networks/{network}/operations/{operationId}", h.operation)
	h.mux.HandleFunc("GET /networks/{network}/tokens/{tokenRef}/activation-code", h.activationCode)
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

// networkIDs are the identifiers the issuer used at a network (the
// contract's NetworkIds).
type networkIDs struct {
	Consumer string `json:"consumer,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Card     string `json:"card,omitempty"`
	Token    string `json:"token,omitempty"`
}

// operationOut is an Operation as the contract answers it: refs are the
// harness's, networkIds the issuer's.
type operationOut struct {
	client.Operation
	NetworkIDs networkIDs `json:"networkIds"`
}

// ownRef is the issuer's identifier for a harness ref: the ref itself, or
// with WithOwnIDs one the issuer made up. The caller holds h.mu.
func (h *Handler) ownRef(harnessKey string) string {
	if !h.opts.ownIDs {
		return lastSegment(harnessKey)
	}
	if own, ok := h.own[harnessKey]; ok {
		return lastSegment(own)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := "iss" + hex.EncodeToString(b[:])
	own := id
	if parent, _, ok := strings.Cut(harnessKey, "/"); ok {
		own = h.ownRef(parent) + "/" + id
	}
	h.harness[own], h.own[harnessKey] = harnessKey, own
	return id
}

func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// adopt makes id the issuer's identifier for the harness's consumer ref,
// unless the issuer already uses another one for it.
func (h *Handler) adopt(harnessRef, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if own, ok := h.own[harnessRef]; ok && own != id {
		return fmt.Errorf("consumer %s already has the identifier %s at the network, not %s", harnessRef, own, id)
	}
	h.own[harnessRef], h.harness[id] = id, harnessRef
	return nil
}

// ownConsumer and ownCard translate the harness's refs.
func (h *Handler) ownConsumer(ref string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ownRef(ref)
}

func (h *Handler) ownCard(consumerRef, cardRef string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ownRef(consumerRef + "/" + cardRef)
}

// harnessRefs translates the issuer's consumer (and card) ref back.
func (h *Handler) harnessRefs(consumerRef, cardRef string) (string, string) {
	if !h.opts.ownIDs {
		return consumerRef, cardRef
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, k := consumerRef, cardRef
	if hc, ok := h.harness[consumerRef]; ok {
		c = hc
	}
	if cardRef != "" {
		if hk, ok := h.harness[consumerRef+"/"+cardRef]; ok {
			_, k, _ = strings.Cut(hk, "/")
		}
	}
	return c, k
}

// out is op as the contract answers it.
func (h *Handler) out(op *client.Operation) operationOut {
	o := operationOut{Operation: *op}
	o.NetworkIDs = networkIDs{Consumer: op.ConsumerRef, Owner: h.opts.owners[op.Network], Card: op.CardRef, Token: op.TokenRef}
	o.ConsumerRef, o.CardRef = h.harnessRefs(op.ConsumerRef, op.CardRef)
	return o
}

func (h *Handler) remember(op *client.Operation) operationOut {
	h.mu.Lock()
	if op.ID != "" {
		h.ops[string(op.Network)+"/"+op.ID] = op
	}
	h.mu.Unlock()
	return h.out(op)
}

func (h *Handler) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.opts.info)
}

func (h *Handler) logLines(w http.ResponseWriter, r *http.Request) {
	if h.opts.logs == nil {
		writeError(w, http.StatusNotImplemented, "unsupported", "this issuer does not serve its log lines", nil)
		return
	}
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "validation", "after must be a line number", nil)
			return
		}
		after = n
	}
	lines, next := h.opts.logs.After(after)
	writeJSON(w, http.StatusOK, map[string]any{"lines": lines, "next": next})
}

func (h *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Consumer client.Consumer `json:"consumer"`
		Card     cardIn          `json:"card"`
		Auto     bool            `json:"auto"`
		Push     bool            `json:"push"`
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
	harnessRef, harnessCard := in.Consumer.Ref, card.Ref
	enrol := h.iss.EnrolCard
	if in.Auto {
		enrol = h.iss.AutoEnrolCard
	}
	if in.Push {
		enrol = h.iss.PushCard
	}
	if ex := in.Existing; ex != nil {
		// The network knows the consumer already, under the identifier the
		// issuer gave it there: that is the issuer's identifier from now on.
		if !h.opts.ownIDs && ex.ConsumerID != harnessRef {
			writeError(w, http.StatusBadRequest, "validation", "existing.consumerId must be the consumer's ref: this driver uses its consumer refs as the network's consumer identifiers", nil)
			return
		}
		if h.opts.ownIDs {
			if err := h.adopt(harnessRef, ex.ConsumerID); err != nil {
				writeError(w, http.StatusConflict, "conflict", err.Error(), nil)
				return
			}
		}
		enrol = func(ctx context.Context, c client.Consumer, card client.Card) (*client.Operation, error) {
			return h.iss.EnrolExisting(ctx, c, card, ex.InstrumentRef)
		}
	}
	c := in.Consumer
	c.Ref = h.ownConsumer(harnessRef)
	card.Ref = h.ownCard(harnessRef, harnessCard)
	op, err := enrol(r.Context(), c, card)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[harnessRef+"/"+harnessCard] = card
	h.consumers[harnessRef] = c
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, h.remember(op))
}

func (h *Handler) listEnrolments(w http.ResponseWriter, _ *http.Request) {
	type enrolmentOut struct {
		client.Enrolment
		NetworkIDs networkIDs `json:"networkIds"`
	}
	es := h.iss.Enrolments()
	out := make([]enrolmentOut, len(es))
	for i, e := range es {
		out[i] = enrolmentOut{Enrolment: e, NetworkIDs: networkIDs{Consumer: e.ConsumerRef, Owner: h.opts.owners[e.Network], Card: e.CardRef, Token: e.TokenRef}}
		out[i].ConsumerRef, out[i].CardRef = h.harnessRefs(e.ConsumerRef, e.CardRef)
		if out[i].LastOp != nil {
			cp := *out[i].LastOp
			cp.ConsumerRef, cp.CardRef = h.harnessRefs(cp.ConsumerRef, cp.CardRef)
			out[i].LastOp = &cp
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrolments": out})
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
	harnessRef := c.Ref
	c.Ref = h.ownConsumer(harnessRef)
	ops, err := h.iss.UpdateConsumer(r.Context(), c)
	if err != nil && len(ops) == 0 {
		if errors.Is(err, client.ErrNotEnrolled) {
			writeError(w, http.StatusNotFound, "not_found", err.Error(), nil)
			return
		}
		fail(w, err)
		return
	}
	out := []operationOut{}
	for _, op := range ops {
		out = append(out, h.remember(op))
	}
	h.mu.Lock()
	h.consumers[harnessRef] = c
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"operations": out})
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
	known, ok := h.knownCard(w, r)
	if !ok {
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
	card.Ref = known.Ref
	op, err := h.iss.UpdateCard(r.Context(), h.ownConsumer(r.PathValue("consumerRef")), card)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[r.PathValue("consumerRef")+"/"+r.PathValue("cardRef")] = card
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
	harnessRef, harnessCard := r.PathValue("consumerRef"), repl.Ref
	repl.Ref = h.ownCard(harnessRef, harnessCard)
	h.mu.Lock()
	c := h.consumers[harnessRef]
	h.mu.Unlock()
	op, err := h.iss.ReplaceCard(r.Context(), c, old, repl)
	if err != nil {
		fail(w, err)
		return
	}
	h.mu.Lock()
	h.cards[harnessRef+"/"+harnessCard] = repl
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
	act := client.CardAction{ConsumerRef: h.ownConsumer(r.PathValue("consumerRef")), Card: card, Reason: in.Reason}
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
	op, err := h.iss.DeleteConsumer(r.Context(), n, h.ownConsumer(r.PathValue("consumerRef")))
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
	p, err := h.iss.GetProfile(r.Context(), n, h.ownConsumer(r.PathValue("consumerRef")))
	if err != nil {
		fail(w, err)
		return
	}
	own := p.ConsumerRef
	p.ConsumerRef, _ = h.harnessRefs(own, "")
	for i := range p.Cards {
		_, p.Cards[i].CardRef = h.harnessRefs(own, p.Cards[i].CardRef)
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
	writeJSON(w, http.StatusOK, h.remember(cur))
}

// activationCode is the code the issuer issued for a token, as its
// delivery channel sent it to the cardholder.
func (h *Handler) activationCode(w http.ResponseWriter, r *http.Request) {
	n, ok := network(w, r)
	if !ok {
		return
	}
	tokenRef := r.PathValue("tokenRef")
	code, expires, err := h.iss.IssuedCode(n, tokenRef)
	switch {
	case errors.Is(err, client.ErrUnsupported):
		writeError(w, http.StatusNotImplemented, "unsupported", fmt.Sprintf("this issuer issues no activation codes on %s", n), nil)
		return
	case err != nil:
		writeError(w, http.StatusNotFound, "not_found", err.Error(), nil)
		return
	}
	out := map[string]any{"tokenRef": tokenRef, "code": code}
	if !expires.IsZero() {
		out["expiresAt"] = expires.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) events(w http.ResponseWriter, _ *http.Request) {
	events := []client.NetworkEvent{}
	if h.sink != nil {
		events = append(events, h.sink.Events()...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}
