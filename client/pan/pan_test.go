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
