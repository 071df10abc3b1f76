package visa

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/simulator"
)

// Decode implements simulator.Decoder: MLE is mandatory on every VICA body.
// It checks the Key ID, decrypts, validates the plaintext against the
// operation's plaintext schema, and tells the engine which cards and
// consumer the request concerns.
func (n *Network) Decode(req *simulator.Request) error {
	if req.HTTP.Method == http.MethodGet {
		return nil
	}
	keyID := req.HTTP.Header.Get(mle.KeyIDHeader)
	if keyID == "" {
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindValidation, Code: "VIDC-1000",
			Message: "the keyId header is required: it names the MLE Key ID the body is encrypted under",
			Fields:  []simulator.FieldError{{Field: "keyId", In: "header", Rule: "required", Message: "header keyId is required"}}}
	}
	if keyID != n.currentKeyID() {
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindCrypto, Code: "VIDC-1001",
			Message: fmt.Sprintf("keyId %q is not this project's MLE Key ID", keyID)}
	}
	opened, err := mle.Open(req.Body, n.serverKey, keyID)
	if err != nil {
		msg := "MLE: " + err.Error()
		if errors.Is(err, mle.ErrKeyID) {
			msg = "MLE: the JWE kid does not match the keyId header"
		}
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindCrypto, Code: "VIDC-1001", Message: msg}
	}
	req.SetPlaintext(opened.Payload)
	schema, _ := req.Operation.Extensions["x-c2psim-plaintext"].(string)
	if schema == "" {
		return fmt.Errorf("operation %s names no plaintext schema", req.OperationID)
	}
	if verr := n.env.ValidateSchema(Spec, schema, opened.Payload); verr != nil {
		return verr
	}
	var p payload
	if err := json.Unmarshal(opened.Payload, &p); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "decrypted payload: %v", err)
	}
	for _, pi := range p.PaymentInstruments {
		req.AddCard(pi.AccountNumber)
	}
	if c := p.ConsumerInformation; c.ExternalConsumerID != "" {
		req.AddCorrelationID(consumerKey(c.ExternalConsumerIDOwnerBID, c.ExternalConsumerID))
	}
	return nil
}

// payload is the union of the VICA plaintext request shapes.
type payload struct {
	Intent              intent              `json:"intent"`
	ConsumerInformation consumerInformation `json:"consumerInformation"`
	PaymentInstruments  []paymentInstrument `json:"paymentInstruments"`
}

type intent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type consumerInformation struct {
	ExternalConsumerID         string   `json:"externalConsumerID"`
	ExternalConsumerIDOwnerBID string   `json:"externalConsumerIDOwnerBID"`
	FirstName                  string   `json:"firstName,omitempty"`
	MiddleName                 string   `json:"middleName,omitempty"`
	LastName                   string   `json:"lastName,omitempty"`
	Emails                     []string `json:"emails,omitempty"`
	Phones                     []string `json:"phones,omitempty"`
	Locale                     string   `json:"locale,omitempty"`
	CountryCode                string   `json:"countryCode,omitempty"`
	Status                     string   `json:"status,omitempty"`
}

type paymentInstrument struct {
	Type           string          `json:"type"`
	AccountNumber  string          `json:"accountNumber"`
	NameOnCard     string          `json:"nameOnCard,omitempty"`
	ExpirationDate string          `json:"expirationDate,omitempty"`
	BillingAddress json.RawMessage `json:"billingAddress,omitempty"`
}

func consumerKey(bid, ext string) string { return bid + "/" + ext }
