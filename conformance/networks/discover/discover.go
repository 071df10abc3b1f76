// Package discover registers Discover with the conformance harness: the
// bundled adapter (callback codec included) built from a simulator's
// sandbox credentials.
package discover

import (
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
		ServerError:    conformance.Refusal{Status: 503, Code: "5000"},
		Validation:     conformance.Refusal{Status: 400, Code: "2000"},
		Wire: func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
			return New(creds, baseURL, hc)
		},
	})
}

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
