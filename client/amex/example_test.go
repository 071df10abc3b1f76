package amex_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/amex"
	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Enrol a Card Member's card with American Express (here c2psim's
// emulation), suspend it when it is reported lost, and read the profile
// back.
func ExampleNew() {
	sim, _ := simulator.New(simulator.Options{Networks: []string{"amex"}})
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	creds := map[string]simulator.Credential{}
	for _, c := range sim.Credentials("amex") {
		creds[c.Name] = c
	}
	key, _ := jwe.ParseKey(creds["encryption-key"].Value)

	a, err := amex.New(amex.Config{
		BaseURL: srv.URL + "/amex/payments/digital/v2",
		APIKey:  creds["api-key"].Value, Secret: creds["mac-secret"].Value,
		EncryptionKeyID: creds["encryption-key"].KeyID, EncryptionKey: key,
		TokenRequesterID: creds["token-requester-id"].Value,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	iss, _ := client.New(client.WithAdapter(a))
	ctx := context.Background()
	ada := client.Consumer{Ref: "cm-0001", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
	card := client.Card{Ref: "card-0001", PAN: pan.MustParse("371111111111111"), Expiry: client.Expiry{Year: 2030, Month: 12},
		NameOnCard: "Ada Lovelace", BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}

	op, err := iss.EnrolCard(ctx, ada, card)
	if err != nil {
		fmt.Println("enrolment refused:", err)
		return
	}
	fmt.Println(op.Status, op.NetworkStatus)
	_, _ = iss.SuspendCard(ctx, client.CardAction{ConsumerRef: ada.Ref, Card: card, Reason: "LOST"})
	p, _ := iss.GetProfile(ctx, client.Amex, ada.Ref)
	fmt.Println(p.Cards[0].Masked(), p.Cards[0].Status)
	// Output:
	// SUCCEEDED ACTIVE
	// 371111******1111 SUSPENDED
}
