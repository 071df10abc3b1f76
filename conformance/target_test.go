package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
	"github.com/c2psim/c2psim/simulator"
)

// The bundled issuer chooses its own identifiers at every network, as a
// real issuer does, and reports them in networkIds: every bundled run (and
// make test's) is then a run of an issuer whose identifiers differ from
// the harness's refs, so the harness cannot come to assume them unnoticed.
func TestBundledIssuerChoosesItsOwnIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the bundled target for every network")
	}
	tg, err := conformance.Bundled(conformance.BundledOptions{Seed: 5, Settings: conformance.DefaultConfig().Settings})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	infos, err := tg.Control.Networks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ni := range infos {
		var number string
		for _, c := range ni.TestCards {
			if c.Outcome == simulator.OutcomeApproved {
				number = c.PAN
			}
		}
		c := client.Consumer{Ref: "harness-" + ni.ID, FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
			Phones: []string{"447700900123"}, Locale: "en-US", Country: "USA"}
		card := conformance.CardJSON{Ref: "harness-" + ni.ID + "-k1", PAN: number, Expiry: "2031-02", NameOnCard: "Ada Lovelace", Network: client.Network(ni.ID),
			BillingAddress: client.Address{Line1: "1 Navy Way", City: "Arlington", PostalCode: "22201", State: "VA", Country: "USA"}}
		op, err := tg.Driver.Enrol(ctx, "own-ids-"+ni.ID, c, card, false)
		if err != nil {
			t.Fatalf("%s: enrolling: %v", ni.ID, err)
		}
		if op, err = tg.Driver.Wait(ctx, "own-ids-"+ni.ID, op, "20s"); err != nil {
			t.Fatalf("%s: waiting: %v", ni.ID, err)
		}
		ids := op.NetworkIDs
		if op.ConsumerRef != c.Ref || ids.Consumer == "" || strings.Contains(ids.Consumer, c.Ref) || ids.Card != "" && strings.Contains(ids.Card, card.Ref) {
			t.Errorf("%s: the driver answered consumerRef %q with networkIds %+v: the issuer's own identifiers, not the harness's refs", ni.ID, op.ConsumerRef, ids)
		}
	}
}
