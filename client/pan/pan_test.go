package pan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand"
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

func TestRedactJSONMasksCardsAndRemovesSecrets(t *testing.T) {
	in := []byte(`{"card":{"primaryAccountNumber":"5186001700008785","cvc":"123","expiryMonth":"12","panExpirationYear":2030},
	  "note":"pan 4111111145551140 inside text","n":4111111145551140,"id":"1234567890123","sharedSecret":"s3cr3t"}`)
	out := string(RedactJSON(in))
	for _, leak := range []string{"5186001700008785", "4111111145551140", `"123"`, "s3cr3t", "2030"} {
		if strings.Contains(out, leak) {
			t.Errorf("%s leaked in %s", leak, out)
		}
	}
	for _, want := range []string{"518600******8785", "411111******1140", "1234567890123"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s missing from %s", want, out)
		}
	}
	if got := RedactText("ts=1764043403123 amex=371111111111111"); got != "ts=1764043403123 amex=371111*****1111" {
		t.Errorf("RedactText = %q", got)
	}
	if got := string(RedactJSON([]byte("not json 5186001700008785"))); got != "not json 518600******8785" {
		t.Errorf("text fallback = %q", got)
	}
}

func FuzzRedactText(f *testing.F) {
	for _, s := range []string{visa, "x5186001700008785y", "", "12345678901234567890123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactText(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
		if again := RedactText(out); again != out {
			t.Fatalf("not idempotent: %q -> %q", out, again)
		}
	})
}

func TestRedactJSONLeavesCleanDocumentsUntouched(t *testing.T) {
	clean := []byte(`{"artId":"art-0001","n":123456789012,"nested":{"status":"ACTIVE"}}`)
	if out := RedactJSON(clean); &out[0] != &clean[0] {
		t.Error("a document with nothing to redact was copied")
	}
	for _, dirty := range []string{
		`{"a":"x 4111111145551140"}`, `{"cvc":"123"}`, `{"Expiry_Month":"12"}`, `{"n":5186001700008785}`, `{"k\u0065y":"v"}`,
	} {
		if !needsRedaction([]byte(dirty)) {
			t.Errorf("pre-scan missed %s", dirty)
		}
	}
}

func FuzzRedactJSONNeverLeaks(f *testing.F) {
	f.Add([]byte(`{"pan":"5186001700008785","cvv":"123"}`))
	f.Add([]byte(`[1,2,"x"]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := RedactJSON(b)
		if !needsRedaction(out) {
			return
		}
		// Whatever remains flagged must be stable under a second pass.
		if again := RedactJSON(out); !bytes.Equal(again, out) && json.Valid(out) {
			t.Fatalf("second pass changed output: %q -> %q", out, again)
		}
	})
}

func TestRedactTextMasksGroupedAndOverlongNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"card 5186 0017 0000 8785 in clear":    "card 5186 00** **** 8785 in clear",
		"5186-0017-0000-8785":                  "5186-00**-****-8785",
		"5186\t0017\t0000\t8785":               "5186\t00**\t****\t8785",
		"5186.0017.0000.8785":                  "5186.00**.****.8785",
		"4111 1111 1111 1111 12 26":            "4111 11** **** **11 12 26",
		"card 4111-1111-1111-1111-1226":        "card 4111-11**-****-1111-1226",
		"3782 822463 10005":                    "3782 82**** *0005",
		"51860017000087851":                    "518600*******7851",
		"518600170000878512345":                "518600***********2345",
		"on 2026-01-15 at 10:00":               "on 2026-01-15 at 10:00",
		"call +1-202-555-0143":                 "call +1-202-555-0143",
		"id 12345678-1234-4123-8123-123456789": "id 12345678-1234-4123-8123-123456789",
		"53141213-1111-4aaa-9bbb-0123456789ab": "53141213-1111-4aaa-9bbb-0123456789ab",
		"53141213-1111-4111-8aaa-0123456789ab": "53141213-1111-4111-8aaa-0123456789ab",
		"53141213-1111-4111-8111-abcdef012345": "53141213-1111-4111-8111-abcdef012345",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(RedactJSON([]byte(`{"encryptedCard":"5186 0017 0000 8785"}`))); strings.Contains(got, "0017 0000") {
		t.Errorf("RedactJSON left a grouped card number: %s", got)
	}
}

// Random GUIDs (request IDs) are never taken for card numbers.
func TestRedactTextLeavesRandomUUIDs(t *testing.T) {
	for seed := int64(0); seed < 20000; seed++ {
		r := rand.New(rand.NewSource(seed))
		var b [16]byte
		r.Read(b[:])
		b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
		id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
		if got := RedactText(id); got != id {
			t.Fatalf("RedactText(%q) = %q", id, got)
		}
	}
}

func TestRedactIDKeepsAlphanumericIdentifiers(t *testing.T) {
	for in, want := range map[string]string{
		"DM4MMCa4533c7518dbb4996558145171bb9af2": "DM4MMCa4533c7518dbb4996558145171bb9af2",
		"5186001700008785":                       "518600******8785",
		"/tokens/5186001700008785/status":        "/tokens/518600******8785/status",
		"consumer-5186001700008785":              "consumer-518600******8785",
		"FPAN1a2b3c4d5e6f":                       "FPAN1a2b3c4d5e6f",
		"0f1e2d3c-4b5a-4968-8776-655443322110":   "0f1e2d3c-4b5a-4968-8776-655443322110",
	} {
		if got := RedactID(in); got != want {
			t.Errorf("RedactID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactJSONSeesThroughEscapes(t *testing.T) {
	got := string(RedactJSON([]byte(`{"x":"518600170\u00300008785","y":"5186\u002d0017\u002d0000\u002d8785"}`)))
	if strings.Contains(got, "0017000") || strings.Contains(got, "0017-0000") || strings.Contains(got, `\u0030`) {
		t.Fatalf("RedactJSON left an escaped card number: %s", got)
	}
}
