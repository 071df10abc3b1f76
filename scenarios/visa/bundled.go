// Package visa holds the Visa Click to Pay (VICA) conformance scenarios and
// wires the bundled Visa adapter into the bundled target.
package visa

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/c2psim/c2psim/client"
	visaclient "github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/visa"
)

// BID is the issuer business ID the scenarios enrol under.
const BID = "10000001"

func init() {
	conformance.RegisterSampleCards("visa", "4111111145551140", "4111111111111111", "4242424242424242")
	conformance.RegisterNetwork("visa", func(sim *simulator.Simulator, simURL string, hc *http.Client) (client.Adapter, error) {
		creds := map[string]string{}
		var signing simulator.Credential
		for _, c := range sim.Credentials("visa") {
			creds[c.Name] = c.Value
			if c.Name == "notification-signing-public-key" {
				signing = c
			}
		}
		pb, _ := pem.Decode([]byte(creds["mle-server-public-key"]))
		kb, _ := pem.Decode([]byte(creds["mle-client-private-key"]))
		if pb == nil || kb == nil {
			return nil, errors.New("the simulator handed out no MLE keys")
		}
		pub, err := x509.ParsePKIXPublicKey(pb.Bytes)
		if err != nil {
			return nil, err
		}
		priv, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, err
		}
		a, err := visaclient.New(visaclient.Config{
			BaseURL: simURL + sim.BasePath("visa"), APIKey: creds["api-key"], SharedSecret: creds["shared-secret"],
			KeyID: creds["mle-key-id"], ServerKey: pub.(*rsa.PublicKey), ClientKey: priv.(*rsa.PrivateKey), BID: BID,
			HTTPClient: hc, Now: sim.Clock().Now,
		})
		if err != nil {
			return nil, err
		}
		// With the callback codec the bundled issuer also receives Visa's
		// calls: enrolment attempts, Approve Provisioning, status notifications.
		signPub, err := visaclient.ParsePublicKeyPEM(signing.Value)
		if err != nil {
			return nil, fmt.Errorf("notification signing key: %w", err)
		}
		return broken(a.WithCallbacks(visaclient.CallbackConfig{
			SigningKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == signing.KeyID },
		})), nil
	})
}
