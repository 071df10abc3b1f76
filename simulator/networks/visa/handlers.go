package visa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// consumer is one VICA consumer enrolled in Click to Pay.
type consumer struct {
	Key        string              `json:"key"`
	Info       consumerInformation `json:"consumerInformation"`
	Cards      []card              `json:"cards"`
	EnrolledAt time.Time           `json:"enrolledAt"`
	UpdatedAt  time.Time           `json:"updatedAt"`
}

// card is an enrolled payment instrument. The account number is kept because
// Get Data returns it (inside the encrypted answer); every view of the state
// for people masks it.
type card struct {
	AccountNumber  string          `json:"accountNumber"`
	NameOnCard     string          `json:"nameOnCard"`
	ExpirationDate string          `json:"expirationDate"`
	BillingAddress json.RawMessage `json:"billingAddress,omitempty"`
	Status         string          `json:"status"`
	TokenReference string          `json:"tokenReferenceId"`
	PAR            string          `json:"paymentAccountReference"`
}

// request is an accepted asynchronous request.
type request struct {
	TraceID     string       `json:"requestTraceId"`
	Operation   string       `json:"operation"`
	ConsumerKey string       `json:"consumerKey"`
	BID         string       `json:"externalConsumerIDOwnerBID"`
	ExtID       string       `json:"externalConsumerID"`
	Status      string       `json:"status"` // IN_PROGRESS | COMPLETED
	Payload     payload      `json:"payload"`
	Details     []itemResult `json:"details,omitempty"`
	AcceptedAt  time.Time    `json:"acceptedAt"`
	CompletedAt *time.Time   `json:"completedAt,omitempty"`
}

type itemResult struct {
	AccountNumberLast4 string       `json:"accountNumberLast4,omitempty"`
	Status             string       `json:"status"`
	TokenReferenceID   string       `json:"tokenReferenceId,omitempty"`
	ErrorDetail        *itemProblem `json:"errorDetail,omitempty"`
}

type itemProblem struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Handler implements simulator.Network.
func (n *Network) Handler(op string) simulator.Handler {
	switch op {
	case "enrollData", "enrollPaymentInstruments", "manageConsumerInformation",
		"managePaymentInstruments", "deleteConsumerInformation", "deletePaymentInstruments":
		return n.accept
	case "getData":
		return n.getData
	case "requestStatus":
		return n.requestStatus
	}
	return nil
}

func (n *Network) decoded(req *simulator.Request) (payload, error) {
	var p payload
	err := json.Unmarshal(req.Plaintext(), &p)
	return p, err
}

// accept runs the synchronous checks of an asynchronous operation, records
// the request and schedules its completion.
func (n *Network) accept(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	p, err := n.decoded(req)
	if err != nil {
		return nil, err
	}
	if p.Intent.Value != "CLICK_TO_PAY" {
		return nil, &simulator.Error{Status: http.StatusUnprocessableEntity, Kind: simulator.KindUnprocessable, Code: "UNSUPPORTED_PRODUCT",
			Message: fmt.Sprintf("product %q is not supported by this operation: only CLICK_TO_PAY", p.Intent.Value)}
	}
	ci := p.ConsumerInformation
	key := consumerKey(ci.ExternalConsumerIDOwnerBID, ci.ExternalConsumerID)

	n.mu.Lock()
	defer n.mu.Unlock()
	if trace, err := n.pending.Get(ctx, key); err == nil {
		return nil, &simulator.Error{Status: http.StatusConflict, Kind: simulator.KindConflict, Code: "VIDC-3000",
			Message: fmt.Sprintf("a prior request (%s) for this consumer is still in progress; wait for it to complete", trace)}
	}
	existing, err := n.consumers.Get(ctx, key)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := n.check(req.OperationID, p, exists, existing); err != nil {
		return nil, err
	}

	trace := n.env.IDs.UUID()
	r := request{TraceID: trace, Operation: req.OperationID, ConsumerKey: key, BID: ci.ExternalConsumerIDOwnerBID,
		ExtID: ci.ExternalConsumerID, Status: "IN_PROGRESS", Payload: p, AcceptedAt: n.now()}
	if err := n.requests.Put(ctx, trace, r); err != nil {
		return nil, err
	}
	if err := n.pending.Put(ctx, key, trace); err != nil {
		return nil, err
	}
	req.AddCorrelationID(trace)
	delay := n.asyncDelay
	for _, pi := range p.PaymentInstruments {
		if outcomeOf(pi.AccountNumber) == outcomeSlow {
			delay = n.slowDelay
		}
	}
	n.env.After(delay, func(ctx context.Context) { n.complete(ctx, trace) })
	for _, pi := range p.PaymentInstruments {
		if outcomeOf(pi.AccountNumber) == outcomeAnswerLost {
			// Processed, but the issuer never learns it: only a careful retry
			// (same external IDs, "already enrolled" checked) ends well.
			return nil, vidc(http.StatusServiceUnavailable, "VIDC-5000", "service unavailable; retry later")
		}
	}
	return n.encrypted(http.StatusAccepted, "AcceptedResponse", map[string]any{"requestTraceId": trace})
}

// check applies the synchronous VIDC rules; nothing has changed when it fails.
func (n *Network) check(op string, p payload, exists bool, c consumer) error {
	enrolled := map[string]bool{}
	for _, k := range c.Cards {
		enrolled[k.AccountNumber] = true
	}
	switch op {
	case "enrollData":
		if exists {
			return vidc(http.StatusBadRequest, "VIDC-2000", "consumer is already enrolled: add cards with enrollPaymentInstruments")
		}
	default:
		if !exists {
			return vidc(http.StatusBadRequest, "VIDC-2001", "consumer is not enrolled")
		}
	}
	seen := map[string]bool{}
	for i, pi := range p.PaymentInstruments {
		where := fmt.Sprintf("paymentInstruments[%d] (%s)", i, pan.Mask(pi.AccountNumber))
		switch op {
		case "enrollData", "enrollPaymentInstruments":
			if seen[pi.AccountNumber] || enrolled[pi.AccountNumber] {
				return vidc(http.StatusBadRequest, "VIDC-2004", "%s: payment instrument already exists", where)
			}
			seen[pi.AccountNumber] = true
			if err := n.eligible(where, pi); err != nil {
				return err
			}
		case "managePaymentInstruments":
			if !enrolled[pi.AccountNumber] {
				return vidc(http.StatusBadRequest, "VIDC-2005", "%s: payment instrument is not enrolled", where)
			}
			if pi.ExpirationDate != "" && n.expired(pi.ExpirationDate) {
				return vidc(http.StatusBadRequest, "VIDC-2003", "%s: expirationDate %s is in the past", where, "****-**")
			}
		case "deletePaymentInstruments":
			if !enrolled[pi.AccountNumber] {
				return vidc(http.StatusBadRequest, "VIDC-2005", "%s: payment instrument is not enrolled", where)
			}
		}
	}
	return nil
}

func (n *Network) eligible(where string, pi paymentInstrument) error {
	if !strings.HasPrefix(pi.AccountNumber, "4") {
		return vidc(http.StatusBadRequest, "VIDC-2006", "%s: payment instrument is not a Visa card", where)
	}
	switch outcomeOf(pi.AccountNumber) {
	case outcomeExpired:
		return vidc(http.StatusBadRequest, "VIDC-2003", "%s: card is expired", where)
	case outcomeNotSupported:
		return vidc(http.StatusBadRequest, "VIDC-2007", "%s: payment instrument is not supported for Click to Pay", where)
	case outcomeEntitlement:
		return vidc(http.StatusBadRequest, "VIDC-2002", "%s: entitlement check failed: the card is outside the issuer's onboarded ranges", where)
	}
	if n.expired(pi.ExpirationDate) {
		return vidc(http.StatusBadRequest, "VIDC-2003", "%s: card is expired", where)
	}
	return nil
}

// expired reports whether a YYYY-MM expiry is before the current month.
func (n *Network) expired(yyyymm string) bool {
	t, err := time.Parse("2006-01", yyyymm)
	if err != nil {
		return true
	}
	now := n.now().UTC()
	return t.Before(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC))
}

// complete applies an accepted request and marks it COMPLETED. For
// enrolments it first asks the issuer to approve each token, outside the
// state lock, because callbacks may take several delivery attempts.
func (n *Network) complete(ctx context.Context, trace string) {
	r, err := n.requests.Get(ctx, trace)
	if err != nil {
		return // reset since
	}
	tokens := map[string]string{}   // account number → token reference to create
	declined := map[string]string{} // account number → why the issuer declined
	if r.Operation == "enrollData" || r.Operation == "enrollPaymentInstruments" {
		for _, pi := range r.Payload.PaymentInstruments {
			if o := outcomeOf(pi.AccountNumber); o == outcomeNotTokenisable || o == outcomeAsyncFailed {
				continue
			}
			ref := "DNITHE" + strings.ToUpper(n.env.IDs.Hex(10))
			tokens[pi.AccountNumber] = ref
			if ok, why := n.approve(ctx, r, pi, ref); !ok {
				declined[pi.AccountNumber] = why
			}
		}
	}
	if ctx.Err() != nil {
		return // reset while waiting for the issuer
	}

	n.mu.Lock()
	var details []itemResult
	err = n.consumers.Update(ctx, r.ConsumerKey, func(c *consumer, exists bool) error {
		now := n.now()
		switch r.Operation {
		case "enrollData":
			*c = consumer{Key: r.ConsumerKey, Info: r.Payload.ConsumerInformation, Cards: []card{}, EnrolledAt: now}
			c.Info.Status = "ACTIVE"
			details = n.addCards(c, r.Payload.PaymentInstruments, tokens, declined)
		case "enrollPaymentInstruments":
			details = n.addCards(c, r.Payload.PaymentInstruments, tokens, declined)
		case "manageConsumerInformation":
			c.Info = r.Payload.ConsumerInformation
			if c.Info.Status == "" {
				c.Info.Status = "ACTIVE"
			}
			details = []itemResult{{Status: "SUCCESS"}}
		case "managePaymentInstruments":
			for _, pi := range r.Payload.PaymentInstruments {
				for i := range c.Cards {
					if c.Cards[i].AccountNumber != pi.AccountNumber {
						continue
					}
					if pi.NameOnCard != "" {
						c.Cards[i].NameOnCard = pi.NameOnCard
					}
					if pi.ExpirationDate != "" {
						c.Cards[i].ExpirationDate = pi.ExpirationDate
					}
					if len(pi.BillingAddress) > 0 {
						c.Cards[i].BillingAddress = pi.BillingAddress
					}
					details = append(details, itemResult{AccountNumberLast4: last4(pi.AccountNumber), Status: "SUCCESS", TokenReferenceID: c.Cards[i].TokenReference})
				}
			}
		case "deletePaymentInstruments":
			for _, pi := range r.Payload.PaymentInstruments {
				kept := c.Cards[:0]
				for _, k := range c.Cards {
					if k.AccountNumber != pi.AccountNumber {
						kept = append(kept, k)
					}
				}
				c.Cards = kept
				details = append(details, itemResult{AccountNumberLast4: last4(pi.AccountNumber), Status: "SUCCESS"})
			}
		case "deleteConsumerInformation":
			// Deleting a consumer deletes its payment instruments with it.
			for _, k := range c.Cards {
				details = append(details, itemResult{AccountNumberLast4: last4(k.AccountNumber), Status: "SUCCESS"})
			}
			if len(details) == 0 {
				details = []itemResult{{Status: "SUCCESS"}}
			}
			return store.ErrDelete
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		n.env.Logger.Error("completing request", "requestTraceId", trace, "error", err)
		details = []itemResult{{Status: "FAILURE", ErrorDetail: &itemProblem{Reason: "VIDC-5000", Message: "service error"}}}
	}
	done := n.now()
	r.Status, r.Details, r.CompletedAt = "COMPLETED", details, &done
	_ = n.requests.Put(ctx, trace, r)
	_ = n.pending.Delete(ctx, r.ConsumerKey)
	n.mu.Unlock()
	n.notifyStatus(ctx, r)
}

// addCards enrols cards, deciding each one's asynchronous outcome.
func (n *Network) addCards(c *consumer, pis []paymentInstrument, tokens, declined map[string]string) []itemResult {
	var out []itemResult
	for _, pi := range pis {
		res := itemResult{AccountNumberLast4: last4(pi.AccountNumber)}
		switch outcomeOf(pi.AccountNumber) {
		case outcomeNotTokenisable:
			res.Status, res.ErrorDetail = "FAILURE", &itemProblem{Reason: "VIDC-7000", Message: "tokenization declined: the card is not eligible for a Click to Pay token"}
		case outcomeAsyncFailed:
			res.Status, res.ErrorDetail = "FAILURE", &itemProblem{Reason: "VIDC-5000", Message: "service error while enrolling the card; retry later"}
		default:
			if why, ok := declined[pi.AccountNumber]; ok {
				res.Status, res.ErrorDetail = "FAILURE", &itemProblem{Reason: "VIDC-7000", Message: "tokenization declined: " + why}
				break
			}
			k := card{AccountNumber: pi.AccountNumber, NameOnCard: pi.NameOnCard, ExpirationDate: pi.ExpirationDate,
				BillingAddress: pi.BillingAddress, Status: "ACTIVE", TokenReference: tokens[pi.AccountNumber],
				PAR: par(pi.AccountNumber)}
			c.Cards = append(c.Cards, k)
			res.Status, res.TokenReferenceID = "SUCCESS", k.TokenReference
		}
		out = append(out, res)
	}
	return out
}

// par derives a stable payment account reference (29 characters, V + BIN-free
// digest) from the PAN, as Visa does per account.
func par(accountNumber string) string {
	sum := sha256.Sum256([]byte("c2psim-par:" + accountNumber))
	return "V001" + strings.ToUpper(hex.EncodeToString(sum[:]))[:25]
}

func last4(s string) string {
	if len(s) < 4 {
		return s
	}
	return s[len(s)-4:]
}

func (n *Network) requestStatus(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	trace := req.PathParams["requestTraceId"]
	req.AddCorrelationID(trace)
	r, err := n.requests.Get(ctx, trace)
	if errors.Is(err, store.ErrNotFound) {
		return nil, vidc(http.StatusBadRequest, "VIDC-1001", "requestTraceId %q is not known", trace)
	}
	if err != nil {
		return nil, err
	}
	return n.encrypted(http.StatusOK, "RequestStatusResponse", statusBody(r))
}

func (n *Network) getData(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	p, err := n.decoded(req)
	if err != nil {
		return nil, err
	}
	if p.Intent.Value != "CLICK_TO_PAY" {
		return nil, &simulator.Error{Status: http.StatusUnprocessableEntity, Kind: simulator.KindUnprocessable, Code: "UNSUPPORTED_PRODUCT",
			Message: fmt.Sprintf("product %q is not supported: only CLICK_TO_PAY", p.Intent.Value)}
	}
	ci := p.ConsumerInformation
	item := map[string]any{"intent": map[string]string{"type": "PRODUCT_CODE", "value": "CLICK_TO_PAY"}}
	c, err := n.consumers.Get(ctx, consumerKey(ci.ExternalConsumerIDOwnerBID, ci.ExternalConsumerID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Get Data reports per-item errors inside data[], with 200.
		item["errorDetail"] = itemProblem{Reason: "VIDC-2001", Message: "consumer is not enrolled in Click to Pay"}
	case err != nil:
		return nil, err
	default:
		cards := []map[string]any{}
		for _, k := range c.Cards {
			entry := map[string]any{
				"type": "CARD", "cardType": "VISA", "status": k.Status, "issuerName": "c2psim issuer",
				"nameOnCard": k.NameOnCard, "accountNumber": k.AccountNumber, "expirationDate": k.ExpirationDate,
				"paymentAccountReference": k.PAR, "tokenDetails": map[string]string{"tokenReferenceId": k.TokenReference},
			}
			if len(k.BillingAddress) > 0 {
				entry["billingAddress"] = k.BillingAddress
			}
			cards = append(cards, entry)
		}
		item["consumerInformation"] = c.Info
		item["paymentInstruments"] = cards
	}
	return n.encrypted(http.StatusOK, "GetDataResponse", map[string]any{"data": []any{item}})
}

// UnknownField is the undeclared field the unknownFields setting adds.
const UnknownField = "c2psimFutureField"

// encrypted seals a plaintext answer to the client's MLE key, after checking
// the plaintext against its schema.
func (n *Network) encrypted(status int, schema string, v any) (*simulator.Response, error) {
	if m, ok := v.(map[string]any); ok && n.unknownFields {
		// Answers are open (ERR-04): a client that chokes on a field it does
		// not know breaks with Visa's next release, so the simulator sends one.
		m[UnknownField] = "clients must ignore fields they do not know"
	}
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	n.env.CheckSchema(Spec, schema, plain)
	sealed, err := mle.Seal(plain, n.clientPublicKey(), n.currentKeyID(), n.now())
	if err != nil {
		return nil, err
	}
	return &simulator.Response{Status: status, Raw: sealed, Plaintext: plain}, nil
}
