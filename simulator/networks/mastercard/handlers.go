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
	CardRef          string    `json:"cardRef"`
	SrcDigitalCardID string    `json:"srcDigitalCardId"`
	SrcConsumerID    string    `json:"srcConsumerId"`
	Consumer         consumer  `json:"consumer"`
	PanBIN           string    `json:"panBin"`
	PanLastFour      string    `json:"panLastFour"`
	ExpirationMonth  string    `json:"panExpirationMonth"`
	ExpirationYear   string    `json:"panExpirationYear"`
	TokenUniqueRef   string    `json:"tokenUniqueReference"`
	TokenRequestorID string    `json:"tokenRequestorId"`
	Status           string    `json:"status"`
	EnrolledAt       time.Time `json:"enrolledAt"`
	// Credential Directory address, when the enrolment gave both external IDs.
	ExternalCredentialID string `json:"externalCredentialId,omitempty"`
}

// Handler implements simulator.Network.
func (n *Network) Handler(op string) simulator.Handler {
	switch op {
	case "putCard":
		return n.putCard
	case "getCredential":
		return n.getCredential
	case "updateCredential":
		return n.updateCredential
	case "deleteCredential":
		return n.deleteCredential
	}
	if h := n.batchHandler(op); h != nil {
		return h
	}
	if h := n.directoryHandler(op); h != nil {
		return h
	}
	return n.mdesHandler(op)
}

func cardRef(p string) string {
	s := sha256.Sum256([]byte("mastercard-card-ref:" + p))
	return hex.EncodeToString(s[:])
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
	var c cardPlaintext
	if err := json.Unmarshal(req.Plaintext(), &c); err != nil || c.PrimaryAccountNumber == "" {
		return nil, errors.New("putCard ran without a decoded encryptedCard")
	}
	p, err := pan.Parse(c.PrimaryAccountNumber)
	if err != nil || !p.LuhnValid() {
		e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "encryptedCard: primaryAccountNumber fails the Luhn check")
		e.Fields = []simulator.FieldError{{Field: "encryptedCard/primaryAccountNumber", In: "body", Rule: "luhn", Message: "primaryAccountNumber fails the Luhn check"}}
		return nil, e
	}
	if exp := expiry(c.PanExpirationYear, c.PanExpirationMonth); !exp.After(n.env.Clock.Now()) {
		e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "encryptedCard: the card has expired")
		e.Fields = []simulator.FieldError{{Field: "encryptedCard/panExpirationYear", In: "body", Rule: "expiry", Message: "card expiry is in the past"}}
		return nil, e
	}
	switch outcomeOf(p.Reveal()) {
	case outcomeIneligible:
		return nil, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "CARD_INELIGIBLE", "card %s: the account range is not enabled for Click to Pay", p.Masked())
	case outcomeDeclined:
		return nil, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: tokenisation was declined; nothing was enrolled", p.Masked())
	case outcomeAlreadyEnrolled:
		return nil, svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled in another Click to Pay profile", p.Masked())
	case outcomeServiceError:
		return nil, svcErr(http.StatusInternalServerError, simulator.KindInternal, "INTERNAL", "enrolment service error; nothing was enrolled, the call may be retried")
	}

	ref := cardRef(p.Reveal())
	if existing, err := n.cards.Get(ctx, ref); err == nil {
		return nil, svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled (srcDigitalCardId %s); update or delete it instead", p.Masked(), existing.SrcDigitalCardID)
	}
	tokenRef := "DM4MMC" + n.env.IDs.Hex(16)
	status, err := n.authorize(ctx, p, c, tokenRef, r.SrcCorrelationID)
	if err != nil {
		return nil, err
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	var out digitalCard
	err = n.cards.Update(ctx, ref, func(v *digitalCard, exists bool) error {
		if exists {
			return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "card %s is already enrolled (srcDigitalCardId %s); update or delete it instead", p.Masked(), v.SrcDigitalCardID)
		}
		*v = digitalCard{
			CardRef:          ref,
			SrcDigitalCardID: n.env.IDs.UUID(),
			SrcConsumerID:    n.env.IDs.UUID(),
			Consumer:         r.Consumer,
			PanBIN:           p.BIN(),
			PanLastFour:      p.Last4(),
			ExpirationMonth:  c.PanExpirationMonth,
			ExpirationYear:   c.PanExpirationYear,
			TokenUniqueRef:   tokenRef,
			TokenRequestorID: TokenRequestorID,
			Status:           status,
			EnrolledAt:       n.env.Clock.Now(),

			ExternalCredentialID: r.ExternalCredentialID,
		}
		out = *v
		return nil
	})
	if err == nil && r.Consumer.ExternalConsumerID != "" && r.ExternalCredentialID != "" {
		err = n.directory.Update(ctx, directoryKey(r.Consumer.ExternalConsumerID, r.ExternalCredentialID), func(v *string, exists bool) error {
			if exists {
				return svcErr(http.StatusConflict, simulator.KindConflict, "ALREADY_EXISTS", "externalCredentialId %q is already used for consumer %q", r.ExternalCredentialID, r.Consumer.ExternalConsumerID)
			}
			*v = ref
			return nil
		})
		if err != nil {
			_ = n.cards.Delete(ctx, ref)
		}
	}
	var se *simulator.Error
	if errors.As(err, &se) {
		return nil, se
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, map[string]any{
		"srcCorrelationId": r.SrcCorrelationID,
		"srcConsumerId":    out.SrcConsumerID,
		"srcDigitalCardId": out.SrcDigitalCardID,
		"maskedCard": map[string]any{
			"panLastFour":        out.PanLastFour,
			"panBin":             out.PanBIN,
			"panExpirationMonth": out.ExpirationMonth,
			"panExpirationYear":  out.ExpirationYear,
			"tokenRequestorId":   out.TokenRequestorID,
			"status":             out.Status,
		},
	}), nil
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
	return credentialAnswer(req, c), nil
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
	return credentialAnswer(req, c), nil
}

func credentialAnswer(req *simulator.Request, c digitalCard) *simulator.Response {
	return simulator.JSON(http.StatusOK, map[string]any{
		"directoryId":          req.PathParams["directoryId"],
		"externalConsumerId":   req.PathParams["externalConsumerId"],
		"externalCredentialId": req.PathParams["externalCredentialId"],
		"srcConsumerId":        c.SrcConsumerID,
		"srcDigitalCardId":     c.SrcDigitalCardID,
		"maskedCard": map[string]any{
			"panLastFour":        c.PanLastFour,
			"panBin":             c.PanBIN,
			"panExpirationMonth": c.ExpirationMonth,
			"panExpirationYear":  c.ExpirationYear,
			"tokenRequestorId":   c.TokenRequestorID,
			"status":             c.Status,
		},
	})
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
	return &simulator.Response{Status: http.StatusNoContent}, nil
}
