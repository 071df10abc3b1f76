package simulator_test

import (
	"testing"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// Generated numeric identifiers of card-number length never pass the Luhn
// check, so the journal never masks one as a card number; shorter ones are
// plain random digits.
func TestDigitsNeverLookLikeACardNumber(t *testing.T) {
	ids := simulator.NewSeededIDs(1)
	for i := 0; i < 20000; i++ {
		for _, n := range []int{12, 14, 16, 19} {
			d := ids.Digits(n)
			if len(d) != n || pan.Luhn(d) || pan.RedactText(d) != d {
				t.Fatalf("Digits(%d) = %s: passes Luhn or is masked", n, d)
			}
		}
	}
	if a, b := simulator.NewSeededIDs(5).Digits(14), simulator.NewSeededIDs(5).Digits(14); a != b {
		t.Fatalf("not reproducible: %s, %s", a, b)
	}
}
