package mastercard

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
)

// TokenConnectSpec is the MDES Token Connect document (2.0.8): issuer push
// provisioning, "Add to Click to Pay".
const TokenConnectSpec = "mastercard/token-connect.yaml"

// clickToPayAsset is the asset ID of the Click to Pay logo.
const clickToPayAsset = "5a6d8f0e-1c2b-4d3e-9f80-7a6b5c4d3e2f"

// pushURI is where the issuer hands the cardholder to Click to Pay.
const pushURI = "https://src.mastercard.com/pushProvisioning"

// maxReceipts bounds the receipts kept while they wait for their enrolment.
const maxReceipts = 10_000

// tokenConnect is the Token Connect API: the token requestors enabled for
// the issuer's ranges, their logo, and pushed cards waiting (by receipt) for
// the token requestor's enrolment (putCard with the receipt). Pushed cards
// live in memory only, for the receipt's validity: the simulator stores no
// card number.
type tokenConnect struct {
	*state

	mu       sync.Mutex
	receipts map[string]pushedCard
	order    []string

	key *simulator.RSAKey // signs the pushMultipleAccounts signature (from the engine)
}

// operations is the Token Connect operation table; every call is
// journalled under the receipts it issues.
func (tc *tokenConnect) operations() []simulator.Operation {
	return []simulator.Operation{
		{ID: "getEligibleTokenRequestors", Handle: tc.getEligibleTokenRequestors},
		{ID: "getAsset", Handle: tc.getAsset},
		{ID: "pushAccount", Handle: tc.pushAccount},
		{ID: "pushMultipleAccounts", Handle: tc.pushMultipleAccounts},
	}
}

// reset forgets the pushed cards.
func (tc *tokenConnect) reset() {
	tc.mu.Lock()
	tc.receipts, tc.order = nil, nil
	tc.mu.Unlock()
}

// credentials is the key that verifies pushMultipleAccounts signatures.
func (tc *tokenConnect) credentials() []simulator.Credential {
	pub, err := tc.publicKey()
	if err != nil {
		return nil
	}
	return []simulator.Credential{{Name: "token-connect-signing-public-key", Kind: "rsa-public-key", KeyID: mustFingerprint(pub), Value: pemkey.EncodePublic(pub),
		Description: "verifies the RS256 signature of pushMultipleAccounts answers (JWS kid = keyId); Token Connect payloads are encrypted to encryption-public-key, its fingerprint as publicKeyFingerprint"}}
}

// pushedCard is one card pushed to a token requestor.
type pushedCard struct {
	tokenRequestorID string
	card             cardPlaintext
	holder           accountHolder
	expires          time.Time
}

type accountHolder struct {
	AccountHolderName              string `json:"accountHolderName"`
	AccountHolderEmailAddress      string `json:"accountHolderEmailAddress"`
	AccountHolderMobilePhoneNumber *struct {
		CountryDialInCode string `json:"countryDialInCode"`
		PhoneNumber       string `json:"phoneNumber"`
	} `json:"accountHolderMobilePhoneNumber"`
	AccountHolderAddress json.RawMessage `json:"accountHolderAddress"`
}

type fundingAccount struct {
	CardAccountData *struct {
		AccountNumber string `json:"accountNumber"`
		ExpiryMonth   string `json:"expiryMonth"`
		ExpiryYear    string `json:"expiryYear"`
	} `json:"cardAccountData"`
	FinancialAccountData json.RawMessage `json:"financialAccountData"`
	AccountHolderData    accountHolder   `json:"accountHolderData"`
}

// enabledRange says whether an account range (zero-padded to 19 digits) is
// enabled for Click to Pay: those of the simulator's test cards.
func enabledRange(start string) bool {
	return strings.HasPrefix(start, "5186") || strings.HasPrefix(start, "2223")
}

func pad19(s string) string { return (s + strings.Repeat("0", 19))[:19] }

func (tc *tokenConnect) getEligibleTokenRequestors(_ context.Context, req *simulator.Request) (*simulator.Response, error) {
	var r struct {
		RequestID     string   `json:"requestId"`
		AccountRanges []string `json:"accountRanges"`
	}
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil, tcErr(http.StatusBadRequest, "INVALID_JSON", "the body is not the JSON of GetEligibleTokenRequestorsRequest")
	}
	var enabled []int64
	for _, ar := range r.AccountRanges {
		p := pad19(ar)
		if !enabledRange(p) {
			continue
		}
		var v int64
		if _, err := fmt.Sscan(p, &v); err == nil {
			enabled = append(enabled, v)
		}
	}
	out := map[string]any{"responseId": r.RequestID, "tokenRequestors": []any{}}
	if len(enabled) > 0 {
		out["tokenRequestors"] = []any{map[string]any{
			"tokenRequestorId": TokenRequestorID, "name": "Mastercard Click to Pay", "consumerFacingEntityName": "Click to Pay",
			"imageAssetId": clickToPayAsset, "tokenRequestorType": "WALLET", "enabledAccountRanges": enabled,
			"supportedPushMethods": []string{"WEB", "ANDROID", "IOS"}, "supportsMultiplePushedCards": true,
			"supportedAccountHolderData": []string{"NAME", "ADDRESS", "EMAIL_ADDRESS", "MOBILE_PHONE_NUMBER"},
			"supportsTokenConnect":       true, "supportsCardHolderAuthentication": false, "supportIssuerInitiatedDigitizationData": false,
			"availablePushMethods": pushMethods(),
		}}
	}
	return simulator.JSON(http.StatusOK, out), nil
}

func pushMethods() []map[string]string {
	return []map[string]string{{"type": "WEB", "uri": pushURI}}
}

// clickToPayLogo is a 1×1 PNG and a square SVG standing in for the logo.
const (
	logoPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+M8AAAMBAQApDs4AAAAASUVORK5CYII="
	logoSVG = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiLz48L3N2Zz4="
)

func (tc *tokenConnect) getAsset(_ context.Context, req *simulator.Request) (*simulator.Response, error) {
	if id := req.PathParams["AssetId"]; id != clickToPayAsset {
		return nil, tcErr(http.StatusNotFound, "ASSET_NOT_FOUND", "no asset %s", pan.RedactText(id))
	}
	return simulator.JSON(http.StatusOK, map[string]any{"mediaContents": []any{
		map[string]string{"type": "image/png", "data": logoPNG, "height": "1", "width": "1"},
		map[string]string{"type": "image/svg+xml", "data": logoSVG},
	}}), nil
}

// open decrypts a Token Connect payload, encrypted to Mastercard's key; its
// plaintext is checked against the document's schema.
func (tc *tokenConnect) open(env encryption.FLE, schema string) ([]byte, error) {
	enc := tc.creds.encryption()
	if enc.err != nil {
		return nil, enc.err
	}
	plain, err := enc.ring.OpenFLE(env)
	if err != nil {
		e := tcErr(http.StatusBadRequest, "CRYPTOGRAPHY_ERROR", "encryptedPayload does not decrypt with Mastercard's encryption key (credential encryption-public-key, publicKeyFingerprint %s): %v", enc.kid, err)
		return nil, e
	}
	if verr := tc.env.ValidateSchema(TokenConnectSpec, schema, plain); verr != nil {
		return nil, tcErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "%s", pan.RedactText(verr.Summary()))
	}
	return plain, nil
}

// receipt keeps a pushed card and returns its receipt: the product prefix
// and a UUID.
func (tc *tokenConnect) receipt(trid string, fa fundingAccount, validity time.Duration) (string, error) {
	if fa.CardAccountData == nil {
		return "", errors.New("only cards can be pushed to Click to Pay")
	}
	p, err := pan.Parse(fa.CardAccountData.AccountNumber)
	if err != nil || !p.LuhnValid() {
		return "", fmt.Errorf("accountNumber %s fails the Luhn check", pan.Mask(fa.CardAccountData.AccountNumber))
	}
	if !enabledRange(pad19(p.Reveal())) || outcomeOf(p.Reveal()) == outcomeIneligible {
		return "", errIneligible
	}
	card := cardPlaintext{PrimaryAccountNumber: p.Reveal(), CardholderFullName: fa.AccountHolderData.AccountHolderName}
	if fa.CardAccountData.ExpiryYear != "" {
		card.PanExpirationMonth, card.PanExpirationYear = fa.CardAccountData.ExpiryMonth, "20"+fa.CardAccountData.ExpiryYear
	}
	if len(fa.AccountHolderData.AccountHolderAddress) > 0 {
		card.BillingAddress = enrolAddress(fa.AccountHolderData.AccountHolderAddress)
	}
	id := "MCC-" + strings.ToUpper(tc.env.IDs.UUID())
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.receipts == nil {
		tc.receipts = map[string]pushedCard{}
	}
	tc.receipts[id] = pushedCard{tokenRequestorID: trid, card: card, holder: fa.AccountHolderData, expires: tc.env.Clock.Now().Add(validity)}
	tc.order = append(tc.order, id)
	for len(tc.order) > maxReceipts {
		delete(tc.receipts, tc.order[0])
		tc.order = tc.order[1:]
	}
	return id, nil
}

var errIneligible = errors.New("the card's account range is not enabled for the token requestor")

// enrolAddress turns an Issuer Outbound style address (alpha-3 country)
// into the Enroll API's (alpha-2).
func enrolAddress(raw json.RawMessage) json.RawMessage {
	var a struct{ Line1, Line2, City, CountrySubdivision, PostalCode, Country string }
	if json.Unmarshal(raw, &a) != nil || a.Line1 == "" || a.City == "" {
		return nil
	}
	cc := ""
	for two, three := range alpha3 {
		if three == a.Country {
			cc = two
		}
	}
	if cc == "" {
		return nil
	}
	out, _ := json.Marshal(map[string]string{"line1": a.Line1, "line2": a.Line2, "city": a.City, "state": a.CountrySubdivision, "zip": a.PostalCode, "countryCode": cc})
	return out
}

func (tc *tokenConnect) pushAccount(_ context.Context, req *simulator.Request) (*simulator.Response, error) {
	var r struct {
		RequestID          string `json:"requestId"`
		TokenRequestorID   string `json:"tokenRequestorId"`
		PushFundingAccount struct {
			EncryptedPayload encryption.FLE `json:"encryptedPayload"`
		} `json:"pushFundingAccount"`
	}
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil, tcErr(http.StatusBadRequest, "INVALID_JSON", "the body is not the JSON of PushAccountRequest")
	}
	plain, err := tc.open(r.PushFundingAccount.EncryptedPayload, "FundingAccount")
	if err != nil {
		return nil, err
	}
	req.SetPlaintext(plain)
	var fa fundingAccount
	_ = json.Unmarshal(plain, &fa)
	if fa.CardAccountData != nil {
		req.AddCard(fa.CardAccountData.AccountNumber)
	}
	if r.TokenRequestorID != TokenRequestorID {
		return simulator.JSON(http.StatusOK, map[string]any{"responseId": r.RequestID, "errors": []any{
			map[string]string{"source": "INPUT", "reasonCode": "INVALID_TOKEN_REQUESTOR", "description": "the simulator's only Token Connect token requestor is Click to Pay (50123197928)"}}}), nil
	}
	id, err := tc.receipt(r.TokenRequestorID, fa, 15*time.Minute)
	if err != nil {
		return simulator.JSON(http.StatusOK, map[string]any{"responseId": r.RequestID, "errors": []any{pushError(err)}}), nil
	}
	req.AddCorrelationID(id)
	return simulator.JSON(http.StatusOK, map[string]any{"responseId": r.RequestID, "pushAccountReceipt": id, "availablePushMethods": pushMethods()}), nil
}

func pushError(err error) map[string]string {
	if errors.Is(err, errIneligible) {
		return map[string]string{"source": "MDES", "reasonCode": "ACCOUNT_INELIGIBLE", "description": err.Error()}
	}
	return map[string]string{"source": "INPUT", "reasonCode": "INVALID_FIELD_VALUE", "description": pan.RedactText(err.Error())}
}

func (tc *tokenConnect) pushMultipleAccounts(_ context.Context, req *simulator.Request) (*simulator.Response, error) {
	var r struct {
		RequestID           string `json:"requestId"`
		TokenRequestorID    string `json:"tokenRequestorId"`
		PushFundingAccounts struct {
			EncryptedPayload encryption.FLE `json:"encryptedPayload"`
		} `json:"pushFundingAccounts"`
		SignatureData struct {
			CallbackURL                 string `json:"callbackURL"`
			CompleteIssuerAppActivation *bool  `json:"completeIssuerAppActivation"`
			CompleteWebsiteActivation   *bool  `json:"completeWebsiteActivation"`
			AccountHolderDataSupplied   *bool  `json:"accountHolderDataSupplied"`
			Locale                      string `json:"locale"`
		} `json:"signatureData"`
		Validity float64 `json:"pushAccountReceiptsValidityPeriod"`
	}
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil, tcErr(http.StatusBadRequest, "INVALID_JSON", "the body is not the JSON of PushMultipleAccountsRequest")
	}
	plain, err := tc.open(r.PushFundingAccounts.EncryptedPayload, "PushMultipleFundingAccounts")
	if err != nil {
		return nil, err
	}
	req.SetPlaintext(plain)
	var accounts []struct {
		PushAccountID      string         `json:"pushAccountId"`
		FundingAccountData fundingAccount `json:"fundingAccountData"`
	}
	_ = json.Unmarshal(plain, &accounts)
	seen := map[string]bool{}
	for _, a := range accounts {
		if seen[a.PushAccountID] {
			return nil, tcErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "pushAccountId %s is not unique within the request", pan.RedactText(a.PushAccountID))
		}
		seen[a.PushAccountID] = true
		if c := a.FundingAccountData.CardAccountData; c != nil {
			req.AddCard(c.AccountNumber)
		}
	}
	if r.TokenRequestorID != TokenRequestorID {
		return simulator.JSON(http.StatusOK, map[string]any{"responseId": r.RequestID, "errors": []any{
			map[string]string{"source": "INPUT", "reasonCode": "INVALID_TOKEN_REQUESTOR", "description": "the simulator's only Token Connect token requestor is Click to Pay (50123197928)"}}}), nil
	}
	validity := 15 * time.Minute
	if r.Validity != 0 {
		validity = time.Duration(r.Validity * float64(time.Minute))
	}
	var receipts []any
	var ids []string
	for _, a := range accounts {
		id, err := tc.receipt(r.TokenRequestorID, a.FundingAccountData, validity)
		if err != nil {
			receipts = append(receipts, map[string]any{"pushAccountId": a.PushAccountID, "errors": []any{pushError(err)}})
			continue
		}
		req.AddCorrelationID(id)
		ids = append(ids, id)
		receipts = append(receipts, map[string]any{"pushAccountId": a.PushAccountID, "pushAccountReceipt": id})
	}
	out := map[string]any{"responseId": r.RequestID, "pushAccountReceipts": receipts, "tokenRequestorSignatureSupport": true}
	if len(ids) > 0 {
		out["availablePushMethods"] = pushMethods()
		claims := map[string]any{"pushAccountReceipts": ids, "issuerCallBack": r.SignatureData.CallbackURL, "callbackRequired": r.SignatureData.CallbackURL != "",
			"completeWebsiteActivation": boolOr(r.SignatureData.CompleteWebsiteActivation, true), "accountHolderDataSupplied": boolOr(r.SignatureData.AccountHolderDataSupplied, false),
			"completeIssuerAppActivation": boolOr(r.SignatureData.CompleteIssuerAppActivation, false)}
		if r.SignatureData.Locale != "" {
			claims["locale"] = r.SignatureData.Locale
		}
		sig, err := tc.sign(claims)
		if err != nil {
			return nil, err
		}
		out["signature"] = sig
	}
	return simulator.JSON(http.StatusOK, out), nil
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// signingKey is the key of the pushMultipleAccounts signature (from the
// engine: saved, or made off the start path).
func (tc *tokenConnect) signingKey() (*rsa.PrivateKey, error) {
	return tc.key.Private(), nil
}

func (tc *tokenConnect) sign(claims map[string]any) (string, error) {
	key, err := tc.signingKey()
	if err != nil {
		return "", err
	}
	kid, _ := encryption.Fingerprint(&key.PublicKey)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		return "", err
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// take removes a receipt's pushed card: a receipt enrols once.
func (tc *tokenConnect) take(id string) (pushedCard, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	pc, ok := tc.receipts[id]
	if !ok {
		return pc, errors.New("no card was pushed under this receipt, or it was used already")
	}
	delete(tc.receipts, id)
	if !tc.env.Clock.Now().Before(pc.expires) {
		return pc, fmt.Errorf("the receipt expired at %s", stamp(pc.expires))
	}
	return pc, nil
}

// tcErr is a Token Connect error (the published error wrapper).
func tcErr(status int, reason, format string, args ...any) *simulator.Error {
	kind := simulator.KindValidation
	switch {
	case status == http.StatusNotFound:
		kind = simulator.KindNotFound
	case reason == "INVALID_JSON":
		kind = simulator.KindMalformed
	case reason == "CRYPTOGRAPHY_ERROR":
		kind = simulator.KindCrypto
	}
	e := simulator.Errorf(status, kind, format, args...)
	e.Code = reason
	return e
}

// renderError renders e in the published error wrapper, answering the
// request's requestId.
func (tc *tokenConnect) renderError(req *simulator.Request, e *simulator.Error, msg string) *simulator.Response {
	var r struct {
		RequestID string `json:"requestId"`
	}
	_ = json.Unmarshal(req.Body, &r)
	if r.RequestID == "" {
		r.RequestID = tc.env.IDs.UUID()
	}
	reason := e.Code
	if reason == "" {
		reason = mdesReason(e)
		if len(e.Fields) > 0 {
			reason = mdesFieldReason(e.Fields[0].Rule)
		}
	}
	source := "INPUT"
	if e.Status >= 500 {
		source = "MDES"
	}
	return simulator.JSON(e.Status, map[string]any{"responseId": r.RequestID, "errors": []any{
		map[string]any{"source": source, "reasonCode": reason, "description": msg, "recoverable": e.Status >= 500}}})
}

// publicKey is the signing key's public half, for the credential.
func (tc *tokenConnect) publicKey() (*rsa.PublicKey, error) {
	key, err := tc.signingKey()
	if err != nil {
		return nil, err
	}
	return &key.PublicKey, nil
}
