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
	ExternalCredentialID string   `json:"externalCredentialId,omitempty"`
	Consumer             consumer `json:"consumer"`
	EncryptedCard        string   `json:"encryptedCard"`
}

type consumer struct {
	ExternalConsumerID string        `json:"externalConsumerId,omitempty"`
	FirstName          string        `json:"firstName"`
	LastName           string        `json:"lastName"`
	EmailAddress       string        `json:"emailAddress"`
	MobileNumber       *mobileNumber `json:"mobileNumber,omitempty"`
	Locale             string        `json:"locale"`
	CountryCode        string        `json:"countryCode"`
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
	BillingAddress       json.RawMessage `json:"billingAddress,omitempty"`
}

// Decode implements simulator.Decoder: encryptedCard is decrypted with the
// key its kid names and validated against EncryptedCardPlaintext. Neither the
// ciphertext nor any card data is echoed in errors.
func (n *Network) Decode(req *simulator.Request) error {
	if req.HTTP.Method != http.MethodPost {
		return nil
	}
	var r enrollRequest
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "body is not the JSON of EnrollCardRequest")
	}
	req.AddCorrelationID(r.SrcCorrelationID)
	if isDigits(strings.ReplaceAll(r.EncryptedCard, " ", "")) {
		return cryptoErr("encryptedCard carries card data in clear: it must be a compact JWE (RSA-OAEP-256, A256GCM) encrypted to the encryption-public-key; the value is not echoed")
	}
	d, err := n.keys.Decrypt(r.EncryptedCard)
	if err != nil {
		switch {
		case errors.Is(err, encryption.ErrUnknownKid):
			return cryptoErr("encryptedCard: the JWE kid is not the fingerprint of Mastercard's encryption key (credential encryption-public-key, keyId %s)", n.encKid)
		case errors.Is(err, encryption.ErrNoKid):
			return cryptoErr("encryptedCard: the JWE header has no kid; set it to the fingerprint of the encryption key")
		case errors.Is(err, encryption.ErrAlgorithm):
			return cryptoErr("encryptedCard: the JWE must use alg RSA-OAEP-256 and enc A256GCM")
		case errors.Is(err, encryption.ErrDecrypt):
			return cryptoErr("encryptedCard: the JWE does not decrypt with the key its kid names (wrong key or tampered)")
		}
		return cryptoErr("encryptedCard is not a compact JWE (five base64url parts separated by '.')")
	}
	req.SetPlaintext(d.Plaintext)
	if verr := n.env.ValidateSchema(Spec, PlaintextSchema, d.Plaintext); verr != nil {
		if verr.Code == "" {
			verr.Code = "INVALID_ARGUMENT"
		}
		return verr
	}
	var c cardPlaintext
	if err := json.Unmarshal(d.Plaintext, &c); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "encryptedCard plaintext is not the JSON of EncryptedCardPlaintext")
	}
	req.AddCard(c.PrimaryAccountNumber)
	return nil
}

func cryptoErr(format string, args ...any) *simulator.Error {
	e := simulator.Errorf(http.StatusBadRequest, simulator.KindCrypto, format, args...)
	e.Code = "INVALID_ARGUMENT"
	e.Fields = []simulator.FieldError{{Field: "encryptedCard", In: "body", Rule: "encryption", Message: e.Message}}
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
