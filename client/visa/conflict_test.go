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

// LCM-09: a second request for a consumer while the first is in flight gets
// 409 VIDC-3000; the issuer waits and retries, and the card is added once
// the first request completed. The issuer's waits move the simulator's
// clock, so the run is deterministic.
func TestConflictInFlightIsWaitedOutAndRetried(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, FakeClock: true, Settings: map[string]string{"visa.asyncDelay": "300ms"}})
	a, err := visa.New(configFrom(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := client.New(client.WithAdapter(a), client.WithClock(srv.Clock.Now), client.WithJitter(func() float64 { return 0.5 }),
		client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 10, BaseDelay: 200 * time.Millisecond, MaxDelay: time.Second}),
		client.WithPollInterval(100*time.Millisecond),
		client.WithSleep(func(ctx context.Context, d time.Duration) error { srv.Clock.Advance(d); return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := iss.EnrolCard(ctx, ada(), card("c1", "4111111145551140"))
	if err != nil || first.Status != client.Pending {
		t.Fatalf("first = %+v, %v", first, err)
	}
	second, err := iss.EnrolCard(ctx, ada(), card("c2", "4111111145551141"))
	if err != nil {
		t.Fatalf("second card: %v", err)
	}
	if done := wait(t, iss, second, nil); done.Status != client.Succeeded {
		t.Fatalf("second = %+v", done)
	}
	var statuses []int
	for _, e := range srv.Sim.Journal().Find(journal.Query{OperationID: "enrollPaymentInstruments"}) {
		statuses = append(statuses, e.Status)
	}
	// The journal lists newest first.
	if len(statuses) < 2 || statuses[0] != 202 || statuses[len(statuses)-1] != 409 {
		t.Fatalf("enrollPaymentInstruments answers, newest first = %v, want 202 ... 409", statuses)
	}
	if n := len(srv.Sim.Journal().Find(journal.Query{OperationID: "enrollData"})); n != 1 {
		t.Fatalf("%d enrollData calls: the consumer must be created once", n)
	}
}
