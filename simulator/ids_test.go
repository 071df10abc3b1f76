package simulator_test

import (
	"encoding/hex"
	"fmt"
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

// A seeded UUID is the seed's next 16 bytes in the version 4 layout, the
// same for a seed as it has always been (a --seed run names things alike).
func TestUUIDIsTheSeedsBytesInVersion4Layout(t *testing.T) {
	ids, twin := simulator.NewSeededIDs(7), simulator.NewSeededIDs(7)
	for range 1000 {
		b, err := hex.DecodeString(twin.Hex(16))
		if err != nil {
			t.Fatal(err)
		}
		b[6] = (b[6] & 0x0f) | 0x40
		b[8] = (b[8] & 0x3f) | 0x80
		want := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		if got := ids.UUID(); got != want {
			t.Fatalf("UUID() = %s, want %s", got, want)
		}
	}
}
