package mastercard

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
)

// PlaintextSchema is the schema of encryptedCard's plaintext.
const PlaintextSchema = "EncryptedCardPlaintext"

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

// consumerIdentity is how the Enroll API identifies the consumer.
type consumerIdentity struct {
	IdentityType  string `json:"identityType"`
	IdentityValue string `json:"identityValue"`
}

type consumer struct {
	ConsumerIdentity   *consumerIdentity `json:"consumerIdentity,omitempty"`
	LanguageCode       string            `json:"languageCode,omitempty"`
	ExternalConsumerID string            `json:"externalConsumerId,omitempty"`
	FirstName          string            `json:"firstName,omitempty"`
	LastName           string            `json:"lastName,omitempty"`
	EmailAddress       string            `json:"emailAddress,omitempty"`
	MobileNumber       *mobileNumber     `json:"mobileNumber,omitempty"`
	Locale             string            `json:"locale,omitempty"`
	CountryCode        string            `json:"countryCode,omitempty"`
}

type mobileNumber struct {
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber"`
}

// cardPlaintext is EncryptedCardPlaintext.
type cardPlaintext struct {
	PrimaryAccountNumber string          `json:"primaryAccountNumber"`
	PanExpirationMonth   string          `json:"panExpirationMonth"`
	PanExpirationYear    string          `json:"panExpirationYear"`
	CardholderFullName   string          `json:"cardholderFullName"`
	CardSecurityCode     string          `json:"cardSecurityCode,omitempty"`
	BillingAddress       json.RawMessage `json:"billingAddress,omitempty"`
}

// correlate journals every call under the issuer's consumer ID (path or
// body), the batch and the token it concerns, so their exchanges can be
// found. It is the Decode of every operation; the ones that carry card data
// call it first.
func correlate(req *simulator.Request) error {
	for _, p := range []string{"externalConsumerId", "batchId"} {
		if v := req.PathParams[p]; v != "" {
			req.AddCorrelationID(v)
		}
	}
	correlateBody(req)
	return nil
}

// decodeCard decrypts putCard's encryptedCard with the key its kid names and
// validates it against EncryptedCardPlaintext. Neither the ciphertext nor
// any card data is echoed in errors.
func (n *Network) decodeCard(req *simulator.Request) error {
	_ = correlate(req)
	var r enrollRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of EnrollCardRequest")
	}
	req.AddCorrelationID(r.SrcCorrelationID)
	switch {
	case r.EncryptedCard != "" && r.EnrolmentReferenceData != nil:
		return argErr("encryptedCard", "give encryptedCard (PAN-based enrolment) or enrolmentReferenceData (a push receipt), not both")
	case r.EncryptedCard == "" && r.EnrolmentReferenceData == nil:
		return argErr("encryptedCard", "give encryptedCard (PAN-based enrolment) or enrolmentReferenceData (a push receipt)")
	case r.EncryptedCard == "":
		req.AddCorrelationID(r.EnrolmentReferenceData.ID)
		return nil // the receipt names a card pushed through Token Connect
	}
	plain, err := n.openJWE("encryptedCard", r.EncryptedCard)
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
	if err := json.Unmarshal(plain, &c); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "encryptedCard plaintext is not the JSON of EncryptedCardPlaintext")
	}
	req.AddCard(c.PrimaryAccountNumber)
	return nil
}

// openJWE decrypts the compact JWE in field, refusing card data in clear, an
// unknown kid, other algorithms and broken or tampered JWEs.
func (n *Network) openJWE(field, compact string) ([]byte, error) {
	if isDigits(strings.ReplaceAll(compact, " ", "")) {
		return nil, cryptoErrAt(field, "%s carries card data in clear: it must be a compact JWE (RSA-OAEP-256, A256GCM) encrypted to the encryption-public-key; the value is not echoed", field)
	}
	d, err := n.keys.Decrypt(compact)
	if err != nil {
		switch {
		case errors.Is(err, encryption.ErrUnknownKid):
			return nil, cryptoErrAt(field, "%s: the JWE kid is not the fingerprint of Mastercard's encryption key (credential encryption-public-key, keyId %s)", field, n.encKid)
		case errors.Is(err, encryption.ErrNoKid):
			return nil, cryptoErrAt(field, "%s: the JWE header has no kid; set it to the fingerprint of the encryption key", field)
		case errors.Is(err, encryption.ErrAlgorithm):
			return nil, cryptoErrAt(field, "%s: the JWE must use alg RSA-OAEP-256 and enc A256GCM", field)
		case errors.Is(err, encryption.ErrDecrypt):
			return nil, cryptoErrAt(field, "%s: the JWE does not decrypt with the key its kid names (wrong key or tampered)", field)
		}
		return nil, cryptoErrAt(field, "%s is not a compact JWE (five base64url parts separated by '.')", field)
	}
	return d.Plaintext, nil
}

func cryptoErrAt(field, format string, args ...any) *simulator.Error {
	e := simulator.Errorf(http.StatusBadRequest, simulator.KindCrypto, format, args...)
	e.Code = "INVALID_ARGUMENT"
	e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "encryption", Message: e.Message}}
	return e
}

func isDigits(s string) bool {
	if len(s) < 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// correlateBody records the consumer and token IDs a request body names:
// consumer.externalConsumerId (putCard), each record's externalConsumerId
// (batches) and the MDES request's TokenUniqueReference.
func correlateBody(req *simulator.Request) {
	if len(req.Body) == 0 {
		return
	}
	var b struct {
		Consumer struct {
			ExternalConsumerID string `json:"externalConsumerId"`
		} `json:"consumer"`
		Records []struct {
			ExternalConsumerID string `json:"externalConsumerId"`
		} `json:"records"`
	}
	if json.Unmarshal(req.Body, &b) != nil {
		return
	}
	if b.Consumer.ExternalConsumerID != "" {
		req.AddCorrelationID(b.Consumer.ExternalConsumerID)
	}
	for _, r := range b.Records {
		req.AddCorrelationID(r.ExternalConsumerID)
	}
	var mdes map[string]struct {
		TokenUniqueReference string `json:"TokenUniqueReference"`
	}
	if json.Unmarshal(req.Body, &mdes) == nil {
		for _, v := range mdes {
			if v.TokenUniqueReference != "" {
				req.AddCorrelationID(v.TokenUniqueReference)
			}
		}
	}
}

// argErr is an INVALID_ARGUMENT naming a missing or conflicting field.
func argErr(field, format string, args ...any) *simulator.Error {
	e := svcErr(http.StatusBadRequest, simulator.KindValidation, "INVALID_ARGUMENT", format, args...)
	e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: "required", Message: e.Message}}
	return e
}
