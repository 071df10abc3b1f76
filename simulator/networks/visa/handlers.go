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
	CardType       string          `json:"cardType,omitempty"`
	IssuerName     string          `json:"issuerName,omitempty"`
	CurrencyCode   string          `json:"currencyCode,omitempty"`
	Status         string          `json:"status"`
	TokenReference string          `json:"tokenReferenceId"`
	PAR            string          `json:"paymentAccountReference"`
	ReferenceID    string          `json:"paymentInstrumentReferenceID"`
}

// registration is a consumer VICA knows from another Visa product (the
// issuer's Alias Directory enrolment, say): the data Enroll Existing Issuer
// Data enrols into Click to Pay. c2psim emulates Click to Pay only, so the
// registerInOtherProduct trigger stands for the other product's enrolment.
type registration struct {
	Key         string              `json:"key"`
	Product     string              `json:"product"`
	Info        consumerInformation `json:"consumerInformation"`
	Instruments []card              `json:"paymentInstruments"`
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

// Operations implements simulator.Network: every operation of the served
// document, the handler answering it and the schema of its decrypted
// request (as the document's x-c2psim-plaintext names it). Every call goes
// through MLE's decode, bodiless ones too (they name the Key ID the answer
// is encrypted for).
func (n *Network) Operations() []simulator.Operation {
	op := func(id, plaintext string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: n.decode, Plaintext: plaintext, Handle: h}
	}
	return []simulator.Operation{
		op(opEnrollData, "EnrollDataRequest", n.accept),
		op(opEnrollExisting, "EnrollExistingWithInstrumentRequest", n.accept),
		op(opEnrollExistingReference, "EnrollExistingWithReferenceRequest", n.accept),
		op("enrollPaymentInstruments", "EnrollPaymentInstrumentsRequest", n.accept),
		op("manageConsumerInformation", "ManageConsumerInformationRequest", n.accept),
		op("managePaymentInstruments", "ManagePaymentInstrumentsRequest", n.accept),
		op("deleteConsumerInformation", "ConsumerOperationRequest", n.accept),
		op("deletePaymentInstruments", "DeletePaymentInstrumentsRequest", n.accept),
		op("getData", "GetDataRequest", n.getData),
		op("requestStatus", "", n.requestStatus),
	}
}

// Tasks implements simulator.TaskRunner.
func (n *Network) Tasks() []simulator.Task {
	return []simulator.Task{{Kind: taskComplete, Run: n.runComplete}}
}

// taskComplete completes an accepted request; its payload is the
// requestTraceId (the request, card data included, is in the state store as
// Get Data needs it).
const taskComplete = "complete"

func (n *Network) runComplete(ctx context.Context, payload []byte) error {
	var trace string
	if err := json.Unmarshal(payload, &trace); err != nil {
		return err
	}
	n.complete(ctx, trace)
	return nil
}

// Operation IDs the handlers branch on.
const (
	opEnrollData              = "enrollData"
	opEnrollExisting          = "enrollExistingDataWithPaymentInstrument"
	opEnrollExistingReference = "enrollExistingDataWithPaymentInstrumentReference"
	productClickToPay         = "CLICK_TO_PAY"
)

func (n *Network) decoded(req *simulator.Request) (payload, error) {
	var p payload
	if err := json.Unmarshal(req.Plaintext(), &p); err != nil {
		return p, err
	}
	if ext := req.PathParams["externalConsumerId"]; ext != "" {
		// Enroll Existing names the consumer in the path.
		p.ConsumerInformation.ExternalConsumerID = ext
	}
	return p, nil
}

// selectProduct checks the product selector: exactly one of products[] (the
// current pattern) and the legacy intent, naming CLICK_TO_PAY only.
func (n *Network) selectProduct(req *simulator.Request, p payload) error {
	switch {
	case p.Intent != nil && len(p.Products) > 0:
		return fieldError("VIDC-1001", "products", "send products or the legacy intent, not both")
	case p.Intent == nil && len(p.Products) == 0:
		return fieldError("VIDC-1000", "products", `products is required: [{"productCode": "CLICK_TO_PAY"}] (or the legacy intent)`)
	case p.Intent != nil:
		switch legacyIntentSetting.Get(n.env.Settings) {
		case legacyRefuse:
			return fieldError("VIDC-1001", "intent", `intent is the legacy product selector and this simulator refuses it (legacyIntent=refuse): send products [{"productCode": "CLICK_TO_PAY"}]`)
		case legacyWarn:
			req.Note("legacyIntent", `the request selects its product with the legacy intent; Visa keeps it for backward compatibility: send products [{"productCode": "CLICK_TO_PAY"}]`)
		}
		if p.Intent.Value != productClickToPay {
			return unsupportedProduct(p.Intent.Value)
		}
		return nil
	}
	for _, pr := range p.Products {
		if pr.ProductCode != productClickToPay {
			return unsupportedProduct(pr.ProductCode)
		}
	}
	return nil
}

func unsupportedProduct(code string) error {
	return &simulator.Error{Status: http.StatusUnprocessableEntity, Kind: simulator.KindUnprocessable, Code: "UNSUPPORTED_PRODUCT",
		Message: fmt.Sprintf("product %q is not supported by this operation: c2psim emulates CLICK_TO_PAY only", code)}
}

func fieldError(code, field, msg string) *simulator.Error {
	return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindValidation, Code: code, Message: msg,
		Fields: []simulator.FieldError{{Field: field, In: "body", Rule: "value", Message: msg}}}
}

// accept runs the synchronous checks of an asynchronous operation, records
// the request and schedules its completion.
func (n *Network) accept(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	p, err := n.decoded(req)
	if err != nil {
		return nil, err
	}
	if err := n.selectProduct(req, p); err != nil {
		return nil, err
	}
	if count, most := len(p.PaymentInstruments)+len(p.References), maxPaymentInstrumentsSetting.Get(n.env.Settings); count > most {
		return nil, &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindValidation, Code: "VIDC-1003",
			Message: fmt.Sprintf("array length check failed: %d payment instruments in one request; this release accepts %d (maxPaymentInstruments)", count, most),
			Fields:  []simulator.FieldError{{Field: "paymentInstruments", In: "body", Rule: "maxItems", Message: fmt.Sprintf("at most %d payment instruments per request", most)}}}
	}
	ci := p.ConsumerInformation
	key := consumerKey(ci.ExternalConsumerIDOwnerBID, ci.ExternalConsumerID)

	// Read first, to refuse at once; checked again in one atomic step with
	// the claim below, which decides when two requests (or replicas) race.
	if trace, err := n.pending.Get(ctx, key); err == nil {
		return nil, inProgress(trace)
	}
	existing, err := n.consumers.Get(ctx, key)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if req.OperationID == opEnrollExisting || req.OperationID == opEnrollExistingReference {
		reg, err := n.registrations.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, vidc(http.StatusBadRequest, "VIDC-2001", "consumer %q (owner BID %s) is not registered in another Visa product: enrol it with enrollData", ci.ExternalConsumerID, ci.ExternalConsumerIDOwnerBID)
		}
		if err != nil {
			return nil, err
		}
		if exists {
			return nil, vidc(http.StatusBadRequest, "VIDC-2000", "consumer is already enrolled in CLICK_TO_PAY: add cards with enrollPaymentInstruments")
		}
		if p, err = resolveReferences(p, reg); err != nil {
			return nil, err
		}
		p.ConsumerInformation = reg.Info
	}
	if err := n.check(req.OperationID, p, exists, existing); err != nil {
		return nil, err
	}

	trace := n.env.IDs.UUID()
	r := request{TraceID: trace, Operation: req.OperationID, ConsumerKey: key, BID: ci.ExternalConsumerIDOwnerBID,
		ExtID: ci.ExternalConsumerID, Status: "IN_PROGRESS", Payload: p, AcceptedAt: n.now()}
	// The consumer's one request in flight: claimed with the request, the
	// consumer's state checked again, in one atomic step (row locks on a
	// shared store), so of two racing requests one is accepted.
	err = store.Update3(ctx, n.pending, key, n.consumers, key, n.requests, trace,
		func(pd *store.Held[string], c *store.Held[consumer], rq *store.Held[request]) error {
			if pd.Exists {
				return inProgress(pd.Value)
			}
			if req.OperationID == opEnrollExisting || req.OperationID == opEnrollExistingReference {
				if c.Exists {
					return vidc(http.StatusBadRequest, "VIDC-2000", "consumer is already enrolled in CLICK_TO_PAY: add cards with enrollPaymentInstruments")
				}
			} else if err := n.check(req.OperationID, p, c.Exists, c.Value); err != nil {
				return err
			}
			pd.Value, rq.Value = trace, r
			return nil
		})
	if err != nil {
		return nil, err
	}
	req.AddCorrelationID(trace)
	delay := asyncDelaySetting.Get(n.env.Settings)
	for _, pi := range p.PaymentInstruments {
		if outcomeOf(pi.AccountNumber) == outcomeSlow {
			delay = slowDelaySetting.Get(n.env.Settings)
		}
	}
	if err := n.env.Schedule(ctx, delay, taskComplete, trace); err != nil {
		return nil, err
	}
	for _, pi := range p.PaymentInstruments {
		if outcomeOf(pi.AccountNumber) == outcomeAnswerLost {
			// Processed, but the issuer never learns it: only a careful retry
			// (same external IDs, "already enrolled" checked) ends well.
			return nil, vidc(http.StatusServiceUnavailable, "VIDC-5000", "service unavailable; retry later")
		}
	}
	return n.encrypted(http.StatusAccepted, "AcceptedResponse", map[string]any{"requestTraceId": trace})
}

func inProgress(trace string) *simulator.Error {
	return &simulator.Error{Status: http.StatusConflict, Kind: simulator.KindConflict, Code: "VIDC-3000",
		Message: fmt.Sprintf("a prior request (%s) for this consumer is still in progress; wait for it to complete", trace)}
}

// resolveReferences turns Enroll Existing's payment instrument references
// into the registered instruments they name.
func resolveReferences(p payload, reg registration) (payload, error) {
	for i, ref := range p.References {
		found := false
		for _, k := range reg.Instruments {
			if k.ReferenceID == ref.ReferenceID {
				p.PaymentInstruments = append(p.PaymentInstruments, paymentInstrument{Type: "CARD", AccountNumber: k.AccountNumber,
					NameOnCard: k.NameOnCard, ExpirationDate: k.ExpirationDate, BillingAddress: k.BillingAddress,
					CardType: k.CardType, IssuerName: k.IssuerName, CurrencyCode: k.CurrencyCode})
				found = true
				break
			}
		}
		if !found {
			return p, vidc(http.StatusBadRequest, "VIDC-2005", "paymentInstrumentReferences[%d]: %q is not a payment instrument of the consumer's registration", i, ref.ReferenceID)
		}
	}
	return p, nil
}

// check applies the synchronous VIDC rules; nothing has changed when it fails.
func (n *Network) check(op string, p payload, exists bool, c consumer) error {
	enrolled := map[string]bool{}
	for _, k := range c.Cards {
		enrolled[k.AccountNumber] = true
	}
	switch op {
	case opEnrollData:
		if exists {
			return vidc(http.StatusBadRequest, "VIDC-2000", "consumer is already enrolled: add cards with enrollPaymentInstruments")
		}
	case opEnrollExisting, opEnrollExistingReference:
		// checked against the registration by accept
	default:
		if !exists {
			return vidc(http.StatusBadRequest, "VIDC-2001", "consumer is not enrolled")
		}
	}
	seen := map[string]bool{}
	for i, pi := range p.PaymentInstruments {
		where := fmt.Sprintf("paymentInstruments[%d] (%s)", i, pan.Mask(pi.AccountNumber))
		switch op {
		case opEnrollData, opEnrollExisting, opEnrollExistingReference, "enrollPaymentInstruments":
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
	if pi.Type == typeNonVisaCard {
		// R-V1 lists the type; Click to Pay takes CARD instruments only (R-V3).
		return vidc(http.StatusBadRequest, "VIDC-2007", "%s: payment instrument type NON-VISA-CARD is not supported for CLICK_TO_PAY, which enrols Visa CARD instruments only", where)
	}
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

// typeNonVisaCard is the payment instrument type of a card of another network.
const typeNonVisaCard = "NON-VISA-CARD"

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
	if r.Status == "COMPLETED" {
		n.notifyStatus(ctx, r) // applied before a restart: only the notification may be missing
		return
	}
	tokens := map[string]string{}   // account number → token reference to create
	declined := map[string]string{} // account number → why the issuer declined
	if enrols(r.Operation) {
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

	var details []itemResult
	apply := func(c *consumer, exists bool) error {
		now := n.now()
		switch r.Operation {
		case opEnrollData, opEnrollExisting, opEnrollExistingReference:
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
					if pi.CardType != "" {
						c.Cards[i].CardType = pi.CardType
					}
					if pi.IssuerName != "" {
						c.Cards[i].IssuerName = pi.IssuerName
					}
					if pi.CurrencyCode != "" {
						c.Cards[i].CurrencyCode = pi.CurrencyCode
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
	}
	// The change, the request's outcome and the end of the consumer's
	// request in flight are one atomic step: a restart in between cannot
	// apply it twice or leave the consumer blocked.
	finish := func(rq *store.Held[request], pd *store.Held[string]) error {
		if !rq.Exists || rq.Value.Status == "COMPLETED" {
			return errCompleted
		}
		done := n.now()
		rq.Value.Status, rq.Value.Details, rq.Value.CompletedAt = "COMPLETED", details, &done
		pd.Delete = pd.Value == trace
		r = rq.Value
		return nil
	}
	err = store.Update3(ctx, n.consumers, r.ConsumerKey, n.requests, trace, n.pending, r.ConsumerKey,
		func(c *store.Held[consumer], rq *store.Held[request], pd *store.Held[string]) error {
			details = nil
			if err := apply(&c.Value, c.Exists); errors.Is(err, store.ErrDelete) {
				c.Delete = true
			} else if err != nil {
				return err
			}
			return finish(rq, pd)
		})
	if errors.Is(err, errCompleted) {
		return // reset, or completed meanwhile
	}
	if err != nil {
		n.env.Logger.Error("completing request", "requestTraceId", trace, "error", err)
		details = []itemResult{{Status: "FAILURE", ErrorDetail: &itemProblem{Reason: "VIDC-5000", Message: "service error"}}}
		if err := store.Update2(ctx, n.requests, trace, n.pending, r.ConsumerKey, finish); err != nil {
			return
		}
	}
	n.notifyStatus(ctx, r)
}

// errCompleted stops a completion already made.
var errCompleted = errors.New("request already completed")

// enrols reports whether an operation adds payment instruments.
func enrols(op string) bool {
	switch op {
	case opEnrollData, opEnrollExisting, opEnrollExistingReference, "enrollPaymentInstruments":
		return true
	}
	return false
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
				BillingAddress: pi.BillingAddress, CardType: pi.CardType, IssuerName: pi.IssuerName, CurrencyCode: pi.CurrencyCode,
				Status: "ACTIVE", TokenReference: tokens[pi.AccountNumber], PAR: par(pi.AccountNumber), ReferenceID: instrumentReference(pi.AccountNumber)}
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

// instrumentReference derives the stable ID by which Enroll Existing Issuer
// Data names a payment instrument (inferred: Visa's field is not published).
func instrumentReference(accountNumber string) string {
	sum := sha256.Sum256([]byte("c2psim-pi:" + accountNumber))
	return "PI-" + strings.ToUpper(hex.EncodeToString(sum[:]))[:24]
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
	if err := n.selectProduct(req, p); err != nil {
		return nil, err
	}
	ci := p.ConsumerInformation
	// The item names its product the way the request did.
	item := map[string]any{}
	if p.Intent != nil {
		item["intent"] = map[string]string{"type": "PRODUCT_CODE", "value": productClickToPay}
	} else {
		item["products"] = []product{{ProductCode: productClickToPay}}
	}
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
				"paymentAccountReference": k.PAR, "paymentInstrumentReferenceID": k.ReferenceID,
				"tokenDetails": map[string]string{"tokenReferenceId": k.TokenReference},
			}
			if k.CardType != "" {
				entry["cardType"] = k.CardType
			}
			if k.IssuerName != "" {
				entry["issuerName"] = k.IssuerName
			}
			if k.CurrencyCode != "" {
				entry["currencyCode"] = k.CurrencyCode
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
const UnknownField = simulator.UnknownField

// encrypted seals a successful plaintext answer to the client's MLE key,
// after checking the plaintext against its schema.
func (n *Network) encrypted(status int, schema string, v map[string]any) (*simulator.Response, error) {
	// Answers are open (ERR-04): a client that chokes on a field it does
	// not know breaks with Visa's next release, so the simulator sends one.
	n.env.AddUnknownField(v)
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
