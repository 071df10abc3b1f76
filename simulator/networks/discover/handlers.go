package discover

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/discover/cardjwe"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

type consumerData struct {
	ConsumerID string `json:"consumerId"`
	FirstName  string `json:"firstName"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Locale     string `json:"locale"`
	Country    string `json:"country"`
}

type cardPlain struct {
	PAN            string          `json:"pan"`
	ExpiryMonth    int             `json:"expiryMonth"`
	ExpiryYear     int             `json:"expiryYear"`
	NameOnCard     string          `json:"nameOnCard"`
	BillingAddress json.RawMessage `json:"billingAddress"`
}

// Token statuses.
const (
	statusActive    = "ACTIVE"
	statusSuspended = "SUSPENDED"
	statusUnlinked  = "UNLINKED"
)

// card is an enrolled card; the state keeps only BIN, last four and a
// one-way reference of the PAN, never the number.
type card struct {
	CardID   string `json:"cardId"`
	BIN      string `json:"bin"`
	Last4    string `json:"last4"`
	PANRef   string `json:"panRef"`
	Expiry   string `json:"expiry"`
	Status   string `json:"status"` // ACTIVE | SUSPENDED
	TokenRef string `json:"tokenRef"`
	PAR      string `json:"par"`
}

type consumer struct {
	Data  consumerData `json:"consumer"`
	Cards []card       `json:"cards"`
}

// tokenRecord is a card's token, found by its reference: the card it
// belongs to and its state (UNLINKED once unlinked, when the card has left
// the profile).
type tokenRecord struct {
	ConsumerID string    `json:"consumerId"`
	CardID     string    `json:"cardId"`
	Status     string    `json:"status"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

type operation struct {
	ID         string            `json:"operationId"`
	Type       string            `json:"type"`
	Status     string            `json:"status"`
	ConsumerID string            `json:"consumerId"`
	CardID     string            `json:"cardId,omitempty"`
	TokenRef   string            `json:"tokenRef,omitempty"`
	PAR        string            `json:"par,omitempty"`
	Error      map[string]string `json:"error,omitempty"`
	Card       *card             `json:"card,omitempty"`
	Update     *consumerData     `json:"update,omitempty"`
	Outcome    string            `json:"outcome,omitempty"`
	AcceptedAt time.Time         `json:"acceptedAt"`
}

// view is an operation as the API shows it.
func (o operation) view() map[string]any {
	v := map[string]any{"operationId": o.ID, "type": o.Type, "status": o.Status, "consumerId": o.ConsumerID}
	for k, s := range map[string]string{"cardId": o.CardID, "tokenReferenceId": o.TokenRef, "par": o.PAR} {
		if s != "" {
			v[k] = s
		}
	}
	if o.Error != nil {
		v["error"] = map[string]any{"code": o.Error["code"], "message": o.Error["message"]}
	}
	return v
}

// Operations implements simulator.Network. Every operation is journalled
// under the consumer it concerns and checked for what its document cannot
// say (checkCall); card data is opened (JWS-in-JWE) and validated before
// fault rules and the handler run.
func (n *Network) Operations() []simulator.Operation {
	op := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: n.decode, Handle: h}
	}
	withCard := func(id string) simulator.Operation {
		return simulator.Operation{ID: id, Decode: n.decodeCard, Plaintext: "EncryptedCardPlaintext", Handle: n.accept}
	}
	return []simulator.Operation{
		op("getToken", n.getToken),
		op("getPublicKeys", n.getPublicKeys),
		withCard("enrolConsumer"),
		withCard("addCard"),
		op("updateConsumer", n.accept),
		withCard("updateCard"),
		op("deleteConsumer", n.accept),
		op("updateTokenState", n.updateTokenState),
		op("getConsumer", n.getConsumer),
		op("getOperation", n.getOperation),
	}
}

// decode journals an exchange under the consumer (or token) it concerns,
// known before any fault rule or handler runs, so every exchange about a
// consumer, refused or not, is found under it; then checkCall.
func (n *Network) decode(req *simulator.Request) error {
	if id := req.PathParams["consumerId"]; id != "" {
		req.AddCorrelationID(id)
	}
	switch req.OperationID {
	case "enrolConsumer":
		var b struct {
			Consumer struct {
				ConsumerID string `json:"consumerId"`
			} `json:"consumer"`
		}
		_ = json.Unmarshal(req.Body, &b)
		req.AddCorrelationID(b.Consumer.ConsumerID)
	case "updateTokenState":
		var b struct {
			RequestID        string `json:"requestId"`
			TokenReferenceID string `json:"tokenReferenceId"`
		}
		_ = json.Unmarshal(req.Body, &b)
		req.AddCorrelationID(b.TokenReferenceID)
		req.AddCorrelationID(b.RequestID)
		if rec, err := n.cardTokens.Get(req.HTTP.Context(), b.TokenReferenceID); err == nil {
			req.AddCorrelationID(rec.ConsumerID)
		}
	}
	return n.checkCall(req)
}

// decodeCard accepts card data only as the partner's JWS inside a JWE to
// Discover's encryption key.
func (n *Network) decodeCard(req *simulator.Request) error {
	if err := n.decode(req); err != nil {
		return err
	}
	var body struct {
		Card          struct{ EncryptedCard string } `json:"card"`
		EncryptedCard string                         `json:"encryptedCard"`
	}
	_ = json.Unmarshal(req.Body, &body)
	enc := body.EncryptedCard
	if enc == "" {
		enc = body.Card.EncryptedCard
	}
	if pan.RedactText(enc) != enc || strings.Count(enc, ".") != 4 {
		return dsError(http.StatusBadRequest, simulator.KindCrypto, codeCrypto,
			"Cryptographic error: card data must be a JWS-in-JWE (a compact JWE RSA-OAEP-256/A256GCM, cty JWT, to Discover's encryption key, of the partner's RS256 JWS of the card), never a card number in clear")
	}
	keys, err := n.rsaKeys()
	if err != nil {
		return err
	}
	plain, _, err := cardjwe.Open(enc, keys.enc, n.encKeyID, func(kid string) (*rsa.PublicKey, bool) { return n.partnerSigningKey(kid) })
	if err != nil {
		return dsError(http.StatusBadRequest, simulator.KindCrypto, codeCrypto, "Cryptographic error: encryptedCard: %v", err)
	}
	req.SetPlaintext(plain)
	if verr := req.CheckPlaintext(plain); verr != nil {
		verr.Code = validationCode(verr)
		return verr
	}
	var c cardPlain
	_ = json.Unmarshal(plain, &c)
	req.AddCard(c.PAN)
	return nil
}

func (n *Network) getToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	form, _ := url.ParseQuery(string(req.Body))
	n.credMu.RLock()
	granted := n.scope
	n.credMu.RUnlock()
	if s := form.Get("scope"); s != granted {
		return nil, n.forbiddenError("the application was not granted scope %q", clip(s, 64))
	}
	tok, seq, err := n.issue(ctx, strings.TrimPrefix(req.Principal(), "client:"), granted)
	if err != nil {
		return nil, err
	}
	req.Note("token", fmt.Sprintf("#%d issued", seq))
	return simulator.JSON(http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(tokenTTLSetting.Get(n.env.Settings).Seconds()), "scope": granted}), nil
}

func (n *Network) getPublicKeys(context.Context, *simulator.Request) (*simulator.Response, error) {
	keys, err := n.rsaKeys()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(keys.jwks, &doc); err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, doc), nil
}

func isDiscover(p string) bool {
	switch {
	case strings.HasPrefix(p, "6011"), strings.HasPrefix(p, "65"):
		return true
	case len(p) >= 3 && p[:3] >= "644" && p[:3] <= "649":
		return true
	}
	return false
}

// par derives the stable payment account reference of a card number.
func par(p string) string {
	sum := sha256.Sum256([]byte("c2psim-discover-par:" + p))
	return "D001" + strings.ToUpper(hex.EncodeToString(sum[:]))[:25]
}

func panRef(p string) string {
	sum := sha256.Sum256([]byte("c2psim-discover:" + p))
	return hex.EncodeToString(sum[:8])
}

func opType(op string) string {
	switch op {
	case "enrolConsumer":
		return "ENROL"
	case "addCard":
		return "ADD_CARD"
	case "updateConsumer":
		return "UPDATE_CONSUMER"
	case "updateCard":
		return "UPDATE_CARD"
	}
	return "DELETE_CONSUMER"
}

func notEnrolled(consumerID string) *simulator.Error {
	return dsError(http.StatusBadRequest, simulator.KindNotFound, codeNoAccount, "Account not found: consumer %s is not enrolled", consumerID)
}

// accept checks an operation synchronously, records it and schedules its
// outcome. Nothing changes when a check fails.
func (n *Network) accept(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var body struct {
		Consumer consumerData `json:"consumer"`
		Card     struct {
			CardID string `json:"cardId"`
		} `json:"card"`
		CardID string `json:"cardId"`
	}
	_ = json.Unmarshal(req.Body, &body)
	var update consumerData
	consumerID := req.PathParams["consumerId"]
	switch req.OperationID {
	case "enrolConsumer":
		consumerID = body.Consumer.ConsumerID
	case "updateConsumer":
		_ = json.Unmarshal(req.Body, &update)
		if update.ConsumerID != consumerID {
			return nil, dsError(http.StatusBadRequest, simulator.KindValidation, codeValue, "Invalid field value: consumerId in the body (%s) differs from the path (%s)", update.ConsumerID, consumerID)
		}
	}
	cardID := req.PathParams["cardId"]
	if cardID == "" {
		cardID = body.CardID + body.Card.CardID
	}

	// Read first, to refuse at once; checked again in one atomic step with
	// the claim below, which decides when two requests (or replicas) race.
	decide := func(pendingOp string, inFlight bool, c consumer, exists bool) (*card, string, error) {
		if inFlight {
			return nil, "", dsError(http.StatusConflict, simulator.KindConflict, codeInProgress, "operation %s for this consumer is still in progress; retry when it is done", pendingOp)
		}
		if req.OperationID == "enrolConsumer" && exists {
			return nil, "", dsError(http.StatusBadRequest, simulator.KindConflict, codeProvisioned, "Account is already provisioned: consumer %s is enrolled; add cards to it", consumerID)
		}
		if req.OperationID != "enrolConsumer" && !exists {
			return nil, "", notEnrolled(consumerID)
		}
		if req.OperationID == "enrolConsumer" || req.OperationID == "addCard" || req.OperationID == "updateCard" {
			var cp cardPlain
			_ = json.Unmarshal(req.Plaintext(), &cp)
			return n.checkCard(c, cp, cardID, req.OperationID == "updateCard", findCard(c.Cards, cardID))
		}
		return nil, "", nil
	}
	prev, err := n.pending.Get(ctx, consumerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	c, err := n.consumers.Get(ctx, consumerID)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if _, _, err := decide(prev, prev != "", c, exists); err != nil {
		return nil, err
	}
	op := operation{ID: "op-" + n.env.IDs.Hex(8), Type: opType(req.OperationID), Status: "PENDING",
		ConsumerID: consumerID, CardID: cardID, AcceptedAt: n.env.Clock.Now()}
	switch req.OperationID {
	case "enrolConsumer":
		op.Update = &body.Consumer
	case "updateConsumer":
		op.Update = &update
	}
	// The consumer's one operation in flight: claimed with the operation,
	// the consumer's state checked again, in one atomic step (row locks on
	// a shared store).
	err = store.Update3(ctx, n.pending, consumerID, n.consumers, consumerID, n.operations, op.ID,
		func(pd *store.Held[string], c *store.Held[consumer], o *store.Held[operation]) error {
			k, outcome, err := decide(pd.Value, pd.Exists, c.Value, c.Exists)
			if err != nil {
				return err
			}
			op.Card, op.Outcome = k, outcome
			pd.Value, o.Value = op.ID, op
			return nil
		})
	if err != nil {
		return nil, err
	}
	req.AddCorrelationID(op.ID)
	delay := asyncDelaySetting.Get(n.env.Settings)
	if op.Outcome == outcomeSlow {
		delay = slowDelaySetting.Get(n.env.Settings)
	}
	if err := n.env.Schedule(ctx, delay, taskComplete, op.ID); err != nil {
		return nil, err
	}
	if op.Outcome == outcomeAnswerLost {
		first := false
		if err := n.lost.Update(ctx, consumerID+"/"+cardID, func(v *bool, exists bool) error { first, *v = !exists, true; return nil }); err != nil {
			return nil, err
		}
		if first {
			return nil, dsError(http.StatusInternalServerError, simulator.KindUnavailable, codeDownstream, "Downstream system unavailable; retry later")
		}
	}
	return simulator.JSON(http.StatusAccepted, op.view()), nil
}

func findCard(cards []card, id string) *card {
	for i := range cards {
		if cards[i].CardID == id {
			return &cards[i]
		}
	}
	return nil
}

// checkCard applies the synchronous card rules and returns the card to
// store and its test-card outcome.
func (n *Network) checkCard(c consumer, cp cardPlain, cardID string, update bool, existing *card) (*card, string, error) {
	masked := pan.Mask(cp.PAN)
	if update && existing == nil {
		return nil, "", dsError(http.StatusBadRequest, simulator.KindNotFound, codeNoAccount, "Account not found: card %s is not enrolled", cardID)
	}
	if update && panRef(cp.PAN) != existing.PANRef {
		return nil, "", dsError(http.StatusBadRequest, simulator.KindValidation, codeValue, "Invalid field value: card %s: a new card number is a replacement (unlink and add), not an update", cardID)
	}
	if !update {
		if existing != nil {
			return nil, "", dsError(http.StatusBadRequest, simulator.KindConflict, codeProvisioned, "Account is already provisioned: card %s exists", cardID)
		}
		for _, k := range c.Cards {
			if k.PANRef == panRef(cp.PAN) {
				return nil, "", dsError(http.StatusBadRequest, simulator.KindConflict, codeProvisioned, "Account is already provisioned: card %s is enrolled as %s", masked, k.CardID)
			}
		}
		if !isDiscover(cp.PAN) {
			return nil, "", dsError(http.StatusBadRequest, simulator.KindUnprocessable, codeIneligible, "PAN Ineligible: card %s is not a Discover card", masked)
		}
		if !pan.Luhn(cp.PAN) {
			return nil, "", dsError(http.StatusBadRequest, simulator.KindUnprocessable, codeLuhn, "Luhn validation check failed for card %s", masked)
		}
	}
	now := n.env.Clock.Now().UTC()
	if cp.ExpiryYear < now.Year() || (cp.ExpiryYear == now.Year() && cp.ExpiryMonth < int(now.Month())) {
		return nil, "", dsError(http.StatusBadRequest, simulator.KindUnprocessable, codeExpired, "The card expired: card %s expired in %02d/%04d", masked, cp.ExpiryMonth, cp.ExpiryYear)
	}
	outcome := outcomeOf(cp.PAN)
	switch outcome {
	case outcomeIneligible:
		return nil, "", dsError(http.StatusBadRequest, simulator.KindUnprocessable, codeIneligible, "PAN Ineligible: card %s is not eligible for Click to Pay", masked)
	case outcomeServiceError:
		return nil, "", dsError(http.StatusInternalServerError, simulator.KindUnavailable, codeDownstream, "Downstream system unavailable; retry later")
	}
	k := &card{CardID: cardID, BIN: cp.PAN[:6], Last4: cp.PAN[len(cp.PAN)-4:], PANRef: panRef(cp.PAN),
		Expiry: fmt.Sprintf("%04d-%02d", cp.ExpiryYear, cp.ExpiryMonth), Status: statusActive}
	k.PAR = par(cp.PAN)
	if existing != nil {
		k.TokenRef, k.Status = existing.TokenRef, existing.Status
	}
	return k, outcome, nil
}

// Tasks implements simulator.TaskRunner.
func (n *Network) Tasks() []simulator.Task {
	return []simulator.Task{{Kind: taskComplete, Run: n.runComplete}}
}

// taskComplete decides an accepted operation; its payload is the operation
// ID (the operation in the state store keeps no card number).
const taskComplete = "complete"

func (n *Network) runComplete(ctx context.Context, payload []byte) error {
	var id string
	if err := json.Unmarshal(payload, &id); err != nil {
		return err
	}
	return n.complete(ctx, id)
}

// complete applies an operation and records its outcome: the profile,
// the tokens, the operation and the end of the consumer's operation in
// flight change in one atomic step, so a restart in between cannot apply it
// twice, and a token's state never disagrees with its card's.
func (n *Network) complete(ctx context.Context, id string) error {
	op, err := n.operations.Get(ctx, id)
	if err != nil {
		return err
	}
	if op.Status != "PENDING" {
		return nil // completed before a restart
	}
	fail := func(code, msg string) {
		op.Status, op.Error = "FAILED", map[string]string{"code": code, "message": msg}
	}
	switch op.Outcome {
	case outcomeDeclined:
		fail(codeNotAdded, "Account can't be added at this time: tokenisation declined, no token was issued")
	case outcomeAsyncFailure:
		fail(codeProcessing, "Unexpected error while processing; retry the operation")
	}
	// The tokens the change touches: a new card's, or every card's of a
	// consumer deleted.
	var newRef string
	var touched []string
	switch {
	case op.Status == "FAILED":
	case op.Type == "ENROL" || op.Type == "ADD_CARD":
		newRef = "DDX" + strings.ToUpper(n.env.IDs.Hex(10))
		touched = []string{newRef}
	case op.Type == "DELETE_CONSUMER":
		if c, err := n.consumers.Get(ctx, op.ConsumerID); err == nil {
			for _, k := range c.Cards {
				touched = append(touched, k.TokenRef)
			}
		}
	}
	var unlinked []card
	var a store.Atomic
	o := store.Hold(&a, n.operations, id)
	pd := store.Hold(&a, n.pending, op.ConsumerID)
	cs := store.Hold(&a, n.consumers, op.ConsumerID)
	toks := map[string]*store.Held[tokenRecord]{}
	for _, ref := range touched {
		toks[ref] = store.Hold(&a, n.cardTokens, ref)
	}
	apply := func() error {
		if !o.Exists || o.Value.Status != "PENDING" {
			return errCompleted
		}
		if op.Status == "FAILED" {
			return nil
		}
		now := n.env.Clock.Now().UTC()
		c := &cs.Value
		switch op.Type {
		case "ENROL":
			*c = consumer{Data: *op.Update, Cards: []card{}}
			fallthrough
		case "ADD_CARD":
			k := *op.Card
			k.TokenRef = newRef
			c.Cards = append(c.Cards, k)
			op.TokenRef, op.PAR = k.TokenRef, k.PAR
			toks[newRef].Value = tokenRecord{ConsumerID: op.ConsumerID, CardID: k.CardID, Status: statusActive, UpdatedAt: now}
		case "UPDATE_CONSUMER":
			c.Data = *op.Update
		case "UPDATE_CARD":
			if k := findCard(c.Cards, op.CardID); k != nil {
				k.Expiry = op.Card.Expiry
				op.TokenRef, op.PAR = k.TokenRef, k.PAR
			}
		case "DELETE_CONSUMER":
			for _, k := range c.Cards {
				if t := toks[k.TokenRef]; t != nil {
					t.Value = tokenRecord{ConsumerID: op.ConsumerID, CardID: k.CardID, Status: statusUnlinked, UpdatedAt: now}
				}
			}
			unlinked = c.Cards
			cs.Delete = true
		}
		op.Status = "SUCCEEDED"
		return nil
	}
	err = a.Do(ctx, func() error {
		if err := apply(); err != nil {
			return err
		}
		op.Card, op.Update = nil, nil
		o.Value = op
		pd.Delete = pd.Value == id
		return nil
	})
	if errors.Is(err, errCompleted) {
		return nil // reset, or completed meanwhile
	}
	if err != nil {
		// The change failed: the operation fails, nothing else changes.
		n.env.Logger.Error("completing operation", "operation", id, "error", err)
		fail(codeSystem, "The system has difficulty processing the request")
		op.Card, op.Update, op.TokenRef, op.PAR = nil, nil, "", ""
		unlinked = nil
		err = store.Update2(ctx, n.operations, id, n.pending, op.ConsumerID, func(o *store.Held[operation], pd *store.Held[string]) error {
			o.Value, pd.Delete = op, pd.Value == id
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, k := range unlinked {
		n.notifyIssuer(ctx, op.ConsumerID, k, statusUnlinked, "ISSUER_REQUEST")
	}
	return nil
}

// errCompleted stops a completion already made.
var errCompleted = errors.New("operation already completed")

func (n *Network) getOperation(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	id := req.PathParams["operationId"]
	req.AddCorrelationID(id)
	op, err := n.operations.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, dsError(http.StatusBadRequest, simulator.KindNotFound, codeNoTask, "Invalid operation ID: no operation %s", id)
	}
	if err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, op.view()), nil
}

func (n *Network) getConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	id := req.PathParams["consumerId"]
	c, err := n.consumers.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notEnrolled(id)
	}
	if err != nil {
		return nil, err
	}
	cards := []map[string]string{}
	for _, k := range c.Cards {
		cards = append(cards, map[string]string{"cardId": k.CardID, "bin": k.BIN, "last4": k.Last4, "status": k.Status, "tokenReferenceId": k.TokenRef, "par": k.PAR})
	}
	return simulator.JSON(http.StatusOK, map[string]any{"consumerId": id, "firstName": c.Data.FirstName, "lastName": c.Data.LastName,
		"email": c.Data.Email, "phone": c.Data.Phone, "status": "ACTIVE", "cards": cards}), nil
}
