package discover

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/discover/oauth2"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store"
)

// Header names of every call.
const (
	headerRequestID = "X-Request-ID"
	headerAPIPlan   = oauth2.HeaderAPIPlan
)

// Authenticate implements simulator.Network: the token call's client
// credentials, or the bearer token, the API plan and the second factor the
// operation's security requirement names.
func (n *Network) Authenticate(req *simulator.Request) error {
	h := req.HTTP.Header
	req.AddCorrelationID(h.Get(headerRequestID))
	switch req.OperationID {
	case "getPublicKeys":
		return nil // anonymous, as published
	case "getToken":
		id, err := n.clientCredentials(req)
		if err != nil {
			return err
		}
		if err := n.checkPlan(h); err != nil {
			return err
		}
		req.SetPrincipal("client:" + id)
		return nil
	}
	tok, err := oauth2.ParseBearer(h.Get("Authorization"))
	if err != nil {
		return authError("%v; get one from /auth/oauth/v2/token", err)
	}
	ctx := req.HTTP.Context()
	t, err := n.accessTokens.Get(ctx, tokenKey(tok))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return authError("the access token is unknown")
	case err != nil:
		return err
	case !n.env.Clock.Now().Before(t.Expiry):
		_ = n.accessTokens.Delete(ctx, tokenKey(tok))
		return authError("the access token expired at %s", t.Expiry.UTC().Format(time.RFC3339))
	}
	if err := n.checkPlan(h); err != nil {
		return err
	}
	n.credMu.RLock()
	scope := n.scope
	n.credMu.RUnlock()
	if t.Scope != scope {
		return n.forbiddenError("the access token was granted scope %q, not %s", t.Scope, scope)
	}
	switch factorOf(req) {
	case "appJwt":
		if _, err := n.jwtVerifier.Verify(h.Get(secondfactor.HeaderJWT), req.Body); err != nil {
			return authError("second factor: %v", err)
		}
	case "appCert":
		n.credMu.RLock()
		certs := n.appCerts
		n.credMu.RUnlock()
		if _, err := secondfactor.CheckCertificate(h.Get(secondfactor.HeaderCert), certs, n.env.Clock.Now()); err != nil {
			return authError("second factor: %v", err)
		}
	}
	req.SetPrincipal("client:" + t.ClientID)
	req.Note("token", fmt.Sprintf("#%d", t.Seq))
	return nil
}

// factorOf is the second factor the operation's document requires: the
// scheme of its security requirement besides the bearer token and the API
// plan. What the document declares is what the server enforces.
func factorOf(req *simulator.Request) string {
	if req.Operation == nil || req.Operation.Security == nil {
		return ""
	}
	for _, alt := range *req.Operation.Security {
		for name := range alt {
			if name == "appJwt" || name == "appCert" {
				return name
			}
		}
	}
	return ""
}

func (n *Network) checkPlan(h http.Header) error {
	n.credMu.RLock()
	plan := n.apiPlan
	n.credMu.RUnlock()
	switch got := h.Get(headerAPIPlan); {
	case got == "":
		return n.forbiddenError("X-DFS-API-PLAN is missing: send the API plan issued to the application, on the token call too")
	case got != plan:
		return n.forbiddenError("the application is not subscribed to API plan %q", clip(got, 64))
	}
	return nil
}

// clientCredentials authenticates the token call by HTTP Basic or by the
// form body's client_id and client_secret, one of the two.
func (n *Network) clientCredentials(req *simulator.Request) (string, error) {
	form, _ := url.ParseQuery(string(req.Body))
	basic := req.HTTP.Header.Get("Authorization") != ""
	inBody := form.Has("client_id") || form.Has("client_secret")
	var id, secret string
	switch {
	case basic && inBody:
		return "", authError("send the client credentials once: HTTP Basic or client_id and client_secret in the form body, not both")
	case basic:
		var err error
		if id, secret, err = oauth2.ParseBasic(req.HTTP.Header.Get("Authorization")); err != nil {
			return "", authError("%v", err)
		}
	case inBody:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	default:
		return "", authError("the client is not authenticated: send HTTP Basic client credentials, or client_id and client_secret in the form body")
	}
	n.credMu.RLock()
	ok := id == n.clientID && secret == n.clientSecret
	n.credMu.RUnlock()
	if !ok {
		return "", authError("the client ID or secret is wrong")
	}
	return id, nil
}

func authError(format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: http.StatusUnauthorized, Kind: simulator.KindAuth, Code: codeAuth,
		Message: "User authentication failed: " + fmt.Sprintf(format, args...)}
}

func (n *Network) forbiddenError(format string, args ...any) *simulator.Error {
	return &simulator.Error{Status: forbiddenStatusSetting.Get(n.env.Settings), Kind: simulator.KindForbidden, Code: codeForbidden,
		Message: "Not authorized to access the resource: " + fmt.Sprintf(format, args...)}
}

// checkCall runs, after the document's checks, what the document cannot
// say: an Accept that allows JSON, and an X-Request-ID not used before.
func (n *Network) checkCall(req *simulator.Request) error {
	if req.OperationID == "getToken" || req.OperationID == "getPublicKeys" {
		return nil // the token call's form is closed by its document (the engine refuses an undeclared field)
	}
	if !acceptsJSON(req.HTTP.Header.Values("Accept")) {
		return headerError("Accept", "Accept is mandatory and must allow application/json")
	}
	id := req.HTTP.Header.Get(headerRequestID)
	if prev, dup := n.requestIDs.add(req.Principal()+"\x00"+strings.ToLower(id), n.env.Clock.Now()); dup {
		return dsError(http.StatusBadRequest, simulator.KindValidation, codeDuplicate,
			"Duplicate request: X-Request-ID %s was already used at %s; generate a fresh one for every call", clip(id, 64), prev.UTC().Format(time.RFC3339))
	}
	return nil
}

func acceptsJSON(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && (mt == "application/json" || mt == "*/*" || mt == "application/*") {
				return true
			}
		}
	}
	return false
}

func headerError(name, msg string) *simulator.Error {
	return &simulator.Error{Status: http.StatusBadRequest, Kind: simulator.KindValidation, Code: codeHeader, Message: msg,
		Fields: []simulator.FieldError{{Field: name, In: "header", Rule: "required", Message: msg}}}
}

// seenIDs remembers request IDs for a while, bounded in number.
type seenIDs struct {
	retention time.Duration
	max       int

	mu    sync.Mutex
	at    map[string]time.Time
	order []string
	head  int
}

func newSeenIDs(retention time.Duration, max int) *seenIDs {
	return &seenIDs{retention: retention, max: max, at: map[string]time.Time{}}
}

// add remembers id at now, or reports when it was seen before.
func (s *seenIDs) add(id string, now time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.order) {
		oldest := s.order[s.head]
		if len(s.at) < s.max && now.Sub(s.at[oldest]) <= s.retention {
			break
		}
		delete(s.at, oldest)
		s.order[s.head] = ""
		s.head++
	}
	if s.head > 1024 && s.head > len(s.order)/2 {
		s.order = append([]string(nil), s.order[s.head:]...)
		s.head = 0
	}
	if prev, ok := s.at[id]; ok {
		return prev, true
	}
	s.at[id] = now
	s.order = append(s.order, id)
	return time.Time{}, false
}

func (s *seenIDs) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at, s.order, s.head = map[string]time.Time{}, nil, 0
}

// errNoCard is a token whose card is gone: the simulator's own bug.
var errNoCard = errors.New("the token's card is not in its consumer's profile")

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
