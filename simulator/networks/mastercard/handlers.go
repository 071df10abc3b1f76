package mastercard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// digitalCard is an enrolled card with its consumer and token. The PAN is
// never stored: only its reference (SHA-256), BIN and last four digits.
type digitalCard struct {
	CardRef          string          `json:"cardRef"` // store key: PAN within consumer
	PanRef           string          `json:"panRef"`  // the PAN's reference, the same for every consumer
	SrcDigitalCardID string          `json:"srcDigitalCardId"`
	SrcConsumerID    string          `json:"srcConsumerId"`
	Consumer         consumer        `json:"consumer"`
	PanBIN           string          `json:"panBin"`
	PanLastFour      string          `json:"panLastFour"`
	ExpirationMonth  string          `json:"panExpirationMonth"`
	ExpirationYear   string          `json:"panExpirationYear"`
	CardholderName   string          `json:"cardholderFullName,omitempty"`
	BillingAddress   json.RawMessage `json:"billingAddress,omitempty"`
	TokenUniqueRef   string          `json:"tokenUniqueReference"`
	TokenRequestorID string          `json:"tokenRequestorId"`
	Status           string          `json:"status"`
	EnrolledAt       time.Time       `json:"enrolledAt"`
	// Outcome is the card's test-card outcome, known while the enrolment
	// runs (not stored).
	Outcome string `json:"-"`
	// Credential Directory address, when the enrolment gave both external IDs.
	ExternalConsumerID   string `json:"externalConsumerId,omitempty"`
	ExternalCredentialID string `json:"externalCredentialId,omitempty"`
}

// UnknownField is the undeclared field the unknownFields setting adds.
const UnknownField = simulator.UnknownField

// Operations implements simulator.Network: the operation table of the
// enrolment document (sync and batch Enroll, Credential Directory) and of
// MDES Customer Service. Every operation is journalled under the consumer,
// batch and token IDs it names (correlate); encryptedCard, batch records'
// enrollmentData and the card numbers Customer Service requests carry in
// clear are decoded before fault rules run, so card-scoped rules match.
func (n *Network) Operations() []simulator.Operation {
	op := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: correlate, Handle: h}
	}
	mdes := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: n.decodeSearch, Handle: h}
	}
	tc := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: correlate, Handle: h}
	}
	return []simulator.Operation{
		{ID: "putCard", Decode: n.decodeCard, Plaintext: PlaintextSchema, Handle: n.putCard},
		op("getCredential", n.getCredential),
		op("updateCredential", n.updateCredential),
		op("deleteCredential", n.deleteCredential),
		{ID: "batchCredentialsInDirectory", Decode: n.decodeBatch, Plaintext: BatchPlaintextSchema, Handle: n.batchEnrol},
		op("getBatchStatus", n.batchStatus),
		op("getConsumer", n.getConsumer),
		op("updateConsumer", n.updateConsumer),
		op("deleteConsumer", n.deleteConsumer),
		mdes("searchTokens", n.searchTokens),
		mdes("suspendToken", n.suspendToken),
		mdes("unsuspendToken", n.unsuspendToken),
		mdes("deleteToken", n.deleteToken),
		mdes("activateToken", n.activateToken),
		mdes("updateToken", n.updateToken),
		mdes("getActivationMethods", n.getActivationMethods),
		mdes("resendActivationCode", n.resendActivationCode),
		mdes("getTokenStatusHistory", n.getTokenStatusHistory),
		mdes("getTokenComments", n.getTokenComments),
		mdes("getTransactions", n.getTransactions),
		mdes("resetMobilePin", n.commentOnly("TokenResetMobilePinRequest", "TokenResetMobilePinResponse")),
		mdes("updateTokenAssurance", n.updateTokenAssurance),
		mdes("accountHolderMessaging", n.commentOnly("AccountHolderMessagingRequest", "AccountHolderMessagingResponse")),
		mdes("getSystemStatus", n.getSystemStatus),
		tc("getEligibleTokenRequestors", n.tc.getEligibleTokenRequestors),
		tc("getAsset", n.tc.getAsset),
		tc("pushAccount", n.tc.pushAccount),
		tc("pushMultipleAccounts", n.tc.pushMultipleAccounts),
	}
}

// cardRef is a PAN's reference (SHA-256): the simulator never stores the PAN.
func cardRef(p string) string {
	s := sha256.Sum256([]byte("mastercard-card-ref:" + p))
	return hex.EncodeToString(s[:])
}

// cardKey keys an enrolled card by its PAN within one consumer: like
// Mastercard's sandbox, the same published test card may be enrolled by many
// consumers (each gets its own token); within one consumer it is enrolled
// once. Test card 5186001700004099 plays "already enrolled elsewhere".
func cardKey(p, externalConsumerID string) string {
	return cardRef(p + "\x00" + externalConsumerID)
}

func (n *Network) putCard(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var r enrollRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of EnrollCardRequest")
	}
	clientID, serviceID := n.programme()
	if r.SrcClientID != clientID {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "srcClientId does not resolve to an onboarded programme (credential src-client-id)")
		e.Fields = []simulator.FieldError{{Field: "srcClientId", In: "body", Rule: "value", Message: "unknown srcClientId"}}
		return nil, e
	}
	if r.ServiceID != serviceID {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "serviceId does not resolve to the programme of this srcClientId (credential service-id)")
		e.Fields = []simulator.FieldError{{Field: "serviceId", In: "body", Rule: "value", Message: "unknown serviceId"}}
		return nil, e
	}
	if id := req.HTTP.Header.Get("x-openapi-clientid"); id != "" && id != n.clientID() {
		return nil, &simulator.Error{Status: http.StatusUnauthorized, Kind: simulator.KindAuth, Code: "AUTHENTICATION_FAILED",
			Message: "x-openapi-clientid is not this project's client ID (the first 48 characters of the consumer key)"}
	}
	cons := r.Consumer
	if id := cons.ConsumerIdentity; id != nil && id.IdentityType == "EMAIL_ADDRESS" && cons.EmailAddress == "" {
		cons.EmailAddress = id.IdentityValue
	}
	var (
		out digitalCard
		err error
	)
	if ref := r.EnrolmentReferenceData; ref != nil {
		out, err = n.enrolByReference(ctx, r, cons)
	} else {
		if r.ComplianceSettings == nil {
			return nil, argErr("complianceSettings", "PAN-based enrolment needs complianceSettings: the privacy notice and terms the consumer accepted (privacy.latestVersionUri, tnc.latestVersionUri)")
		}
		var c cardPlaintext
		if err := json.Unmarshal(req.Plaintext(), &c); err != nil || c.PrimaryAccountNumber == "" {
			return nil, errors.New("putCard ran without a decoded encryptedCard")
		}
		out, err = n.enrol(ctx, enrolment{
			Consumer: cons, ExternalConsumerID: cons.ExternalConsumerID, ExternalCredentialID: r.ExternalCredentialID,
			Card: c, Field: "encryptedCard", CorrelationID: r.SrcCorrelationID,
		})
	}
	if err != nil {
		return nil, err
	}
	if out.PanRef == "" {
		return nil, errors.New("putCard enrolled no card")
	}
	if out.Outcome == outcomeAnswerLost {
		lost := false
		_ = n.lostAnswers.Update(ctx, out.CardRef, func(v *bool, exists bool) error { lost, *v = !exists, true; return nil })
		if lost {
			return nil, svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "enrolment service timed out answering (the card may have been enrolled: read it back before enrolling again)")
		}
	}
	answer := map[string]any{"srcConsumerId": out.SrcConsumerID, "maskedCard": n.maskedCard(out)}
	if r.SrcCorrelationID != "" {
		answer["srcCorrelationId"] = r.SrcCorrelationID
	} else {
		answer["srcCorrelationId"] = n.env.IDs.UUID()
	}
	return simulator.JSON(http.StatusOK, answer), nil
}

// maskedCard is the Enroll API's view of an enrolled card.
func (n *Network) maskedCard(c digitalCard) map[string]any {
	tn := tokenNumber(c.TokenUniqueRef)
	m := map[string]any{
		"srcDigitalCardId":        c.SrcDigitalCardID,
		"panBin":                  c.PanBIN,
		"panLastFour":             c.PanLastFour,
		"tokenLastFour":           tn[len(tn)-4:],
		"paymentCardDescriptor":   "mastercard",
		"paymentCardType":         "CREDIT",
		"serviceId":               n.serviceIDNow(),
		"paymentAccountReference": paymentAccountReference(c.PanRef),
		"tokenUniqueReference":    c.TokenUniqueRef,
		"dateOfCardCreated":       stamp(c.EnrolledAt),
		"digitalCardData":         map[string]any{"status": c.Status, "presentationName": "c2psim Bank", "descriptorName": "Mastercard"},
	}
	if c.ExpirationMonth != "" {
		m["panExpirationMonth"], m["panExpirationYear"] = c.ExpirationMonth, c.ExpirationYear
	}
	return m
}

// enrolment is one card to enrol, from putCard or a batch record.
type enrolment struct {
	Consumer             consumer
	ExternalConsumerID   string // with ExternalCredentialID, the Credential Directory address
	ExternalCredentialID string
	Card                 cardPlaintext
	Field                string // where the card came from, for field errors: encryptedCard, records/3/enrollmentData
	CorrelationID        string
}

// enrol checks one card, plays its test-card outcome, asks the issuer's
// Authorize Service and stores the card, its token and, when both external
// IDs are given, its Credential Directory entry and consumer. Refusals are
// *simulator.Error in the enrolment-service envelope; nothing is stored then.
func (n *Network) enrol(ctx context.Context, e enrolment) (digitalCard, error) {
	c := e.Card
	p, err := pan.Parse(c.PrimaryAccountNumber)
	if err != nil || !p.LuhnValid() {
		se := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "%s: primaryAccountNumber fails the Luhn check", e.Field)
		se.Fields = []simulator.FieldError{{Field: e.Field + "/primaryAccountNumber", In: "body", Rule: "luhn", Message: "primaryAccountNumber fails the Luhn check"}}
		return digitalCard{}, se
	}
	if exp := expiry(c.PanExpirationYear, c.PanExpirationMonth); c.PanExpirationYear != "" && !exp.After(n.env.Clock.Now()) {
		se := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "%s: the card has expired", e.Field)
		se.Fields = []simulator.FieldError{{Field: e.Field + "/panExpirationYear", In: "body", Rule: "expiry", Message: "card expiry is in the past"}}
		return digitalCard{}, se
	}
	switch outcomeOf(p.Reveal()) {
	case outcomeIneligible:
		return digitalCard{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "CARD_INELIGIBLE", "card %s: the account range is not enabled for Click to Pay", p.Masked())
	case outcomeDeclined:
		return digitalCard{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: tokenisation was declined; nothing was enrolled", p.Masked())
	case outcomeAlreadyEnrolled:
		return digitalCard{}, svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled in another Click to Pay profile", p.Masked())
	case outcomeServiceError:
		return digitalCard{}, svcErr(http.StatusInternalServerError, simulator.KindInternal, "INTERNAL", "enrolment service error; nothing was enrolled, the call may be retried")
	}

	ref := cardKey(p.Reveal(), e.ExternalConsumerID)
	inDirectory := e.ExternalConsumerID != "" && e.ExternalCredentialID != ""
	dirKey := directoryKey(e.ExternalConsumerID, e.ExternalCredentialID)
	// Checked before the Authorize Service is asked, and again under the lock.
	// A card whose token MDES deleted (DEACTIVATED) may be enrolled again: it
	// gets a new token and its record, Credential Directory address
	// included, is replaced.
	var replaced *digitalCard
	free := func() error {
		replaced = nil
		if existing, err := n.cards.Get(ctx, ref); err == nil {
			if existing.Status != statusDeactivated {
				return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled (srcDigitalCardId %s); update or delete it instead", p.Masked(), existing.SrcDigitalCardID)
			}
			replaced = &existing
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if !inDirectory {
			return nil
		}
		if at, err := n.directory.Get(ctx, dirKey); err == nil {
			if replaced == nil || at != ref {
				return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "externalCredentialId %q is already used for consumer %q", e.ExternalCredentialID, e.ExternalConsumerID)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	}
	if err := free(); err != nil {
		return digitalCard{}, err
	}
	tokenRef := "DM4MMC" + n.env.IDs.Hex(16)
	status, err := n.authorize(ctx, p, c, e.Consumer, tokenRef, e.CorrelationID)
	if err != nil {
		return digitalCard{}, err
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	if err := free(); err != nil {
		return digitalCard{}, err
	}
	srcConsumerID := n.env.IDs.UUID()
	if inDirectory {
		if cr, err := n.consumers.Get(ctx, e.ExternalConsumerID); err == nil {
			srcConsumerID = cr.SrcConsumerID
		} else if !errors.Is(err, store.ErrNotFound) {
			return digitalCard{}, err
		}
	}
	card := digitalCard{
		CardRef:          ref,
		PanRef:           cardRef(p.Reveal()),
		SrcDigitalCardID: n.env.IDs.UUID(),
		SrcConsumerID:    srcConsumerID,
		Consumer:         e.Consumer,
		PanBIN:           p.BIN(),
		PanLastFour:      p.Last4(),
		ExpirationMonth:  c.PanExpirationMonth,
		ExpirationYear:   c.PanExpirationYear,
		CardholderName:   c.CardholderFullName,
		BillingAddress:   c.BillingAddress,
		TokenUniqueRef:   tokenRef,
		TokenRequestorID: TokenRequestorID,
		Status:           status,
		EnrolledAt:       n.env.Clock.Now(),
		Outcome:          outcomeOf(p.Reveal()),

		ExternalCredentialID: e.ExternalCredentialID,
	}
	if inDirectory {
		card.ExternalConsumerID = e.ExternalConsumerID
	}
	if err := n.cards.Put(ctx, ref, card); err != nil {
		return digitalCard{}, err
	}
	if replaced != nil && replaced.ExternalConsumerID != "" && replaced.ExternalCredentialID != "" {
		if old := directoryKey(replaced.ExternalConsumerID, replaced.ExternalCredentialID); !inDirectory || old != dirKey {
			if err := n.directory.Delete(ctx, old); err != nil && !errors.Is(err, store.ErrNotFound) {
				return digitalCard{}, err
			}
		}
	}
	if inDirectory {
		if err := n.directory.Put(ctx, dirKey, ref); err != nil {
			return digitalCard{}, err
		}
		// The latest enrolment's consumer data is the consumer's.
		if err := n.setConsumer(ctx, e.ExternalConsumerID, srcConsumerID, e.Consumer); err != nil {
			return digitalCard{}, err
		}
	}
	return card, nil
}

// expiry is the first instant after the card's expiry month.
func expiry(year, month string) time.Time {
	t, err := time.Parse("2006-01", year+"-"+month)
	if err != nil {
		return time.Time{}
	}
	return t.AddDate(0, 1, 0)
}

func directoryKey(extConsumer, extCredential string) string {
	return extConsumer + "\x00" + extCredential
}

// credential finds the card a Credential Directory address names.
func (n *Network) credential(ctx context.Context, req *simulator.Request) (digitalCard, string, error) {
	dir, ec, ecr := req.PathParams["directoryId"], req.PathParams["externalConsumerId"], req.PathParams["externalCredentialId"]
	if dir != n.currentDirectoryID() {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "directoryId does not resolve to this issuer's directory (credential directory-id)")
		e.Fields = []simulator.FieldError{{Field: "directoryId", In: "path", Rule: "value", Message: "unknown directoryId"}}
		return digitalCard{}, "", e
	}
	key := directoryKey(ec, ecr)
	ref, err := n.directory.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return digitalCard{}, "", svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no credential %q for consumer %q in this directory", ecr, ec)
	}
	if err != nil {
		return digitalCard{}, "", err
	}
	c, err := n.cards.Get(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return digitalCard{}, "", svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no credential %q for consumer %q in this directory", ecr, ec)
	}
	return c, key, err
}

func (n *Network) getCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	c, _, err := n.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	return n.credentialAnswer(req, c)
}

func (n *Network) updateCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var u struct {
		SrcCorrelationID   string `json:"srcCorrelationId"`
		PanExpirationMonth string `json:"panExpirationMonth"`
		PanExpirationYear  string `json:"panExpirationYear"`
	}
	if err := json.Unmarshal(req.Body, &u); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of UpdateCredentialRequest")
	}
	req.AddCorrelationID(u.SrcCorrelationID)
	if !expiry(u.PanExpirationYear, u.PanExpirationMonth).After(n.env.Clock.Now()) {
		e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "the new expiry is in the past")
		e.Fields = []simulator.FieldError{{Field: "/panExpirationYear", In: "body", Rule: "expiry", Message: "card expiry is in the past"}}
		return nil, e
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	c, _, err := n.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	c.ExpirationMonth, c.ExpirationYear = u.PanExpirationMonth, u.PanExpirationYear
	if err := n.cards.Put(ctx, c.CardRef, c); err != nil {
		return nil, err
	}
	return n.credentialAnswer(req, c)
}

func (n *Network) deleteCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c, key, err := n.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := n.directory.Delete(ctx, key); err != nil {
		return nil, err
	}
	if err := n.cards.Delete(ctx, c.CardRef); err != nil {
		return nil, err
	}
	n.notifyDeleted(ctx, c)
	return &simulator.Response{Status: http.StatusNoContent}, nil
}
