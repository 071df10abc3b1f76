package declaration

import (
	"strings"
	"testing"
)

const caps = `{
  "//": "Acme issuer 4.2",
  "mastercard": {
    "batch-enrolment": false,
    "push-provisioning": true,
    "pre-digitization": false
  },
  "visa": {
    "x-pay-token": false,
    "two-way-ssl": false,
    "approve-provisioning": false
  }
}
`

func TestLinesFollowTheDocument(t *testing.T) {
	at, err := lines([]byte(caps))
	if err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]int{"": 1, "/mastercard": 3, "/mastercard/batch-enrolment": 4, "/mastercard/pre-digitization": 6, "/visa/approve-provisioning": 11} {
		if at[ptr] != want {
			t.Errorf("%s on line %d, want %d", ptr, at[ptr], want)
		}
	}
	at, _ = lines([]byte("[\n {\"a\": [1,\n 2]},\n {\"b\": {}}\n]"))
	if at["/0"] != 2 || at["/0/a/1"] != 3 || at["/1"] != 4 || at["/1/b"] != 4 {
		t.Errorf("arrays: %v", at)
	}
}

func TestCapabilityScope(t *testing.T) {
	c, err := ParseCapabilities("caps.json", []byte(caps))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Scope()
	// An optional feature declared away: its requirements are not applicable, naming the line.
	for _, id := range []string{"MC-ENR-11@mastercard", "C2P-ENR-06@mastercard", "C2P-LCM-08@mastercard"} {
		if r := s.NotApplicable[id]; !strings.Contains(r, `caps.json:4 ("batch-enrolment": false)`) {
			t.Errorf("%s: %q", id, r)
		}
	}
	if r := s.NotApplicable["C2P-ENR-07@visa"]; !strings.Contains(r, "approve-provisioning") || !strings.Contains(r, "caps.json:11") {
		t.Errorf("an optional MUST declared away: %q", r)
	}
	// A mandatory feature cannot be declared away: refused, its requirements stay.
	for _, id := range []string{"MC-NTF-01@mastercard", "C2P-ENR-07@mastercard", "C2P-ENR-06@visa", "C2P-LCM-08@visa"} {
		if r, ok := s.NotApplicable[id]; ok {
			t.Errorf("%s made not applicable: %s", id, r)
		}
	}
	joined := strings.Join(s.Refused, "\n")
	if !strings.Contains(joined, "mastercard pre-digitization is mandatory") || !strings.Contains(joined, "caps.json:6") {
		t.Errorf("the mandatory feature's refusal: %s", joined)
	}
	if !strings.Contains(joined, "every authentication feature") {
		t.Errorf("no authentication method at all: %s", joined)
	}
	var nothing *Capabilities
	if s := nothing.Scope(); len(s.NotApplicable) != 0 || len(s.Refused) != 0 {
		t.Errorf("no declaration changes nothing: %+v", s)
	}
}

func TestCapabilityMistakesAllAtOnce(t *testing.T) {
	_, err := ParseCapabilities("c.json", []byte(`{
  "mastercrad": {},
  "visa": {"enrol-exisiting": false, "two-way-ssl": "yes"}
}`))
	for _, want := range []string{`c.json:2: unknown network "mastercrad"`, `c.json:3: visa has no feature "enrol-exisiting"`, "c.json:3: visa.two-way-ssl: want true"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

const waivers = `[
  {"requirement": "c2p-err-03", "case": "VI.backoff-grows", "reason": "constant delay until 4.3", "owner": "jane", "expires": "2026-06-30"},
  {"requirement": "MC-ENR-11", "network": "mastercard", "reason": "batch off", "owner": "bob", "expires": "2025-01-31"}
]`

func TestWaivers(t *testing.T) {
	ws, err := ParseWaivers("w.json", []byte(waivers))
	if err != nil {
		t.Fatal(err)
	}
	a, b := ws.List[0], ws.List[1]
	if a.Requirement != "C2P-ERR-03" || a.Network != "visa" || a.Line != 2 || b.Line != 3 {
		t.Fatalf("parsed %+v %+v", a, b)
	}
	if !a.Matches("C2P-ERR-03", "visa", "VI.backoff-grows") || a.Matches("C2P-ERR-03", "visa", "VI.other") || a.Matches("C2P-ERR-03", "amex", "VI.backoff-grows") {
		t.Error("a waiver with a case matches that case alone")
	}
	if !b.Matches("MC-ENR-11", "mastercard", "MC.anything") {
		t.Error("a waiver without a case matches every case of its requirement")
	}
	if a.ExpiredOn("2026-06-30") || !a.ExpiredOn("2026-07-01") {
		t.Error("a waiver holds through its expiry day, not after")
	}
}

func TestWaiverMistakesAllAtOnce(t *testing.T) {
	_, err := ParseWaivers("w.json", []byte(`[
  {"requirement": "VI-NOPE-01", "reason": "x", "owner": "y", "expires": "2026-01-01"},
  {"requirement": "MC-ENR-11", "network": "visa", "reason": "", "owner": "y", "expires": "31/01/2026"},
  {"requirement": "C2P-ERR-03", "case": "VI.backoff-grows", "network": "amex", "reason": "r", "owner": "o", "expires": "2026-01-01", "approvedBy": "z"},
  {"requirement": "C2P-ERR-03", "case": "MC.backoff-grows", "network": "visa", "reason": "r", "owner": "o", "expires": "2026-01-01"},
  {"requirement": "C2P-ERR-01", "reason": "r", "owner": "o", "expires": "2026-01-01"},
  {"requirement": "C2P-ERR-01", "reason": "again", "owner": "o", "expires": "2026-02-01"}
]`))
	for _, want := range []string{`w.json:2: waiver 1: unknown requirement "VI-NOPE-01"`, "w.json:3: waiver 2: MC-ENR-11 does not apply to visa",
		"reason is required", `expires "31/01/2026" is not a date`, `w.json:4: waiver 3: json: unknown field "approvedBy"`,
		"w.json:5: waiver 4: case MC.backoff-grows is a mastercard case, not visa", "w.json:7: waiver 6: waives what the waiver at line 6 waives"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}
