// Package discover holds the Discover Click to Pay conformance scenarios and
// wires the bundled Discover adapter into the bundled target.
package discover

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"

	"github.com/c2psim/c2psim/client"
	dsclient "github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/discover"
)

func init() {
	conformance.RegisterSampleCards("discover", "6445644564456445", "6011000000000012", "6500000000000010")
	conformance.RegisterNetwork("discover", func(sim *simulator.Simulator, simURL string, hc *http.Client) (client.Adapter, error) {
		creds := map[string]simulator.Credential{}
		for _, c := range sim.Credentials("discover") {
			creds[c.Name] = c
		}
		b, _ := pem.Decode([]byte(creds["card-encryption-public-key"].Value))
		if b == nil {
			return nil, errors.New("the simulator handed out no card encryption key")
		}
		pub, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, err
		}
		return dsclient.New(dsclient.Config{BaseURL: simURL + "/discover", ClientID: creds["client-id"].Value, ClientSecret: creds["client-secret"].Value,
			AppSecret: creds["app-secret"].Value, APIPlan: creds["api-plan"].Value, CardKey: pub.(*rsa.PublicKey),
			CardKeyID: creds["card-encryption-public-key"].KeyID, HTTPClient: hc, Now: sim.Clock().Now})
	})
}
