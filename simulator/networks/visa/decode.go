package visa

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/simulator"
)

// decode is the Decode of every operation: MLE is mandatory on every VICA call.
// It checks the Key ID (every request names it, bodiless ones too: the
// answer is encrypted for it), decrypts the body, checks its iat, validates
// the plaintext against the operation's plaintext schema, and tells the
// engine which cards and consumer the request concerns.
func (n *Network) decode(req *simulator.Request) error {
	keyID := req.HTTP.Header.Get(mle.KeyIDHeader)
	if keyID == "" {
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindValidation, Code: "VIDC-1000",
			Message: "the keyId header is required: it names the MLE Key ID the body is encrypted under and the answer is encrypted for",
			Fields:  []simulator.FieldError{{Field: "keyId", In: "header", Rule: "required", Message: "header keyId is required"}}}
	}
	if keyID != n.currentKeyID() {
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindCrypto, Code: "VIDC-1001",
			Message: fmt.Sprintf("keyId %q is not this project's MLE Key ID", keyID)}
	}
	if req.HTTP.Method == http.MethodGet {
		return nil
	}
	opened, err := mle.Open(req.Body, n.serverKey.Private(), keyID)
	if err != nil {
		msg := "MLE: " + err.Error()
		if errors.Is(err, mle.ErrKeyID) {
			msg = "MLE: the JWE kid does not match the keyId header"
		}
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindCrypto, Code: "VIDC-1001", Message: msg}
	}
	if err := mle.CheckIssuedAt(opened, n.now(), mleIatWindowSetting.Get(n.env.Settings)); err != nil {
		return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindCrypto, Code: "VIDC-1001", Message: "MLE: " + err.Error(),
			Fields: []simulator.FieldError{{Field: "encData: JWE header iat", In: "body", Rule: "iat", Message: err.Error()}}}
	}
	req.SetPlaintext(opened.Payload)
	if verr := req.CheckPlaintext(opened.Payload); verr != nil {
		return verr
	}
	var p payload
	if err := json.Unmarshal(opened.Payload, &p); err != nil {
		return simulator.Errorf(http.StatusBadRequest, simulator.KindMalformed, "decrypted payload: %v", err)
	}
	for _, pi := range p.PaymentInstruments {
		req.AddCard(pi.AccountNumber)
	}
	bid, ext := p.ConsumerInformation.ExternalConsumerIDOwnerBID, p.ConsumerInformation.ExternalConsumerID
	if ext == "" {
		ext = req.PathParams["externalConsumerId"]
	}
	if ext != "" {
		req.AddCorrelationID(consumerKey(bid, ext))
	}
	return nil
}

// payload is the union of the VICA plaintext request shapes.
type payload struct {
	Products            []product           `json:"products,omitempty"`
	Intent              *intent             `json:"intent,omitempty"`
	ConsumerInformation consumerInformation `json:"consumerInformation"`
	PaymentInstruments  []paymentInstrument `json:"paymentInstruments,omitempty"`
	References          []instrumentRef     `json:"paymentInstrumentReferences,omitempty"`
}

type product struct {
	ProductCode string `json:"productCode"`
}

type intent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type instrumentRef struct {
	Type        string `json:"type,omitempty"`
	ReferenceID string `json:"paymentInstrumentReferenceID"`
}

type consumerInformation struct {
	ExternalConsumerID         string   `json:"externalConsumerID,omitempty"`
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
	CardType       string          `json:"cardType,omitempty"`
	IssuerName     string          `json:"issuerName,omitempty"`
	CurrencyCode   string          `json:"currencyCode,omitempty"`
}

func consumerKey(bid, ext string) string { return bid + "/" + ext }
