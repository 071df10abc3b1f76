// Package wiring builds the bundled Visa adapter, callbacks included, from a
// simulator's sandbox credentials. The bundled target and the driver service
// both use it.
package wiring

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"

	visaclient "github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
)

// BID is the issuer business ID the bundled issuer enrols under.
const BID = "10000001"

// SampleCards enrol successfully on the Visa simulator.
var SampleCards = []string{"4111111145551140", "4111111111111111", "4242424242424242"}

// New builds the adapter with its callback codec.
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*visaclient.CallbackAdapter, error) {
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	var errs []error
	pub, err := pemkey.ParsePublic(byName["mle-server-public-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("mle-server-public-key: %w", err))
	}
	priv, err := pemkey.ParsePrivate(byName["mle-client-private-key"].Value)
	if err != nil {
		errs = append(errs, fmt.Errorf("mle-client-private-key: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the simulator handed out no usable MLE keys: %w", err)
	}
	a, err := visaclient.New(visaclient.Config{
		BaseURL: baseURL, APIKey: byName["api-key"].Value, SharedSecret: byName["shared-secret"].Value,
		KeyID: byName["mle-key-id"].Value, ServerKey: pub, ClientKey: priv, BID: BID,
		HTTPClient: hc,
	})
	if err != nil {
		return nil, err
	}
	// With the callback codec the issuer also receives Visa's calls:
	// enrolment attempts, Approve Provisioning, status notifications.
	signing := byName["notification-signing-public-key"]
	signPub, err := visaclient.ParsePublicKeyPEM(signing.Value)
	if err != nil {
		return nil, fmt.Errorf("notification signing key: %w", err)
	}
	return a.WithCallbacks(visaclient.CallbackConfig{
		SigningKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == signing.KeyID },
	}), nil
}
