package mastercard_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
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
	shared := store.NewMemory()
	a := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 1})
	b := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 2})
	ca, cb := newIssuer(t, a), newIssuer(t, b)
	newFakeIssuer(t, a, nil)
	newFakeIssuer(t, b, nil)
	tur := enrolToken(t, ca, "5186001700008785", "ACTIVE")
	const rounds = 25
	for round := range rounds {
		op := "suspend"
		if round%2 == 1 {
			op = "unsuspend"
		}
		var wg sync.WaitGroup
		answers := make([]answer, 2)
		for i, c := range []*issuer{ca, cb} {
			wg.Add(1)
			go func() { defer wg.Done(); answers[i] = c.change(op, tur, "T") }()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, ans := range answers {
			switch {
			case ans.status == 200:
				ok++
			case ans.status == 400:
				if code, _ := appError(t, ans); code != "INVALID_TOKEN_STATUS" {
					t.Fatalf("round %d, %s refused with %s: %s", round, op, code, ans.raw)
				}
				refused++
			default:
				t.Fatalf("round %d, %s: %d %s", round, op, ans.status, ans.raw)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %s raced through two replicas: %d applied, %d refused; want 1 and 1", round, op, ok, refused)
		}
	}
	// An odd number of rounds ends on a suspension.
	for _, c := range []*issuer{ca, cb} {
		if got := c.searchOne("TokenUniqueReference", tur)["CurrentStatusCode"]; got != "S" {
			t.Errorf("after %d rounds the token's status is %v, want S", rounds, got)
		}
	}
}

// An enrolment of one card raced through two replicas enrols it once: the
// other is ALREADY_EXISTS, and one token exists for the card.
func TestEnrolmentRacedByTwoReplicasEnrolsOnce(t *testing.T) {
	shared := store.NewMemory()
	a := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 1})
	b := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: shared, Seed: 2})
	ca, cb := newIssuer(t, a), newIssuer(t, b)
	newFakeIssuer(t, a, nil)
	newFakeIssuer(t, b, nil)
	for round := range 15 {
		stem := fmt.Sprintf("520473%09d", 1000+round)
		card := stem + string(pan.LuhnCheckDigit(stem))
		bodies := [][]byte{ca.body(card), cb.body(card)}
		var wg sync.WaitGroup
		answers := make([]answer, 2)
		for i, c := range []*issuer{ca, cb} {
			wg.Add(1)
			go func() { defer wg.Done(); answers[i] = c.send(bodies[i], nil) }()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, ans := range answers {
			switch {
			case ans.status == 200:
				ok++
			case ans.status == 409 && serviceReason(t, ans) == "ALREADY_EXISTS":
				refused++
			default:
				t.Fatalf("round %d: %d %s", round, ans.status, ans.raw)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: one card enrolled through two replicas at once: %d enrolled, %d refused; want 1 and 1", round, ok, refused)
		}
		ca.searchOne("AccountPan", card) // exactly one token
	}
}
