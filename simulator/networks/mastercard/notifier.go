package mastercard

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document: the MDES Issuer Outbound API
// (Pre-Digitization) 2.0.21.
const CallbackSpec = "mastercard/issuer-predigitization.yaml"

// Triggers (simulator.Triggerer).
const (
	// TriggerEnterActivationCode is the cardholder entering the activation
	// code of a token awaiting additional authentication (yellow path).
	TriggerEnterActivationCode = "enterActivationCode"
	// TriggerTokenStatusChange is a status change the network, the token
	// requestor or the cardholder makes on their own.
	TriggerTokenStatusChange = "tokenStatusChange"
	// TriggerSuspiciousEvent is MDES noticing suspicious replenishment
	// activity of a token (Notify Suspicious Events).
	TriggerSuspiciousEvent = "suspiciousEvent"
	// TriggerAccountInformation is MDES asking the issuer about a token's
	// funding account (Get Account Information).
	TriggerAccountInformation = "accountInformation"
)

// notifier makes MDES's calls to the issuer (the Issuer Outbound API,
// Pre-Digitization): Authorize Service while a card is tokenised, then, as
// the token's life goes on, Notify Service Activated, Request Activation
// Methods, Deliver Activation Code, Validate Activation Code, Notify Token
// Updated, Get Account Information and Notify Suspicious Events. The
// triggers of the admin API start the flows the network, the token
// requestor or the cardholder would.
type notifier struct {
	*state // its settings are live: read where used through their Key

	// ntuSent remembers what each requestId of Notify Token Updated carried
	// (the last maxRememberedNTU), so a trigger can redeliver one as it was.
	// A token's notifications go out in the order of its changes: the token
	// is their callbacks' OrderKey.
	ntuMu    sync.Mutex
	ntuSent  map[string]notification
	ntuOrder []string
}

// maxRememberedNTU bounds the notifications kept for redelivery.
const maxRememberedNTU = 10_000

// The notifier's settings.
var (
	slowDelaySetting = simulator.Key[time.Duration]{Name: "slowDelay", Live: true, Default: 10 * time.Second,
		Description: "how long the enrolment of the slow test card takes, on the simulator clock", Check: simulator.NotNegative[time.Duration]}
	activationCodeTTLSetting = simulator.Key[time.Duration]{Name: "activationCodeTTL", Live: true, Default: 30 * time.Minute,
		Description: "validity of the activation code of a token awaiting additional authentication", Check: simulator.Positive[time.Duration]}
	notifyServiceActivatedSetting = simulator.Key[bool]{Name: "notifyServiceActivated", Live: true, Default: true,
		Description: "send Notify Service Activated when a token is provisioned ACTIVE (optional for issuers)"}
	issuerValidatesCodeSetting = simulator.Key[bool]{Name: "issuerValidatesCode", Live: true, Default: false,
		Description: "the issuer generates and validates its own activation codes: Deliver Activation Code carries no code and the cardholder's code goes to Validate Activation Code"}
)

func newNotifier(s *state) *notifier { return &notifier{state: s} }

// reset forgets the notifications remembered for redelivery.
func (nt *notifier) reset() {
	nt.ntuMu.Lock()
	nt.ntuSent, nt.ntuOrder = nil, nil
	nt.ntuMu.Unlock()
}

// fleForm is the field-level encryption form MDES uses for a card's
// callbacks: OAEP SHA-256 with an IV, unless the card is one of the test
// cards that select another legal form (Issuer Outbound API: OAEP SHA-512,
// PKCS#1 v1.5 when oaepHashingAlgorithm is absent, a zero IV when iv is
// absent).
func fleForm(p string) encryption.FLEOptions {
	switch outcomeOf(p) {
	case outcomeFLESHA512:
		return encryption.FLEOptions{OAEPHashing: "SHA512"}
	case outcomeFLEPKCS1:
		return encryption.FLEOptions{}
	case outcomeFLEZeroIV:
		return encryption.FLEOptions{OAEPHashing: "SHA256", ZeroIV: true}
	}
	return encryption.FLEOptions{OAEPHashing: "SHA256"}
}

// fundingAccountData is the plaintext of the Authorize Service and Request
// Activation Methods payload (FundingAccountData): the card, its holder and
// its payment account reference, valid for 30 minutes.
func (nt *notifier) fundingAccountData(p pan.PAN, c cardPlaintext, cons consumer) []byte {
	card := map[string]any{"accountNumber": p.Reveal()}
	if len(c.PanExpirationMonth) == 2 && c.PanExpirationYear != "" {
		card["expiryMonth"], card["expiryYear"] = c.PanExpirationMonth, yy(c.PanExpirationYear)
	}
	if c.CardSecurityCode != "" && len(c.CardSecurityCode) == 3 {
		card["securityCode"] = c.CardSecurityCode
	}
	holder := map[string]any{}
	if name := strings.TrimSpace(c.CardholderFullName); name != "" {
		if len(name) > 27 {
			name = name[:27]
		}
		holder["accountHolderName"] = name
	}
	if cons.EmailAddress != "" && len(cons.EmailAddress) >= 6 {
		holder["accountHolderEmailAddress"] = cons.EmailAddress
	}
	if m := cons.MobileNumber; m != nil && m.PhoneNumber != "" {
		holder["accountHolderMobilePhoneNumber"] = map[string]string{"countryDialInCode": m.CountryCode, "phoneNumber": m.PhoneNumber}
	}
	if addr := holderAddress(c.BillingAddress); addr != nil {
		holder["accountHolderAddress"] = addr
	}
	data := map[string]any{
		"source":                  "ACCOUNT_ADDED_VIA_APPLICATION",
		"dataValidUntilTimestamp": timestamp(nt.env.Clock.Now().Add(30 * time.Minute)),
		"cardAccountData":         card,
		"paymentAccountReference": paymentAccountReference(cardRef(p.Reveal())),
	}
	if len(holder) > 0 {
		data["accountHolderData"] = holder
	}
	plain, _ := json.Marshal(data)
	return plain
}

func holderAddress(raw json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var a struct {
		Line1, Line2, City, State, Zip, CountryCode string
	}
	if json.Unmarshal(raw, &a) != nil {
		return nil
	}
	out := map[string]string{}
	clip := func(k, v string, max int) {
		if v = strings.TrimSpace(v); v != "" {
			if len(v) > max {
				v = v[:max]
			}
			out[k] = v
		}
	}
	clip("line1", a.Line1, 64)
	clip("line2", a.Line2, 64)
	clip("city", a.City, 32)
	clip("countrySubdivision", a.State, 12)
	clip("postalCode", a.Zip, 16)
	if c, ok := alpha3[a.CountryCode]; ok {
		out["country"] = c
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// accountIDHash is the SHA-256 of the consumer's account ID (the email
// address), hex, as the Issuer Outbound API sends it.
func accountIDHash(email string) string {
	s := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(s[:])
}

// authorize calls the issuer's Authorize Service for a card about to be
// tokenised, when the issuer registered a callback URL. It returns the token
// status to set and the token's record, which the enrolment stores with the
// card in one atomic step, or a *simulator.Error failing the enrolment. The issuer's
// decision counts: APPROVED for DIGITIZATION provisions the token ACTIVE;
// REQUIRE_ADDITIONAL_AUTHENTICATION provisions it INACTIVE with the answer's
// activation methods; DECLINED, a decision for other services only, or no
// decision refuses it. The yellow test card is provisioned INACTIVE
// whatever the issuer approves, as when the network itself requires
// additional authentication; the slow test card holds the enrolment for
// slowDelay first.
func (nt *notifier) authorize(ctx context.Context, p pan.PAN, c cardPlaintext, cons consumer, tokenRef, correlationID string) (string, tokenMeta, error) {
	outcome := outcomeOf(p.Reveal())
	if outcome == outcomeSlow {
		if err := nt.slowDown(ctx); err != nil {
			return "", tokenMeta{}, err
		}
	}
	mdesCorrelation := nt.env.IDs.Digits(14)
	form := fleForm(p.Reveal())
	// The card's FundingAccountData, made when something will send it: the
	// Authorize Service call, a notification, the yellow path.
	var plain []byte
	funding := func() []byte {
		if plain == nil {
			plain = nt.fundingAccountData(p, c, cons)
			nt.env.CheckSchema(CallbackSpec, "FundingAccountData", plain)
		}
		return plain
	}
	decide := func(approved bool, methods []activationMethod) (string, tokenMeta, error) {
		m := tokenMeta{CorrelationID: mdesCorrelation, Decision: "A", StatusAt: nt.env.Clock.Now(), FLE: form,
			TokenExpiry: tokenExpiry(nt.env.Clock.Now()), History: []statusEvent{{Code: "U", At: nt.env.Clock.Now(), Reason: "Z"}},
			IssuerCode: issuerValidatesCodeSetting.Get(nt.env.Settings) || outcome == outcomeYellowIssuerCode}
		if approved && outcome != outcomeYellow && outcome != outcomeYellowIssuerCode {
			m.History = append(m.History, statusEvent{Code: "A", At: nt.env.Clock.Now(), Initiator: "I", Reason: "A"})
			if err := nt.scheduleServiceActivated(ctx, tokenRef, funding); err != nil {
				return "", tokenMeta{}, err
			}
			return statusActive, m, nil
		}
		// The code exists from the moment the token does; it is delivered
		// once the token is stored (after Request Activation Methods when
		// the issuer gave no methods).
		m.Decision = "R"
		askMethods := len(methods) == 0
		if askMethods {
			methods = defaultMethods(cons)
		}
		m.ActivationMethods = methods
		nt.chooseCode(&m, "")
		var methodsPlain []byte // Request Activation Methods sends the card's data
		if askMethods {
			methodsPlain = funding()
		}
		if err := nt.scheduleYellowPath(ctx, tokenRef, methodsPlain); err != nil {
			return "", tokenMeta{}, err
		}
		return statusInactive, m, nil
	}
	if !nt.env.Callbacks.Configured() {
		return decide(true, nil)
	}
	env, err := encryption.SealFLEWith(funding(), nt.creds.issuerKey(), form)
	if err != nil {
		return "", tokenMeta{}, err
	}
	req := map[string]any{
		"requestId":                nt.env.IDs.Digits(12),
		"services":                 []string{"DIGITIZATION"},
		"correlationId":            mdesCorrelation,
		"tokenRequestorId":         TokenRequestorID,
		"tokenType":                "CLOUD",
		"consumerFacingEntityName": "Click to Pay",
		"activeTokenCount":         fmt.Sprint(min(nt.activeTokens(ctx, cardRef(p.Reveal())), 99)),
		"fundingAccountInfo": map[string]any{
			"panUniqueReference":   "FPAN" + cardRef(p.Reveal())[:28],
			"tokenUniqueReference": tokenRef,
			"encryptedPayload":     env,
		},
	}
	if cons.EmailAddress != "" {
		req["accountIdHash"] = accountIDHash(cons.EmailAddress)
	}
	if m := cons.MobileNumber; m != nil && len(m.PhoneNumber) >= 4 {
		req["mobileNumberSuffix"] = m.PhoneNumber[len(m.PhoneNumber)-4:]
	}
	body, _ := json.Marshal(req)
	cb := issuerCall("authorizeService", body, correlationID, tokenRef)
	cb.Plaintext = funding()
	res, err := nt.env.Callbacks.Send(ctx, cb)
	if err != nil {
		return "", tokenMeta{}, svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the issuer's Authorize Service did not answer; nothing was enrolled")
	}
	var answer struct {
		Services          []string           `json:"services"`
		Decision          string             `json:"decision"`
		ActivationMethods []activationMethod `json:"activationMethods"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	if answer.Services != nil && !contains(answer.Services, "DIGITIZATION") && answer.Decision != "DECLINED" {
		return "", tokenMeta{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service did not approve DIGITIZATION (services %v); nothing was enrolled", p.Masked(), answer.Services)
	}
	switch answer.Decision {
	case "APPROVED":
		return decide(true, nil)
	case "REQUIRE_ADDITIONAL_AUTHENTICATION":
		return decide(false, answer.ActivationMethods)
	case "DECLINED":
		return "", tokenMeta{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service declined tokenisation; nothing was enrolled", p.Masked())
	case "":
		return "", tokenMeta{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service answered no decision, which approves nothing; nothing was enrolled", p.Masked())
	}
	return "", tokenMeta{}, svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service answered decision %q, which approves nothing; nothing was enrolled", p.Masked(), pan.RedactText(answer.Decision))
}

// slowDown holds an answer for slowDelay on the simulator clock (the slow
// test card), so a client's timeout handling can be exercised; tests with a
// fake clock advance it instead of waiting.
func (nt *notifier) slowDown(ctx context.Context) error {
	if err := nt.env.Wait(ctx, slowDelaySetting.Get(nt.env.Settings)); err != nil {
		return svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the caller left before the slow answer was ready")
	}
	return nil
}

// taskAfterStored is the task that goes on with a new token once the
// enrolment that created it has stored it: Notify Service Activated, or
// the yellow path.
const taskAfterStored = "afterStored"

// What taskAfterStored does once the token is stored.
const (
	thenServiceActivated = "serviceActivated"
	thenYellowPath       = "yellowPath"
)

// storedTask is the payload of taskAfterStored. Card is the card data the
// next callback carries, as a JWE to the simulator's own encryption key:
// it never waits in clear.
type storedTask struct {
	TokenUniqueReference string `json:"tokenUniqueReference"`
	Then                 string `json:"then"`
	Card                 string `json:"card,omitempty"`
	Tries                int    `json:"tries"`
}

// afterStored schedules t: the token is looked for every 100ms, for 2s at
// most (an enrolment that failed after the Authorize Service stored
// nothing, and nothing more happens).
func (nt *notifier) afterStored(ctx context.Context, t storedTask, plain []byte) error {
	if plain != nil {
		sealed, err := nt.creds.sealForLater(plain)
		if err != nil {
			return err
		}
		t.Card = sealed
	}
	return nt.scheduleStored(ctx, t)
}

func (nt *notifier) scheduleStored(ctx context.Context, t storedTask) error {
	delay := time.Duration(0)
	if t.Tries > 0 {
		delay = 100 * time.Millisecond
	}
	return nt.env.Schedule(ctx, delay, taskAfterStored, t)
}

func (nt *notifier) runAfterStored(ctx context.Context, payload []byte) error {
	var t storedTask
	if err := json.Unmarshal(payload, &t); err != nil {
		return err
	}
	c, err := nt.cardByToken(ctx, t.TokenUniqueReference)
	if err != nil {
		if t.Tries < 20 {
			t.Tries++
			return nt.scheduleStored(ctx, t)
		}
		return nil
	}
	var plain []byte
	if t.Card != "" {
		if plain, err = nt.creds.openLater(t.Card); err != nil {
			return fmt.Errorf("token %s: the pending card data does not decrypt: %w", t.TokenUniqueReference, err)
		}
	}
	switch t.Then {
	case thenServiceActivated:
		nt.serviceActivated(ctx, c, plain)
	case thenYellowPath:
		nt.yellowPath(ctx, c, plain)
	default:
		return fmt.Errorf("token %s: nothing to do after %q", t.TokenUniqueReference, t.Then)
	}
	return nil
}

// scheduleServiceActivated sends Notify Service Activated once the approved
// token is stored (notifyServiceActivated on).
func (nt *notifier) scheduleServiceActivated(ctx context.Context, tur string, plain func() []byte) error {
	if !nt.env.Callbacks.Configured() || !notifyServiceActivatedSetting.Get(nt.env.Settings) {
		return nil
	}
	return nt.afterStored(ctx, storedTask{TokenUniqueReference: tur, Then: thenServiceActivated}, plain())
}

func (nt *notifier) serviceActivated(ctx context.Context, c digitalCard, plain []byte) {
	if c.Status != statusActive {
		return // changed since: the notifications of the change say so
	}
	if err := nt.notifyServiceActivated(ctx, c, nt.meta(ctx, c), plain); err != nil {
		nt.env.Logger.Warn("Notify Service Activated not enqueued", "token", c.TokenUniqueRef, "error", err)
	}
}

// notifyServiceActivated tells the issuer the token is provisioned and
// active; the payload adds the token's own data to the card's.
func (nt *notifier) notifyServiceActivated(ctx context.Context, c digitalCard, m tokenMeta, cardPlain []byte) error {
	var data map[string]any
	_ = json.Unmarshal(cardPlain, &data)
	if data == nil {
		return fmt.Errorf("token %s: no card data to notify", c.TokenUniqueRef)
	}
	tn := tokenNumber(c.TokenUniqueRef)
	data["tokenData"] = map[string]string{"token": tn, "expiryMonth": m.TokenExpiry[:2], "expiryYear": m.TokenExpiry[2:], "sequenceNumber": "01"}
	plain, _ := json.Marshal(data)
	nt.env.CheckSchema(CallbackSpec, "FundingAccountData", plain)
	env, err := encryption.SealFLEWith(plain, nt.creds.issuerKey(), m.FLE)
	if err != nil {
		return err
	}
	decision := "APPROVED"
	if m.Decision == "R" {
		decision = "REQUIRE_ADDITIONAL_AUTHENTICATION"
	}
	activated := nt.env.Clock.Now()
	if m.ActivatedAt != nil {
		activated = *m.ActivatedAt
	}
	requestID := nt.env.IDs.Digits(12)
	req := map[string]any{
		"requestId":              requestID,
		"services":               []string{"DIGITIZATION"},
		"correlationId":          m.CorrelationID,
		"tokenRequestorId":       c.TokenRequestorID,
		"tokenType":              "CLOUD",
		"accountPanSuffix":       c.PanLastFour,
		"serviceRequestDateTime": timestamp(c.EnrolledAt),
		"tokenActivatedDateTime": timestamp(activated),
		"decision":               decision,
		"decisionMadeBy":         "AUTHORIZATION_REQUEST",
		"numberOfActiveTokens":   min(nt.activeTokens(ctx, c.PanRef), 99),
		"fundingAccountInfo": map[string]any{
			"panUniqueReference":   panUniqueReference(c),
			"tokenUniqueReference": c.TokenUniqueRef,
			"encryptedPayload":     env,
		},
	}
	if m.ActivationAttempts > 0 {
		req["numberOfActivationAttempts"] = min(m.ActivationAttempts, 9)
	}
	body, _ := json.Marshal(req)
	// The plaintext is card data: the journal keeps it (masked) only for
	// calls sent now, never in the outbox.
	cb := issuerCall("notifyServiceActivated", body, c.TokenUniqueRef, requestID)
	cb.ID, cb.OrderKey = requestID, c.TokenUniqueRef
	return nt.env.Callbacks.Enqueue(ctx, cb)
}

// scheduleYellowPath runs the yellow path once the token awaiting
// additional authentication is stored: when the issuer's Authorize Service
// answer gave no activation methods (plain, the card data, is then given),
// Request Activation Methods, whose methods replace the defaults (the
// consumer's mobile number and email address); then Deliver Activation
// Code for the cardholder's choice (the first method that distributes a
// code).
func (nt *notifier) scheduleYellowPath(ctx context.Context, tur string, plain []byte) error {
	return nt.afterStored(ctx, storedTask{TokenUniqueReference: tur, Then: thenYellowPath}, plain)
}

func (nt *notifier) yellowPath(ctx context.Context, c digitalCard, plain []byte) {
	if c.Status != statusInactive {
		return
	}
	tur := c.TokenUniqueRef
	if plain != nil && nt.env.Callbacks.Configured() {
		methods, err := nt.requestActivationMethods(ctx, c, nt.meta(ctx, c), plain)
		if err != nil {
			nt.env.Logger.Warn("Request Activation Methods not answered", "token", tur, "error", err)
		}
		if len(methods) > 0 {
			if _, err := nt.setCode(ctx, tur, methods, ""); err != nil {
				nt.env.Logger.Warn("activation code not set", "token", tur, "error", err)
				return
			}
		}
	}
	if err := nt.deliverActivationCode(ctx, tur); err != nil {
		nt.env.Logger.Warn("Deliver Activation Code not enqueued", "token", tur, "error", err)
	}
}

// defaultMethods are the methods MDES falls back on when the issuer gave
// none: the consumer's mobile number and email address, masked.
func defaultMethods(cons consumer) []activationMethod {
	var out []activationMethod
	if mob := cons.MobileNumber; mob != nil && len(mob.PhoneNumber) >= 4 {
		out = append(out, activationMethod{Type: "TEXT_TO_CARDHOLDER_NUMBER", Value: "***-***-" + mob.PhoneNumber[len(mob.PhoneNumber)-4:]})
	}
	if cons.EmailAddress != "" {
		out = append(out, activationMethod{Type: "EMAIL_TO_CARDHOLDER_ADDRESS", Value: maskEmail(cons.EmailAddress)})
	}
	return out
}

// setCode records the token's activation methods and, for the chosen one
// (methodIndex "" the first that distributes a code, else the 1-based
// ActivationMethodId), a new activation code with a new validity period.
// It returns the chosen method; a token whose methods distribute no code
// gets none (the issuer activates it through Customer Service).
func (nt *notifier) setCode(ctx context.Context, tur string, methods []activationMethod, methodID string) (activationMethod, error) {
	var chosen activationMethod
	err := nt.tokens.Update(ctx, tur, func(m *tokenMeta, exists bool) error {
		if !exists {
			return fmt.Errorf("token %s has no metadata", tur)
		}
		if methods != nil {
			m.ActivationMethods = methods
		}
		chosen = nt.chooseCode(m, methodID)
		return nil
	})
	return chosen, err
}

// chooseCode picks the method (methodID "" the first that distributes a
// code, else the 1-based ActivationMethodId) and gives it a new code.
func (nt *notifier) chooseCode(m *tokenMeta, methodID string) activationMethod {
	var chosen activationMethod
	for i, am := range m.ActivationMethods {
		if (methodID == "" && codeMethods[am.Type]) || methodID == fmt.Sprint(i+1) {
			chosen = am
			break
		}
	}
	if chosen.Type == "" || !codeMethods[chosen.Type] {
		return activationMethod{}
	}
	m.ChosenMethod = chosen
	m.ActivationCode = nt.env.IDs.Digits(6)
	m.ActivationExpiry = nt.env.Clock.Now().Add(activationCodeTTLSetting.Get(nt.env.Settings))
	m.ActivationAttempts = 0
	return chosen
}

// requestActivationMethods asks the issuer for the methods to present.
func (nt *notifier) requestActivationMethods(ctx context.Context, c digitalCard, m tokenMeta, plain []byte) ([]activationMethod, error) {
	if plain == nil {
		return nil, nil
	}
	env, err := encryption.SealFLEWith(plain, nt.creds.issuerKey(), m.FLE)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{
		"requestId":        nt.env.IDs.Digits(12),
		"services":         []string{"DIGITIZATION"},
		"correlationId":    m.CorrelationID,
		"tokenRequestorId": c.TokenRequestorID,
		"tokenType":        "CLOUD",
		"fundingAccountInfo": map[string]any{
			"panUniqueReference":   panUniqueReference(c),
			"tokenUniqueReference": c.TokenUniqueRef,
			"encryptedPayload":     env,
		},
	})
	cb := issuerCall("requestActivationMethods", body, c.TokenUniqueRef)
	cb.Plaintext = plain
	res, err := nt.env.Callbacks.Send(ctx, cb)
	if err != nil {
		return nil, err
	}
	var answer struct {
		ActivationMethods []activationMethod `json:"activationMethods"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	return answer.ActivationMethods, nil
}

// resendActivationCode gives a token awaiting activation a new code
// for the method Customer Service named (its 1-based ActivationMethodId)
// and delivers it.
func (nt *notifier) resendActivationCode(ctx context.Context, tur, methodID string) error {
	if _, err := nt.setCode(ctx, tur, nil, methodID); err != nil {
		return err
	}
	if err := nt.deliverActivationCode(ctx, tur); err != nil {
		nt.env.Logger.Warn("Deliver Activation Code not enqueued", "token", tur, "error", err)
	}
	return nil
}

// deliverActivationCode enqueues Deliver Activation Code for the token's
// chosen method, in order with the token's notifications: the code in clear
// with its expiry, unless the issuer validates its own codes
// (issuerValidatesCode), then only the method.
func (nt *notifier) deliverActivationCode(ctx context.Context, tur string) error {
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return err
	}
	m := nt.meta(ctx, c)
	if !nt.env.Callbacks.Configured() || m.ChosenMethod.Type == "" {
		return nil
	}
	requestID := nt.env.IDs.Digits(12)
	req := map[string]any{
		"requestId":            requestID,
		"tokenUniqueReference": c.TokenUniqueRef,
		"correlationId":        m.CorrelationID,
		"activationMethod":     m.ChosenMethod,
	}
	if !m.IssuerCode {
		req["activationCode"] = m.ActivationCode
		req["expirationDateTime"] = timestamp(m.ActivationExpiry)
	}
	body, _ := json.Marshal(req)
	cb := issuerCall("deliverActivationCode", body, c.TokenUniqueRef, requestID)
	cb.ID, cb.OrderKey = requestID, c.TokenUniqueRef
	return nt.env.Callbacks.Enqueue(ctx, cb)
}

func maskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at < 1 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

// ntuToken is one token of Notify Token Updated, in clear.
type ntuToken struct {
	TokenUniqueReference string      `json:"tokenUniqueReference"`
	Status               string      `json:"status,omitempty"`
	SuspendedBy          []string    `json:"suspendedBy,omitempty"`
	TokenExpiry          string      `json:"tokenExpiry,omitempty"`
	FundingAccountInfo   *ntuPayload `json:"fundingAccountInfo,omitempty"`
}

type ntuPayload struct {
	EncryptedPayload encryption.FLE `json:"encryptedPayload"`
}

// notification is one Notify Token Updated: a reason and a token.
type notification struct {
	ReasonCode string   `json:"reasonCode"`
	Token      ntuToken `json:"token"`
}

// statusNotice is the STATUS_UPDATE notification of a token's current
// status and suspenders.
func statusNotice(c digitalCard, m tokenMeta) notification {
	t := ntuToken{TokenUniqueReference: c.TokenUniqueRef, Status: c.Status}
	if c.Status == statusSuspended {
		for _, s := range m.Suspenders {
			if name := suspendedByNames[s]; name != "" && !contains(t.SuspendedBy, name) {
				t.SuspendedBy = append(t.SuspendedBy, name)
			}
		}
	}
	return notification{ReasonCode: "STATUS_UPDATE", Token: t}
}

// notifyLater enqueues a notification, when the issuer registered a
// callback URL. A token's notifications go out one at a time, in the order
// of its changes (the token is their OrderKey), so an issuer applying them
// as they come ends with the token's status. Failures are journalled attempt
// by attempt and logged.
func (nt *notifier) notifyLater(ctx context.Context, t notification) {
	if !nt.env.Callbacks.Configured() {
		return
	}
	cb, _ := nt.notifyTokenUpdatedCallback(t, "")
	if err := nt.env.Callbacks.Enqueue(ctx, cb); err != nil {
		nt.env.Logger.Warn("Notify Token Updated not enqueued", "token", t.Token.TokenUniqueReference, "error", err)
	}
}

// notifyTokenUpdated sends Notify Token Updated now (triggers report the
// delivery). requestID "" draws a new one; a repeated one is a duplicate
// delivery.
func (nt *notifier) notifyTokenUpdated(ctx context.Context, t notification, requestID string) (*simulator.CallbackResult, string, error) {
	cb, requestID := nt.notifyTokenUpdatedCallback(t, requestID)
	res, err := nt.env.Callbacks.Send(ctx, cb)
	return res, requestID, err
}

// notifyTokenUpdatedCallback builds one Notify Token Updated and remembers
// what its requestId carried.
func (nt *notifier) notifyTokenUpdatedCallback(t notification, requestID string) (*simulator.Callback, string) {
	if requestID == "" {
		requestID = nt.env.IDs.Digits(12)
	}
	nt.rememberNTU(requestID, t)
	body, _ := json.Marshal(map[string]any{
		"requestId":  requestID,
		"reasonCode": t.ReasonCode,
		"tokens":     []ntuToken{t.Token},
	})
	cb := issuerCall("notifyTokenUpdated", body, t.Token.TokenUniqueReference, requestID)
	cb.ID, cb.OrderKey = requestID, t.Token.TokenUniqueReference
	return cb, requestID
}

// fundingAccountNotice is the FUNDING_ACCOUNT_UPDATE notification of a
// token whose PAN mapping changed: the token's data (and the new card when
// the PAN changed) encrypted to key.
func (nt *notifier) fundingAccountNotice(c digitalCard, m tokenMeta, newPAN, expiryMMYY string, key *rsa.PublicKey) (notification, []byte, error) {
	data := map[string]any{
		"dataValidUntilTimestamp": timestamp(nt.env.Clock.Now().Add(30 * time.Minute)),
		"tokenData":               map[string]string{"token": tokenNumber(c.TokenUniqueRef), "expiryMonth": m.TokenExpiry[:2], "expiryYear": m.TokenExpiry[2:], "sequenceNumber": "01"},
	}
	if newPAN != "" {
		card := map[string]string{"accountNumber": newPAN}
		if len(expiryMMYY) == 4 {
			card["expiryMonth"], card["expiryYear"] = expiryMMYY[:2], expiryMMYY[2:]
		}
		data["cardAccountData"] = card
	}
	plain, _ := json.Marshal(data)
	nt.env.CheckSchema(CallbackSpec, "NotifyTokenUpdatedFundingAccountData", plain)
	env, err := encryption.SealFLEWith(plain, key, m.FLE)
	if err != nil {
		return notification{}, nil, err
	}
	return notification{ReasonCode: "FUNDING_ACCOUNT_UPDATE", Token: ntuToken{
		TokenUniqueReference: c.TokenUniqueRef, TokenExpiry: m.TokenExpiry, FundingAccountInfo: &ntuPayload{EncryptedPayload: env},
	}}, plain, nil
}

// triggers lists the flows the admin API can start.
func (nt *notifier) triggers() []string {
	return []string{TriggerEnterActivationCode, TriggerTokenStatusChange, TriggerSuspiciousEvent, TriggerAccountInformation}
}

// trigger starts one of them.
//
// enterActivationCode: the cardholder enters the code Deliver Activation
// Code delivered. Params tokenUniqueReference (required) and activationCode
// (default: the code delivered). With issuerValidatesCode on, MDES asks the
// issuer (Validate Activation Code) and follows its result; otherwise the
// right, unexpired code activates the token (INACTIVE → ACTIVE), a wrong
// one counts an attempt (three at most) and an expired one changes nothing.
// Activation sends Notify Service Activated and Notify Token Updated.
//
// tokenStatusChange: the token requestor, the cardholder or the network
// changes a token on its own and the issuer is notified. Params
// tokenUniqueReference (required), status (ACTIVE | SUSPENDED |
// DEACTIVATED), optional suspendedBy (TOKEN_REQUESTOR | CARDHOLDER, default
// TOKEN_REQUESTOR) and requestId (reuse one to deliver a duplicate).
// SUSPENDED adds the suspender; ACTIVE lifts that suspender's suspension
// (the token stays SUSPENDED while another suspender remains). Asking for
// what the token already has re-sends the notification without changing
// anything. With redeliver=true and a requestId the notification sent under
// it goes out again exactly as it was and nothing changes. With
// encryption=foreignKey a FUNDING_ACCOUNT_UPDATE notification whose payload
// is encrypted to another key is sent and nothing changes: a misrouted
// notification the issuer must refuse.
//
// suspiciousEvent: Notify Suspicious Events for tokenUniqueReference
// (REPLENISH, with the ATCs given as atcNotFound, default ["1234"]).
//
// accountInformation: Get Account Information for tokenUniqueReference;
// the answer reports the issuer's answer status.
//
// Each answers with the token's status and, when a call was made, the
// issuer's HTTP status, the delivery attempts and the requestId.
func (nt *notifier) trigger(ctx context.Context, name string, p map[string]any) (map[string]any, error) {
	str := func(k string) string { s, _ := p[k].(string); return s }
	tur := str("tokenUniqueReference")
	if tur == "" && name != TriggerTokenStatusChange || tur == "" && name == TriggerTokenStatusChange && p["redeliver"] != true {
		if contains(nt.triggers(), name) {
			return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "%s needs tokenUniqueReference", name)
		}
	}
	switch name {
	case TriggerEnterActivationCode:
		return nt.enterActivationCode(ctx, tur, str("activationCode"))
	case TriggerTokenStatusChange:
		if redeliver, _ := p["redeliver"].(bool); redeliver {
			return nt.redeliver(ctx, str("requestId"))
		}
		if enc := str("encryption"); enc != "" {
			if enc != "foreignKey" {
				return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "encryption must be foreignKey, got %q", pan.RedactText(enc))
			}
			return nt.misroutedNotification(ctx, tur, str("requestId"))
		}
		return nt.tokenStatusChange(ctx, tur, str("status"), str("suspendedBy"), str("requestId"))
	case TriggerSuspiciousEvent:
		return nt.suspiciousEvent(ctx, tur, p["atcNotFound"])
	case TriggerAccountInformation:
		return nt.accountInformation(ctx, tur)
	}
	return nil, fmt.Errorf("mastercard has no trigger %q (known: %s)", name, strings.Join(nt.triggers(), ", "))
}

// maxActivationAttempts is how many wrong codes a cardholder may enter
// ("typically 3 attempts").
const maxActivationAttempts = 3

func (nt *notifier) enterActivationCode(ctx context.Context, tur, code string) (map[string]any, error) {
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	m := nt.meta(ctx, c)
	if c.Status == statusInactive && m.IssuerCode && nt.env.Callbacks.Configured() {
		if code == "" {
			return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "the issuer validates its own codes: give the activationCode the cardholder entered")
		}
		return nt.validateWithIssuer(ctx, c, m, code)
	}
	wrongCode := false
	c, err = nt.changeStatus(ctx, tur, "activation", []string{statusInactive}, statusActive, func(m *tokenMeta) error {
		switch {
		case m.ActivationCode == "":
			return simulator.Errorf(http.StatusBadRequest, simulator.KindState, "token %s has no activation code pending", tur)
		case !nt.env.Clock.Now().Before(m.ActivationExpiry):
			return simulator.Errorf(http.StatusBadRequest, simulator.KindState, "the activation code of token %s expired at %s; the token stays INACTIVE", tur, stamp(m.ActivationExpiry))
		case code != "" && code != m.ActivationCode:
			wrongCode = true
			return simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "wrong activation code for token %s; the token stays INACTIVE", tur)
		}
		m.ActivationAttempts++
		return nil
	})
	if wrongCode {
		nt.countAttempt(ctx, tur) // a refused change writes nothing: the attempt is counted on its own
	}
	if err != nil {
		return nil, err
	}
	return nt.activated(ctx, c, "")
}

// countAttempt records a wrong code; the third invalidates the code.
func (nt *notifier) countAttempt(ctx context.Context, tur string) {
	_ = nt.tokens.Update(ctx, tur, func(m *tokenMeta, exists bool) error {
		m.ActivationAttempts++
		if m.ActivationAttempts >= maxActivationAttempts {
			m.ActivationCode, m.ActivationExpiry = "", time.Time{}
		}
		return nil
	})
}

// validateWithIssuer sends Validate Activation Code and applies the result.
func (nt *notifier) validateWithIssuer(ctx context.Context, c digitalCard, m tokenMeta, code string) (map[string]any, error) {
	requestID := nt.env.IDs.Digits(12)
	body, _ := json.Marshal(map[string]any{
		"requestId": requestID, "tokenUniqueReference": c.TokenUniqueRef, "correlationId": m.CorrelationID, "activationCode": code,
	})
	res, err := nt.env.Callbacks.Send(ctx, issuerCall("validateActivationCode", body, c.TokenUniqueRef, requestID))
	if err != nil {
		return nil, fmt.Errorf("token %s stays INACTIVE: the issuer's Validate Activation Code did not answer: %w", c.TokenUniqueRef, err)
	}
	var answer struct {
		Result string `json:"result"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status, "result": answer.Result, "requestId": requestID}
	switch answer.Result {
	case "SUCCESS":
		c, err = nt.changeStatus(ctx, c.TokenUniqueRef, "activation", []string{statusInactive}, statusActive, func(m *tokenMeta) error {
			m.ActivationAttempts++
			return nil
		})
		if err != nil {
			return nil, err
		}
		return nt.activated(ctx, c, answer.Result)
	case "INCORRECT_CODE", "INCORRECT_CODE_RETRIES_EXCEEDED", "EXPIRED_CODE":
		nt.countAttempt(ctx, c.TokenUniqueRef)
		return out, nil
	}
	return out, fmt.Errorf("token %s stays INACTIVE: the issuer answered result %q (SUCCESS, INCORRECT_CODE, INCORRECT_CODE_RETRIES_EXCEEDED or EXPIRED_CODE expected)", c.TokenUniqueRef, pan.RedactText(answer.Result))
}

// activated notifies a token's activation: Notify Service Activated (when
// the card's data is still at hand: not after the enrolment's answer, the
// simulator keeping no card number) and Notify Token Updated.
func (nt *notifier) activated(ctx context.Context, c digitalCard, result string) (map[string]any, error) {
	out, err := nt.notifyNow(ctx, statusNotice(c, nt.meta(ctx, c)), "")
	if out != nil && result != "" {
		out["result"] = result
	}
	return out, err
}

func (nt *notifier) tokenStatusChange(ctx context.Context, tur, status, suspendedBy, requestID string) (map[string]any, error) {
	if status != statusActive && status != statusSuspended && status != statusDeactivated {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "status must be ACTIVE, SUSPENDED or DEACTIVATED, got %q", pan.RedactText(status))
	}
	if suspendedBy == "" {
		suspendedBy = "TOKEN_REQUESTOR"
	}
	code := map[string]string{"TOKEN_REQUESTOR": "W", "CARDHOLDER": "C"}[suspendedBy]
	if code == "" {
		return nil, simulator.Errorf(http.StatusBadRequest, simulator.KindValidation, "suspendedBy must be TOKEN_REQUESTOR or CARDHOLDER, got %q", pan.RedactText(suspendedBy))
	}
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	initiator := code
	switch status {
	case statusSuspended:
		if c.Status == statusActive || c.Status == statusSuspended && !contains(nt.meta(ctx, c).Suspenders, code) {
			c, err = nt.suspendBy(ctx, tur, code, "Z", "", nil, nil)
		}
	case statusActive:
		switch c.Status {
		case statusInactive:
			c, err = nt.changeStatus(ctx, tur, "activation", []string{statusInactive}, statusActive, nil)
		case statusSuspended:
			if contains(nt.meta(ctx, c).Suspenders, code) {
				c, err = nt.unsuspendBy(ctx, tur, code, "Z", "", nil, nil)
			}
		}
	case statusDeactivated:
		if c.Status != statusDeactivated {
			c, err = nt.changeStatusBy(ctx, tur, "a deletion", []string{statusInactive, statusActive, statusSuspended}, statusDeactivated, initiator, "Z", nil, nil)
		}
	}
	if err != nil {
		return nil, err
	}
	return nt.notifyNow(ctx, statusNotice(c, nt.meta(ctx, c)), requestID)
}

// rememberNTU keeps what a requestId carried, for redelivery.
func (nt *notifier) rememberNTU(requestID string, t notification) {
	nt.ntuMu.Lock()
	defer nt.ntuMu.Unlock()
	if nt.ntuSent == nil {
		nt.ntuSent = map[string]notification{}
	}
	if _, seen := nt.ntuSent[requestID]; !seen {
		nt.ntuOrder = append(nt.ntuOrder, requestID)
		if len(nt.ntuOrder) > maxRememberedNTU {
			delete(nt.ntuSent, nt.ntuOrder[0])
			nt.ntuOrder = nt.ntuOrder[1:]
		}
	}
	nt.ntuSent[requestID] = t
}

// redeliver sends again, unchanged, the Notify Token Updated sent earlier
// under requestID (as Mastercard does when it did not get an answer in
// time), whatever the token's status is now; nothing changes.
func (nt *notifier) redeliver(ctx context.Context, requestID string) (map[string]any, error) {
	nt.ntuMu.Lock()
	t, ok := nt.ntuSent[requestID]
	nt.ntuMu.Unlock()
	if !ok {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no Notify Token Updated was sent under requestId %s", pan.RedactText(requestID))
	}
	res, id, err := nt.notifyTokenUpdated(ctx, t, requestID)
	out := map[string]any{"tokenUniqueReference": t.Token.TokenUniqueReference, "status": t.Token.Status, "requestId": id}
	if res != nil {
		out["notifyStatus"], out["attempts"] = res.Status, res.Attempts
	}
	if err != nil {
		return out, fmt.Errorf("the redelivered Notify Token Updated was not accepted: %w", err)
	}
	return out, nil
}

// misroutedNotification sends a FUNDING_ACCOUNT_UPDATE Notify Token
// Updated for the token whose payload is encrypted to a key that is not the
// issuer's, and changes nothing: the issuer must refuse it
// (CRYPTOGRAPHY_ERROR) and apply nothing.
func (nt *notifier) misroutedNotification(ctx context.Context, tur, requestID string) (map[string]any, error) {
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status}
	if !nt.env.Callbacks.Configured() {
		return out, nil
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	t, _, err := nt.fundingAccountNotice(c, nt.meta(ctx, c), "", "", &other.PublicKey)
	if err != nil {
		return nil, err
	}
	res, id, err := nt.notifyTokenUpdated(ctx, t, requestID)
	out["requestId"] = id
	if res != nil {
		out["notifyStatus"], out["attempts"] = res.Status, res.Attempts
	}
	if err != nil {
		return out, fmt.Errorf("the issuer refused a Notify Token Updated encrypted to another key (as it should): %w", err)
	}
	return out, nil
}

// notifyNow sends a notification at once (for triggers) and reports the
// delivery.
func (nt *notifier) notifyNow(ctx context.Context, t notification, requestID string) (map[string]any, error) {
	out := map[string]any{"tokenUniqueReference": t.Token.TokenUniqueReference, "status": t.Token.Status}
	if !nt.env.Callbacks.Configured() {
		return out, nil
	}
	res, id, err := nt.notifyTokenUpdated(ctx, t, requestID)
	if err != nil {
		return nil, fmt.Errorf("token %s is %s, but Notify Token Updated was not delivered: %w", t.Token.TokenUniqueReference, t.Token.Status, err)
	}
	out["requestId"], out["notifyStatus"], out["attempts"], out["findings"] = id, res.Status, res.Attempts, res.Findings
	return out, nil
}

func (nt *notifier) suspiciousEvent(ctx context.Context, tur string, atcs any) (map[string]any, error) {
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	notFound := []string{"1234"}
	if list, ok := atcs.([]any); ok {
		notFound = nil
		for _, a := range list {
			if s, ok := a.(string); ok && s != "" {
				notFound = append(notFound, s)
			}
		}
	}
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status}
	if !nt.env.Callbacks.Configured() {
		return out, nil
	}
	requestID := nt.env.IDs.Digits(12)
	body, _ := json.Marshal(map[string]any{
		"requestId": requestID, "tokenUniqueReference": c.TokenUniqueRef, "status": c.Status,
		"events": map[string]any{"eventName": "REPLENISH", "systemAtcStatus": map[string]any{"atcNotFound": notFound}},
	})
	res, err := nt.env.Callbacks.Send(ctx, issuerCall("notifySuspiciousEvents", body, c.TokenUniqueRef, requestID))
	out["requestId"] = requestID
	if res != nil {
		out["notifyStatus"], out["attempts"] = res.Status, res.Attempts
	}
	return out, err
}

func (nt *notifier) accountInformation(ctx context.Context, tur string) (map[string]any, error) {
	c, err := nt.cardByToken(ctx, tur)
	if err != nil {
		return nil, simulator.Errorf(http.StatusNotFound, simulator.KindNotFound, "no token %s", tur)
	}
	out := map[string]any{"tokenUniqueReference": c.TokenUniqueRef, "status": c.Status}
	if !nt.env.Callbacks.Configured() {
		return out, nil
	}
	m := nt.meta(ctx, c)
	// The simulator keeps no card number: the payload carries the token's
	// own number where the card's would be.
	plain, _ := json.Marshal(map[string]any{"cardAccountData": map[string]string{
		"accountNumber": tokenNumber(c.TokenUniqueRef), "expiryMonth": c.ExpirationMonth, "expiryYear": yy(c.ExpirationYear)}})
	nt.env.CheckSchema(CallbackSpec, "FundingAccountData", plain)
	env, err := encryption.SealFLEWith(plain, nt.creds.issuerKey(), m.FLE)
	if err != nil {
		return nil, err
	}
	requestID := nt.env.IDs.Digits(12)
	body, _ := json.Marshal(map[string]any{"requestId": requestID, "fundingAccountInfo": map[string]any{
		"panUniqueReference": panUniqueReference(c), "tokenUniqueReference": c.TokenUniqueRef, "encryptedPayload": env}})
	cb := issuerCall("getAccountInformation", body, c.TokenUniqueRef, requestID)
	cb.Plaintext = plain
	res, err := nt.env.Callbacks.Send(ctx, cb)
	out["requestId"] = requestID
	if res != nil {
		out["answerStatus"], out["attempts"] = res.Status, res.Attempts
	}
	return out, err
}

// issuerCall is a call of the issuer-hosted API (CallbackSpec): operation
// op POSTed as JSON to /op, found in the journal by correlationIDs.
func issuerCall(op string, body []byte, correlationIDs ...string) *simulator.Callback {
	return &simulator.Callback{Spec: CallbackSpec, OperationID: op, Method: http.MethodPost, Path: "/" + op,
		Header: http.Header{"Content-Type": []string{"application/json"}}, Body: body, CorrelationIDs: correlationIDs}
}
