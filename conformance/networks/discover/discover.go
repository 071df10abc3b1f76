// Package discover registers Discover with the conformance harness: the
// bundled adapter (callback codec included) built from a simulator's
// sandbox credentials.
package discover

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	dsclient "github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/client/discover/oauth2"
	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/discover"
)

func init() {
	conformance.RegisterNetwork(conformance.Network{ID: requirements.Discover,
		Waits:          []string{"asyncDelay"},
		EnrolOperation: "enrolConsumer",
		ServerError:    conformance.Refusal{Status: 500, Code: "30002"},
		Validation:     conformance.Refusal{Status: 400, Code: "90004"},
		Wire: func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
			return New(creds, baseURL, hc)
		},
		WrapCodec: func(a client.Adapter, event func(*client.NetworkEvent)) client.Adapter {
			return codec{a.(*dsclient.Adapter), event}
		},
		Resign:      resign,
		FreshToken:  freshToken,
		CallbackTLS: callbackTLS,
	})
}

// callbackTLS is the issuer's token event endpoint as the developer guide
// has Discover call it: mutual TLS, requiring a client certificate chained
// to the notification-client-ca Discover hands the partner.
func callbackTLS(creds []simulator.Credential) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(credential(creds, "notification-client-ca"))) {
		return nil, errors.New("the simulator handed out no notification-client-ca certificate")
	}
	return &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// codec changes every call it decodes (the mutation tests' defects).
type codec struct {
	*dsclient.Adapter
	event func(*client.NetworkEvent)
}

// DecodeCallback decodes the call, then changes it.
func (c codec) DecodeCallback(r *http.Request) (*client.NetworkEvent, error) {
	ev, err := c.Adapter.DecodeCallback(r)
	if err == nil {
		c.event(ev)
	}
	return ev, err
}

func credential(creds []simulator.Credential, name string) string {
	for _, c := range creds {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// mutantKeyID names the signing key the no-signature-check defect adds to
// Discover's JWKS as the issuer sees it.
const mutantKeyID = "c2psim-unverified"

// resign makes an issuer that takes token events whatever their signature:
// the issuer finds one more signing key in Discover's JWKS, and every
// event's X-DFS-C-APP-JWT is signed again with it before the issuer reads
// it.
func resign(creds []simulator.Credential) (conformance.Unverified, error) {
	own, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return conformance.Unverified{}, err
	}
	addKey := func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err != nil || !strings.HasSuffix(r.URL.Path, jwks.Path) || resp.StatusCode != http.StatusOK {
				return resp, err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var set map[string]json.RawMessage
			var keys []json.RawMessage
			if json.Unmarshal(b, &set) == nil && json.Unmarshal(set["keys"], &keys) == nil {
				extra, _ := jwks.Marshal(jwks.Key{ID: mutantKeyID, Use: jwks.UseSig, Alg: "RS256", Key: &own.PublicKey})
				var add struct {
					Keys []json.RawMessage `json:"keys"`
				}
				_ = json.Unmarshal(extra, &add)
				set["keys"], _ = json.Marshal(append(keys, add.Keys...))
				b, _ = json.Marshal(set)
			}
			resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			resp.Header.Del("Content-Length")
			return resp, nil
		})
	}
	return conformance.Unverified{Creds: creds, Transport: addKey, Resign: func(r *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tok, err := secondfactor.Sign(own, mutantKeyID, body, time.Now())
		if err != nil {
			return err
		}
		r.Header.Set(secondfactor.HeaderJWT, tok)
		return nil
	}}, nil
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// freshToken fetches a new client-credentials token.
func freshToken(ctx context.Context, creds []simulator.Credential, baseURL string, hc *http.Client) (string, error) {
	ts := &oauth2.TokenSource{TokenURL: baseURL + "/auth/oauth/v2/token", ClientID: credential(creds, "client-id"),
		ClientSecret: credential(creds, "client-secret"), Scope: credential(creds, "scope"), APIPlan: credential(creds, "api-plan"), HTTP: hc}
	t, err := ts.Token(ctx)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// New builds the adapter (callback codec included) from the credentials
// Discover issues at onboarding: client ID and secret, scope, API plan, the
// partner's registered signing key and the consumer application
// certificate. Discover's encryption key is read from its JWKS, as a
// partner's client would.
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*dsclient.Adapter, error) {
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	signing := byName["partner-signing-private-key"]
	key, err := pemkey.ParsePrivate(signing.Value)
	if err != nil {
		return nil, fmt.Errorf("the simulator handed out no usable partner signing key: partner-signing-private-key: %w", err)
	}
	cert, err := certificate(byName["app-certificate"].Value)
	if err != nil {
		return nil, fmt.Errorf("the simulator handed out no usable consumer application certificate: app-certificate: %w", err)
	}
	return dsclient.New(dsclient.Config{BaseURL: baseURL, ClientID: byName["client-id"].Value, ClientSecret: byName["client-secret"].Value,
		Scope: byName["scope"].Value, APIPlan: byName["api-plan"].Value, SigningKey: key, SigningKeyID: signing.KeyID,
		AppCertificate: cert, HTTPClient: hc})
}

func certificate(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}
