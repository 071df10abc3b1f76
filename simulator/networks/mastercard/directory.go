package mastercard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// CardDataSchema is the plaintext schema of encryptedCardData in Credential
// Directory answers.
const CardDataSchema = "CredentialCardData"

// consumerRecord is a consumer of the Credential Directory: the data of its
// latest enrolment or update, and the srcConsumerId every one of its cards
// shares.
type consumerRecord struct {
	ExternalConsumerID string    `json:"externalConsumerId"`
	SrcConsumerID      string    `json:"srcConsumerId"`
	Consumer           consumer  `json:"consumer"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// checkDirectory refuses a directoryId that is not the issuer's.
func (n *Network) checkDirectory(req *simulator.Request) error {
	if req.PathParams["directoryId"] == n.currentDirectoryID() {
		return nil
	}
	e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "directoryId does not resolve to this issuer's directory (credential directory-id)")
	e.Fields = []simulator.FieldError{{Field: "directoryId", In: "path", Rule: "value", Message: "unknown directoryId"}}
	return e
}

// consumerOf returns the consumer a path names, or the service's 404.
func (n *Network) consumerOf(ctx context.Context, req *simulator.Request) (consumerRecord, error) {
	if err := n.checkDirectory(req); err != nil {
		return consumerRecord{}, err
	}
	ext := req.PathParams["externalConsumerId"]
	cr, err := n.consumers.Get(ctx, ext)
	if errors.Is(err, store.ErrNotFound) {
		return consumerRecord{}, svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no consumer %q in this directory", ext)
	}
	return cr, err
}

// directoryCard is one credential of a consumer with its directory key.
type directoryCard struct {
	key                  string
	externalCredentialID string
	card                 digitalCard
}

// credentialsOf lists a consumer's credentials, sorted by externalCredentialId.
func (n *Network) credentialsOf(ctx context.Context, extConsumer string) ([]directoryCard, error) {
	rows, err := n.directory.Lookup(ctx, byConsumer, extConsumer)
	if err != nil {
		return nil, err
	}
	prefix := directoryKey(extConsumer, "")
	var out []directoryCard
	for _, e := range rows {
		ecr, ok := strings.CutPrefix(e.Key, prefix)
		if !ok {
			continue
		}
		ref := e.Value
		c, err := n.cards.Get(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, directoryCard{key: e.Key, externalCredentialID: ecr, card: c})
	}
	return out, nil
}

// setConsumer makes c the data of consumer ext, in its record and in every
// card it holds. The caller holds n.mu.
func (n *Network) setConsumer(ctx context.Context, ext, srcConsumerID string, c consumer) error {
	c.ExternalConsumerID = ext
	if err := n.consumers.Put(ctx, ext, consumerRecord{ExternalConsumerID: ext, SrcConsumerID: srcConsumerID, Consumer: c, UpdatedAt: n.env.Clock.Now()}); err != nil {
		return err
	}
	creds, err := n.credentialsOf(ctx, ext)
	if err != nil {
		return err
	}
	for _, dc := range creds {
		dc.card.Consumer = c
		if err := n.cards.Put(ctx, dc.card.CardRef, dc.card); err != nil {
			return err
		}
	}
	return nil
}

// credentialView renders one credential twice: as sent (card data as a JWE
// to the issuer's key) and in clear for the journal.
func (n *Network) credentialView(extConsumer, extCredential string, c digitalCard) (wire, clear map[string]any, err error) {
	data := map[string]any{
		"panLastFour":        c.PanLastFour,
		"panBin":             c.PanBIN,
		"panExpirationMonth": c.ExpirationMonth,
		"panExpirationYear":  c.ExpirationYear,
		"cardholderFullName": c.CardholderName,
	}
	if len(c.BillingAddress) > 0 {
		data["billingAddress"] = c.BillingAddress
	}
	plain, err := json.Marshal(data)
	if err != nil {
		return nil, nil, err
	}
	n.env.CheckSchema(Spec, CardDataSchema, plain)
	jwe, err := encryption.Encrypt(plain, n.issuerFLEKey())
	if err != nil {
		return nil, nil, err
	}
	view := func(cardData any) map[string]any {
		return map[string]any{
			"directoryId":          n.currentDirectoryID(),
			"externalConsumerId":   extConsumer,
			"externalCredentialId": extCredential,
			"srcConsumerId":        c.SrcConsumerID,
			"srcDigitalCardId":     c.SrcDigitalCardID,
			"tokenUniqueReference": c.TokenUniqueRef,
			"tokenRequestorId":     c.TokenRequestorID,
			"status":               c.Status,
			"encryptedCardData":    cardData,
		}
	}
	return view(jwe), view(json.RawMessage(plain)), nil
}

// credentialAnswer is the 200 of getCredential and updateCredential.
func (n *Network) credentialAnswer(req *simulator.Request, c digitalCard) (*simulator.Response, error) {
	wire, clear, err := n.credentialView(req.PathParams["externalConsumerId"], req.PathParams["externalCredentialId"], c)
	if err != nil {
		return nil, err
	}
	return answerWithPlaintext(http.StatusOK, wire, clear)
}

// profileAnswer is the 200 of getConsumer and updateConsumer: the consumer
// and every credential it holds.
func (n *Network) profileAnswer(ctx context.Context, cr consumerRecord) (*simulator.Response, error) {
	creds, err := n.credentialsOf(ctx, cr.ExternalConsumerID)
	if err != nil {
		return nil, err
	}
	wires, clears := []any{}, []any{}
	for _, dc := range creds {
		w, c, err := n.credentialView(cr.ExternalConsumerID, dc.externalCredentialID, dc.card)
		if err != nil {
			return nil, err
		}
		wires, clears = append(wires, w), append(clears, c)
	}
	data := cr.Consumer
	data.ExternalConsumerID = ""
	view := func(credentials []any) map[string]any {
		return map[string]any{
			"directoryId":        n.currentDirectoryID(),
			"externalConsumerId": cr.ExternalConsumerID,
			"srcConsumerId":      cr.SrcConsumerID,
			"consumer":           data,
			"credentials":        credentials,
		}
	}
	return answerWithPlaintext(http.StatusOK, view(wires), view(clears))
}

// answerWithPlaintext is a JSON answer whose journal entry shows the
// encrypted fields in clear (masked by the journal like any plaintext).
func answerWithPlaintext(status int, wire, clear any) (*simulator.Response, error) {
	plain, err := json.Marshal(clear)
	if err != nil {
		return nil, err
	}
	return &simulator.Response{Status: status, Body: wire, Plaintext: plain}, nil
}

func (n *Network) getConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	cr, err := n.consumerOf(ctx, req)
	if err != nil {
		return nil, err
	}
	return n.profileAnswer(ctx, cr)
}

func (n *Network) updateConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var u struct {
		SrcCorrelationID string   `json:"srcCorrelationId"`
		Consumer         consumer `json:"consumer"`
	}
	if err := json.Unmarshal(req.Body, &u); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of UpdateConsumerRequest")
	}
	req.AddCorrelationID(u.SrcCorrelationID)
	n.mu.Lock()
	defer n.mu.Unlock()
	cr, err := n.consumerOf(ctx, req)
	if err != nil {
		return nil, err
	}
	// A full replacement: what the request leaves out is gone.
	if err := n.setConsumer(ctx, cr.ExternalConsumerID, cr.SrcConsumerID, u.Consumer); err != nil {
		return nil, err
	}
	if cr, err = n.consumers.Get(ctx, cr.ExternalConsumerID); err != nil {
		return nil, err
	}
	return n.profileAnswer(ctx, cr)
}

func (n *Network) deleteConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	cr, err := n.consumerOf(ctx, req)
	if err != nil {
		return nil, err
	}
	creds, err := n.credentialsOf(ctx, cr.ExternalConsumerID)
	if err != nil {
		return nil, err
	}
	for _, dc := range creds {
		if err := n.directory.Delete(ctx, dc.key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err := n.cards.Delete(ctx, dc.card.CardRef); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if err := n.consumers.Delete(ctx, cr.ExternalConsumerID); err != nil {
		return nil, err
	}
	for _, dc := range creds {
		n.notifyDeleted(ctx, dc.card)
	}
	return &simulator.Response{Status: http.StatusNoContent}, nil
}

// notifyDeleted tells the issuer (Notify Token Updated, after the answer)
// that a deleted credential's token is DEACTIVATED, unless it already was.
func (n *Network) notifyDeleted(ctx context.Context, c digitalCard) {
	if c.Status != statusDeactivated {
		c.Status = statusDeactivated
		n.notifyLater(ctx, statusNotice(c, tokenMeta{}))
	}
}
