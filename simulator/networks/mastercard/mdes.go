package mastercard

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// MDESSpec is the MDES Customer Service document.
const MDESSpec = "mastercard/mdes-customer-service.yaml"

// Token statuses (MDES).
const (
	statusInactive    = "INACTIVE"
	statusActive      = "ACTIVE"
	statusSuspended   = "SUSPENDED"
	statusDeactivated = "DEACTIVATED"
)

// mdesOperations are the operations of MDESSpec: their errors use the
// Customer Service application envelope, their bodies are not enrolments.
var mdesOperations = map[string]bool{
	"searchTokens": true, "suspendToken": true, "unsuspendToken": true, "deleteToken": true, "activateToken": true,
}

// lifecycleChange is one Customer Service status change: the statuses it
// may start from, the one it leads to, and how each MDES reason code is
// reported to the issuer in Notify Token Updated.
type lifecycleChange struct {
	name     string // suspend, unsuspend, delete, activate
	request  string // wrapper object of the request
	response string // wrapper object of the answer
	from     []string
	to       string
	reasons  map[string]string // ReasonCode → eventReasonCode ("" none)
}

var (
	suspendChange = lifecycleChange{name: "suspend", request: "TokenSuspendRequest", response: "TokenSuspendResponse",
		from: []string{statusActive}, to: statusSuspended,
		reasons: map[string]string{"L": "DEVICE_LOST", "S": "DEVICE_STOLEN", "T": "SUSPECTED_FRAUD", "Z": "OTHER"}}
	unsuspendChange = lifecycleChange{name: "unsuspend", request: "TokenUnsuspendRequest", response: "TokenUnsuspendResponse",
		from: []string{statusSuspended}, to: statusActive,
		reasons: map[string]string{"F": "DEVICE_FOUND", "T": "NOT_FRAUD", "Z": "OTHER"}}
	deleteChange = lifecycleChange{name: "delete", request: "TokenDeleteRequest", response: "TokenDeleteResponse",
		from: []string{statusInactive, statusActive, statusSuspended}, to: statusDeactivated,
		reasons: map[string]string{"L": "DEVICE_LOST", "S": "DEVICE_STOLEN", "T": "SUSPECTED_FRAUD", "F": "SUSPECTED_FRAUD", "C": "ACCOUNT_CLOSED", "Z": "OTHER"}}
	activateChange = lifecycleChange{name: "activate", request: "TokenActivateRequest", response: "TokenActivateResponse",
		from: []string{statusInactive}, to: statusActive,
		reasons: map[string]string{"A": "", "C": ""}}
)

// mdesHandler returns the handlers of the MDES Customer Service operations.
func (n *Network) mdesHandler(op string) simulator.Handler {
	switch op {
	case "searchTokens":
		return n.searchTokens
	case "suspendToken":
		return n.lifecycle(suspendChange)
	case "unsuspendToken":
		return n.lifecycle(unsuspendChange)
	case "deleteToken":
		return n.lifecycle(deleteChange)
	case "activateToken":
		return n.lifecycle(activateChange)
	}
	return nil
}

// tokenMeta is what MDES keeps about a token beyond the enrolled card's
// status: the provisioning decision, when the status last changed, who
// suspended it and the pending activation code. Keyed by Token Unique
// Reference.
type tokenMeta struct {
	CorrelationID    string     `json:"correlationId,omitempty"`
	Decision         string     `json:"decision,omitempty"` // A approved, R additional authentication required
	StatusAt         time.Time  `json:"statusAt"`
	ActivatedAt      *time.Time `json:"activatedAt,omitempty"`
	Suspenders       []string   `json:"suspenders,omitempty"` // I issuer, W token requestor, C cardholder
	ActivationCode   string     `json:"activationCode,omitempty"`
	ActivationExpiry time.Time  `json:"activationCodeExpiry,omitzero"`
	LastCommentID    string     `json:"lastCommentId,omitempty"`
}

func (n *Network) tokenMetas() store.Table[tokenMeta] {
	return store.NewTable[tokenMeta](n.env.Store, "tokens")
}

// meta returns a token's metadata, or what can be derived from the card when
// none was recorded.
func (n *Network) meta(ctx context.Context, c digitalCard) tokenMeta {
	m, err := n.tokenMetas().Get(ctx, c.TokenUniqueRef)
	if err != nil {
		m = tokenMeta{Decision: "A", StatusAt: c.EnrolledAt}
	}
	if m.StatusAt.IsZero() {
		m.StatusAt = c.EnrolledAt
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
	all, err := n.cards.List(ctx)
	if err != nil {
		return digitalCard{}, err
	}
	for _, c := range all {
		if c.TokenUniqueRef == tur {
			return c, nil
		}
	}
	return digitalCard{}, store.ErrNotFound
}

// decodeSearch records a searched Account PAN (sent in clear, as MDES
// Customer Service takes it) as the request's card, so fault rules can
// match it and the journal lists it masked.
func (n *Network) decodeSearch(req *simulator.Request) error {
	var r struct {
		SearchRequest struct {
			AccountPan string `json:"AccountPan"`
		} `json:"SearchRequest"`
	}
	if err := json.Unmarshal(req.Body, &r); err == nil && r.SearchRequest.AccountPan != "" {
		req.AddCard(r.SearchRequest.AccountPan)
	}
	return nil
}

type auditInfo struct {
	UserID       string `json:"UserId"`
	UserName     string `json:"UserName"`
	Organization string `json:"Organization"`
	Phone        string `json:"Phone,omitempty"`
}

type searchRequest struct {
	AccountPan              string    `json:"AccountPan"`
	TokenUniqueReference    string    `json:"TokenUniqueReference"`
	ExcludeDeletedIndicator string    `json:"ExcludeDeletedIndicator"`
	AuditInfo               auditInfo `json:"AuditInfo"`
}

func (n *Network) searchTokens(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
	var body struct {
		SearchRequest searchRequest `json:"SearchRequest"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return nil, mdesErr(http.StatusBadRequest, "INVALID_JSON", "", "the body is not the JSON of SearchRequestSchema")
	}
	s := body.SearchRequest
	var (
		cards []digitalCard
		err   error
	)
	switch {
	case s.AccountPan != "" && s.TokenUniqueReference != "":
		return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "SearchRequest.AccountPan",
			"give exactly one search key: AccountPan or TokenUniqueReference, not both")
	case s.AccountPan != "":
		p, perr := pan.Parse(s.AccountPan)
		if perr != nil || !p.LuhnValid() {
			return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", "SearchRequest.AccountPan", "AccountPan %s fails the Luhn check", pan.Mask(s.AccountPan))
		}
		cards, err = n.cardsOfPAN(ctx, cardRef(p.Reveal()))
	case s.TokenUniqueReference != "":
		req.AddCorrelationID(s.TokenUniqueReference)
		var c digitalCard
		if c, err = n.cardByToken(ctx, s.TokenUniqueReference); err == nil {
			cards = []digitalCard{c}
		}
	default:
		return nil, mdesErr(http.StatusBadRequest, "MISSING_REQUIRED_FIELD", "SearchRequest.AccountPan",
			"give one search key: AccountPan or TokenUniqueReference")
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var (
		tokens []any
		listed []digitalCard
	)
	for _, c := range cards {
		if s.ExcludeDeletedIndicator == "true" && c.Status == statusDeactivated {
			continue
		}
		req.AddCorrelationID(c.TokenUniqueRef)
		tokens = append(tokens, n.tokenView(ctx, c))
		listed = append(listed, c)
	}
	if len(tokens) == 0 {
		return nil, emptyResult(s.TokenUniqueReference)
	}
	c := listed[0]
	account := map[string]any{
		"AccountPanSuffix": c.PanLastFour,
		"ExpirationDate":   c.ExpirationMonth + yy(c.ExpirationYear),
		"Tokens":           map[string]any{"Token": tokens},
	}
	return simulator.JSON(http.StatusOK, map[string]any{
		"SearchResponse": map[string]any{"Accounts": map[string]any{"Account": []any{account}}},
	}), nil
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
	all, err := n.cards.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []digitalCard
	for _, c := range all {
		if c.PanRef == panRef {
			out = append(out, c)
		}
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
	t := map[string]any{
		"TokenUniqueReference":                c.TokenUniqueRef,
		"PrimaryAccountNumberUniqueReference": panUniqueReference(c),
		"TokenRequestorId":                    c.TokenRequestorID,
		"TokenRequestorName":                  "MDES for Merchants",
		"TokenType":                           "C",
		"CurrentStatusCode":                   code,
		"CurrentStatusDescription":            desc,
		"CurrentStatusDateTime":               stamp(m.StatusAt),
		"DigitizationRequestDateTime":         stamp(c.EnrolledAt),
		"FinalTokenizationDecision":           m.Decision,
		"ProvisioningStatusCode":              "S",
		"ProvisioningStatusDescription":       "Provisioning successful",
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
	return "U", "Inactive (awaiting activation)"
}

type lifecycleRequest struct {
	TokenUniqueReference string    `json:"TokenUniqueReference"`
	ReasonCode           string    `json:"ReasonCode"`
	CommentText          string    `json:"CommentText"`
	AuditInfo            auditInfo `json:"AuditInfo"`
}

// lifecycle returns the handler of one Customer Service status change.
// Only the change's legal starting statuses are accepted; a refused change
// leaves the token as it was. Every change is then notified to the issuer
// (Notify Token Updated), after the answer.
func (n *Network) lifecycle(ch lifecycleChange) simulator.Handler {
	return func(ctx context.Context, req *simulator.Request) (*simulator.Response, error) {
		var body map[string]lifecycleRequest
		if err := json.Unmarshal(req.Body, &body); err != nil {
			return nil, mdesErr(http.StatusBadRequest, "INVALID_JSON", "", "the body is not the JSON of %sSchema", ch.request)
		}
		r := body[ch.request]
		req.AddCorrelationID(r.TokenUniqueReference)
		eventReason, ok := ch.reasons[r.ReasonCode]
		if !ok { // the document's enum already refuses it; kept for direct calls
			return nil, mdesErr(http.StatusBadRequest, "INVALID_FIELD_VALUE", ch.request+".ReasonCode", "ReasonCode %q is not one of the %s reason codes", r.ReasonCode, ch.name)
		}
		commentID := n.env.IDs.Digits(6)
		c, err := n.changeStatus(ctx, r.TokenUniqueReference, ch.name, ch.from, ch.to, func(m *tokenMeta) error {
			m.LastCommentID = commentID
			if ch.to == statusSuspended {
				m.Suspenders = []string{"I"}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		t := ntuToken{Status: ch.to, EventReasonCode: eventReason}
		if ch.to == statusSuspended {
			t.SuspendedBy = []string{"ISSUER"}
		}
		n.notifyLater(c, t)
		return simulator.JSON(http.StatusOK, map[string]any{
			ch.response: map[string]any{"Token": map[string]any{"TokenUniqueReference": c.TokenUniqueRef, "CommentId": commentID}},
		}), nil
	}
}

// changeStatus moves a token from one of the statuses in from to status
// to, under the plugin's state lock, and updates its metadata. An unknown
// token is EMPTY_RESULT (404); a token in another status is
// INVALID_TOKEN_STATUS (400) and nothing changes. edit, when given, sees the
// metadata before the change and may veto it by returning an error.
func (n *Network) changeStatus(ctx context.Context, tur, change string, from []string, to string, edit func(*tokenMeta) error) (digitalCard, error) {
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
		e := mdesErr(http.StatusBadRequest, "INVALID_TOKEN_STATUS", c.Status,
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

// mdesErr builds a Customer Service application error; errorCode names the
// field or token status concerned (may be empty).
func mdesErr(status int, reason, errorCode, format string, args ...any) *simulator.Error {
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
	if errorCode != "" {
		e.Fields = []simulator.FieldError{{Field: errorCode, In: "body", Rule: reason, Message: e.Message}}
	}
	return e
}

// applicationError is one error of the Customer Service envelope.
type applicationError struct {
	Source      string `json:"Source"`
	ReasonCode  string `json:"ReasonCode"`
	ErrorCode   string `json:"ErrorCode,omitempty"`
	Description string `json:"Description"`
	Recoverable bool   `json:"Recoverable"`
}

// renderMDESError renders e in the Customer Service application envelope:
// one error per field problem, each naming the field in ErrorCode.
func renderMDESError(e *simulator.Error, msg string) *simulator.Response {
	var list []applicationError
	recoverable := e.Status >= 500
	for _, f := range e.Fields {
		reason := e.Code
		if reason == "" {
			reason = mdesFieldReason(f.Rule)
		}
		list = append(list, applicationError{Source: "INPUT", ReasonCode: reason, ErrorCode: dotted(f.Field), Description: f.Message, Recoverable: recoverable})
	}
	if len(list) == 0 {
		reason := e.Code
		if reason == "" {
			reason = mdesReason(e)
		}
		list = []applicationError{{Source: "INPUT", ReasonCode: reason, Description: msg, Recoverable: recoverable}}
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
