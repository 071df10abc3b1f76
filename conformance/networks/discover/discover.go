// Package discover registers Discover with the conformance harness: the
// bundled adapter (callback codec included) built from a simulator's
// sandbox credentials.
package discover

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client"
	dsclient "github.com/c2psim/c2psim/client/discover"
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
	})
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
