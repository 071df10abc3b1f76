package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/clienttest"
)

// existingNet is a network that knows consumers from another product: it
// records which Enroll Existing variant the issuer used.
type existingNet struct {
	*clienttest.Adapter
	byRef, withCard []string
}

func (e *existingNet) EnrolExisting(_ context.Context, consumerRef string, _ client.Card) (*client.Operation, error) {
	e.withCard = append(e.withCard, consumerRef)
	return &client.Operation{ID: "op-" + consumerRef, Network: client.Visa, Status: client.Succeeded}, nil
}

func (e *existingNet) EnrolExistingByReference(_ context.Context, consumerRef, ref string) (*client.Operation, error) {
	e.byRef = append(e.byRef, consumerRef+"/"+ref)
	return &client.Operation{ID: "op-ref-" + consumerRef, Network: client.Visa, Status: client.Succeeded}, nil
}

func TestEnrolExisting(t *testing.T) {
	net := &existingNet{Adapter: clienttest.New(client.Visa)}
	iss, err := client.New(client.WithAdapter(net))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := ada()
	op, err := iss.EnrolExisting(ctx, c, card("k1", "4111111145551140"), "")
	if err != nil || op.Kind != client.KindEnrol || op.CardRef != "k1" {
		t.Fatalf("with a card: %+v, %v", op, err)
	}
	if e, ok := iss.Enrolment(client.Visa, "k1"); !ok || e.State != client.StateActive {
		t.Fatalf("enrolment after enrol-existing = %+v", e)
	}
	if _, err := iss.EnrolExisting(ctx, c, card("k1", "4111111145551140"), ""); !errors.Is(err, client.ErrAlreadyEnrolled) {
		t.Fatalf("the same card again: %v", err)
	}
	if _, err := iss.EnrolExisting(ctx, c, card("k2", "4111111111111111"), "PI-1"); err != nil {
		t.Fatal(err)
	}
	if len(net.withCard) != 1 || len(net.byRef) != 1 || net.byRef[0] != c.Ref+"/PI-1" {
		t.Fatalf("variants used: with card %v, by reference %v", net.withCard, net.byRef)
	}
	// A network without the operation: ErrUnsupported, nothing recorded.
	plain, _ := client.New(client.WithAdapter(clienttest.New(client.Visa)))
	if _, err := plain.EnrolExisting(ctx, c, card("k3", "4111111145551141"), ""); !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("a network without Enroll Existing: %v", err)
	}
}
