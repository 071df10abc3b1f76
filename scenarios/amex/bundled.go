// Package amex holds the American Express Click to Pay conformance
// scenarios and registers the bundled American Express adapter with the
// harness.
package amex

import (
	"net/http"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/scenarios/amex/wiring"
	"github.com/c2psim/c2psim/simulator"
)

func init() {
	conformance.RegisterSampleCards("amex", wiring.SampleCards...)
	conformance.RegisterOutcomeCard("amex", conformance.OutcomeAnswerLost, answerLostCard)
	conformance.RegisterNetwork("amex", func(creds []simulator.Credential, baseURL string, hc *http.Client) (client.Adapter, error) {
		return wiring.New(creds, baseURL, hc)
	})
}
