package mastercard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/internal/uuid"
)

var (
	_ client.ConsumerUpdater = (*Adapter)(nil)
	_ client.ConsumerDeleter = (*Adapter)(nil)
	_ client.ProfileReader   = (*Adapter)(nil)
	_ client.BatchEnroller   = (*Adapter)(nil)
	_ client.OperationReader = (*Adapter)(nil)
)

func (a *Adapter) consumerPath(consumerRef string) string {
	return enrolAPI + "/directories/" + url.PathEscape(a.cfg.DirectoryID) + "/consumers/" + url.PathEscape(consumerRef)
}

// wireCredential is one card in a Credential Directory answer; its card
// data is a JWE to the issuer's key.
type wireCredential struct {
	ExternalCredentialID string `json:"externalCredentialId"`
	SrcDigitalCardID     string `json:"srcDigitalCardId"`
	TokenUniqueReference string `json:"tokenUniqueReference"`
	Status               string `json:"status"`
	EncryptedCardData    string `json:"encryptedCardData"`
}

type wireProfile struct {
	ExternalConsumerID string         `json:"externalConsumerId"`
	Consumer           map[string]any `json:"consumer"`
	Credentials        []wireCredential
}

func (a *Adapter) getConsumer(ctx context.Context, consumerRef string) (*wireProfile, error) {
	var out wireProfile
	if err := a.do(ctx, http.MethodGet, a.consumerPath(consumerRef), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// heldConsumer is the consumer as the network holds it, sent again with a
// further card under the same externalConsumerId (ENR-05).
func (a *Adapter) heldConsumer(ctx context.Context, consumerRef string) (map[string]any, error) {
	p, err := a.getConsumer(ctx, consumerRef)
	if err != nil {
		return nil, fmt.Errorf("reading consumer %s before adding a card: %w", consumerRef, err)
	}
	// Only the fields Enroll takes: a field a newer release adds to the
	// read-back must not break adding a card (ERR-04).
	cons := map[string]any{"externalConsumerId": consumerRef}
	for _, k := range []string{"firstName", "lastName", "countryCode", "languageCode"} {
		if v, ok := p.Consumer[k].(string); ok && v != "" {
			cons[k] = v
		}
	}
	if v, ok := p.Consumer["locale"].(string); ok && v != "" && cons["languageCode"] == nil {
		cons["languageCode"] = v
	}
	if id, ok := p.Consumer["consumerIdentity"].(map[string]any); ok {
		cons["consumerIdentity"] = id
	} else if e, ok := p.Consumer["emailAddress"].(string); ok && e != "" {
		cons["consumerIdentity"] = map[string]string{"identityType": "EMAIL_ADDRESS", "identityValue": e}
	}
	if m, ok := p.Consumer["mobileNumber"].(map[string]any); ok {
		cc, _ := m["countryCode"].(string)
		n, _ := m["phoneNumber"].(string)
		if cc != "" && n != "" {
			cons["mobileNumber"] = map[string]string{"countryCode": cc, "phoneNumber": n}
		}
	}
	return cons, nil
}

// GetProfile implements client.ProfileReader; an unknown consumer is an
// empty profile, not an error. Card data arrives encrypted to the issuer's
// key (Config.DecryptionKey) and is decrypted to BIN and last four.
func (a *Adapter) GetProfile(ctx context.Context, consumerRef string) (*client.Profile, error) {
	p := &client.Profile{Network: client.Mastercard, ConsumerRef: consumerRef, Cards: []client.ProfileCard{}}
	w, err := a.getConsumer(ctx, consumerRef)
	if errors.Is(err, client.ErrNotEnrolled) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.Enrolled = true
	p.FirstName, _ = w.Consumer["firstName"].(string)
	p.LastName, _ = w.Consumer["lastName"].(string)
	if e, ok := w.Consumer["emailAddress"].(string); ok {
		p.Emails = []string{e}
	}
	if m, ok := w.Consumer["mobileNumber"].(map[string]any); ok {
		cc, _ := m["countryCode"].(string)
		n, _ := m["phoneNumber"].(string)
		p.Phones = []string{cc + n}
	}
	for _, c := range w.Credentials {
		pc := client.ProfileCard{CardRef: c.ExternalCredentialID, Status: c.Status, TokenRef: c.TokenUniqueReference}
		if c.EncryptedCardData != "" {
			data, err := a.cardData(c.EncryptedCardData)
			if err != nil {
				return nil, fmt.Errorf("credential %s: %w", c.ExternalCredentialID, err)
			}
			pc.BIN, pc.Last4 = data.PanBin, data.PanLastFour
		}
		p.Cards = append(p.Cards, pc)
	}
	return p, nil
}

type cardData struct {
	PanLastFour        string `json:"panLastFour"`
	PanBin             string `json:"panBin"`
	PanExpirationMonth string `json:"panExpirationMonth"`
	PanExpirationYear  string `json:"panExpirationYear"`
}

// cardData decrypts a Credential Directory answer's encryptedCardData.
func (a *Adapter) cardData(jwe string) (cardData, error) {
	var d cardData
	if len(a.keys) == 0 {
		return d, errors.New("encryptedCardData: no issuer decryption key is configured")
	}
	dec, err := a.keys.Decrypt(jwe)
	if err != nil {
		return d, fmt.Errorf("encryptedCardData: %w", err)
	}
	if err := json.Unmarshal(dec.Plaintext, &d); err != nil {
		return d, fmt.Errorf("encryptedCardData is not the card data: %w", err)
	}
	return d, nil
}

// UpdateConsumer implements client.ConsumerUpdater: the consumer's data is
// replaced as a whole.
func (a *Adapter) UpdateConsumer(ctx context.Context, c client.Consumer) (*client.Operation, error) {
	cons, err := a.consumer(c)
	if err != nil {
		return nil, err
	}
	delete(cons, "externalConsumerId")
	corr := uuid.New()
	var out wireProfile
	if err := a.do(ctx, http.MethodPut, a.consumerPath(c.Ref), map[string]any{"srcCorrelationId": corr, "consumer": cons}, &out); err != nil {
		return nil, err
	}
	return a.synchronous(ref{consumer: c.Ref}, "update-"+c.Ref, corr, "UPDATED", client.Succeeded, ""), nil
}

// DeleteConsumer implements client.ConsumerDeleter: the consumer and every
// card and token it has.
func (a *Adapter) DeleteConsumer(ctx context.Context, consumerRef string) (*client.Operation, error) {
	if err := a.do(ctx, http.MethodDelete, a.consumerPath(consumerRef), nil, nil); err != nil {
		return nil, err
	}
	return a.synchronous(ref{consumer: consumerRef}, "delete-"+consumerRef, "", "DELETED", client.Succeeded, ""), nil
}

// batchPrefix marks the externalBatchId (the operation's correlation ID) of
// batches this adapter submits, so GetOperation knows a batch from a
// synchronous enrolment awaiting activation.
const batchPrefix = "batch-"

// awaitingActivation is the network status of a batch enrolment whose record
// succeeded with its token INACTIVE (yellow path): it is followed in the
// Credential Directory from then on.
const awaitingActivation = "AWAITING_ACTIVATION"

// EnrolBatch implements client.BatchEnroller with Batch Enroll: one record
// per card, a fresh externalBatchId, 202 then Batch Status (ENR-07, ENR-11).
func (a *Adapter) EnrolBatch(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	cons, err := a.consumer(c)
	if err != nil {
		return nil, err
	}
	delete(cons, "externalConsumerId")
	plain, err := a.cardPlaintext(k)
	if err != nil {
		return nil, err
	}
	plain["consumer"] = cons
	jwe, err := a.encrypt(plain, k)
	if err != nil {
		return nil, err
	}
	ext := batchPrefix + uuid.New()
	var out struct {
		BatchID string `json:"batchId"`
	}
	err = a.do(ctx, http.MethodPost, enrolAPI+"/directories/"+url.PathEscape(a.cfg.DirectoryID)+"/batches", map[string]any{
		"srcClientId": a.cfg.SrcClientID, "serviceId": a.cfg.ServiceID, "externalBatchId": ext,
		"records": []map[string]any{{"externalConsumerId": c.Ref, "externalCardId": k.Ref, "enrollmentData": jwe}},
	}, &out)
	if err != nil {
		return nil, err
	}
	return a.synchronous(ref{c.Ref, k.Ref}, out.BatchID, ext, "PENDING", client.Pending, ""), nil
}

// GetOperation implements client.OperationReader: a batch is read back from
// Batch Status; an enrolment whose token awaits activation (yellow path)
// from the Credential Directory.
func (a *Adapter) GetOperation(ctx context.Context, op *client.Operation) (*client.Operation, error) {
	next := *op
	next.UpdatedAt = a.cfg.Now()
	if !strings.HasPrefix(op.CorrelationID, batchPrefix) || op.NetworkStatus == awaitingActivation {
		w, err := a.getConsumer(ctx, op.ConsumerRef)
		if err != nil {
			return nil, err
		}
		for _, c := range w.Credentials {
			if c.ExternalCredentialID == op.CardRef {
				next.Status, next.TokenRef = tokenStatus(c.Status), c.TokenUniqueReference
				if next.Status != client.Pending || !strings.HasPrefix(op.CorrelationID, batchPrefix) {
					next.NetworkStatus = c.Status
				}
				return &next, nil
			}
		}
		return nil, &client.NetworkError{Network: client.Mastercard, HTTPStatus: http.StatusNotFound, Code: "NOT_FOUND",
			Message: fmt.Sprintf("card %s is not in consumer %s's directory entry", op.CardRef, op.ConsumerRef), Kind: client.ErrNotEnrolled}
	}
	var st struct {
		Status  string `json:"status"`
		Records []struct {
			ExternalCardID       string `json:"externalCardId"`
			Status               string `json:"status"`
			TokenUniqueReference string `json:"tokenUniqueReference"`
			TokenStatus          string `json:"tokenStatus"`
			Error                *struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"records"`
	}
	if err := a.do(ctx, http.MethodGet, enrolAPI+"/directories/"+url.PathEscape(a.cfg.DirectoryID)+"/batches/"+url.PathEscape(op.ID), nil, &st); err != nil {
		return nil, err
	}
	next.NetworkStatus = st.Status
	for _, r := range st.Records {
		if op.CardRef != "" && r.ExternalCardID != op.CardRef {
			continue
		}
		next.TokenRef = r.TokenUniqueReference
		switch r.Status {
		case "SUCCEEDED":
			next.Status = tokenStatus(r.TokenStatus)
			if next.Status == client.Pending {
				// Enrolled, token awaiting activation: follow it in the directory.
				next.NetworkStatus = awaitingActivation
			}
		case "FAILED":
			next.Status = client.Failed
			if r.Error != nil {
				next.Errors = []client.OperationError{{Code: r.Error.Reason, Message: r.Error.Message,
					Retryable: r.Error.Reason == "INTERNAL" || r.Error.Reason == "UNAVAILABLE"}}
			}
		default:
			next.Status = client.Pending
		}
		return &next, nil
	}
	next.Status = client.Pending
	return &next, nil
}
