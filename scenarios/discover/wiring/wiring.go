// Package wiring builds the bundled Discover adapter from a simulator's
// sandbox credentials. The bundled target and the driver service both use it.
package wiring

import (
	"fmt"
	"net/http"

	dsclient "github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/discover"
)

// SampleCards enrol successfully on the Discover simulator.
var SampleCards = []string{"6445644564456445", "6011000000000012", "6500000000000010"}

// New builds the adapter (callback codec included).
func New(creds []simulator.Credential, baseURL string, hc *http.Client) (*dsclient.Adapter, error) {
	byName := map[string]simulator.Credential{}
	for _, c := range creds {
		byName[c.Name] = c
	}
	key := byName["card-encryption-public-key"]
	pub, err := pemkey.ParsePublic(key.Value)
	if err != nil {
		return nil, fmt.Errorf("the simulator handed out no usable card encryption key: card-encryption-public-key: %w", err)
	}
	return dsclient.New(dsclient.Config{BaseURL: baseURL, ClientID: byName["client-id"].Value, ClientSecret: byName["client-secret"].Value,
		AppSecret: byName["app-secret"].Value, APIPlan: byName["api-plan"].Value, CardKey: pub, CardKeyID: key.KeyID, HTTPClient: hc})
}
