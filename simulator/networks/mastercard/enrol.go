package mastercard

import (
	"context"
	"errors"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// PlaintextSchema is the schema of encryptedCard's plaintext.
const PlaintextSchema = "EncryptedCardPlaintext"

// enrolAPI is the Enroll API (putCard): a card, encrypted or pushed
// through Token Connect, becomes a digital card with a Click to Pay token.
// Its enrolment is also the one of batch records.
type enrolAPI struct {
	*state
	notify *notifier     // asks the issuer's Authorize Service
	pushed *tokenConnect // the cards pushed under a receipt

	lostAnswers store.Table[bool] // cards whose first putCard answer was lost (test card)
}

func newEnrolAPI(s *state, notify *notifier, pushed *tokenConnect) *enrolAPI {
	return &enrolAPI{state: s, notify: notify, pushed: pushed, lostAnswers: store.NewTable[bool](s.env.Store, "lost-answers")}
}

// operations is the Enroll API's operation table. encryptedCard is decoded
// before fault rules run, so card-scoped rules match.
func (a *enrolAPI) operations() []simulator.Operation {
	return []simulator.Operation{
		{ID: "putCard", Decode: a.decodeCard, Plaintext: PlaintextSchema, Handle: a.putCard},
	}
}

// enrollRequest is the clear part of an enrol call.
type enrollRequest struct {
	SrcClientID          string   `json:"srcClientId"`
	ServiceID            string   `json:"serviceId"`
	SrcCorrelationID     string   `json:"srcCorrelationId"`
	CardSource           string   `json:"cardSource"`
	ExternalCredentialID string   `json:"externalCredentialId,omitempty"`
	Consumer             consumer `json:"consumer"`
	ComplianceSettings   *struct {
		Privacy struct {
			LatestVersionURI string `json:"latestVersionUri"`
		} `json:"privacy"`
		TNC struct {
			LatestVersionURI string `json:"latestVersionUri"`
		} `json:"tnc"`
	} `json:"complianceSettings"`
	EnrolmentReferenceData *struct {
		ID   string `json:"enrolmentReferenceId"`
		Type string `json:"enrolmentReferenceType"`
	} `json:"enrolmentReferenceData"`
	EncryptedCard string `json:"encryptedCard"`
}

// decodeCard journals the call under the consumer's externalConsumerId and
// srcCorrelationId, decrypts encryptedCard with the key its kid names and
// validates it against EncryptedCardPlaintext. Neither the ciphertext nor
// any card data is echoed in errors.
func (a *enrolAPI) decodeCard(req *simulator.Request) error {
	var r enrollRequest
	if err := decodeJSON(req.Body, &r); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of EnrollCardRequest")
	}
	req.AddCorrelationID(r.Consumer.ExternalConsumerID)
	req.AddCorrelationID(r.SrcCorrelationID)
	switch {
	case r.EncryptedCard != "" && r.EnrolmentReferenceData != nil:
		return argErr("encryptedCard", "give encryptedCard (PAN-based enrolment) or enrolmentReferenceData (a push receipt), not both")
	case r.EncryptedCard == "" && r.EnrolmentReferenceData == nil:
		return argErr("encryptedCard", "give encryptedCard (PAN-based enrolment) or enrolmentReferenceData (a push receipt)")
	case r.EncryptedCard == "":
		req.AddCorrelationID(r.EnrolmentReferenceData.ID)
		req.SetDecoded(&decodedEnrolment{body: r})
		return nil // the receipt names a card pushed through Token Connect
	}
	plain, err := a.creds.openJWE("encryptedCard", r.EncryptedCard)
	if err != nil {
		return err
	}
	req.SetPlaintext(plain)
	if verr := req.CheckPlaintext(plain); verr != nil {
		if verr.Code == "" {
			verr.Code = "INVALID_ARGUMENT"
		}
		return verr
	}
	var c cardPlaintext
	if err := decodeJSON(plain, &c); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "encryptedCard plaintext is not the JSON of EncryptedCardPlaintext")
	}
	req.AddCard(c.PrimaryAccountNumber)
	req.SetDecoded(&decodedEnrolment{body: r, card: c})
	return nil
}

// decodeJSON reads a body or plaintext the engine has already checked
// (syntax, duplicate names, raw invalid UTF-8, schema) into v with
// encoding/json/v2: member names exactly as declared, and an escaped lone
// surrogate (\ud800) read as U+FFFD, as encoding/json reads it, not refused.
func decodeJSON(b []byte, v any) error {
	return jsonv2.Unmarshal(b, v, jsontext.AllowInvalidUTF8(true))
}

// decodedEnrolment is a putCard request as decodeCard read it: putCard
// reads it back (Request.Decoded) instead of decoding the body and the
// plaintext again.
type decodedEnrolment struct {
	body enrollRequest
	card cardPlaintext
}

func (a *enrolAPI) putCard(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	d, _ := req.Decoded().(*decodedEnrolment)
	if d == nil {
		d = &decodedEnrolment{}
		if err := decodeJSON(req.Body, &d.body); err != nil {
			return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of EnrollCardRequest")
		}
	}
	r := d.body
	if err := a.creds.checkProgramme(r.SrcClientID, r.ServiceID); err != nil {
		return nil, err
	}
	if id := req.HTTP.Header.Get("x-openapi-clientid"); id != "" && id != a.creds.clientID() {
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
		out, err = a.enrolByReference(ctx, r, cons)
	} else {
		if r.ComplianceSettings == nil {
			return nil, argErr("complianceSettings", "PAN-based enrolment needs complianceSettings: the privacy notice and terms the consumer accepted (privacy.latestVersionUri, tnc.latestVersionUri)")
		}
		c := d.card
		if c.PrimaryAccountNumber == "" {
			return nil, errors.New("putCard ran without a decoded encryptedCard")
		}
		out, err = a.enrol(ctx, enrolment{
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
		_ = a.lostAnswers.Update(ctx, out.CardRef, func(v *bool, exists bool) error { lost, *v = !exists, true; return nil })
		if lost {
			return nil, svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "enrolment service timed out answering (the card may have been enrolled: read it back before enrolling again)")
		}
	}
	answer := enrolAnswer{SrcConsumerID: out.SrcConsumerID, MaskedCard: a.maskedCard(out), SrcCorrelationID: r.SrcCorrelationID}
	if answer.SrcCorrelationID == "" {
		answer.SrcCorrelationID = a.env.IDs.UUID()
	}
	return simulator.JSON(http.StatusOK, answer), nil
}

// enrolAnswer is putCard's answer (EnrollCardResponse). Its fields, and
// those of enrolledCard, are declared in the order of their names, so the
// answer reads as a map's would.
type enrolAnswer struct {
	MaskedCard       enrolledCard `json:"maskedCard"`
	SrcConsumerID    string       `json:"srcConsumerId"`
	SrcCorrelationID string       `json:"srcCorrelationId"`
}

// enrolledCard is the Enroll API's view of an enrolled card (MaskedCard).
type enrolledCard struct {
	DateOfCardCreated       string          `json:"dateOfCardCreated"`
	DigitalCardData         digitalCardData `json:"digitalCardData"`
	PanBIN                  string          `json:"panBin"`
	PanExpirationMonth      string          `json:"panExpirationMonth,omitempty"`
	PanExpirationYear       string          `json:"panExpirationYear,omitempty"`
	PanLastFour             string          `json:"panLastFour"`
	PaymentAccountReference string          `json:"paymentAccountReference"`
	PaymentCardDescriptor   string          `json:"paymentCardDescriptor"`
	PaymentCardType         string          `json:"paymentCardType"`
	ServiceID               string          `json:"serviceId"`
	SrcDigitalCardID        string          `json:"srcDigitalCardId"`
	TokenLastFour           string          `json:"tokenLastFour"`
	TokenUniqueReference    string          `json:"tokenUniqueReference"`
}

type digitalCardData struct {
	DescriptorName   string `json:"descriptorName"`
	PresentationName string `json:"presentationName"`
	Status           string `json:"status"`
}

// maskedCard is the Enroll API's view of an enrolled card.
func (a *enrolAPI) maskedCard(c digitalCard) enrolledCard {
	tn := tokenNumber(c.TokenUniqueRef)
	m := enrolledCard{
		SrcDigitalCardID:        c.SrcDigitalCardID,
		PanBIN:                  c.PanBIN,
		PanLastFour:             c.PanLastFour,
		TokenLastFour:           tn[len(tn)-4:],
		PaymentCardDescriptor:   "mastercard",
		PaymentCardType:         "CREDIT",
		ServiceID:               a.creds.currentServiceID(),
		PaymentAccountReference: paymentAccountReference(c.PanRef),
		TokenUniqueReference:    c.TokenUniqueRef,
		DateOfCardCreated:       stamp(c.EnrolledAt),
		DigitalCardData:         digitalCardData{Status: c.Status, PresentationName: "c2psim Bank", DescriptorName: "Mastercard"},
	}
	if c.ExpirationMonth != "" {
		m.PanExpirationMonth, m.PanExpirationYear = c.ExpirationMonth, c.ExpirationYear
	}
	return m
}

// enrolByReference enrols the card a Token Connect receipt names
// (enrolmentReferenceData, type PUSH_ACCOUNT_RECEIPT): the push leads to a
// Click to Pay enrolment, tokenised as any other (Authorize Service, Notify
// Token Updated).
func (a *enrolAPI) enrolByReference(ctx context.Context, r enrollRequest, cons consumer) (digitalCard, error) {
	ref := r.EnrolmentReferenceData
	const field = "enrolmentReferenceData.enrolmentReferenceId"
	if ref.Type != "PUSH_ACCOUNT_RECEIPT" {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "enrolmentReferenceType %s is for merchants and integrators; an issuer enrols a pushed card with PUSH_ACCOUNT_RECEIPT", ref.Type)
		e.Fields = []simulator.FieldError{{Field: "enrolmentReferenceData.enrolmentReferenceType", In: "body", Rule: "value", Message: e.Message}}
		return digitalCard{}, e
	}
	pc, err := a.pushed.take(ref.ID)
	if err != nil {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "pushAccountReceipt %s: %v", pan.RedactText(ref.ID), err)
		e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "value", Message: e.Message}}
		return digitalCard{}, e
	}
	if pc.tokenRequestorID != TokenRequestorID {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "pushAccountReceipt %s was pushed to token requestor %s, not to Click to Pay", pan.RedactText(ref.ID), pc.tokenRequestorID)
		e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "value", Message: e.Message}}
		return digitalCard{}, e
	}
	h := pc.holder
	if cons.EmailAddress == "" {
		cons.EmailAddress = h.AccountHolderEmailAddress
	}
	if cons.MobileNumber == nil && h.AccountHolderMobilePhoneNumber != nil {
		cons.MobileNumber = &mobileNumber{CountryCode: h.AccountHolderMobilePhoneNumber.CountryDialInCode, PhoneNumber: h.AccountHolderMobilePhoneNumber.PhoneNumber}
	}
	return a.enrol(ctx, enrolment{
		Consumer: cons, ExternalConsumerID: cons.ExternalConsumerID, ExternalCredentialID: r.ExternalCredentialID,
		Card: pc.card, Field: "enrolmentReferenceData", CorrelationID: r.SrcCorrelationID,
	})
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
func (a *enrolAPI) enrol(ctx context.Context, e enrolment) (digitalCard, error) {
	c := e.Card
	p, err := pan.Parse(c.PrimaryAccountNumber)
	if err != nil || !p.LuhnValid() {
		se := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "%s: primaryAccountNumber fails the Luhn check", e.Field)
		se.Fields = []simulator.FieldError{{Field: e.Field + "/primaryAccountNumber", In: "body", Rule: "luhn", Message: "primaryAccountNumber fails the Luhn check"}}
		return digitalCard{}, se
	}
	if exp := expiry(c.PanExpirationYear, c.PanExpirationMonth); c.PanExpirationYear != "" && !exp.After(a.env.Clock.Now()) {
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
	// Checked before the Authorize Service is asked, and again in the atomic
	// step that enrols.
	// A card whose token MDES deleted (DEACTIVATED) may be enrolled again: it
	// gets a new token and its record, Credential Directory address
	// included, is replaced.
	var replaced *digitalCard
	free := func() error {
		replaced = nil
		if existing, err := a.cards.Get(ctx, ref); err == nil {
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
		if at, err := a.directory.Get(ctx, dirKey); err == nil {
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
	tokenRef := "DM4MMC" + a.env.IDs.Hex(16)
	status, meta, err := a.notify.authorize(ctx, p, c, e.Consumer, tokenRef, e.CorrelationID)
	if err != nil {
		return digitalCard{}, err
	}

	// The card, its token's record, its directory address and its consumer
	// are decided and written in one atomic store step: of two enrolments of
	// one card raced through two replicas, one enrols and the other is
	// ALREADY_EXISTS, and nothing of the refused one is stored.
	// The card being replaced (a DEACTIVATED one) is the one seen above;
	// if it changed meanwhile the enrolment is refused as a conflict and
	// may be retried.
	srcConsumerID, srcDigitalCardID := a.env.IDs.UUID(), a.env.IDs.UUID()
	var oldDirKey string
	if replaced != nil && replaced.ExternalConsumerID != "" && replaced.ExternalCredentialID != "" {
		if old := directoryKey(replaced.ExternalConsumerID, replaced.ExternalCredentialID); !inDirectory || old != dirKey {
			oldDirKey = old
		}
	}
	var at store.Atomic
	held := store.Hold(&at, a.cards, ref)
	token := store.Hold(&at, a.tokens, tokenRef)
	var entry, oldEntry *store.Held[string]
	var cons *store.Held[consumerRecord]
	if inDirectory {
		entry, cons = store.Hold(&at, a.directory, dirKey), store.Hold(&at, a.consumers, e.ExternalConsumerID)
	}
	if oldDirKey != "" {
		oldEntry = store.Hold(&at, a.directory, oldDirKey)
	}
	var (
		card   digitalCard
		joined bool // the card joined a consumer that had cards before
	)
	err = at.Do(ctx, func() error {
		if held.Exists {
			if held.Value.Status != statusDeactivated {
				return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled (srcDigitalCardId %s); update or delete it instead", p.Masked(), held.Value.SrcDigitalCardID)
			}
			if replaced == nil || held.Value.TokenUniqueRef != replaced.TokenUniqueRef {
				return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s was enrolled and deleted again while this enrolment ran; retry it", p.Masked())
			}
		} else if replaced != nil {
			return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s was removed while this enrolment ran; retry it", p.Masked())
		}
		if inDirectory && entry.Exists && (replaced == nil || entry.Value != ref) {
			return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "externalCredentialId %q is already used for consumer %q", e.ExternalCredentialID, e.ExternalConsumerID)
		}
		srcConsumer := srcConsumerID
		joined = inDirectory && cons.Exists
		if joined {
			srcConsumer = cons.Value.SrcConsumerID
		}
		card = digitalCard{
			CardRef:          ref,
			PanRef:           cardRef(p.Reveal()),
			SrcDigitalCardID: srcDigitalCardID,
			SrcConsumerID:    srcConsumer,
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
			EnrolledAt:       a.env.Clock.Now(),

			ExternalCredentialID: e.ExternalCredentialID,
		}
		if inDirectory {
			card.ExternalConsumerID = e.ExternalConsumerID
			entry.Value = ref
			// The latest enrolment's consumer data is the consumer's.
			data := e.Consumer
			data.ExternalConsumerID = e.ExternalConsumerID
			card.Consumer = data
			cons.Value = consumerRecord{ExternalConsumerID: e.ExternalConsumerID, SrcConsumerID: srcConsumer, Consumer: data, UpdatedAt: a.env.Clock.Now(), Revision: cons.Value.Revision + 1}
		}
		held.Value = card
		token.Value = meta
		if oldEntry != nil && oldEntry.Exists && oldEntry.Value == ref {
			oldEntry.Delete = true
		}
		return nil
	})
	if err != nil {
		return digitalCard{}, err
	}
	card.Outcome = outcomeOf(p.Reveal())
	if joined {
		// The consumer's other cards carry its data too. A new consumer has
		// none: a consumer's cards are written with it, and deleted with it
		// in the step that deletes it.
		if err := a.shareConsumer(ctx, e.ExternalConsumerID, ref); err != nil {
			return digitalCard{}, err
		}
	}
	return card, nil
}
