package fault

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestTimesExpiresAfterNUses(t *testing.T) {
	var s Set
	if _, err := s.Add(Rule{Network: "visa", Operation: "enrollData", Status: 503, Times: 2}, t0); err != nil {
		t.Fatal(err)
	}
	tgt := Target{Network: "visa", Operation: "enrollData"}
	for i := 0; i < 2; i++ {
		if s.Match(tgt, t0) == nil {
			t.Fatalf("use %d did not match", i+1)
		}
	}
	if s.Match(tgt, t0) != nil || len(s.List(t0)) != 0 {
		t.Fatal("rule outlived its uses")
	}
}

func TestScopes(t *testing.T) {
	var s Set
	_, _ = s.Add(Rule{Network: "mastercard", Card: "8785", Status: 500, TTL: Duration(time.Minute)}, t0)
	declared := func(st int) bool { return st == 500 }
	if s.Match(Target{Network: "visa", Cards: []string{"5186001700008785"}, Declares: declared}, t0) != nil {
		t.Error("matched another network")
	}
	if s.Match(Target{Network: "mastercard", Cards: []string{"5186001700009726"}, Declares: declared}, t0) != nil {
		t.Error("matched another card")
	}
	if s.Match(Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: func(int) bool { return false }}, t0) != nil {
		t.Error("matched an operation that does not declare the status")
	}
	if s.Match(Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: declared}, t0) == nil {
		t.Error("did not match its card")
	}
	if s.Match(Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: declared}, t0.Add(time.Minute)) != nil {
		t.Error("matched after its TTL")
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	_, err := (&Set{}).Add(Rule{Status: 200, Drop: true, Card: "5186001700008785", Times: -1}, t0)
	if err == nil {
		t.Fatal("expected errors")
	}
	msg := err.Error()
	for _, want := range []string{"4xx or 5xx", "drop and status", "never a full card number", "times"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "5186001700008785") {
		t.Error("error message leaked the PAN")
	}
}

func TestParseHeader(t *testing.T) {
	r, err := ParseHeader("status=503; code=VIDC-5000; latency=20ms")
	if err != nil || r.Status != 503 || r.Code != "VIDC-5000" || time.Duration(r.Latency) != 20*time.Millisecond {
		t.Fatalf("ParseHeader = %+v, %v", r, err)
	}
	if r, err := ParseHeader("drop"); err != nil || !r.Drop {
		t.Fatalf("drop: %+v, %v", r, err)
	}
	if _, err := ParseHeader("status=abc; colour=red"); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("bad header accepted: %v", err)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"status=503;code=X", "drop", "latency=1s", ";;=;", "status=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseHeader(s)
		if err == nil {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("parsed rule fails validation: %v", verr)
			}
		}
	})
}

func TestFormatDurationFitsTheAdminPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(ms|s|m|h)$`)
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", 90 * time.Second: "90s", 250 * time.Millisecond: "250ms", 2 * time.Hour: "2h",
		1500 * time.Millisecond: "1500ms", 500 * time.Microsecond: "0.5ms", time.Nanosecond: "0.000001ms", 0: "0s",
	} {
		got := FormatDuration(d)
		if got != want || !pattern.MatchString(got) {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != d {
			t.Errorf("%q reads back as %s, %v", got, back, err)
		}
	}
}
