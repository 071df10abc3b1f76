package amex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// Token statuses.
const (
	statusActive    = "ACTIVE"
	statusSuspended = "SUSPENDED"
	statusDeleted   = "DELETED"
)

type userData struct {
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Name    string `json:"name"`
	Locale  string `json:"locale,omitempty"`  // c2psim's optional addition
	Country string `json:"country,omitempty"` // c2psim's optional addition
}

type enrolRequest struct {
	ConsumerRef string   `json:"consumer_ref,omitempty"` // c2psim's optional addition
	CardRef     string   `json:"card_ref,omitempty"`     // c2psim's optional addition
	UserData    userData `json:"user_data"`
	AccountData string   `json:"account_data"`
}

// decodeEnrol reads an enrolment body. The Token Service SDK's own request
// has no consumer_ref: the enrolment then opens a profile of its own, named
// by the request's x-amex-request-id (the document states the rule), which
// the answer returns.
func decodeEnrol(req *simulator.Request) (enrolRequest, error) {
	var body enrolRequest
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return body, err
	}
	if body.ConsumerRef == "" {
		body.ConsumerRef = req.HTTP.Header.Get(mac.HeaderRequestID)
	}
	return body, nil
}

type accountData struct {
	CreditCard struct {
		AccountNumber string `json:"account_number"`
		ExpiryMonth   int    `json:"expiry_month"`
		ExpiryYear    int    `json:"expiry_year"`
	} `json:"credit_card"`
}

// token is an enrolled card's Click to Pay token; the state keeps BIN, last
// four and a one-way reference of the card number, never the number.
type token struct {
	TokenRefID  string    `json:"token_ref_id"`
	ConsumerRef string    `json:"consumer_ref"`
	CardRef     string    `json:"card_ref,omitempty"`
	BIN         string    `json:"account_bin"`
	Last4       string    `json:"account_last4"`
	PANRef      string    `json:"pan_ref"`
	TokenLast4  string    `json:"token_last4"`
	ExpiryMonth int       `json:"expiry_month"`
	ExpiryYear  int       `json:"expiry_year"`
	Status      string    `json:"token_status"`
	Reason      string    `json:"status_reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"status_updated_at"`
}

type consumer struct {
	ConsumerRef string    `json:"consumer_ref"`
	UserData    userData  `json:"user_data"`
	Tokens      []string  `json:"tokens"` // token_ref_ids in enrolment order
	CreatedAt   time.Time `json:"created_at"`
}

func panRef(p string) string {
	s := sha256.Sum256([]byte("c2psim-amex-pan\x00" + p))
	return hex.EncodeToString(s[:])
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (t token) status() map[string]any {
	v := map[string]any{"token_ref_id": t.TokenRefID, "token_status": t.Status, "status_updated_at": stamp(t.UpdatedAt)}
	if t.Reason != "" {
		v["status_reason"] = t.Reason
	}
	return v
}

func (t token) metadata() map[string]any {
	v := map[string]any{
		"token_ref_id": t.TokenRefID, "token_status": t.Status, "consumer_ref": t.ConsumerRef,
		"account_bin": t.BIN, "account_last4": t.Last4, "token_last4": t.TokenLast4,
		"expiry_month": t.ExpiryMonth, "expiry_year": t.ExpiryYear,
		"created_at": stamp(t.CreatedAt), "status_updated_at": stamp(t.UpdatedAt),
	}
	if t.CardRef != "" {
		v["card_ref"] = t.CardRef
	}
	if t.Reason != "" {
		v["status_reason"] = t.Reason
	}
	return v
}

// Operations implements simulator.Network. Every operation follows the
// x-amex-request-id rules (idempotent) and is journalled under the consumer
// and token it names (correlate); enrolment decrypts account_data first.
func (n *Network) Operations() []simulator.Operation {
	op := func(id string, decode func(*simulator.Request) error, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: decode, Handle: n.idempotent(h)}
	}
	enrol := op("enrolCard", n.decodeEnrolment, n.enrolCard)
	enrol.Plaintext = "AccountDataPlaintext"
	return []simulator.Operation{
		enrol,
		op("getTokenStatus", correlate, n.getToken(false)),
		op("getTokenMetadata", correlate, n.getToken(true)),
		op("notifyTokenLifecycle", correlateLifecycle, n.notifyTokenLifecycle),
		op("getConsumerProfile", correlate, n.getConsumerProfile),
		op("updateConsumer", correlate, n.updateConsumer),
	}
}

// correlate journals a call under the consumer and token its path names.
func correlate(req *simulator.Request) error {
	for _, p := range []string{"consumer_ref", "token_ref_id"} {
		req.AddCorrelationID(req.PathParams[p])
	}
	return nil
}

// correlateLifecycle journals a lifecycle request under its token.
func correlateLifecycle(req *simulator.Request) error {
	_ = correlate(req)
	var b struct {
		TokenRefID string `json:"token_ref_id"`
	}
	_ = json.Unmarshal(req.Body, &b)
	req.AddCorrelationID(b.TokenRefID)
	return nil
}

// decodeEnrolment decrypts and validates account_data.
func (n *Network) decodeEnrolment(req *simulator.Request) error {
	_ = correlate(req)
	body, _ := decodeEnrol(req)
	req.AddCorrelationID(body.ConsumerRef)
	enc := strings.TrimSpace(body.AccountData)
	if pan.RedactText(enc) != enc || strings.HasPrefix(enc, "{") || strings.Count(enc, ".") != 4 {
		return axError(http.StatusBadRequest, simulator.KindCrypto, codeClearCard,
			"account_data must be a JWE compact string (alg A256KW, enc A128GCM, kid naming the shared key), never card data in clear; the value is not echoed")
	}
	plain, _, err := jwe.Decrypt(enc, n.sharedKey)
	if err != nil {
		return axError(http.StatusBadRequest, simulator.KindCrypto, codeEncryption, "account_data: %v", err)
	}
	req.SetPlaintext(plain)
	if verr := req.CheckPlaintext(plain); verr != nil {
		verr.Code = codeValidation
		return verr
	}
	var a accountData
	_ = json.Unmarshal(plain, &a)
	req.AddCard(a.CreditCard.AccountNumber)
	return nil
}

func (n *Network) enrolCard(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	body, err := decodeEnrol(req)
	if err != nil {
		return nil, err
	}
	var a accountData
	if err := json.Unmarshal(req.Plaintext(), &a); err != nil {
		return nil, err
	}
	cc := a.CreditCard
	num := cc.AccountNumber
	masked := pan.Mask(num)
	if num != SampleTestPAN && !pan.Luhn(num) {
		return nil, axError(http.StatusUnprocessableEntity, simulator.KindUnprocessable, codeIneligible, "card %s is not a valid card number (Luhn check)", masked)
	}
	now := n.env.Clock.Now().UTC()
	if cc.ExpiryYear < now.Year() || (cc.ExpiryYear == now.Year() && cc.ExpiryMonth < int(now.Month())) {
		return nil, axError(http.StatusUnprocessableEntity, simulator.KindUnprocessable, codeIneligible, "card %s expired in %02d/%04d", masked, cc.ExpiryMonth, cc.ExpiryYear)
	}
	switch outcomeOf(num) {
	case outcomeIneligible:
		return nil, axError(http.StatusUnprocessableEntity, simulator.KindUnprocessable, codeIneligible, "card %s is not eligible for Click to Pay", masked)
	case outcomeDeclined:
		return nil, axError(http.StatusUnprocessableEntity, simulator.KindUnprocessable, codeDeclined, "tokenisation of card %s was declined", masked)
	case outcomeAlreadyEnrolled:
		return nil, axError(http.StatusConflict, simulator.KindConflict, codeAlreadyEnrolled, "card %s is already enrolled in Click to Pay by another Card Member profile", masked)
	case outcomeServiceError:
		return nil, axError(http.StatusInternalServerError, simulator.KindInternal, codeServiceError, "service error while enrolling; retry later")
	case outcomeUnavailable:
		return nil, axError(http.StatusServiceUnavailable, simulator.KindUnavailable, codeUnavailable, "service temporarily unavailable; retry later")
	}

	ref := panRef(num)
	// The PAN's claim, the profile and the new token are one atomic step
	// (row locks where replicas share the store): of two enrolments of one
	// card raced through two replicas, one is refused. The profile's other
	// tokens are read before it; a profile that changed meanwhile is read
	// again.
	var t token
	for attempt := 0; ; attempt++ {
		if live, err := n.pans.Get(ctx, ref); err == nil {
			return nil, axError(http.StatusConflict, simulator.KindConflict, codeAlreadyEnrolled, "card %s is already enrolled as token %s", masked, live)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		c, err := n.consumers.Get(ctx, body.ConsumerRef)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if body.CardRef != "" {
			for _, id := range c.Tokens {
				other, err := n.tokens.Get(ctx, id)
				if err == nil && other.CardRef == body.CardRef && other.Status != statusDeleted {
					return nil, axError(http.StatusConflict, simulator.KindConflict, codeAlreadyEnrolled, "card_ref %s is already enrolled as token %s", body.CardRef, id)
				}
			}
		}
		if t.TokenRefID == "" {
			t = token{
				TokenRefID: "AXTR" + strings.ToUpper(n.env.IDs.Hex(8)), ConsumerRef: body.ConsumerRef, CardRef: body.CardRef,
				BIN: num[:6], Last4: num[len(num)-4:], PANRef: ref, TokenLast4: n.env.IDs.Digits(4),
				ExpiryMonth: cc.ExpiryMonth, ExpiryYear: cc.ExpiryYear, Status: statusActive, CreatedAt: now, UpdatedAt: now,
			}
		}
		read := c.Tokens
		err = store.Update3(ctx, n.pans, ref, n.consumers, body.ConsumerRef, n.tokens, t.TokenRefID,
			func(p *store.Held[string], cm *store.Held[consumer], tk *store.Held[token]) error {
				if p.Exists {
					return axError(http.StatusConflict, simulator.KindConflict, codeAlreadyEnrolled, "card %s is already enrolled as token %s", masked, p.Value)
				}
				if !slices.Equal(cm.Value.Tokens, read) {
					return errProfileChanged
				}
				if !cm.Exists {
					cm.Value = consumer{ConsumerRef: body.ConsumerRef, CreatedAt: now}
				}
				cm.Value.UserData = body.UserData
				cm.Value.Tokens = append(cm.Value.Tokens, t.TokenRefID)
				p.Value, tk.Value = t.TokenRefID, t
				return nil
			})
		if errors.Is(err, errProfileChanged) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	req.AddCorrelationID(t.TokenRefID)
	if outcomeOf(num) == outcomeAnswerLost {
		first := false
		if err := n.lost.Update(ctx, ref+"/"+body.ConsumerRef, func(v *bool, exists bool) error { first, *v = !exists, true; return nil }); err != nil {
			return nil, err
		}
		if first {
			return nil, axError(http.StatusServiceUnavailable, simulator.KindUnavailable, codeUnavailable, "service temporarily unavailable; retry later")
		}
	}
	v := t.metadata()
	delete(v, "created_at")
	delete(v, "status_updated_at")
	return simulator.JSON(http.StatusOK, v), nil
}

func (n *Network) getToken(metadata bool) simulator.Handler {
	return func(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
		id := req.PathParams["token_ref_id"]
		t, err := n.tokens.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, axError(http.StatusNotFound, simulator.KindNotFound, codeNotFound, "no token %s", id)
		}
		if err != nil {
			return nil, err
		}
		if metadata {
			return simulator.JSON(http.StatusOK, t.metadata()), nil
		}
		return simulator.JSON(http.StatusOK, t.status()), nil
	}
}

// transitions: notification_type → the statuses it applies to and the
// status it leads to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"suspend": {from: []string{statusActive}, to: statusSuspended},
	"resume":  {from: []string{statusSuspended}, to: statusActive},
	"delete":  {from: []string{statusActive, statusSuspended}, to: statusDeleted},
}

// changeStatus applies a transition to a token, or refuses it without
// changing anything.
func (n *Network) changeStatus(ctx context.Context, id, notificationType, reason string) (token, string, error) {
	tr, ok := transitions[notificationType]
	if !ok {
		return token{}, "", axError(http.StatusBadRequest, simulator.KindValidation, codeValidation, "notification_type must be delete, suspend or resume")
	}
	// One atomic update of the token and its card's claim: with replicas on
	// a shared store their rows are locked, so a transition raced by two of
	// them is refused once, and a deleted token frees its card at once.
	found, err := n.tokens.Get(ctx, id) // its card never changes
	if errors.Is(err, store.ErrNotFound) {
		return token{}, "", axError(http.StatusNotFound, simulator.KindNotFound, codeNotFound, "no token %s", id)
	}
	if err != nil {
		return token{}, "", err
	}
	var t token
	var prev string
	err = store.Update2(ctx, n.tokens, id, n.pans, found.PANRef, func(cur *store.Held[token], claim *store.Held[string]) error {
		if !cur.Exists {
			return axError(http.StatusNotFound, simulator.KindNotFound, codeNotFound, "no token %s", id)
		}
		legal := false
		for _, f := range tr.from {
			legal = legal || cur.Value.Status == f
		}
		if !legal {
			return axError(http.StatusConflict, simulator.KindState, codeStateTransition,
				"token %s is %s: %s applies to %s only; nothing was changed", id, cur.Value.Status, notificationType, strings.Join(tr.from, " or "))
		}
		prev = cur.Value.Status
		cur.Value.Status, cur.Value.Reason, cur.Value.UpdatedAt = tr.to, reason, n.env.Clock.Now().UTC()
		t = cur.Value
		if tr.to == statusDeleted && claim.Value == id {
			claim.Delete = true
		}
		return nil
	})
	if err != nil {
		return token{}, "", err
	}
	return t, prev, nil
}

// errProfileChanged makes an enrolment read the profile again.
var errProfileChanged = errors.New("the profile changed while the enrolment was decided")

func (n *Network) notifyTokenLifecycle(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var body struct {
		TokenRefID       string `json:"token_ref_id"`
		NotificationType string `json:"notification_type"`
		Reason           string `json:"reason"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return nil, err
	}
	t, prev, err := n.changeStatus(ctx, body.TokenRefID, body.NotificationType, body.Reason)
	if err != nil {
		return nil, err
	}
	if notifyIssuerChangesSetting.Get(n.env.Settings) {
		reason := body.Reason
		if reason == "" {
			reason = "ISSUER_REQUEST"
		}
		n.notifyLater(ctx, t, prev, reason, "ISSUER")
	}
	return simulator.JSON(http.StatusOK, t.status()), nil
}

// profile renders a consumer with its tokens, deleted ones included.
func (n *Network) profile(ctx context.Context, c consumer) (map[string]any, error) {
	tokens := []map[string]any{}
	for _, id := range c.Tokens {
		t, err := n.tokens.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t.metadata())
	}
	return map[string]any{"consumer_ref": c.ConsumerRef, "user_data": c.UserData, "tokens": tokens}, nil
}

func (n *Network) getConsumerProfile(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	id := req.PathParams["consumer_ref"]
	c, err := n.consumers.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, axError(http.StatusNotFound, simulator.KindNotFound, codeNotFound, "no Card Member profile for consumer_ref %s", id)
	}
	if err != nil {
		return nil, err
	}
	p, err := n.profile(ctx, c)
	if err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, p), nil
}

func (n *Network) updateConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	id := req.PathParams["consumer_ref"]
	var body struct {
		UserData userData `json:"user_data"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return nil, err
	}
	var c consumer
	err := n.consumers.Update(ctx, id, func(cur *consumer, exists bool) error {
		if !exists {
			return store.ErrNotFound
		}
		cur.UserData = body.UserData
		c = *cur
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, axError(http.StatusNotFound, simulator.KindNotFound, codeNotFound, "no Card Member profile for consumer_ref %s", id)
	}
	if err != nil {
		return nil, err
	}
	p, err := n.profile(ctx, c)
	if err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, p), nil
}
