// Package jwks reads and writes Discover's published public keys: the JSON
// Web Key Set at /dfs/jwk/v1/public-keys (anonymous, documented), holding
// Discover's signing keys (use sig: its responses and its calls to the
// partner are signed with them) and encryption keys (use enc: card data is
// encrypted to them), each named by its kid.
//
// Source caches the set and fetches it again when asked for a kid it does
// not hold (Discover rotates the keys every 90 days), at most once per
// MinRefresh.
package jwks

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Path is where Discover serves its JWKS, below the API host.
const Path = "/dfs/jwk/v1/public-keys"

// Uses of a key.
const (
	UseSig = "sig"
	UseEnc = "enc"
)

// Key is one RSA public key of the set.
type Key struct {
	ID  string
	Use string // UseSig or UseEnc
	Alg string // RS256, RSA-OAEP-256
	Key *rsa.PublicKey
}

// Marshal renders keys as a JWKS document.
func Marshal(keys ...Key) ([]byte, error) {
	set := jose.JSONWebKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Key, KeyID: k.ID, Use: k.Use, Algorithm: k.Alg})
	}
	return json.Marshal(set)
}

// Set is a parsed JWKS.
type Set struct{ keys []Key }

// Parse reads a JWKS document; keys that are not RSA public keys are
// skipped, a key without kid or use is an error.
func Parse(b []byte) (*Set, error) {
	var raw jose.JSONWebKeySet
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("reading the JWKS: %w", err)
	}
	s := &Set{}
	for _, k := range raw.Keys {
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok {
			continue
		}
		if k.KeyID == "" || k.Use == "" {
			return nil, errors.New("reading the JWKS: every key needs a kid and a use")
		}
		s.keys = append(s.keys, Key{ID: k.KeyID, Use: k.Use, Alg: k.Algorithm, Key: pub})
	}
	return s, nil
}

// Find returns the key of kid with the given use.
func (s *Set) Find(kid, use string) (*rsa.PublicKey, bool) {
	for _, k := range s.keys {
		if k.ID == kid && k.Use == use {
			return k.Key, true
		}
	}
	return nil, false
}

// First returns the first key with the given use (the one to encrypt to).
func (s *Set) First(use string) (Key, bool) {
	for _, k := range s.keys {
		if k.Use == use {
			return k, true
		}
	}
	return Key{}, false
}

// Source fetches and caches a JWKS.
type Source struct {
	URL  string
	HTTP *http.Client
	// MinRefresh is the least time between two fetches (default 1m), so a
	// stream of unknown kids does not hammer the endpoint.
	MinRefresh time.Duration
	Now        func() time.Time

	mu      sync.Mutex
	set     *Set
	fetched time.Time
}

// Key returns the key of kid with use, fetching the set when it is not
// cached yet or does not hold kid.
func (s *Source) Key(ctx context.Context, kid, use string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil {
		if k, ok := s.set.Find(kid, use); ok {
			return k, nil
		}
	}
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	if k, ok := s.set.Find(kid, use); ok {
		return k, nil
	}
	return nil, fmt.Errorf("Discover's JWKS has no %s key %q", use, kid)
}

// First returns the first key of use, fetching the set when needed.
func (s *Source) First(ctx context.Context, use string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		if err := s.refresh(ctx); err != nil {
			return Key{}, err
		}
	}
	if k, ok := s.set.First(use); ok {
		return k, nil
	}
	return Key{}, fmt.Errorf("Discover's JWKS has no %s key", use)
}

func (s *Source) refresh(ctx context.Context) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	min := s.MinRefresh
	if min <= 0 {
		min = time.Minute
	}
	if s.set != nil && now().Sub(s.fetched) < min {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fetching Discover's JWKS: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching Discover's JWKS: %d", resp.StatusCode)
	}
	set, err := Parse(b)
	if err != nil {
		return err
	}
	s.set, s.fetched = set, now()
	return nil
}
