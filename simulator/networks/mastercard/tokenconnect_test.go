package mastercard_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
)

const tcBase = "/mastercard/mdes/connect/1/0"

// call signs and posts a Token Connect request.
func (c *issuer) call2(method, path string, body any) answer {
	c.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	return c.signed(method, path, raw)
}

// pushBody is a pushMultipleAccounts request for cards, encrypted to
// Mastercard's key as the Token Connect libraries do.
func (c *issuer) pushBody(cards ...string) map[string]any {
	c.t.Helper()
	var accounts []any
	for i, p := range cards {
		accounts = append(accounts, map[string]any{"pushAccountId": "acct-" + string(rune('a'+i)), "fundingAccountData": map[string]any{
			"cardAccountData":   map[string]any{"accountNumber": p, "expiryMonth": "12", "expiryYear": "30"},
			"accountHolderData": map[string]any{"accountHolderName": "Ada Lovelace", "accountHolderEmailAddress": "ada@example.com"},
		}})
	}
	plain, _ := json.Marshal(accounts)
	env, err := encryption.SealFLE(plain, c.encPub, "SHA512")
	if err != nil {
		c.t.Fatal(err)
	}
	return map[string]any{"requestId": "push-1", "tokenRequestorId": mastercard.TokenRequestorID, "pushFundingAccounts": map[string]any{"encryptedPayload": env},
		"signatureData": map[string]any{"callbackURL": "https://issuer.example/back", "accountHolderDataSupplied": true, "locale": "en_GB"}}
}

// An issuer pushes a card to Click to Pay from its app: the token requestor
// is eligible for the card's range, the push gives a receipt signed for the
// token requestor, and the receipt enrols the card through the Enroll API,
// which the issuer then sees in Authorize Service.
func TestPushProvisioningEndToEnd(t *testing.T) {
	srv, c := start(t)
	iss := newFakeIssuer(t, srv, []time.Duration{})
	el := c.call2(http.MethodPost, tcBase+"/getEligibleTokenRequestors", map[string]any{"requestId": "1", "accountRanges": []string{"5186001700", "4111111111"}})
	trs, _ := el.body["tokenRequestors"].([]any)
	if el.status != 200 || len(trs) != 1 || dig(trs[0], "tokenRequestorId") != mastercard.TokenRequestorID || el.body["responseId"] != "1" {
		t.Fatalf("eligible token requestors: %d %s", el.status, el.raw)
	}
	asset := dig(trs[0], "imageAssetId").(string)
	if a := c.call2(http.MethodGet, "/mastercard/mdes/issuer-assets/1/0/asset/tokenrequestor/"+asset, nil); a.status != 200 || len(a.body["mediaContents"].([]any)) == 0 {
		t.Fatalf("asset: %d %s", a.status, a.raw)
	}
	if a := c.call2(http.MethodGet, "/mastercard/mdes/issuer-assets/1/0/asset/tokenrequestor/unknown", nil); a.status != 404 || dig(a.body["errors"].([]any)[0], "reasonCode") == nil {
		t.Fatalf("unknown asset: %d %s", a.status, a.raw)
	}
	ineligible := testCardWith(t, "CARD_INELIGIBLE")
	p := c.call2(http.MethodPost, tcBase+"/pushMultipleAccounts", c.pushBody("5186001700008785", ineligible))
	receipts, _ := p.body["pushAccountReceipts"].([]any)
	if p.status != 200 || len(receipts) != 2 {
		t.Fatalf("push: %d %s", p.status, p.raw)
	}
	receipt, _ := dig(receipts[0], "pushAccountReceipt").(string)
	if !strings.HasPrefix(receipt, "MCC-") || len(receipt) != 40 {
		t.Fatalf("receipt %q", receipt)
	}
	if dig(receipts[1], "pushAccountReceipt") != nil || dig(dig(receipts[1], "errors").([]any)[0], "reasonCode") != "ACCOUNT_INELIGIBLE" {
		t.Fatalf("ineligible account: %v", receipts[1])
	}
	if strings.Contains(p.raw, "5186001700008785") {
		t.Fatal("the push answer carries the PAN")
	}
	// The signature is the simulator's, over the receipts.
	pub, err := pemkey.ParsePublic(credential(t, srv, "token-connect-signing-public-key"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(p.body["signature"].(string), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(pub)
	if err != nil || !strings.Contains(string(payload), receipt) || !strings.Contains(string(payload), "issuer.example/back") {
		t.Fatalf("signature: %s %v", payload, err)
	}
	// The receipt enrols the card (no encryptedCard, no compliance settings
	// needed: the push carried the card).
	byReceipt := func(r string) answer {
		return c.send(c.body("5186001700008785", func(m map[string]any) {
			delete(m, "encryptedCard")
			delete(m, "complianceSettings")
			m["enrolmentReferenceData"] = map[string]any{"enrolmentReferenceId": r, "enrolmentReferenceType": "PUSH_ACCOUNT_RECEIPT"}
		}), nil)
	}
	a := byReceipt(receipt)
	if a.status != 200 || dig(a.body, "maskedCard", "panLastFour") != "8785" || dig(a.body, "maskedCard", "digitalCardData", "status") != "ACTIVE" {
		t.Fatalf("enrol by receipt: %d %s", a.status, a.raw)
	}
	as := iss.next(t, "/authorizeService")
	if n, _ := dig(as.Plain, "cardAccountData", "accountNumber").(string); n != "5186001700008785" || dig(as.Plain, "accountHolderData", "accountHolderEmailAddress") != "ada@example.com" {
		t.Fatalf("Authorize Service of the pushed card: %v", as.Plain)
	}
	// A receipt enrols once; a forged or expired one not at all.
	if a := byReceipt(receipt); a.status != 400 || serviceReason(t, a) != "INVALID_STATE" {
		t.Fatalf("receipt used twice: %d %s", a.status, a.raw)
	}
	if a := byReceipt("MCC-00000000-0000-4000-8000-000000000000"); a.status != 400 {
		t.Fatalf("forged receipt: %d %s", a.status, a.raw)
	}
	late := c.call2(http.MethodPost, tcBase+"/pushMultipleAccounts", c.pushBody("5186001700009726"))
	lateReceipt := dig(late.body["pushAccountReceipts"].([]any)[0], "pushAccountReceipt").(string)
	srv.Clock.Advance(16 * time.Minute)
	if a := byReceipt(lateReceipt); a.status != 400 || !strings.Contains(a.raw, "expired") {
		t.Fatalf("expired receipt: %d %s", a.status, a.raw)
	}
	// A payload not for Mastercard's key is refused in the error wrapper.
	bad := c.pushBody("5186001700009908")
	env := bad["pushFundingAccounts"].(map[string]any)["encryptedPayload"].(encryption.FLE)
	env.PublicKeyFingerprint = strings.Repeat("ab", 32)
	bad["pushFundingAccounts"] = map[string]any{"encryptedPayload": env}
	if a := c.call2(http.MethodPost, tcBase+"/pushMultipleAccounts", bad); a.status != 400 || dig(a.body["errors"].([]any)[0], "reasonCode") != "CRYPTOGRAPHY_ERROR" || a.body["responseId"] != "push-1" {
		t.Fatalf("foreign key: %d %s", a.status, a.raw)
	}
	if f := srv.Sim.Findings(); len(f) > 0 {
		t.Fatalf("findings: %v", f)
	}
}

// Token Connect's encryption as Mastercard's own library makes it: the
// accounts of pushMultipleAccounts encrypted by mastercard-client-encryption
// (FieldLevelEncryption, OAEP SHA-512, hex, the public key's fingerprint)
// to Mastercard's key as the simulator hands it out, and accepted.
func TestInteropPushWithMastercardEncryptionLibrary(t *testing.T) {
	node := requireNodeLibraries(t)
	srv, c := start(t)
	dir := t.TempDir()
	encCert := writeInteropFile(t, dir, "mastercard-encryption.crt", credential(t, srv, "encryption-certificate"))
	body := map[string]any{"requestId": "interop-1", "tokenRequestorId": mastercard.TokenRequestorID, "pushFundingAccounts": map[string]any{
		"accounts": []any{map[string]any{"pushAccountId": "acct-1", "fundingAccountData": map[string]any{
			"cardAccountData": map[string]any{"accountNumber": "5186001700008785", "expiryMonth": "12", "expiryYear": "30"}}}},
	}}
	var res struct{ Bodies []map[string]any }
	err := nodeInterop(node, "encryption.js", map[string]any{
		"mode": "FLE", "op": "encrypt", "url": "https://sandbox.api.mastercard.com/mdes/connect/1/0/pushMultipleAccounts", "bodies": []any{body},
		"config": map[string]any{
			"paths": []any{map[string]any{
				"path":      "/connect/1/0/pushMultipleAccounts",
				"toEncrypt": []any{map[string]any{"element": "pushFundingAccounts.accounts", "obj": "pushFundingAccounts.encryptedPayload"}},
				"toDecrypt": []any{},
			}},
			"ivFieldName": "iv", "encryptedKeyFieldName": "encryptedKey", "encryptedValueFieldName": "encryptedData",
			"oaepHashingAlgorithmFieldName": "oaepHashingAlgorithm", "publicKeyFingerprintFieldName": "publicKeyFingerprint",
			"publicKeyFingerprintType": "publicKey", "dataEncoding": "hex", "oaepPaddingDigestAlgorithm": "SHA-512",
			"encryptionCertificate": encCert,
		},
	}, &res)
	if err != nil || len(res.Bodies) != 1 {
		t.Fatalf("the library did not encrypt the push: %v", err)
	}
	sent := res.Bodies[0]
	if fa, _ := sent["pushFundingAccounts"].(map[string]any); fa["accounts"] != nil || fa["encryptedPayload"] == nil {
		t.Fatalf("the library's body %v", sent)
	}
	a := c.call2(http.MethodPost, tcBase+"/pushMultipleAccounts", sent)
	receipts, _ := a.body["pushAccountReceipts"].([]any)
	if a.status != 200 || len(receipts) != 1 || dig(receipts[0], "pushAccountReceipt") == nil {
		t.Fatalf("the library's push: %d %s", a.status, a.raw)
	}
}
