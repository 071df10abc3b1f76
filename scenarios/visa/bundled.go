// Package visa holds the Visa Click to Pay (VICA) conformance scenarios and
// registers the bundled Visa adapter with the harness.
package visa

import (
	"net/http"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/scenarios/visa/wiring"
	"github.com/c2psim/c2psim/simulator"
)

// BID is the issuer business ID the scenarios enrol under.
const BID = wiring.BID

func init() {
	conformance.RegisterSampleCards("visa", wiring.SampleCards...)
	conformance.RegisterOutcomeCard("visa", conformance.OutcomeAnswerLost, answerLostCard)
	conformance.RegisterNetwork("visa", func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
		a, err := wiring.New(creds, baseURL, hc)
		if err != nil {
			return nil, err
		}
		return broken(a), nil
	})
}
