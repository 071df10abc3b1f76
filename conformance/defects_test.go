package conformance_test

import (
	"context"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// The retry-terminal defect really sends a refused request again: the
// simulator's journal shows three attempts where the issuer reports one
// refusal.
func TestRetryTerminalDefectResends(t *testing.T) {
	for _, n := range []string{"amex", "discover", "mastercard", "visa"} {
		t.Run(n, func(t *testing.T) {
			tg, err := conformance.Bundled(conformance.BundledOptions{Networks: []string{n}, Seed: 1, Defect: "retry-terminal",
				Settings: conformance.DefaultConfig().Settings})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			reg, _ := conformance.LookupNetwork(n)
			infos, _ := tg.Control.Networks(ctx)
			var number string
			for _, i := range infos {
				for _, c := range i.TestCards {
					if c.Outcome == "approved" && number == "" {
						number = c.PAN
					}
				}
			}
			if _, err := tg.Control.AddFault(ctx, faultRule(n, reg, number)); err != nil {
				t.Fatal(err)
			}
			c := client.Consumer{Ref: "c1", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"}, Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
			k := conformance.CardJSON{Ref: "k1", PAN: number, Expiry: "2031-02", NameOnCard: "Ada Lovelace", Network: client.Network(n),
				BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
			_, err = tg.Driver.Enrol(ctx, "", c, k, false)
			if err == nil {
				t.Fatal("the refused enrolment succeeded")
			}
			es, _ := tg.Control.Journal(ctx, journal.Query{Network: n, OperationID: reg.EnrolOperation})
			if len(es) != 3 {
				t.Fatalf("%d attempts reached the network, want 3 (the refusal sent twice more): %v", len(es), err)
			}
		})
	}
}

func faultRule(n string, reg conformance.Network, number string) fault.Rule {
	return fault.Rule{Network: n, Operation: reg.EnrolOperation, Status: reg.Validation.Status, Code: reg.Validation.Code, Card: pan.Mask(number)}
}
