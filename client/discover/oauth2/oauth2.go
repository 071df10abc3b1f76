// Package oauth2 is Discover's OAuth 2.0 client-credentials flow as the
// Partner Product Portal developer guide documents it (section 5): POST
// /auth/oauth/v2/token with an application/x-www-form-urlencoded body
// grant_type=client_credentials&scope=<scope> (scope required), the client
// authenticated by HTTP Basic client_id:client_secret or by client_id and
// client_secret in the form body, and the X-DFS-API-PLAN header, answered
// with a bearer token and expires_in (3600 by default).
//
// TokenSource caches the token and fetches a new one shortly before it
// expires, never per call (SEC-08).
package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// HeaderAPIPlan carries the API plan on the token call and on every API call.
const HeaderAPIPlan = "X-DFS-API-PLAN"

// ClientAuth is how the client authenticates on the token call.
type ClientAuth int

// Client authentication methods (RFC 6749 §2.3.1; both are documented).
const (
	ClientSecretBasic ClientAuth = iota // HTTP Basic, the default
	ClientSecretPost                    // client_id and client_secret in the form body
)

// Token is an access token and when it stops working.
type Token struct {
	AccessToken string
	TokenType   string
	Expiry      time.Time
}

// TokenSource fetches and caches client-credentials tokens.
type TokenSource struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	// Scope is required: the scope name issued with the application.
	Scope string
	// APIPlan is sent as X-DFS-API-PLAN on the token call.
	APIPlan string
	// Auth chooses HTTP Basic (default) or form-body client authentication.
	Auth ClientAuth
	HTTP *http.Client
	Now  func() time.Time
	// Early is how long before expiry a token is replaced (default 60s).
	Early time.Duration

	mu      sync.Mutex
	current *Token
	fetches int
}

// ErrTokenRefused is returned when the token endpoint refuses the client.
var ErrTokenRefused = errors.New("token endpoint refused the client credentials")

// Token returns a valid token, fetching one only when there is none or the
// cached one is about to expire.
func (s *TokenSource) Token(ctx context.Context) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	early := s.Early
	if early <= 0 {
		early = time.Minute
	}
	if s.current != nil && now.Add(early).Before(s.current.Expiry) {
		return s.current, nil
	}
	t, err := s.fetch(ctx, now)
	if err != nil {
		return nil, err
	}
	s.current = t
	s.fetches++
	return t, nil
}

// Invalidate drops the cached token (after the API answered 401).
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = nil
}

// Fetches counts tokens obtained so far.
func (s *TokenSource) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func (s *TokenSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *TokenSource) fetch(ctx context.Context, now time.Time) (*Token, error) {
	if s.Scope == "" || s.APIPlan == "" {
		return nil, errors.New("fetching a token: the scope and the API plan are required")
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {s.Scope}}
	if s.Auth == ClientSecretPost {
		form.Set("client_id", s.ClientID)
		form.Set("client_secret", s.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	if s.Auth != ClientSecretPost {
		req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	}
	req.Header.Set(HeaderAPIPlan, s.APIPlan)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching a token: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %d %s", ErrTokenRefused, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.AccessToken == "" || body.ExpiresIn <= 0 {
		return nil, fmt.Errorf("token answer without access_token and expires_in: %s", raw)
	}
	return &Token{AccessToken: body.AccessToken, TokenType: body.TokenType, Expiry: now.Add(time.Duration(body.ExpiresIn) * time.Second)}, nil
}

// ParseBasic reads an "Authorization: Basic" header into client ID and
// secret (form-URL-decoded, as RFC 6749 §2.3.1 requires).
func ParseBasic(h string) (id, secret string, err error) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", errors.New("authorization must be HTTP Basic client credentials")
	}
	r := &http.Request{Header: http.Header{"Authorization": {"Basic " + strings.TrimSpace(rest)}}}
	id, secret, ok = r.BasicAuth()
	if !ok {
		return "", "", errors.New("basic credentials are not valid base64 id:secret")
	}
	if id, err = url.QueryUnescape(id); err != nil {
		return "", "", errors.New("client id is not form-URL-encoded")
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return "", "", errors.New("client secret is not form-URL-encoded")
	}
	return id, secret, nil
}

// ParseBearer reads an "Authorization: Bearer" header.
func ParseBearer(h string) (string, error) {
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", errors.New("authorization must be 'Bearer <access token>'")
	}
	return tok, nil
}
