package visa_test

import (
	"context"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// The adapter sends products[] (or the legacy intent when configured) and
// an eX-Correlation-Id on every call, and enrols a consumer Visa knows from
// another product with either Enroll Existing Issuer Data operation.
func TestAdapterProductsCorrelationAndEnrolExisting(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, Settings: map[string]string{"visa.asyncDelay": "1ms", "visa.legacyIntent": "refuse"}})
	cfg := configFrom(t, srv)
	ids := 0
	cfg.CorrelationID = func() string { ids++; return "c2p-test-" + string(rune('a'+ids)) }
	a, err := visa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithPollInterval(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	op, err := iss.EnrolCard(ctx, ada(), card("c1", "4111111145551140"))
	if done := wait(t, iss, op, err); done.Status != client.Succeeded {
		t.Fatalf("enrolment with products[] under legacyIntent=refuse = %+v", done)
	}
	if e := srv.Sim.Journal().Find(journal.Query{CorrelationID: "c2p-test-b"}); len(e) != 1 || e[0].OperationID != "enrollData" {
		t.Fatalf("journal by the adapter's eX-Correlation-Id = %+v", e)
	}

	legacy := cfg
	legacy.LegacyIntent = true
	la, _ := visa.New(legacy)
	if _, err := la.EnrolCard(ctx, ada(), card("c9", "4111111111111111")); err == nil {
		t.Fatal("the legacy intent was accepted under legacyIntent=refuse")
	}

	reg, err := srv.Sim.Trigger(ctx, "visa", "registerInOtherProduct", map[string]any{
		"externalConsumerID": "cons-other", "externalConsumerIDOwnerBID": "10000001", "accountNumber": "4111111145551141"})
	if err != nil {
		t.Fatal(err)
	}
	op, err = a.EnrolExistingByReference(ctx, "cons-other", reg["paymentInstrumentReferenceID"].(string))
	if done := wait(t, iss, op, err); done.Status != client.Succeeded {
		t.Fatalf("enrol existing by reference = %+v", done)
	}
	p, err := a.GetProfile(ctx, "cons-other")
	if err != nil || !p.Enrolled || len(p.Cards) != 1 || p.Cards[0].Last4 != "1141" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	if _, err := srv.Sim.Trigger(ctx, "visa", "registerInOtherProduct", map[string]any{"externalConsumerID": "cons-other2", "externalConsumerIDOwnerBID": "10000001"}); err != nil {
		t.Fatal(err)
	}
	op, err = a.EnrolExisting(ctx, "cons-other2", card("c3", "4111111111111111"))
	if done := wait(t, iss, op, err); done.Status != client.Succeeded {
		t.Fatalf("enrol existing with an instrument = %+v", done)
	}
}
