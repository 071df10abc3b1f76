package scenarios_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator/journal"
)

// TestMastercardSuiteAgainstIndependentNodeIssuer runs the Mastercard suite
// in external mode against a second, independent Mastercard issuer: a Node
// program built on Mastercard's own npm libraries
// (client/mastercard/testdata/interop/driver.js: mastercard-oauth1-signer
// signs every call, mastercard-client-encryption encrypts the card and
// opens the field-level encryption of MDES's calls), sharing no code with
// the bundled Go client, with its own identifiers and its own encryption
// key. Its capability declaration
// (client/mastercard/testdata/interop/capabilities.json) claims every
// optional Mastercard feature, so a 501 from it fails the case instead of
// leaving it not run: every Mastercard case must pass and every Mastercard
// requirement be passed.
func TestMastercardSuiteAgainstIndependentNodeIssuer(t *testing.T) {
	sim, simURL, driverURL, dir := independentIssuer{network: "mastercard", seed: 13, script: "driver.js", ready: "mc-driver ready ",
		packages: []string{"mastercard-oauth1-signer", "mastercard-client-encryption", "node-forge"}}.start(t)
	rep, log := runExternal(t, conformance.Config{Target: "external", SimulatorURL: simURL, DriverURL: driverURL,
		Networks: []string{"mastercard"}, Seed: 13, Capabilities: filepath.Join(dir, "capabilities.json")})
	passed, requirements := 0, 0
	for _, s := range rep.Scenarios {
		switch {
		case s.Network != "mastercard":
		case s.Verdict == conformance.Passed:
			passed++
		default:
			t.Errorf("case %s: %s (%s)", s.Case, s.Verdict, s.Reason)
		}
	}
	for _, r := range rep.Requirements {
		if r.Network != "mastercard" {
			continue
		}
		requirements++
		if r.Verdict != conformance.Passed {
			t.Errorf("%s: %s (%s)", r.ID, r.Verdict, strings.Join(r.Reasons, "; "))
		}
	}
	if rep.Run.Target != "external" || rep.MustFailed != 0 || passed < 25 {
		t.Errorf("Node issuer run: target %s, %d cases passed, %d MUST failed", rep.Run.Target, passed, rep.MustFailed)
	}
	// It passed under identifiers of its own: Mastercard knows its
	// consumers by the externalConsumerIds it chose (driver.js: "cons-"),
	// which the harness learnt from networkIds.
	own := ownIDs(sim, journal.Query{Network: "mastercard", OperationID: "putCard"}, "cons-")
	if len(own) < 10 {
		t.Errorf("Mastercard knows %d consumers by the Node issuer's own identifiers: the run did not exercise an issuer choosing its own IDs", len(own))
	}
	if t.Failed() {
		t.Logf("child output:\n%s", log)
	}
	t.Logf("the independent Node issuer passed %d Mastercard cases (%d requirements) under %d consumer identifiers of its own",
		passed, requirements, len(own))
}
