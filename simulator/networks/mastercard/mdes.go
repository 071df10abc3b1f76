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

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// MDESSpec is the MDES Customer Service document (2.0.7).
const MDESSpec = "mastercard/mdes-customer-service.yaml"

// Token statuses (MDES).
const (
	statusInactive    = "INACTIVE"
	statusActive      = "ACTIVE"
	statusSuspended   = "SUSPENDED"
	statusDeactivated = "DEACTIVATED"
)

// statusEvent is one entry of a token's status history.
type statusEvent struct {
	Code      string     `json:"code"` // U, A, S, D
	At        time.Time  `json:"at"`
	Initiator string     `json:"initiator,omitempty"` // I, W, C
	Reason    string     `json:"reason,omitempty"`
	CommentID string     `json:"commentId,omitempty"`
	Audit     *auditInfo `json:"audit,omitempty"`
}

// comment is one Customer Service comment of a token.
type comment struct {
	ID    string    `json:"id"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Audit auditInfo `json:"audit"`
}

// tokenMeta is what MDES keeps about a token beyond the enrolled card's
// status: the provisioning decision, when the status last changed, its
// suspenders, the yellow path's methods and code, history and comments.
// Keyed by Token Unique Reference.
type tokenMeta struct {
	CorrelationID      string                `json:"correlationId,omitempty"`
	Decision           string                `json:"decision,omitempty"` // A approved, R additional authentication required
	StatusAt           time.Time             `json:"statusAt"`
	ActivatedAt        *time.Time            `json:"activatedAt,omitempty"`
	Suspenders         []string              `json:"suspenders,omitempty"` // I issuer, W token requestor, C cardholder
	ActivationMethods  []activationMethod    `json:"activationMethods,omitempty"`
	ChosenMethod       activationMethod      `json:"chosenMethod,omitzero"`
	ActivationCode     string                `json:"activationCode,omitempty"`
	ActivationExpiry   time.Time             `json:"activationCodeExpiry,omitzero"`
	ActivationAttempts int                   `json:"activationAttempts,omitempty"`
	IssuerCode         bool                  `json:"issuerCode,omitempty"` // the issuer issues and validates the code
	LastCommentID      string                `json:"lastCommentId,omitempty"`
	TokenExpiry        string                `json:"tokenExpiry,omitempty"` // MMYY
	AssuranceLevel     string                `json:"assuranceLevel,omitempty"`
	ProductConfigID    string                `json:"productConfigId,omitempty"`
	FLE                encryption.FLEOptions `json:"fle"`
	History            []statusEvent         `json:"history,omitempty"`
	Comments           []comment             `json:"comments,omitempty"`
}

func (n *Network) tokenMetas() store.Table[tokenMeta] {
	return store.NewTable[tokenMeta](n.env.Store, "tokens")
}

func (n *Network) commentIndex() store.Table[string] {
	return store.NewTable[string](n.env.Store, "comments")
}

// meta returns a token's metadata, or what can be derived from the card when
// none was recorded.
func (n *Network) meta(ctx context.Context, c digitalCard) tokenMeta {
	m, err := n.tokenMetas().Get(ctx, c.TokenUniqueRef)
	if err != nil {
		m = tokenMeta{Decision: "A", StatusAt: c.EnrolledAt, FLE: encryption.FLEOptions{OAEPHashing: "SHA256"}}
	}
	if m.StatusAt.IsZero() {
		m.StatusAt = c.EnrolledAt
	}
	if m.TokenExpiry == "" {
		m.TokenExpiry = tokenExpiry(c.EnrolledAt)
	}
	if m.ActivatedAt == nil && c.Status != statusInactive && m.Decision != "R" {
		at := c.EnrolledAt
		m.ActivatedAt = &at
	}
	return m
}

// cardByToken finds the enrolled card whose token has this Token Unique
// Reference.
func (n *Network) cardByToken(ctx context.Context, tur string) (digitalCard, error) {
	row, err := n.cards.Find(ctx, byToken, tur)
	return row.Value, err
}

// decodeSearch records the card numbers a Customer Service request carries
// in clear (AccountPan, CurrentAccountPan, NewAccountPan, Token), so fault
// rules can match them and the journal lists them masked.
func (n *Network) decodeSearch(req *simulator.Request) error {
	_ = correlate(req)
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

type auditInfo struct {
	UserID       string `json:"UserId"`
	UserName     string `json:"UserName"`
	Organization string `json:"Organization"`
	Phone        string `json:"Phone,omitempty"`
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

func (n *Network) searchTokens(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
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
			cards, err = n.cardsOfPAN(ctx, cardRef(p.Reveal()))
		}
	case "TokenUniqueReference":
		cards, err = n.oneCard(n.cardByToken(ctx, s.TokenUniqueReference))
	case "Token":
		cards, err = n.oneCard(n.cardByTokenNumber(ctx, s.Token))
	case "CommentId":
		var tur string
		if tur, err = n.commentIndex().Get(ctx, s.CommentID); err == nil {
			cards, err = n.oneCard(n.cardByToken(ctx, tur))
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
		tokens["Token"] = append(tokens["Token"].([]any), n.tokenView(ctx, c))
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

func (n *Network) oneCard(c digitalCard, err error) ([]digitalCard, error) {
	if err != nil {
		return nil, err
	}
	return []digitalCard{c}, nil
}

// cardByTokenNumber finds the card whose token number is token.
func (n *Network) cardByTokenNumber(ctx context.Context, token string) (digitalCard, error) {
	row, err := n.cards.Find(ctx, byTokenNumber, token)
	return row.Value, err
}

// panUniqueReference is MDES's reference of the card's PAN (FPAN…), the same
// for every token of the PAN.
func panUniqueReference(c digitalCard) string {
	ref := c.PanRef
	if len(ref) < 28 {
		ref = c.CardRef // a record from before panRef was kept
	}
	if len(ref) > 28 {
		ref = ref[:28]
	}
	return "FPAN" + ref
}

// cardsOfPAN lists every enrolment of one PAN (one per consumer), oldest
// first.
func (n *Network) cardsOfPAN(ctx context.Context, panRef string) ([]digitalCard, error) {
	rows, err := n.cards.Lookup(ctx, byPAN, panRef)
	if err != nil {
		return nil, err
	}
	out := make([]digitalCard, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Value)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EnrolledAt.Before(out[j].EnrolledAt) })
	return out, nil
}

func yy(year string) string {
	if len(year) == 4 {
		return year[2:]
	}
	return year
}

// tokenView is the Customer Service Token object of a card's token.
func (n *Network) tokenView(ctx context.Context, c digitalCard) map[string]any {
	m := n.meta(ctx, c)
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

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// csStatus maps an MDES token status to Customer Service's status code.
func csStatus(status string) (code, description string) {
	switch status {
	case statusActive:
		return "A", "Active"
	case statusSuspended:
		return "S", "Suspended"
	case statusDeactivated:
		return "D", "Deleted"
	}
	return "U", "Unmapped (tokenisation in progress)"
}

// reason codes per Customer Service action.
var (
	suspendReasons   = []string{"L", "S", "T", "Z"}
	unsuspendReasons = []string{"F", "T", "Z"}
	deleteReasons    = []string{"L", "S", "T", "F", "C", "Z"}
)

// addComment records comment text given with an action and returns its
// CommentId ("" when no text was given: Customer Service returns a
// CommentId only then).
func (n *Network) addComment(ctx context.Context, m *tokenMeta, tur, text string, audit auditInfo) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	id := n.env.IDs.Digits(8)
	m.Comments = append(m.Comments, comment{ID: id, Text: text, At: n.env.Clock.Now(), Audit: audit})
	m.LastCommentID = id
	_ = n.commentIndex().Put(ctx, id, tur)
	return id
}

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
func (n *Network) suspendToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenSuspendRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenSuspendRequest", r.ReasonCode, suspendReasons); err != nil {
		return nil, err
	}
	var commentID string
	before, _ := n.cardByToken(ctx, r.TokenUniqueReference)
	c, err := n.suspendBy(ctx, r.TokenUniqueReference, "I", r.ReasonCode, r.CommentText, &r.AuditInfo, &commentID)
	if err != nil {
		return nil, err
	}
	if before.Status != c.Status {
		n.notifyLater(ctx, statusNotice(c, n.meta(ctx, c)))
	}
	return tokenAnswer("TokenSuspendResponse", c.TokenUniqueRef, commentID), nil
}

// unsuspendToken lifts the issuer's suspension; the token is ACTIVE again
// (and the issuer notified) only when no other suspender remains.
func (n *Network) unsuspendToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenUnsuspendRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenUnsuspendRequest", r.ReasonCode, unsuspendReasons); err != nil {
		return nil, err
	}
	var commentID string
	c, err := n.unsuspendBy(ctx, r.TokenUniqueReference, "I", r.ReasonCode, r.CommentText, &r.AuditInfo, &commentID)
	if err != nil {
		return nil, err
	}
	if c.Status == statusActive {
		n.notifyLater(ctx, statusNotice(c, n.meta(ctx, c)))
	}
	return tokenAnswer("TokenUnsuspendResponse", c.TokenUniqueRef, commentID), nil
}

func (n *Network) deleteToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, err := readCS(req, "TokenDeleteRequest")
	if err != nil {
		return nil, err
	}
	if err := checkReason("TokenDeleteRequest", r.ReasonCode, deleteReasons); err != nil {
		return nil, err
	}
	var commentID string
	c, err := n.changeStatusBy(ctx, r.TokenUniqueReference, "delete", []string{statusInactive, statusActive, statusSuspended}, statusDeactivated,
		"I", r.ReasonCode, &r.AuditInfo, func(m *tokenMeta) error {
			commentID = n.addComment(ctx, m, r.TokenUniqueReference, r.CommentText, r.AuditInfo)
			return nil
		})
	if err != nil {
		return nil, err
	}
	n.notifyLater(ctx, statusNotice(c, n.meta(ctx, c)))
	return tokenAnswer("TokenDeleteResponse", c.TokenUniqueRef, commentID), nil
}

// activateToken activates a token awaiting additional authentication, by
// Token Unique Reference or by Account PAN and Payment App Instance Id.
func (n *Network) activateToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
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
	c, err := n.changeStatusBy(ctx, r.TokenUniqueReference, "activate", []string{statusInactive}, statusActive, "I", r.ReasonCode, &r.AuditInfo, func(m *tokenMeta) error {
		commentID = n.addComment(ctx, m, r.TokenUniqueReference, r.CommentText, r.AuditInfo)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.notifyLater(ctx, statusNotice(c, n.meta(ctx, c)))
	return tokenAnswer("TokenActivateResponse", c.TokenUniqueRef, commentID), nil
}

// updateToken changes the Account PAN mapping (new PAN in the same account
// range, expiry, sequence number) or the product configuration of one token
// or of every ACTIVE or SUSPENDED token of a PAN; the issuer then gets
// Notify Token Updated FUNDING_ACCOUNT_UPDATE for each PAN mapping change.
func (n *Network) updateToken(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
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
		targets, err = n.oneCard(n.cardByToken(ctx, r.TokenUniqueReference))
	} else {
		if p, perr := pan.Parse(r.CurrentAccountPan); perr == nil && p.LuhnValid() {
			targets, err = n.cardsOfPAN(ctx, cardRef(p.Reveal()))
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
			return nil, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s is %s: updates apply only to ACTIVE or SUSPENDED tokens; nothing was changed", targets[0].TokenUniqueRef, targets[0].Status)
		}
		return nil, mdesErr(http.StatusNotFound, "EMPTY_RESULT", w+"TokenUniqueReference", "Empty result for the given request: no current token matches")
	}
	if r.ExpirationDate != "" {
		if exp := expiry("20"+r.ExpirationDate[2:], r.ExpirationDate[:2]); !exp.After(n.env.Clock.Now()) {
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
	n.mu.Lock()
	var notices []notification
	for _, c := range live {
		var commentID string
		err := n.tokenMetas().Update(ctx, c.TokenUniqueRef, func(m *tokenMeta, exists bool) error {
			if !exists {
				*m = n.meta(ctx, c)
			}
			commentID = n.addComment(ctx, m, c.TokenUniqueRef, r.CommentText, r.AuditInfo)
			if r.IssuerProductConfigurationID != "" {
				m.ProductConfigID = r.IssuerProductConfigurationID
			}
			return nil
		})
		if err == nil && mapping {
			if newPAN.Reveal() != "" {
				c.PanLastFour, c.PanRef = newPAN.Last4(), cardRef(newPAN.Reveal())
			}
			if r.ExpirationDate != "" {
				c.ExpirationMonth, c.ExpirationYear = r.ExpirationDate[:2], "20"+r.ExpirationDate[2:]
			}
			err = n.cards.Put(ctx, c.CardRef, c)
			if err == nil {
				t, _, nerr := n.fundingAccountNotice(c, n.meta(ctx, c), newPAN.Reveal(), r.ExpirationDate, n.issuerFLEKey())
				if nerr == nil {
					notices = append(notices, t)
				}
			}
		}
		if err != nil {
			n.mu.Unlock()
			return nil, err
		}
		req.AddCorrelationID(c.TokenUniqueRef)
		t := map[string]any{"TokenUniqueReference": c.TokenUniqueRef}
		if commentID != "" {
			t["CommentId"] = commentID
		}
		out = append(out, t)
	}
	n.mu.Unlock()
	for _, t := range notices {
		n.notifyLater(ctx, t)
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

func (n *Network) tokenOf(ctx context.Context, req *simulator.Request, wrapper string) (csRequest, digitalCard, error) {
	r, err := readCS(req, wrapper)
	if err != nil {
		return r, digitalCard{}, err
	}
	c, err := n.cardByToken(ctx, r.TokenUniqueReference)
	if errors.Is(err, store.ErrNotFound) {
		return r, c, emptyResult(r.TokenUniqueReference)
	}
	return r, c, err
}

func (n *Network) getActivationMethods(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := n.tokenOf(ctx, req, "TokenActivationMethodsRequest")
	if err != nil {
		return nil, err
	}
	m := n.meta(ctx, c)
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
func (n *Network) resendActivationCode(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, c, err := n.tokenOf(ctx, req, "TokenResendActivationCodeRequest")
	if err != nil {
		return nil, err
	}
	if c.Status != statusInactive {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s is %s: only a token awaiting activation gets an activation code", c.TokenUniqueRef, c.Status)
	}
	if n.env.Clock.Now().Sub(c.EnrolledAt) > 30*24*time.Hour {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s was created more than 30 days ago: no new activation code can be sent", c.TokenUniqueRef)
	}
	m := n.meta(ctx, c)
	i := 0
	if _, err := fmt.Sscan(r.ActivationMethodID, &i); err != nil || i < 1 || i > len(m.ActivationMethods) {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "TokenResendActivationCodeRequest.ActivationMethodId", "token %s has no activation method %s", c.TokenUniqueRef, pan.RedactText(r.ActivationMethodID))
	}
	if am := m.ActivationMethods[i-1]; !codeMethods[am.Type] {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "TokenResendActivationCodeRequest.ActivationMethodId", "activation method %d (%s) distributes no code", i, csMethodTypes[am.Type])
	}
	if _, err := n.setCode(ctx, c.TokenUniqueRef, nil, r.ActivationMethodID); err != nil {
		return nil, err
	}
	tur := c.TokenUniqueRef
	if err := n.deliverActivationCode(ctx, tur); err != nil {
		n.env.Logger.Warn("Deliver Activation Code not enqueued", "token", tur, "error", err)
	}
	return tokenAnswer("TokenResendActivationCodeResponse", tur, ""), nil
}

func (n *Network) getTokenStatusHistory(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := n.tokenOf(ctx, req, "TokenStatusHistoryRequest")
	if err != nil {
		return nil, err
	}
	m := n.meta(ctx, c)
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

func (n *Network) getTokenComments(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	_, c, err := n.tokenOf(ctx, req, "TokenCommentsRequest")
	if err != nil {
		return nil, err
	}
	m := n.meta(ctx, c)
	list := make([]any, 0, len(m.Comments))
	for i := len(m.Comments) - 1; i >= 0; i-- {
		cm := m.Comments[i]
		list = append(list, map[string]any{"CommentId": cm.ID, "CommentText": cm.Text, "CommentDateTime": stamp(cm.At), "AuditInfo": cm.Audit})
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TokenCommentsResponse": map[string]any{"Comments": map[string]any{"Comment": list}}}), nil
}

// getTransactions lists no transactions: the simulator authorises no
// payments.
func (n *Network) getTransactions(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	if _, _, err := n.tokenOf(ctx, req, "TransactionsRequest"); err != nil {
		return nil, err
	}
	return simulator.JSON(http.StatusOK, map[string]any{"TransactionsResponse": map[string]any{"Transactions": map[string]any{"Transaction": []any{}}}}), nil
}

// commentOnly serves the calls that change nothing a Click to Pay token
// has (a Mobile PIN, a wallet message): the token must exist, the comment
// (or message) is kept.
func (n *Network) commentOnly(wrapper, response string) simulator.Handler {
	return func(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
		r, c, err := n.tokenOf(ctx, req, wrapper)
		if err != nil {
			return nil, err
		}
		text := r.CommentText
		if r.MessageText != "" {
			text = "Account holder message: " + r.MessageText
		}
		var commentID string
		err = n.tokenMetas().Update(ctx, c.TokenUniqueRef, func(m *tokenMeta, exists bool) error {
			if !exists {
				*m = n.meta(ctx, c)
			}
			commentID = n.addComment(ctx, m, c.TokenUniqueRef, text, r.AuditInfo)
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

func (n *Network) updateTokenAssurance(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	r, c, err := n.tokenOf(ctx, req, "UpdateTokenAssuranceRequest")
	if err != nil {
		return nil, err
	}
	if c.Status != statusActive && c.Status != statusSuspended {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s is %s: the assurance level of ACTIVE or SUSPENDED tokens only can be raised", c.TokenUniqueRef, c.Status)
	}
	var commentID string
	err = n.tokenMetas().Update(ctx, c.TokenUniqueRef, func(m *tokenMeta, exists bool) error {
		if !exists {
			*m = n.meta(ctx, c)
		}
		m.AssuranceLevel = "1"
		commentID = n.addComment(ctx, m, c.TokenUniqueRef, r.CommentText, r.AuditInfo)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tokenAnswer("UpdateTokenAssuranceResponse", c.TokenUniqueRef, commentID), nil
}

func (n *Network) getSystemStatus(_ context.Context, _ *simulator.Request) (*simulator.Response, error) {
	return simulator.JSON(http.StatusOK, map[string]any{"SystemStatusResponse": map[string]any{
		"CommentText": "Mastercard Digital Enablement Service is fully operational", "LastStatusDateTime": stamp(n.env.Clock.Now()),
	}}), nil
}

// suspendBy adds suspender to a token: ACTIVE becomes SUSPENDED; a token
// already SUSPENDED by someone else gains the suspender. A suspender that
// already suspended the token is refused.
func (n *Network) suspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	n.mu.Lock()
	c, err := n.cardByToken(ctx, tur)
	if err == nil && c.Status == statusSuspended {
		defer n.mu.Unlock()
		m := n.meta(ctx, c)
		if contains(m.Suspenders, suspender) {
			return c, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s is already SUSPENDED by %s; nothing was changed", tur, suspenderName(suspender))
		}
		m.Suspenders = append(m.Suspenders, suspender)
		m.History = append(m.History, statusEvent{Code: "S", At: n.env.Clock.Now(), Initiator: suspender, Reason: reason, Audit: audit})
		if commentID != nil && audit != nil {
			*commentID = n.addComment(ctx, &m, tur, text, *audit)
		}
		return c, n.tokenMetas().Put(ctx, tur, m)
	}
	n.mu.Unlock()
	return n.changeStatusBy(ctx, tur, "suspend", []string{statusActive, statusSuspended}, statusSuspended, suspender, reason, audit, func(m *tokenMeta) error {
		m.Suspenders = []string{suspender}
		if commentID != nil && audit != nil {
			*commentID = n.addComment(ctx, m, tur, text, *audit)
		}
		return nil
	})
}

// unsuspendBy lifts suspender's suspension: the token is ACTIVE again only
// when no suspender remains. A suspender that did not suspend the token is
// refused.
func (n *Network) unsuspendBy(ctx context.Context, tur, suspender, reason, text string, audit *auditInfo, commentID *string) (digitalCard, error) {
	n.mu.Lock()
	c, err := n.cardByToken(ctx, tur)
	if errors.Is(err, store.ErrNotFound) {
		n.mu.Unlock()
		return c, emptyResult(tur)
	}
	if err != nil {
		n.mu.Unlock()
		return c, err
	}
	m := n.meta(ctx, c)
	if c.Status == statusSuspended && !contains(m.Suspenders, suspender) {
		n.mu.Unlock()
		return c, mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference", "token %s is SUSPENDED by %s, not by %s: a suspender lifts only its own suspension; nothing was changed",
			tur, suspenderNames(m.Suspenders), suspenderName(suspender))
	}
	if c.Status == statusSuspended && len(m.Suspenders) > 1 {
		defer n.mu.Unlock()
		var rest []string
		for _, s := range m.Suspenders {
			if s != suspender {
				rest = append(rest, s)
			}
		}
		m.Suspenders = rest
		if commentID != nil && audit != nil {
			*commentID = n.addComment(ctx, &m, tur, text, *audit)
		}
		return c, n.tokenMetas().Put(ctx, tur, m)
	}
	n.mu.Unlock()
	return n.changeStatusBy(ctx, tur, "unsuspend", []string{statusSuspended}, statusActive, suspender, reason, audit, func(m *tokenMeta) error {
		if commentID != nil && audit != nil {
			*commentID = n.addComment(ctx, m, tur, text, *audit)
		}
		return nil
	})
}

func suspenderName(code string) string {
	if s := suspendedByNames[code]; s != "" {
		return s
	}
	return code
}

func suspenderNames(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = suspenderName(c)
	}
	return strings.Join(names, " and ")
}

// changeStatus moves a token from one of the statuses in from to status
// to, under the plugin's state lock, and updates its metadata. An unknown
// token is EMPTY_RESULT (404); a token in another status is
// INVALID_TOKEN_STATUS (400) and nothing changes. edit, when given, sees the
// metadata before the change and may veto it by returning an error.
func (n *Network) changeStatus(ctx context.Context, tur, change string, from []string, to string, edit func(*tokenMeta) error) (digitalCard, error) {
	return n.changeStatusBy(ctx, tur, change, from, to, "", "", nil, edit)
}

// changeStatusBy is changeStatus recording who made the change, why, and
// which agent, in the token's status history.
func (n *Network) changeStatusBy(ctx context.Context, tur, change string, from []string, to, initiator, reason string, audit *auditInfo, edit func(*tokenMeta) error) (digitalCard, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c, err := n.cardByToken(ctx, tur)
	if errors.Is(err, store.ErrNotFound) {
		return c, emptyResult(tur)
	}
	if err != nil {
		return c, err
	}
	if !contains(from, c.Status) {
		e := mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", "TokenUniqueReference",
			"token %s is %s: %s needs a token that is %s; nothing was changed", tur, c.Status, change, strings.Join(from, " or "))
		return c, e
	}
	m := n.meta(ctx, c)
	if edit != nil {
		if err := edit(&m); err != nil {
			return c, err
		}
	}
	now := n.env.Clock.Now()
	c.Status = to
	m.StatusAt = now
	code, _ := csStatus(to)
	m.History = append(m.History, statusEvent{Code: code, At: now, Initiator: initiator, Reason: reason, CommentID: m.LastCommentID, Audit: audit})
	switch to {
	case statusActive:
		m.Suspenders = nil
		if m.ActivatedAt == nil {
			m.ActivatedAt = &now
		}
		m.ActivationCode, m.ActivationExpiry = "", time.Time{}
	case statusDeactivated:
		m.Suspenders = nil
		m.ActivationCode, m.ActivationExpiry = "", time.Time{}
	}
	if err := n.cards.Put(ctx, c.CardRef, c); err != nil {
		return c, err
	}
	if err := n.tokenMetas().Put(ctx, tur, m); err != nil {
		return c, err
	}
	return c, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func emptyResult(tur string) *simulator.Error {
	if tur == "" {
		return mdesErr(http.StatusNotFound, "EMPTY_RESULT", "AccountPan", "Empty result for the given request: no token is mapped to this Account PAN")
	}
	return mdesErr(http.StatusNotFound, "EMPTY_RESULT", "TokenUniqueReference", "Empty result for the given request: no token %s", tur)
}

// mdesErr builds a Customer Service application error; field names the
// field or token status concerned (may be empty).
func mdesErr(status int, reason, field, format string, args ...any) *simulator.Error {
	kind := simulator.KindValidation
	switch {
	case status == http.StatusNotFound:
		kind = simulator.KindNotFound
	case reason == "INVALID_TOKEN_STATUS":
		kind = simulator.KindState
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

// renderMDESError renders e in the Customer Service application envelope:
// one error per field problem, Source naming the field ("System" when none
// can be named).
func renderMDESError(e *simulator.Error, msg string) *simulator.Response {
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
