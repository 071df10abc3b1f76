package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/clienttest"
	"github.com/c2psim/c2psim/client/pan"
)

// Enrol a card: the network is chosen from the BIN, and an asynchronous
// answer is waited for before the card counts as enrolled.
func Example_enrolment() {
	network := clienttest.New(client.Visa)
	network.Async = true
	iss, _ := client.New(client.WithAdapter(network), client.WithSleep(func(context.Context, time.Duration) error { return nil }))

	ada := client.Consumer{Ref: "cons-42", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
	card := client.Card{Ref: "card-7", PAN: pan.MustParse("4111111111111111"), Expiry: client.Expiry{Year: 2030, Month: 8},
		NameOnCard: "Ada Lovelace", BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}

	ctx := context.Background()
	op, err := iss.EnrolCard(ctx, ada, card)
	if err != nil {
		fmt.Println("enrolment refused:", err)
		return
	}
	fmt.Println(op.Network, op.Status)
	op, _ = iss.Wait(ctx, op)
	e, _ := iss.Enrolment(client.Visa, "card-7")
	fmt.Println(op.Status, e.State, card.PAN)
	// Output:
	// visa PENDING
	// SUCCEEDED ACTIVE 411111******1111
}

// Suspend a lost card, resume it when found, close it: the issuer's view of
// the enrolment follows the lifecycle.
func Example_lifecycle() {
	iss, _ := client.New(client.WithAdapter(clienttest.New(client.Visa)))
	ctx := context.Background()
	ada := client.Consumer{Ref: "cons-42", FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
	card := client.Card{Ref: "card-7", PAN: pan.MustParse("4111111111111111"), Expiry: client.Expiry{Year: 2030, Month: 8},
		NameOnCard: "Ada Lovelace", BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
	_, _ = iss.EnrolCard(ctx, ada, card)
	act := client.CardAction{ConsumerRef: ada.Ref, Card: card}
	for _, step := range []func(context.Context, client.CardAction) (*client.Operation, error){iss.SuspendCard, iss.ResumeCard, iss.DeleteCard} {
		_, _ = step(ctx, act)
		e, _ := iss.Enrolment(client.Visa, card.Ref)
		fmt.Println(e.State)
	}
	_, err := iss.AutoEnrolCard(ctx, ada, card)
	fmt.Println(err != nil)
	// Output:
	// SUSPENDED
	// ACTIVE
	// OPTED_OUT
	// true
}

// Mount the callback handler: networks call it, the Decider answers, the
// sink records.
func Example_callbacks() {
	iss, _ := client.New(client.WithAdapter(clienttest.New(client.Visa)))
	sink := &client.MemorySink{}
	decider := client.DeciderFunc(func(_ context.Context, ev *client.NetworkEvent) client.Decision {
		if ev.Type == client.EventTokenizationAuth {
			return client.Decline // this issuer approves nothing today
		}
		return client.Acknowledge
	})
	srv := httptest.NewServer(http.StripPrefix("/c2p", iss.CallbackHandler(decider, sink)))
	defer srv.Close()

	body := `{"id":"evt-1","type":"TOKENIZATION_AUTH_REQUEST","cardLast4":"1111","signature":"` + clienttest.Signature + `"}`
	resp, _ := http.Post(srv.URL+"/c2p/visa/events", "application/json", strings.NewReader(body))
	resp.Body.Close()
	ev := sink.Events()[0]
	fmt.Println(ev.Network, ev.Type, ev.Decision)
	// Output: visa TOKENIZATION_AUTH_REQUEST DECLINED
}
