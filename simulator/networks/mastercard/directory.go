package mastercard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// CardDataSchema is the plaintext schema of encryptedCardData in Credential
// Directory answers.
const CardDataSchema = "CredentialCardData"

// directoryAPI is the Credential Directory: the credentials and consumers
// enrolments with external IDs created, read, changed and deleted under the
// issuer's directoryId. Card data in its answers is a JWE to the issuer's
// key.
type directoryAPI struct {
	*state
	notify *notifier // tells the issuer a deleted credential's token is gone
}

// operations is the Credential Directory's operation table; every call is
// journalled under the externalConsumerId it names.
func (d *directoryAPI) operations() []simulator.Operation {
	op := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: correlateConsumer, Handle: h}
	}
	return []simulator.Operation{
		op("getCredential", d.getCredential),
		op("updateCredential", d.updateCredential),
		op("deleteCredential", d.deleteCredential),
		op("getConsumer", d.getConsumer),
		op("updateConsumer", d.updateConsumer),
		op("deleteConsumer", d.deleteConsumer),
	}
}

// correlateConsumer journals a call under the consumer it names (path, and
// body when the body carries one).
func correlateConsumer(req *simulator.Request) error {
	req.AddCorrelationID(req.PathParams["externalConsumerId"])
	if len(req.Body) == 0 {
		return nil
	}
	var b struct {
		Consumer struct {
			ExternalConsumerID string `json:"externalConsumerId"`
		} `json:"consumer"`
	}
	if json.Unmarshal(req.Body, &b) == nil {
		req.AddCorrelationID(b.Consumer.ExternalConsumerID)
	}
	return nil
}

// consumerOf returns the consumer a path names, or the service's 404.
func (d *directoryAPI) consumerOf(ctx context.Context, req *simulator.Request) (consumerRecord, error) {
	if err := d.creds.checkDirectory(req); err != nil {
		return consumerRecord{}, err
	}
	ext := req.PathParams["externalConsumerId"]
	cr, err := d.consumers.Get(ctx, ext)
	if errors.Is(err, store.ErrNotFound) {
		return consumerRecord{}, svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no consumer %q in this directory", ext)
	}
	return cr, err
}

// credential finds the card a Credential Directory address names.
func (d *directoryAPI) credential(ctx context.Context, req *simulator.Request) (digitalCard, string, error) {
	if err := d.creds.checkDirectory(req); err != nil {
		return digitalCard{}, "", err
	}
	ec, ecr := req.PathParams["externalConsumerId"], req.PathParams["externalCredentialId"]
	key := directoryKey(ec, ecr)
	ref, err := d.directory.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return digitalCard{}, "", svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no credential %q for consumer %q in this directory", ecr, ec)
	}
	if err != nil {
		return digitalCard{}, "", err
	}
	c, err := d.cards.Get(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return digitalCard{}, "", svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no credential %q for consumer %q in this directory", ecr, ec)
	}
	return c, key, err
}

func (d *directoryAPI) getCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	c, _, err := d.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	return d.credentialAnswer(req, c)
}

func (d *directoryAPI) updateCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var u struct {
		SrcCorrelationID   string `json:"srcCorrelationId"`
		PanExpirationMonth string `json:"panExpirationMonth"`
		PanExpirationYear  string `json:"panExpirationYear"`
	}
	if err := json.Unmarshal(req.Body, &u); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of UpdateCredentialRequest")
	}
	req.AddCorrelationID(u.SrcCorrelationID)
	if !expiry(u.PanExpirationYear, u.PanExpirationMonth).After(d.env.Clock.Now()) {
		e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", "the new expiry is in the past")
		e.Fields = []simulator.FieldError{{Field: "/panExpirationYear", In: "body", Rule: "expiry", Message: "card expiry is in the past"}}
		return nil, e
	}
	found, key, err := d.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	c, err := d.atCredential(ctx, req, key, found.CardRef, func(entry *store.Held[string], card *store.Held[digitalCard]) {
		card.Value.ExpirationMonth, card.Value.ExpirationYear = u.PanExpirationMonth, u.PanExpirationYear
	})
	if err != nil {
		return nil, err
	}
	return d.credentialAnswer(req, c)
}

// atCredential changes the directory entry at key and the card it names
// (ref, as found) in one atomic store step, once both are seen to be still
// the same credential, and returns the card as the change left it (a
// deleted one as it was).
func (d *directoryAPI) atCredential(ctx context.Context, req *simulator.Request, key, ref string, change func(entry *store.Held[string], card *store.Held[digitalCard])) (digitalCard, error) {
	var out digitalCard
	err := store.Update2(ctx, d.directory, key, d.cards, ref, func(entry *store.Held[string], card *store.Held[digitalCard]) error {
		if !entry.Exists || entry.Value != ref || !card.Exists {
			return svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no credential %q for consumer %q in this directory",
				req.PathParams["externalCredentialId"], req.PathParams["externalConsumerId"])
		}
		change(entry, card)
		out = card.Value
		return nil
	})
	if err != nil {
		return digitalCard{}, err
	}
	return out, nil
}

func (d *directoryAPI) deleteCredential(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	found, key, err := d.credential(ctx, req)
	if err != nil {
		return nil, err
	}
	c, err := d.atCredential(ctx, req, key, found.CardRef, func(entry *store.Held[string], card *store.Held[digitalCard]) {
		entry.Delete, card.Delete = true, true
	})
	if err != nil {
		return nil, err
	}
	d.notifyDeleted(ctx, c)
	return &simulator.Response{Status: http.StatusNoContent}, nil
}

// credentialView renders one credential twice: as sent (card data as a JWE
// to the issuer's key) and in clear for the journal.
func (d *directoryAPI) credentialView(extConsumer, extCredential string, c digitalCard) (wire, clear map[string]any, err error) {
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
	d.env.CheckSchema(Spec, CardDataSchema, plain)
	jwe, err := encryption.Encrypt(plain, d.creds.issuerKey())
	if err != nil {
		return nil, nil, err
	}
	view := func(cardData any) map[string]any {
		return map[string]any{
			"directoryId":          d.creds.currentDirectoryID(),
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
func (d *directoryAPI) credentialAnswer(req *simulator.Request, c digitalCard) (*simulator.Response, error) {
	wire, clear, err := d.credentialView(req.PathParams["externalConsumerId"], req.PathParams["externalCredentialId"], c)
	if err != nil {
		return nil, err
	}
	return answerWithPlaintext(http.StatusOK, wire, clear)
}

// profileAnswer is the 200 of getConsumer and updateConsumer: the consumer
// and every credential it holds.
func (d *directoryAPI) profileAnswer(ctx context.Context, cr consumerRecord) (*simulator.Response, error) {
	held, err := d.credentialsOf(ctx, cr.ExternalConsumerID)
	if err != nil {
		return nil, err
	}
	wires, clears := []any{}, []any{}
	for _, dc := range held {
		w, c, err := d.credentialView(cr.ExternalConsumerID, dc.externalCredentialID, dc.card)
		if err != nil {
			return nil, err
		}
		wires, clears = append(wires, w), append(clears, c)
	}
	data := cr.Consumer
	data.ExternalConsumerID = ""
	view := func(credentials []any) map[string]any {
		return map[string]any{
			"directoryId":        d.creds.currentDirectoryID(),
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

func (d *directoryAPI) getConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	cr, err := d.consumerOf(ctx, req)
	if err != nil {
		return nil, err
	}
	return d.profileAnswer(ctx, cr)
}

func (d *directoryAPI) updateConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var u struct {
		SrcCorrelationID string   `json:"srcCorrelationId"`
		Consumer         consumer `json:"consumer"`
	}
	if err := json.Unmarshal(req.Body, &u); err != nil {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of UpdateConsumerRequest")
	}
	req.AddCorrelationID(u.SrcCorrelationID)
	data := u.Consumer
	var updated consumerRecord
	// A full replacement (what the request leaves out is gone) of the
	// consumer and of its data in every card it holds, in one atomic store
	// step.
	err := d.consumerStep(ctx, req, func(cr consumerRecord, held []directoryCard) error {
		var at store.Atomic
		cons := store.Hold(&at, d.consumers, cr.ExternalConsumerID)
		cards := make([]*store.Held[digitalCard], len(held))
		for i, dc := range held {
			cards[i] = store.Hold(&at, d.cards, dc.card.CardRef)
		}
		data.ExternalConsumerID = cr.ExternalConsumerID
		return at.Do(ctx, func() error {
			if err := unchanged(cons, cr); err != nil {
				return err
			}
			cons.Value = consumerRecord{ExternalConsumerID: cr.ExternalConsumerID, SrcConsumerID: cons.Value.SrcConsumerID, Consumer: data,
				UpdatedAt: d.env.Clock.Now(), Revision: cons.Value.Revision + 1}
			for _, card := range cards {
				if card.Exists && card.Value.ExternalConsumerID == cr.ExternalConsumerID {
					card.Value.Consumer = data
				}
			}
			updated = cons.Value
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return d.profileAnswer(ctx, updated)
}

func (d *directoryAPI) deleteConsumer(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	// The consumer and every credential it holds go in one atomic store
	// step: of two deletions raced through two replicas, one deletes (and
	// notifies), the other finds no consumer.
	var deleted []digitalCard
	err := d.consumerStep(ctx, req, func(cr consumerRecord, held []directoryCard) error {
		var at store.Atomic
		cons := store.Hold(&at, d.consumers, cr.ExternalConsumerID)
		entries := make([]*store.Held[string], len(held))
		cards := make([]*store.Held[digitalCard], len(held))
		for i, dc := range held {
			entries[i], cards[i] = store.Hold(&at, d.directory, dc.key), store.Hold(&at, d.cards, dc.card.CardRef)
		}
		deleted = deleted[:0]
		return at.Do(ctx, func() error {
			if err := unchanged(cons, cr); err != nil {
				return err
			}
			cons.Delete = true
			for i, dc := range held {
				if !entries[i].Exists || entries[i].Value != dc.card.CardRef {
					continue // moved meanwhile: not this consumer's any more
				}
				entries[i].Delete = true
				if cards[i].Exists {
					cards[i].Delete = true
					deleted = append(deleted, cards[i].Value)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, c := range deleted {
		d.notifyDeleted(ctx, c)
	}
	return &simulator.Response{Status: http.StatusNoContent}, nil
}

// consumerStep runs step, an atomic store step over the consumer the
// request names and the cards it held when read, and runs it again on a
// fresh read when the consumer changed in between (step returns
// errConsumerChanged): a card enrolled into the consumer meanwhile is then
// deleted or updated with the others instead of being left out.
func (d *directoryAPI) consumerStep(ctx context.Context, req *simulator.Request, step func(cr consumerRecord, held []directoryCard) error) error {
	const attempts = 8
	for range attempts {
		cr, err := d.consumerOf(ctx, req)
		if err != nil {
			return err
		}
		held, err := d.credentialsOf(ctx, cr.ExternalConsumerID)
		if err != nil {
			return err
		}
		if err := step(cr, held); !errors.Is(err, errConsumerChanged) {
			return err
		}
	}
	return svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE",
		"consumer %q changed %d times while this call ran (cards enrolled into it or updates); retry it", req.PathParams["externalConsumerId"], attempts)
}

// errConsumerChanged is a consumer step's refusal of a consumer written
// since its cards were read.
var errConsumerChanged = errors.New("the consumer changed since its cards were read")

// unchanged checks, in an atomic step, that the consumer held is the one
// read as cr: it still exists and was not written since.
func unchanged(cons *store.Held[consumerRecord], cr consumerRecord) error {
	if !cons.Exists {
		return svcErr(http.StatusNotFound, simulator.KindNotFound, "NOT_FOUND", "no consumer %q in this directory", cr.ExternalConsumerID)
	}
	if cons.Value.Revision != cr.Revision || cons.Value.SrcConsumerID != cr.SrcConsumerID {
		return errConsumerChanged
	}
	return nil
}

// notifyDeleted tells the issuer (Notify Token Updated, after the answer)
// that a deleted credential's token is DEACTIVATED, unless it already was.
func (d *directoryAPI) notifyDeleted(ctx context.Context, c digitalCard) {
	if c.Status != statusDeactivated {
		c.Status = statusDeactivated
		d.notify.notifyLater(ctx, statusNotice(c, tokenMeta{}))
	}
}
