package mastercard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// MDESSpec is the MDES Customer Service document (2.0.7).
const MDESSpec = "mastercard/mdes-customer-service.yaml"

// customerService is MDES Customer Service 2.0.7: the issuer's
// customer-service system searches, suspends, resumes, deletes, activates
// and updates tokens, reads their history and comments. Its errors are the
// Customer Service application envelope.
type customerService struct {
	*state
	notify *notifier // tells the issuer of the changes it made
}

// operations is the Customer Service operation table. The card numbers its
// requests carry in clear are decoded before fault rules run, so
// card-scoped rules match.
func (cs *customerService) operations() []simulator.Operation {
	op := func(id string, h simulator.Handler) simulator.Operation {
		return simulator.Operation{ID: id, Decode: decodeSearch, Handle: h}
	}
	return []simulator.Operation{
		op("searchTokens", cs.searchTokens),
		op("suspendToken", cs.suspendToken),
		op("unsuspendToken", cs.unsuspendToken),
		op("deleteToken", cs.deleteToken),
		op("activateToken", cs.activateToken),
		op("updateToken", cs.updateToken),
		op("getActivationMethods", cs.getActivationMethods),
		op("resendActivationCode", cs.resendActivationCode),
		op("getTokenStatusHistory", cs.getTokenStatusHistory),
		op("getTokenComments", cs.getTokenComments),
		op("getTransactions", cs.getTransactions),
		op("resetMobilePin", cs.commentOnly("TokenResetMobilePinRequest", "TokenResetMobilePinResponse")),
		op("updateTokenAssurance", cs.updateTokenAssurance),
		op("accountHolderMessaging", cs.commentOnly("AccountHolderMessagingRequest", "AccountHolderMessagingResponse")),
		op("getSystemStatus", cs.getSystemStatus),
	}
}

// decodeSearch journals a call under the Token Unique Reference it names
// and records the card numbers it carries in clear (AccountPan,
// CurrentAccountPan, NewAccountPan, Token), so fault rules can match them
// and the journal lists them masked.
func decodeSearch(req *simulator.Request) error {
	if len(req.Body) == 0 {
		return nil
	}
	var wrapped map[string]struct {
		TokenUniqueReference string `json:"TokenUniqueReference"`
	}
	if json.Unmarshal(req.Body, &wrapped) == nil {
		for _, v := range wrapped {
			req.AddCorrelationID(v.TokenUniqueReference)
		}
	}
	var r map[string]map[string]any
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return nil
	}
	for _, inner := range r {
		for _, k := range []string{"AccountPan", "CurrentAccountPan", "NewAccountPan", "Token"} {
			if s, ok := inner[k].(string); ok && s != "" {
				req.AddCard(s)
			}
		}
	}
	return nil
}

// csRequest is the union of the fields of Customer Service requests, read
// out of the operation's wrapper object.
type csRequest struct {
	AccountPan                   string    `json:"AccountPan"`
	AlternateAccountIdentifier   string    `json:"AlternateAccountIdentifier"`
	TokenUniqueReference         string    `json:"TokenUniqueReference"`
	Token                        string    `json:"Token"`
	PaymentAppInstanceID         string    `json:"PaymentAppInstanceId"`
	CommentID                    string    `json:"CommentId"`
	ExcludeDeletedIndicator      string    `json:"ExcludeDeletedIndicator"`
	ReasonCode                   string    `json:"ReasonCode"`
	CommentText                  string    `json:"CommentText"`
	CurrentAccountPan            string    `json:"CurrentAccountPan"`
	NewAccountPan                string    `json:"NewAccountPan"`
	ExpirationDate               string    `json:"ExpirationDate"`
	AccountPanSequenceNumber     string    `json:"AccountPanSequenceNumber"`
	IssuerProductConfigurationID string    `json:"IssuerProductConfigurationId"`
	ActivationMethodID           string    `json:"ActivationMethodId"`
	MessageText                  string    `json:"MessageText"`
	AuditInfo                    auditInfo `json:"AuditInfo"`
}

func readCS(req *simulator.Request, wrapper string) (csRequest, error) {
	var body map[string]csRequest
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return csRequest{}, mdesErr(http.StatusBadRequest, "INVALID_JSON", "", "the body is not the JSON of %sSchema", wrapper)
	}
	r := body[wrapper]
	if r.TokenUniqueReference != "" {
		req.AddCorrelationID(r.TokenUniqueReference)
	}
	return r, nil
}

func (cs *customerService) searchTokens(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	s, err := readCS(req, "SearchRequest")
	if err != nil {
		return nil, err
	}
	var keys []string
	for k, v := range map[string]string{"AccountPan": s.AccountPan, "AlternateAccountIdentifier": s.AlternateAccountIdentifier,
		"TokenUniqueReference": s.TokenUniqueReference, "Token": s.Token, "PaymentAppInstanceId": s.PaymentAppInstanceID, "CommentId": s.CommentID} {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	switch {
	case len(keys) > 1:
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "SearchRequest."+keys[1],
			"give exactly one search key, not %s", strings.Join(keys, " and "))
	case len(keys) == 0:
		return nil, mdesErr(http.StatusBadRequest, "MISSING_REQUIRED_FIELD", "SearchRequest.TokenUniqueReference",
			"give one search key: AccountPan, AlternateAccountIdentifier, TokenUniqueReference, Token, PaymentAppInstanceId or CommentId")
	}
	var cards []digitalCard
	switch keys[0] {
	case "AccountPan":
		// A number no card can have (Luhn) matches no token: MDES
		// documents no format check, only the empty result.
		if p, perr := pan.Parse(s.AccountPan); perr == nil && p.LuhnValid() {
			cards, err = cs.cardsOfPAN(ctx, cardRef(p.Reveal()))
		}
	case "TokenUniqueReference":
		cards, err = cs.oneCard(cs.cardByToken(ctx, s.TokenUniqueReference))
	case "Token":
		cards, err = cs.oneCard(cs.cardByTokenNumber(ctx, s.Token))
	case "CommentId":
		var tur string
		if tur, err = cs.tokenByComment(ctx, s.CommentID); err == nil {
			cards, err = cs.oneCard(cs.cardByToken(ctx, tur))
		}
	}
	// Click to Pay tokens have neither a Payment App instance nor an
	// alternate account identifier: those keys find nothing.
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	groups := map[string]map[string]any{}
	var order []string
	for _, c := range cards {
		if s.ExcludeDeletedIndicator == "true" && c.Status == statusDeactivated {
			continue
		}
		req.AddCorrelationID(c.TokenUniqueRef)
		key := c.PanLastFour + c.ExpirationMonth + yy(c.ExpirationYear)
		acct, ok := groups[key]
		if !ok {
			acct = map[string]any{"AccountPanSuffix": c.PanLastFour, "ExpirationDate": c.ExpirationMonth + yy(c.ExpirationYear), "Tokens": map[string]any{"Token": []any{}}}
			groups[key] = acct
			order = append(order, key)
		}
		tokens := acct["Tokens"].(map[string]any)
		tokens["Token"] = append(tokens["Token"].([]any), cs.tokenView(ctx, c))
	}
	if len(order) == 0 {
		return nil, mdesErr(http.StatusNotFound, "EMPTY_RESULT", keys[0], "Empty result for the given request: no current token matches %s", keys[0])
	}
	accounts := make([]any, 0, len(order))
	for _, k := range order {
		accounts = append(accounts, groups[k])
	}
	return simulator.JSON(http.StatusOK, map[string]any{
		"SearchResponse": map[string]any{"Accounts": map[string]any{"Account": accounts}},
	}), nil
}

func (cs *customerService) oneCard(c digitalCard, err error) ([]digitalCard, error) {
	if err != nil {
		return nil, err
	}
	return []digitalCard{c}, nil
}

// tokenView is the Customer Service Token object of a card's token.
func (cs *customerService) tokenView(ctx context.Context, c digitalCard) map[string]any {
	m := cs.meta(ctx, c)
	code, desc := csStatus(c.Status)
	tn := tokenNumber(c.TokenUniqueRef)
	t := map[string]any{
		"TokenUniqueReference":                c.TokenUniqueRef,
		"PrimaryAccountNumberUniqueReference": panUniqueReference(c),
		"TokenSuffix":                         tn[len(tn)-4:],
		"ExpirationDate":                      m.TokenExpiry,
		"TokenRequestorId":                    c.TokenRequestorID,
		"TokenRequestorName":                  "MDES for Merchants",
		"TokenType":                           "C",
		"StorageTechnology":                   "H",
		"CurrentStatusCode":                   code,
		"CurrentStatusDescription":            desc,
		"CurrentStatusDateTime":               stamp(m.StatusAt),
		"DigitizationRequestDateTime":         stamp(c.EnrolledAt),
		"FinalTokenizationDecision":           m.Decision,
		"ProvisioningStatusCode":              "S",
		"ProvisioningStatusDescription":       "Provisioning successful",
		"TokenDeletedFromConsumerApp":         "false",
	}
	if m.Decision == "" {
		t["FinalTokenizationDecision"] = "A"
	}
	if m.CorrelationID != "" {
		t["CorrelationId"] = m.CorrelationID
	}
	if m.ActivatedAt != nil {
		t["TokenActivatedDateTime"] = stamp(*m.ActivatedAt)
	}
	if m.AssuranceLevel != "" {
		t["TokenAssuranceLevel"] = m.AssuranceLevel
	}
	if c.Status == statusInactive {
		t["ProvisioningStatusCode"], t["ProvisioningStatusDescription"] = "A", "Awaiting activation"
		if !m.ActivationExpiry.IsZero() {
			t["ActivationCodeExpirationDateTime"] = stamp(m.ActivationExpiry)
		}
	}
	if c.Status == statusSuspended && len(m.Suspenders) > 0 {
		t["Suspenders"] = map[string]any{"Suspender": m.Suspenders}
	}
	if m.LastCommentID != "" {
		t["LastCommentId"] = m.LastCommentID
	}
	return t
}

// reason codes per Customer Service action.
var (
	suspendReasons   = []string{"L", "S", "T", "Z"}
	unsuspendReasons = []string{"F", "T", "Z"}
	deleteReasons    = []string{"L", "S", "T", "F", "C", "Z"}
)

// tokenAnswer is the {<wrapper>: {Token: {TokenUniqueReference, CommentId}}} answer.
func tokenAnswer(wrapper, tur, commentID string) *simulator.Response {
	t := map[string]any{"TokenUniqueReference": tur}
	if commentID != "" {
		t["CommentId"] = commentID
	}
	return simulator.JSON(http.StatusOK, map[string]any{wrapper: map[string]any{"Token": t}})
}

func checkReason(wrapper, code string, allowed []string) error {
	if !contains(allowed, code) { // the document's enum already refuses it; kept for direct calls
		return mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", wrapper+".ReasonCode", "ReasonCode %q is not one of %s", code, strings.Join(allowed, ", "))
	}
	return nil
}

// suspendToken adds the issuer as a suspender: an ACTIVE token becomes
// SUSPENDED (and the issuer is notified); a token another party suspended
// gains the issuer as a second suspender and stays SUSPENDED.
func (cs *customerService) suspendToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenSuspendRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenSuspendRequest", r.ReasonCode, suspendReasons); err != nil {
		return nil, err
	}
	var commentID string
	before, _ := cs.cardByToken(ctx, r.TokenUniqueReference)
	c, err := cs.suspendBy(ctx, r.TokenUniqueReference, "I", r.ReasonCode, r.CommentText, &r.AuditInfo, &commentID)
	if err != nil {
		return nil, err
	}
	if before.Status != c.Status {
		cs.notify.notifyLater(ctx, statusNotice(c, cs.meta(ctx, c)))
	}
	return tokenAnswer("TokenSuspendResponse", c.TokenUniqueRef, commentID), nil
}

// unsuspendToken lifts the issuer's suspension; the token is ACTIVE again
// (and the issuer notified) only when no other suspender remains.
func (cs *customerService) unsuspendToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenUnsuspendRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenUnsuspendRequest", r.ReasonCode, unsuspendReasons); err != nil {
		return nil, err
	}
	var commentID string
	c, err := cs.unsuspendBy(ctx, r.TokenUniqueReference, "I", r.ReasonCode, r.CommentText, &r.AuditInfo, &commentID)
	if err != nil {
		return nil, err
	}
	if c.Status == statusActive {
		cs.notify.notifyLater(ctx, statusNotice(c, cs.meta(ctx, c)))
	}
	return tokenAnswer("TokenUnsuspendResponse", c.TokenUniqueRef, commentID), nil
}

func (cs *customerService) deleteToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenDeleteRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenDeleteRequest", r.ReasonCode, deleteReasons); err != nil {
		return nil, err
	}
	var commentID string
	c, err := cs.changeStatusBy(ctx, r.TokenUniqueReference, "delete", []string{statusInactive, statusActive, statusSuspended}, statusDeactivated,
		"I", r.ReasonCode, &r.AuditInfo, func(m *tokenMeta) error {
			commentID = cs.addComment(m, r.CommentText, r.AuditInfo)
			return nil
		})
	if err != nil {
		return nil, err
	}
	cs.notify.notifyLater(ctx, statusNotice(c, cs.meta(ctx, c)))
	return tokenAnswer("TokenDeleteResponse", c.TokenUniqueRef, commentID), nil
}

// activateToken activates a token awaiting additional authentication, by
// Token Unique Reference or by Account PAN and Payment App Instance Id.
func (cs *customerService) activateToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenActivateRequest")
	if err != nil {
		return nil, err
	}
	switch {
	case r.TokenUniqueReference != "" && (r.AccountPan != "" || r.PaymentAppInstanceID != ""):
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "TokenActivateRequest.TokenUniqueReference",
			"give TokenUniqueReference, or AccountPan with PaymentAppInstanceId, not both")
	case r.TokenUniqueReference == "" && (r.AccountPan == "" || r.PaymentAppInstanceID == ""):
		return nil, mdesErr(http.StatusBadRequest, "MISSING_REQUIRED_FIELD", "TokenActivateRequest.TokenUniqueReference",
			"give TokenUniqueReference, or AccountPan together with PaymentAppInstanceId")
	case r.TokenUniqueReference == "":
		// Click to Pay tokens live on no Payment App instance.
		return nil, mdesErr(http.StatusNotFound, "EMPTY_RESULT", "TokenActivateRequest.PaymentAppInstanceId",
			"Empty result for the given request: no token of this Account PAN is on Payment App instance %s", pan.RedactText(r.PaymentAppInstanceID))
	}
	var commentID string
	c, err := cs.changeStatusBy(ctx, r.TokenUniqueReference, "activate", []string{statusInactive}, statusActive, "I", r.ReasonCode, &r.AuditInfo, func(m *tokenMeta) error {
		commentID = cs.addComment(m, r.CommentText, r.AuditInfo)
		return nil
	})
	if err != nil {
		return nil, err
	}
	cs.notify.notifyLater(ctx, statusNotice(c, cs.meta(ctx, c)))
	return tokenAnswer("TokenActivateResponse", c.TokenUniqueRef, commentID), nil
}

// updateToken changes the Account PAN mapping (new PAN in the same account
// range, expiry, sequence number) or the product configuration of one token
// or of every ACTIVE or SUSPENDED token of a PAN; the issuer then gets
// Notify Token Updated FUNDING_ACCOUNT_UPDATE for each PAN mapping change.
func (cs *customerService) updateToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenUpdateRequest")
	if err != nil {
		return nil, err
	}
	const w = "TokenUpdateRequest."
	mapping := r.NewAccountPan != "" || r.ExpirationDate != "" || r.AccountPanSequenceNumber != ""
	switch {
	case (r.TokenUniqueReference == "") == (r.CurrentAccountPan == ""):
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", w+"TokenUniqueReference", "give exactly one of TokenUniqueReference and CurrentAccountPan")
	case mapping && r.IssuerProductConfigurationID != "":
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", w+"IssuerProductConfigurationId", "IssuerProductConfigurationId cannot be updated together with NewAccountPan, ExpirationDate or AccountPanSequenceNumber")
	case !mapping && r.IssuerProductConfigurationID == "":
		return nil, mdesErr(http.StatusBadRequest, "MISSING_REQUIRED_FIELD", w+"ExpirationDate", "give NewAccountPan, ExpirationDate, AccountPanSequenceNumber or IssuerProductConfigurationId")
	}
	var targets []digitalCard
	if r.TokenUniqueReference != "" {
		targets, err = cs.oneCard(cs.cardByToken(ctx, r.TokenUniqueReference))
	} else {
		if p, perr := pan.Parse(r.CurrentAccountPan); perr == nil && p.LuhnValid() {
			targets, err = cs.cardsOfPAN(ctx, cardRef(p.Reveal()))
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var live []digitalCard
	for _, c := range targets {
		if c.Status == statusActive || c.Status == statusSuspended {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		if len(targets) > 0 {
			return nil, wrongStatus("token %s is %s: updates apply only to ACTIVE or SUSPENDED tokens; nothing was changed", targets[0].TokenUniqueRef, targets[0].Status)
		}
		return nil, mdesErr(http.StatusNotFound, "EMPTY_RESULT", w+"TokenUniqueReference", "Empty result for the given request: no current token matches")
	}
	if r.ExpirationDate != "" {
		if exp := expiry("20"+r.ExpirationDate[2:], r.ExpirationDate[:2]); !exp.After(cs.env.Clock.Now()) {
			return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", w+"ExpirationDate", "ExpirationDate %s is in the past", r.ExpirationDate)
		}
	}
	var newPAN pan.PAN
	if r.NewAccountPan != "" {
		if newPAN, err = pan.Parse(r.NewAccountPan); err != nil || !newPAN.LuhnValid() {
			return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", w+"NewAccountPan", "NewAccountPan %s fails the Luhn check", pan.Mask(r.NewAccountPan))
		}
	}
	if newPAN.Reveal() != "" && newPAN.BIN() != live[0].PanBIN {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", w+"NewAccountPan", "NewAccountPan %s is not in the account range of the current Account PAN (BIN %s); nothing was changed", newPAN.Masked(), live[0].PanBIN)
	}
	var out []any
	// Every token of the account changes in one atomic store step: the
	// comment, the product configuration and the new mapping of each, or
	// nothing when one of them is gone meanwhile.
	var at store.Atomic
	cards := make([]*store.Held[digitalCard], len(live))
	metas := make([]*store.Held[tokenMeta], len(live))
	for i, c := range live {
		cards[i], metas[i] = store.Hold(&at, cs.cards, c.CardRef), store.Hold(&at, cs.tokens, c.TokenUniqueRef)
	}
	commentIDs := make([]string, len(live))
	err = at.Do(ctx, func() error {
		for i, c := range live {
			card, meta := cards[i], metas[i]
			if !card.Exists || card.Value.TokenUniqueRef != c.TokenUniqueRef {
				return noToken(c.TokenUniqueRef)
			}
			m := metaOf(card.Value, meta.Value, meta.Exists)
			commentIDs[i] = cs.addComment(&m, r.CommentText, r.AuditInfo)
			if r.IssuerProductConfigurationID != "" {
				m.ProductConfigID = r.IssuerProductConfigurationID
			}
			meta.Value = m
			if mapping {
				if newPAN.Reveal() != "" {
					card.Value.PanLastFour, card.Value.PanRef = newPAN.Last4(), cardRef(newPAN.Reveal())
				}
				if r.ExpirationDate != "" {
					card.Value.ExpirationMonth, card.Value.ExpirationYear = r.ExpirationDate[:2], "20"+r.ExpirationDate[2:]
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var notices []notification
	for i := range live {
		c := cards[i].Value
		if mapping {
			if t, _, nerr := cs.notify.fundingAccountNotice(c, metas[i].Value, newPAN.Reveal(), r.ExpirationDate, cs.creds.issuerKey()); nerr == nil {
				notices = append(notices, t)
			}
		}
		req.AddCorrelationID(c.TokenUniqueRef)
		t := map[string]any{"TokenUniqueReference": c.TokenUniqueRef}
		if commentIDs[i] != "" {
			t["CommentId"] = commentIDs[i]
		}
		out = append(out, t)
	}
	for _, t := range notices {
		cs.notify.notifyLater(ctx, t)
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TokenUpdateResponse": map[string]any{"Tokens": map[string]any{"Token": out}}}), nil
}

// csMethodTypes maps Issuer Outbound activation method types to Customer
// Service's three-letter codes.
var csMethodTypes = map[string]string{
	"TEXT_TO_CARDHOLDER_NUMBER": "SMS", "EMAIL_TO_CARDHOLDER_ADDRESS": "EMA", "CARDHOLDER_TO_CALL_AUTOMATED_NUMBER": "ACC",
	"CARDHOLDER_TO_CALL_MANNED_NUMBER": "CLC", "CARDHOLDER_TO_VISIT_WEBSITE": "WEB", "CARDHOLDER_TO_USE_MOBILE_APP": "BAP",
	"ISSUER_TO_CALL_CARDHOLDER_NUMBER": "OBC",
}

func (cs *customerService) tokenOf(ctx context.Context, req *simulator.Request, wrapper string) (csRequest, digitalCard, error) {
	r, err := readCS(req, wrapper)
	if err != nil {
		return r, digitalCard{}, err
	}
	c, err := cs.cardByToken(ctx, r.TokenUniqueReference)
	if errors.Is(err, store.ErrNotFound) {
		return r, c, emptyResult(r.TokenUniqueReference)
	}
	return r, c, err
}

func (cs *customerService) getActivationMethods(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := cs.tokenOf(ctx, req, "TokenActivationMethodsRequest")
	if err != nil {
		return nil, err
	}
	m := cs.meta(ctx, c)
	methods := []any{}
	if c.Status == statusInactive {
		for i, am := range m.ActivationMethods {
			resend := "FALSE"
			if codeMethods[am.Type] {
				resend = "TRUE"
			}
			code := csMethodTypes[am.Type]
			if code == "" {
				continue // a type Customer Service has no code for
			}
			methods = append(methods, map[string]any{"ActivationMethodId": fmt.Sprint(i + 1), "ActivationMethodType": code, "ActivationMethodValue": am.Value, "ResendIndicator": resend})
		}
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TokenActivationMethodsResponse": map[string]any{
		"ActivationMethods": map[string]any{"ActivationMethod": methods}}}), nil
}

// resendActivationCode generates a new code (a new validity period) for a
// token awaiting activation and sends it by the chosen method (Deliver
// Activation Code), up to 30 days after the token was created.
func (cs *customerService) resendActivationCode(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, c, err := cs.tokenOf(ctx, req, "TokenResendActivationCodeRequest")
	if err != nil {
		return nil, err
	}
	if c.Status != statusInactive {
		return nil, wrongStatus("token %s is %s: only a token awaiting activation gets an activation code", c.TokenUniqueRef, c.Status)
	}
	if cs.env.Clock.Now().Sub(c.EnrolledAt) > 30*24*time.Hour {
		return nil, wrongStatus("token %s was created more than 30 days ago: no new activation code can be sent", c.TokenUniqueRef)
	}
	m := cs.meta(ctx, c)
	i := 0
	if _, err := fmt.Sscan(r.ActivationMethodID, &i); err != nil || i < 1 || i > len(m.ActivationMethods) {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "TokenResendActivationCodeRequest.ActivationMethodId", "token %s has no activation method %s", c.TokenUniqueRef, pan.RedactText(r.ActivationMethodID))
	}
	if am := m.ActivationMethods[i-1]; !codeMethods[am.Type] {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "TokenResendActivationCodeRequest.ActivationMethodId", "activation method %d (%s) distributes no code", i, csMethodTypes[am.Type])
	}
	if err := cs.notify.resendActivationCode(ctx, c.TokenUniqueRef, r.ActivationMethodID); err != nil {
		return nil, err
	}
	return tokenAnswer("TokenResendActivationCodeResponse", c.TokenUniqueRef, ""), nil
}

func (cs *customerService) getTokenStatusHistory(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := cs.tokenOf(ctx, req, "TokenStatusHistoryRequest")
	if err != nil {
		return nil, err
	}
	m := cs.meta(ctx, c)
	history := m.History
	if len(history) == 0 {
		code, _ := csStatus(c.Status)
		history = []statusEvent{{Code: code, At: m.StatusAt}}
	}
	list := make([]any, 0, len(history))
	for i := len(history) - 1; i >= 0; i-- {
		h := history[i]
		_, desc := csStatus(map[string]string{"A": statusActive, "S": statusSuspended, "D": statusDeactivated}[h.Code])
		if h.Code == "U" {
			desc = "Unmapped"
		}
		e := map[string]any{"StatusCode": h.Code, "StatusDescription": desc, "StatusDateTime": stamp(h.At)}
		if h.Initiator != "" {
			e["Initiator"] = h.Initiator
		}
		if h.Reason != "" {
			e["ReasonCode"] = h.Reason
		}
		if h.CommentID != "" {
			e["CommentId"] = h.CommentID
		}
		if h.Audit != nil {
			e["AuditInfo"] = h.Audit
		}
		list = append(list, e)
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TokenStatusHistoryResponse": map[string]any{"Statuses": map[string]any{"Status": list}}}), nil
}

func (cs *customerService) getTokenComments(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := cs.tokenOf(ctx, req, "TokenCommentsRequest")
	if err != nil {
		return nil, err
	}
	m := cs.meta(ctx, c)
	list := make([]any, 0, len(m.Comments))
	for i := len(m.Comments) - 1; i >= 0; i-- {
		cm := m.Comments[i]
		list = append(list, map[string]any{"CommentId": cm.ID, "CommentText": cm.Text, "CommentDateTime": stamp(cm.At), "AuditInfo": cm.Audit})
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TokenCommentsResponse": map[string]any{"Comments": map[string]any{"Comment": list}}}), nil
}

// getTransactions lists no transactions: the simulator authorises no
// payments.
func (cs *customerService) getTransactions(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	if _, _, err := cs.tokenOf(ctx, req, "TransactionsRequest"); err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TransactionsResponse": map[string]any{"Transactions": map[string]any{"Transaction": []any{}}}}), nil
}

// commentOnly serves the calls that change nothing a Click to Pay token
// has (a Mobile PIN, a wallet message): the token must exist, the comment
// (or message) is kept.
func (cs *customerService) commentOnly(wrapper, response string) simulator.Handler {
	return func(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
		r, c, err := cs.tokenOf(ctx, req, wrapper)
		if err != nil {
			return nil, err
		}
		text := r.CommentText
		if r.MessageText != "" {
			text = "Account holder message: " + r.MessageText
		}
		var commentID string
		err = cs.tokens.Update(ctx, c.TokenUniqueRef, func(m *tokenMeta, exists bool) error {
			if !exists {
				*m = metaOf(c, *m, false)
			}
			commentID = cs.addComment(m, text, r.AuditInfo)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if r.MessageText != "" {
			commentID = "" // the messaging answer carries the token only
		}
		return tokenAnswer(response, c.TokenUniqueRef, commentID), nil
	}
}

func (cs *customerService) updateTokenAssurance(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, c, err := cs.tokenOf(ctx, req, "UpdateTokenAssuranceRequest")
	if err != nil {
		return nil, err
	}
	if c.Status != statusActive && c.Status != statusSuspended {
		return nil, wrongStatus("token %s is %s: the assurance level of ACTIVE or SUSPENDED tokens only can be raised", c.TokenUniqueRef, c.Status)
	}
	var commentID string
	err = cs.tokens.Update(ctx, c.TokenUniqueRef, func(m *tokenMeta, exists bool) error {
		if !exists {
			*m = metaOf(c, *m, false)
		}
		m.AssuranceLevel = "1"
		commentID = cs.addComment(m, r.CommentText, r.AuditInfo)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tokenAnswer("UpdateTokenAssuranceResponse", c.TokenUniqueRef, commentID), nil
}

func (cs *customerService) getSystemStatus(_ context.Context, _ *simulator.Request) (*simulator.Response, error) {
	return simulator.JSON(http.StatusOK, map[string]any{"SystemStatusResponse": map[string]any{
		"CommentText": "Mastercard Digital Enablement Service is fully operational", "LastStatusDateTime": stamp(cs.env.Clock.Now()),
	}}), nil
}

// emptyResult is the 404 of a request naming no token: by its reference,
// or (none given) by an Account PAN.
func emptyResult(tur string) *simulator.Error {
	if tur == "" {
		return mdesErr(http.StatusNotFound, "EMPTY_RESULT", "AccountPan", "Empty result for the given request: no token is mapped to this Account PAN")
	}
	return noToken(tur)
}

// mdesErr builds a Customer Service application error; field names the
// field concerned (may be empty). The token lifecycle's own refusals are
// noToken and wrongStatus (token.go).
func mdesErr(status int, reason, field, format string, args ...any) *simulator.Error {
	kind := simulator.KindValidation
	switch {
	case status == http.StatusNotFound:
		kind = simulator.KindNotFound
	case reason == "INVALID_JSON":
		kind = simulator.KindMalformed
	}
	e := simulator.Errorf(status, kind, format, args...)
	e.Code = reason
	if field != "" {
		e.Fields = []simulator.FieldError{{Field: field, In: "body", Rule: reason, Message: e.Message}}
	}
	return e
}

// applicationError is one error of the Customer Service envelope.
// Recoverable is a string, as the published schema says.
type applicationError struct {
	Source      string `json:"Source"`
	ReasonCode  string `json:"ReasonCode"`
	ErrorCode   string `json:"ErrorCode,omitempty"`
	Description string `json:"Description"`
	Recoverable string `json:"Recoverable"`
}

// renderError renders e in the Customer Service application envelope:
// one error per field problem, Source naming the field ("System" when none
// can be named).
func (cs *customerService) renderError(_ *simulator.Request, e *simulator.Error, msg string) *simulator.Response {
	var list []applicationError
	recoverable := "false"
	if e.Status >= 500 {
		recoverable = "true"
	}
	for _, f := range e.Fields {
		reason := e.Code
		if reason == "" {
			reason = mdesFieldReason(f.Rule)
		}
		list = append(list, applicationError{Source: dotted(f.Field), ReasonCode: reason, ErrorCode: reason, Description: f.Message, Recoverable: recoverable})
	}
	if len(list) == 0 {
		reason := e.Code
		if reason == "" {
			reason = mdesReason(e)
		}
		list = []applicationError{{Source: "System", ReasonCode: reason, ErrorCode: reason, Description: msg, Recoverable: recoverable}}
	}
	var body struct {
		Errors struct {
			Error []applicationError `json:"Error"`
		} `json:"Errors"`
	}
	body.Errors.Error = list
	return simulator.JSON(e.Status, body)
}

// dotted turns a JSON pointer (/TokenSuspendRequest/ReasonCode) into
// Mastercard's dotted field name (TokenSuspendRequest.ReasonCode).
func dotted(field string) string {
	return strings.ReplaceAll(strings.TrimPrefix(field, "/"), "/", ".")
}

func mdesFieldReason(rule string) string {
	switch rule {
	case "required":
		return "MISSING_REQUIRED_FIELD"
	case "maxLength", "minLength", "maxItems", "minItems":
		return "INVALID_FIELD_LENGTH"
	case "pattern", "format", "type":
		return "INVALID_FIELD_FORMAT"
	}
	return "INVALID_FIELD_VALUE"
}

func mdesReason(e *simulator.Error) string {
	switch {
	case e.Kind == simulator.KindMalformed:
		return "INVALID_JSON"
	case e.Kind == simulator.KindNotFound || e.Status == http.StatusNotFound:
		return "EMPTY_RESULT"
	case e.Kind == simulator.KindUnavailable || e.Status == http.StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	case e.Status >= 500:
		return "INTERNAL_SERVICE_FAILURE"
	}
	return "INVALID_FIELD_VALUE"
}
