// Package mastercard holds the Mastercard Click to Pay conformance scenarios
// and registers the bundled Mastercard adapter with the harness.
package mastercard

import (
	"net/http"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/scenarios/mastercard/wiring"
	"github.com/c2psim/c2psim/simulator"
)

func init() {
	conformance.RegisterSampleCards("mastercard", wiring.SampleCards...)
	conformance.RegisterOutcomeCard("mastercard", conformance.OutcomeAnswerLost, answerLostCard)
	conformance.RegisterNetwork("mastercard", func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
		a, err := wiring.New(creds, baseURL, hc)
		if err != nil {
			return nil, err
		}
		return broken(a), nil
	})
}
