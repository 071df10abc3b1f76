package mastercard_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
	"github.com/c2psim/c2psim/simulator/store"
)

// Two simulators on one store are two replicas: a token change raced
// through both is decided once (one suspension applied, the other refused
// as the illegal transition it has become; likewise the unsuspension),
// round after round, and the token's history holds exactly the changes
// applied.
func TestTokenChangesRacedByTwoReplicasAreDecidedOnce(t *testing.T) {
	a, b := replicas(t, nil)
	ca, cb := newIssuer(t, a), newIssuer(t, b)
	tur := enrolToken(t, ca, "5186001700008785", "ACTIVE")
	const rounds = 25
	for round := range rounds {
		op := "suspend"
		if round%2 == 1 {
			op = "unsuspend"
		}
		got := raced(func() answer { return ca.change(op, tur, "T") }, func() answer { return cb.change(op, tur, "T") })
		decidedOnce(t, fmt.Sprintf("round %d: %s raced through two replicas", round, op), got, 200, func(a answer) bool {
			if a.status != 400 {
				return false
			}
			code, _ := appError(t, a)
			return code == "INVALID_TOKEN_STATUS"
		})
	}
	// An odd number of rounds ends on a suspension.
	for _, c := range []*issuer{ca, cb} {
		if got := c.searchOne("TokenUniqueReference", tur)["CurrentStatusCode"]; got != "S" {
			t.Errorf("after %d rounds the token's status is %v, want S", rounds, got)
		}
	}
}

// An enrolment of one card raced through two replicas enrols it once: the
// other is ALREADY_EXISTS, one token exists for the card, and the refused
// enrolment leaves no token record behind (it is written in the card's
// atomic step).
func TestEnrolmentRacedByTwoReplicasEnrolsOnce(t *testing.T) {
	shared := store.NewMemory()
	a, b := replicasOn(t, shared, nil)
	ca, cb := newIssuer(t, a), newIssuer(t, b)
	for round := range 15 {
		stem := fmt.Sprintf("520473%09d", 1000+round)
		card := stem + string(pan.LuhnCheckDigit(stem))
		bodyA, bodyB := ca.body(card), cb.body(card)
		got := raced(func() answer { return ca.send(bodyA, nil) }, func() answer { return cb.send(bodyB, nil) })
		decidedOnce(t, fmt.Sprintf("round %d: one card enrolled through two replicas at once", round), got, 200, func(a answer) bool {
			return a.status == 409 && serviceReason(t, a) == "ALREADY_EXISTS"
		})
		ca.searchOne("AccountPan", card) // exactly one token
	}
	if n, err := store.Count(context.Background(), shared, "mastercard/tokens"); err != nil || n != 15 {
		t.Fatalf("%d token records for 15 cards enrolled (%v)", n, err)
	}
}

// replicas starts two simulators on one store (seeds 1 and 2, with
// settings), each with a fake issuer answering its callbacks.
func replicas(t *testing.T, settings map[string]string) (a, b *simtest.Server) {
	return replicasOn(t, store.NewMemory(), settings)
}

// replicasOn is replicas on the store shared.
func replicasOn(t *testing.T, shared store.Store, settings map[string]string) (a, b *simtest.Server) {
	a = simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 1, Settings: settings})
	b = simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 2, Settings: settings})
	newFakeIssuer(t, a, nil)
	newFakeIssuer(t, b, nil)
	return a, b
}

// twoReplicas starts two simulators on one store, each with its issuer
// (its own credentials) and a fake issuer answering its callbacks, and
// returns each one's directory path.
func twoReplicas(t *testing.T) (ca, cb *issuer, dirA, dirB string) {
	a, b := replicas(t, map[string]string{"mastercard.batchDelay": "3s"})
	// Replicas on a durable store share their identities; on the in-memory
	// one each makes its own: give B A's programme and directory.
	if err := b.Sim.RegisterCredentials(mastercard.ID, []simulator.Credential{
		{Name: "src-client-id", Kind: "id", Value: credential(t, a, "src-client-id")},
		{Name: "directory-id", Kind: "id", Value: credential(t, a, "directory-id")}}); err != nil {
		t.Fatal(err)
	}
	return newIssuer(t, a), newIssuer(t, b), "/directories/" + credential(t, a, "directory-id"), "/directories/" + credential(t, b, "directory-id")
}

// raced sends one call through each replica at once and returns the
// answers.
func raced(calls ...func() answer) []answer {
	var wg sync.WaitGroup
	out := make([]answer, len(calls))
	for i, call := range calls {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = call() }()
	}
	wg.Wait()
	return out
}

// decidedOnce checks that of two raced answers one applied the change
// (status applied) and the other was refused (refusal says whether an
// answer is the refusal wanted); any other answer fails the test.
func decidedOnce(t *testing.T, what string, got []answer, applied int, refusal func(answer) bool) {
	t.Helper()
	ok, refused := 0, 0
	for _, a := range got {
		switch {
		case a.status == applied:
			ok++
		case refusal(a):
			refused++
		default:
			t.Fatalf("%s: %d %s", what, a.status, a.raw)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("%s: %d applied, %d refused; want 1 and 1", what, ok, refused)
	}
}

// A batch sent through two replicas at once is one batch: both answers
// name it.
func TestBatchSentThroughTwoReplicasIsOneBatch(t *testing.T) {
	ca, cb, dirA, dirB := twoReplicas(t)
	for round := range 10 {
		ext := fmt.Sprintf("batch-%d", round)
		bodyA := ca.batchBody(ext, ca.record("consumer-1", "card-1", "5186001700008785"))
		bodyB := cb.batchBody(ext, cb.record("consumer-1", "card-1", "5186001700008785"))
		got := raced(func() answer { return ca.call(http.MethodPost, dirA+"/batches", bodyA) },
			func() answer { return cb.call(http.MethodPost, dirB+"/batches", bodyB) })
		if got[0].status != 202 || got[1].status != 202 || got[0].body["batchId"] != got[1].body["batchId"] {
			t.Fatalf("round %d: %d %s and %d %s, want one batch accepted twice", round, got[0].status, got[0].raw, got[1].status, got[1].raw)
		}
	}
}

// A consumer deleted through two replicas at once is deleted once: one
// answer is 204, the other NOT_FOUND.
func TestConsumerDeletionRacedByTwoReplicasDeletesOnce(t *testing.T) {
	ca, cb, dirA, dirB := twoReplicas(t)
	for round := range 10 {
		ext := fmt.Sprintf("consumer-%d", round)
		stem := fmt.Sprintf("520473%09d", 5000+round)
		if a := ca.enrolIn(ext, "card-1", stem+string(pan.LuhnCheckDigit(stem))); a.status != 200 {
			t.Fatalf("enrolling: %d %s", a.status, a.raw)
		}
		got := raced(func() answer { return ca.call(http.MethodDelete, dirA+"/consumers/"+ext, nil) },
			func() answer { return cb.call(http.MethodDelete, dirB+"/consumers/"+ext, nil) })
		decidedOnce(t, fmt.Sprintf("round %d: a consumer deleted through two replicas at once", round), got, 204, func(a answer) bool {
			return a.status == 404 && serviceReason(t, a) == "NOT_FOUND"
		})
	}
}
