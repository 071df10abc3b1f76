package pan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const visa = "4111111145551140"

func TestPANNeverPrintsInFull(t *testing.T) {
	p := MustParse(visa)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("enrolling", "pan", p)
	js, _ := json.Marshal(struct{ P PAN }{p})
	outputs := []string{
		p.String(), fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %d", p, p, p, p, p, p),
		fmt.Errorf("enrolling %v: boom", p).Error(), string(js), logs.String(),
	}
	for _, o := range outputs {
		if strings.Contains(o, visa) {
			t.Errorf("full PAN in %q", o)
		}
		if !strings.Contains(o, "411111******1140") {
			t.Errorf("masked PAN missing from %q", o)
		}
	}
	if p.Reveal() != visa || p.Last4() != "1140" || p.BIN() != "411111" {
		t.Fatal("accessors broken")
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"5186 0017 0000 8785", nil},
		{"371111111111111", nil},
		{"4111111145551141", nil}, // Visa's own sample fails Luhn and must still parse
		{"41111", ErrNotDigits},
		{"4111x11145551140", ErrNotDigits},
	} {
		if _, err := Parse(tc.in); err != tc.want {
			t.Errorf("Parse(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

// The check digit LuhnCheckDigit gives is the one digit that completes its
// partial number into a Luhn-valid one, for every length.
func TestLuhnCheckDigitCompletesEveryNumber(t *testing.T) {
	for _, partial := range []string{"", "0", "7", "41111111111111", "518600170000878", "37828224631000", "123456789012345678", "4x1", "12 3"} {
		got := LuhnCheckDigit(partial)
		var valid []byte
		for c := byte('0'); c <= '9'; c++ {
			if Luhn(partial + string(c)) {
				valid = append(valid, c)
			}
		}
		switch {
		case len(valid) == 0 && got != '0':
			t.Errorf("LuhnCheckDigit(%q) = %c; no digit completes it", partial, got)
		case len(valid) > 0 && (len(valid) != 1 || valid[0] != got):
			t.Errorf("LuhnCheckDigit(%q) = %c, want %s", partial, got, valid)
		}
	}
}
