package visa

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document.
const CallbackSpec = "visa/issuer-callbacks.yaml"

// TriggerEnrollmentAttempt is the trigger that makes a consumer self-enrol one
// of the issuer's cards at a merchant.
const TriggerEnrollmentAttempt = "enrollmentAttempt"

// TriggerApproveProvisioning sends an Approve Provisioning call on its own,
// outside an enrolment, so a scenario can check how the issuer treats a
// stale or foreign shared-secret JWE (SEC-06).
const TriggerApproveProvisioning = "approveProvisioning"

// TriggerRegisterInOtherProduct stands for the issuer's enrolment of a
// consumer in another Visa product (Alias Directory, say): afterwards VICA
// knows the consumer, and Enroll Existing Issuer Data can enrol it into
// Click to Pay.
const TriggerRegisterInOtherProduct = "registerInOtherProduct"

// Triggers implements simulator.Triggerer.
func (n *Network) Triggers() []string {
	return []string{TriggerEnrollmentAttempt, TriggerApproveProvisioning, TriggerRegisterInOtherProduct}
}

// Trigger implements simulator.Triggerer. enrollmentAttempt takes optional
// params firstName, lastName, email, phone, merchantName, the card as
// accountNumber (a test card or any Visa number; only its last 4 digits
// travel) or panLast4 (default 1140, the published sample card
// 4111111145551140), and enrollmentID (reuse one to simulate a duplicate
// delivery). signature "forged" signs with a key that is not Visa's, under
// Visa's kid: the issuer must refuse it (NTF-04).
//
// approveProvisioning takes accountNumber (a Visa number; or an enrolled
// card by externalConsumerIDOwnerBID, externalConsumerID and
// paymentInstrumentReferenceID), and
// encryption "stale" (iat an hour old) or "foreignSecret" (a shared secret
// that is not the project's) to provoke a refusal; it returns the issuer's
// actionCode.
func (n *Network) Trigger(ctx context.Context, name string, params map[string]any) (map[string]any, error) {
	str := func(k, def string) string {
		if s, ok := params[k].(string); ok && s != "" {
			return s
		}
		return def
	}
	switch name {
	case TriggerEnrollmentAttempt:
	case TriggerApproveProvisioning:
		acct, err := n.enrolledAccount(ctx, str("accountNumber", ""), str("externalConsumerIDOwnerBID", ""), str("externalConsumerID", ""), str("paymentInstrumentReferenceID", ""))
		if err != nil {
			return nil, err
		}
		return n.triggerApproval(ctx, acct, str("encryption", ""))
	case TriggerRegisterInOtherProduct:
		return n.registerInOtherProduct(ctx, str)
	default:
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "visa has no trigger %q (known: %s)", name, strings.Join(n.Triggers(), ", "))
	}
	forged := false
	switch sig := str("signature", ""); sig {
	case "", "valid":
	case "forged":
		forged = true
	default:
		return nil, triggerInput("signature must be valid or forged, got %q", sig)
	}
	last4, err := triggerLast4(str("accountNumber", ""), str("panLast4", ""))
	if err != nil {
		return nil, triggerInput("%v", err)
	}
	id := str("enrollmentID", n.env.IDs.UUID())
	plain, err := json.Marshal(map[string]any{
		"clientInformation": map[string]any{
			"firstName": str("firstName", "Ada"), "lastName": str("lastName", "Lovelace"),
			"email": str("email", "ada@example.com"), "phone": str("phone", "16504005555"), "locale": "en_US",
		},
		"enrollment": map[string]any{
			"enrollmentID": id, "tokenRequestorID": tokenRequestorIDSetting.Get(n.env.Settings), "panLast4": last4,
			"merchantName": str("merchantName", "c2psim merchant"), "attemptedAt": n.now().UTC().Format("2006-01-02T15:04:05Z"),
		},
	})
	if err != nil {
		return nil, err
	}
	if verr := n.env.ValidateSchema(CallbackSpec, "EnrollmentAttemptPlaintext", plain); verr != nil {
		return nil, triggerInput("trigger params: %v", pan.RedactText(verr.Summary()))
	}
	n.credMu.RLock()
	sealer := notification.Sealer{SignKey: n.signKey.Private(), SignKeyID: n.signKeyID, EncKey: n.clientPublicKeyLocked(), EncKeyID: n.keyID}
	n.credMu.RUnlock()
	if forged {
		// A key nobody registered, under Visa's kid: only the signature is wrong.
		if sealer.SignKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
	}
	body, err := sealer.Seal(plain, n.now())
	if err != nil {
		return nil, err
	}
	res, err := n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "notifyEnrollmentAttempt", Method: http.MethodPost,
		Path: "/vtis/v1/tokenRequestors/" + tokenRequestorIDSetting.Get(n.env.Settings) + "/cardEnrollment/notification?eventType=CTP_ENROLLMENT_ATTEMPT",
		Body: body, Plaintext: plain, CorrelationIDs: []string{id},
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"enrollmentID": id, "status": res.Status, "attempts": res.Attempts, "findings": res.Findings}, nil
}

// triggerInput is the 400 for trigger parameters that cannot make a call
// (the admin API answers other trigger errors 502: the issuer's side failed).
func triggerInput(format string, args ...any) error {
	return simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, format, args...)
}

// triggerLast4 picks the card of an enrolment attempt: the last 4 digits of
// accountNumber, or panLast4, or those of the default sample card. Errors
// never show a card number in clear.
func triggerLast4(accountNumber, panLast4 string) (string, error) {
	if panLast4 != "" && (len(panLast4) != 4 || strings.Trim(panLast4, "0123456789") != "") {
		return "", fmt.Errorf("panLast4 must be 4 digits, got %q", pan.RedactText(panLast4))
	}
	if accountNumber == "" {
		if panLast4 == "" {
			return "1140", nil
		}
		return panLast4, nil
	}
	p, err := pan.Parse(accountNumber)
	if err != nil {
		return "", fmt.Errorf("accountNumber %s: %w", pan.Mask(accountNumber), err)
	}
	if !strings.HasPrefix(p.Reveal(), "4") {
		return "", fmt.Errorf("accountNumber %s is not a Visa card (Visa numbers start with 4)", p.Masked())
	}
	if panLast4 != "" && panLast4 != p.Last4() {
		return "", fmt.Errorf("accountNumber %s and panLast4 %q name different cards", p.Masked(), panLast4)
	}
	return p.Last4(), nil
}

// enrolledAccount is the card an approveProvisioning trigger names: its
// accountNumber, or a card enrolled in Click to Pay named by its consumer
// (owner BID and consumer ID) and paymentInstrumentReferenceID, so a
// console can name a card without its number.
func (n *Network) enrolledAccount(ctx context.Context, accountNumber, bid, ext, ref string) (string, error) {
	if accountNumber != "" || ref == "" {
		return accountNumber, nil
	}
	c, err := n.consumers.Get(ctx, consumerKey(bid, ext))
	if err != nil {
		return "", simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no Click to Pay consumer %s of owner %s", pan.RedactText(ext), pan.RedactText(bid))
	}
	for _, k := range c.Cards {
		if k.ReferenceID == ref {
			return k.AccountNumber, nil
		}
	}
	return "", simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "consumer %s has no card %s", pan.RedactText(ext), pan.RedactText(ref))
}

// triggerApproval sends one Approve Provisioning call for a card, optionally
// with a stale or foreign shared-secret JWE.
func (n *Network) triggerApproval(ctx context.Context, accountNumber, encryption string) (map[string]any, error) {
	p, err := pan.Parse(accountNumber)
	if err != nil || !strings.HasPrefix(p.Reveal(), "4") {
		return nil, triggerInput("approveProvisioning needs accountNumber, a Visa card number (got %s), or an enrolled card's externalConsumerIDOwnerBID, externalConsumerID and paymentInstrumentReferenceID", pan.Mask(accountNumber))
	}
	opt := approvalOptions{}
	switch encryption {
	case "", "valid":
	case "stale":
		opt.iatOffset = -time.Hour
	case "foreignSecret":
		opt.secret = "a-shared-secret-this-project-never-had"
	default:
		return nil, triggerInput("encryption must be valid, stale or foreignSecret, got %q", encryption)
	}
	pi := paymentInstrument{Type: "CARD", AccountNumber: p.Reveal(), NameOnCard: "Ada Lovelace", ExpirationDate: n.now().AddDate(3, 0, 0).Format("2006-01")}
	tokenRef := "DNITHE" + strings.ToUpper(n.env.IDs.Hex(10))
	res, err := n.sendApproval(ctx, request{TraceID: "trigger-" + n.env.IDs.UUID()}, pi, tokenRef, opt)
	if err != nil {
		return nil, err
	}
	var answer struct {
		ActionCode string `json:"actionCode"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	return map[string]any{"status": res.Status, "actionCode": answer.ActionCode, "attempts": res.Attempts, "tokenReferenceID": tokenRef, "findings": res.Findings}, nil
}

type approvalOptions struct {
	iatOffset time.Duration
	secret    string // replaces the project's shared secret
}

// approve asks the issuer to approve the token its own enrolment raised
// (ENR-07). Without a callback URL, or with approvalCalls off, Visa is taken
// to approve on the issuer's behalf; when every delivery fails the
// approvalStandIn setting decides.
func (n *Network) approve(ctx context.Context, r request, pi paymentInstrument, tokenRef string) (ok bool, reason string) {
	if !approvalCallsSetting.Get(n.env.Settings) || !n.env.Callbacks.Configured() {
		return true, ""
	}
	res, err := n.sendApproval(ctx, r, pi, tokenRef, approvalOptions{})
	if err != nil {
		if approvalStandInSetting.Get(n.env.Settings) == "approve" {
			return true, ""
		}
		return false, "the issuer did not answer Approve Provisioning; stand-in declined"
	}
	var answer struct {
		ActionCode    string `json:"actionCode"`
		DeclineReason string `json:"declineReason"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	switch answer.ActionCode {
	case "00", "85":
		return true, ""
	case "05":
		return false, "the issuer declined provisioning" + suffix(answer.DeclineReason)
	}
	return false, fmt.Sprintf("the issuer answered Approve Provisioning with action code %q; treated as a decline", answer.ActionCode)
}

// sendApproval delivers one Approve Provisioning call: token data in clear,
// cardholder and risk data in a shared-secret JWE.
func (n *Network) sendApproval(ctx context.Context, r request, pi paymentInstrument, tokenRef string, opt approvalOptions) (*simulator.CallbackResult, error) {
	year, month, _ := strings.Cut(pi.ExpirationDate, "-") // YYYY-MM, checked by the schema
	plain, err := json.Marshal(map[string]any{
		"cardholderInfo": map[string]any{
			"primaryAccountNumber": pi.AccountNumber,
			"expirationDate":       map[string]string{"year": year, "month": month},
			"name":                 pi.NameOnCard,
		},
		"riskInformation": map[string]any{
			"walletProviderRiskAssessment": "0", "tokenRequestorScore": "1",
			"externalConsumerID": r.ExtID, "externalConsumerIDOwnerBID": r.BID,
		},
	})
	if err != nil {
		return nil, err
	}
	n.credMu.RLock()
	apiKey, secret := n.apiKey, n.sharedSecret
	n.credMu.RUnlock()
	if opt.secret != "" {
		secret = opt.secret
	}
	blob, err := vtsjwe.Seal(plain, apiKey, secret, n.now().Add(opt.iatOffset))
	if err != nil {
		return nil, err
	}
	reqID := n.env.IDs.UUID()
	body, _ := json.Marshal(map[string]any{
		"requestID":     reqID,
		"tokenInfo":     map[string]any{"tokenReferenceID": tokenRef, "tokenRequestorID": tokenRequestorIDSetting.Get(n.env.Settings), "tokenType": "CLICK_TO_PAY", "panLast4": last4(pi.AccountNumber)},
		"encryptedData": blob,
	})
	return n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "approveProvisioning", Method: http.MethodPost,
		Path: "/vts/v1/tokenRequestors/" + tokenRequestorIDSetting.Get(n.env.Settings) + "/approveProvisioning",
		Body: body, Plaintext: plain, CorrelationIDs: []string{r.TraceID, reqID},
	})
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + pan.RedactText(s)
}

// notifyStatus pushes a completed request's outcome when statusNotifications
// is on and the issuer registered a callback URL; it is enqueued, retried on
// the target's schedule and journalled attempt by attempt.
func (n *Network) notifyStatus(ctx context.Context, r request) {
	if !statusNotificationsSetting.Get(n.env.Settings) || !n.env.Callbacks.Configured() {
		return
	}
	plain, err := json.Marshal(statusBody(r))
	if err != nil {
		return
	}
	if verr := n.env.ValidateSchema(CallbackSpec, "RequestStatusNotificationPlaintext", plain); verr != nil {
		// Never send what the document does not allow: that is a simulator bug.
		n.env.Logger.Error("status notification does not match its document; not sent", "requestTraceId", r.TraceID, "problem", verr.Summary())
		return
	}
	kid := n.currentKeyID()
	body, err := mle.Seal(plain, n.clientPublicKey(), kid, n.now())
	if err != nil {
		n.env.Logger.Error("sealing status notification", "requestTraceId", r.TraceID, "error", err)
		return
	}
	// A consumer's notifications reach the issuer in the order its requests
	// completed.
	if err := n.env.Callbacks.Enqueue(ctx, &simulator.Callback{
		ID: r.TraceID, OrderKey: r.ConsumerKey,
		Spec: CallbackSpec, OperationID: "notifyRequestStatus", Method: http.MethodPost,
		Path: "/vica/v1/requestStatusNotification", Header: http.Header{mle.KeyIDHeader: {kid}},
		Body: body, Plaintext: plain, CorrelationIDs: []string{r.TraceID, r.ConsumerKey},
	}); err != nil {
		n.env.Logger.Info("status notification not enqueued", "requestTraceId", r.TraceID, "error", err)
	}
}

// statusBody is the Request Status plaintext, shared by polling and
// notification.
func statusBody(r request) map[string]any {
	out := map[string]any{
		"requestTraceId":      r.TraceID,
		"operation":           r.Operation,
		"status":              r.Status,
		"consumerInformation": map[string]string{"externalConsumerID": r.ExtID, "externalConsumerIDOwnerBID": r.BID},
	}
	if r.Status == "COMPLETED" {
		out["details"] = r.Details
	}
	return out
}

// registerInOtherProduct records a consumer (and optionally one card) as
// registered in another Visa product. Params: externalConsumerID and
// externalConsumerIDOwnerBID (required), product (default ALIAS_DIRECTORY),
// firstName, lastName, email, phone, locale, countryCode, and the card as
// accountNumber (a Visa number) with nameOnCard and expirationDate
// (YYYY-MM). It answers the paymentInstrumentReferenceID of the card, by
// which Enroll Existing Issuer Data with Payment Instrument Reference names
// it.
func (n *Network) registerInOtherProduct(ctx context.Context, str func(k, def string) string) (map[string]any, error) {
	info := consumerInformation{
		ExternalConsumerID: str("externalConsumerID", ""), ExternalConsumerIDOwnerBID: str("externalConsumerIDOwnerBID", ""),
		FirstName: str("firstName", "Alex"), LastName: str("lastName", "Miller"),
		Emails: []string{str("email", "alex.miller@example.com")}, Phones: []string{str("phone", "16504005555")},
		Locale: str("locale", "en_US"), CountryCode: str("countryCode", "USA"),
	}
	plain, _ := json.Marshal(info)
	if verr := n.env.ValidateSchema(Spec, "ConsumerInformation", plain); verr != nil {
		return nil, triggerInput("trigger params: %v", pan.RedactText(verr.Summary()))
	}
	productCode := str("product", "ALIAS_DIRECTORY")
	if productCode == productClickToPay {
		return nil, triggerInput("product must be another Visa product than CLICK_TO_PAY (Click to Pay enrolment goes through enrollData)")
	}
	reg := registration{Key: consumerKey(info.ExternalConsumerIDOwnerBID, info.ExternalConsumerID), Product: productCode, Info: info, Instruments: []card{}}
	out := map[string]any{"externalConsumerID": info.ExternalConsumerID, "externalConsumerIDOwnerBID": info.ExternalConsumerIDOwnerBID, "product": productCode}
	if acct := str("accountNumber", ""); acct != "" {
		pi := paymentInstrument{Type: "CARD", AccountNumber: acct, NameOnCard: str("nameOnCard", info.FirstName+" "+info.LastName),
			ExpirationDate: str("expirationDate", n.now().AddDate(3, 0, 0).Format("2006-01")),
			BillingAddress: json.RawMessage(`{"addressLine1":"1000 Market Street","city":"San Francisco","state":"CA","postalCode":"94105","country":"USA"}`)}
		b, _ := json.Marshal(pi)
		if verr := n.env.ValidateSchema(Spec, "PaymentInstrument", b); verr != nil {
			return nil, triggerInput("trigger params: %v", pan.RedactText(verr.Summary()))
		}
		p, err := pan.Parse(acct)
		if err != nil || !strings.HasPrefix(p.Reveal(), "4") {
			return nil, triggerInput("accountNumber must be a Visa card number (got %s)", pan.Mask(acct))
		}
		k := card{AccountNumber: acct, NameOnCard: pi.NameOnCard, ExpirationDate: pi.ExpirationDate, BillingAddress: pi.BillingAddress,
			Status: "ACTIVE", ReferenceID: instrumentReference(acct)}
		reg.Instruments = append(reg.Instruments, k)
		out["paymentInstrumentReferenceID"], out["panLast4"] = k.ReferenceID, p.Last4()
	}
	if err := n.registrations.Put(ctx, reg.Key, reg); err != nil {
		return nil, err
	}
	return out, nil
}
