package fault

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/store"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newRules() *Rules { return NewRules(store.NewMemory(), "faults") }

// match lists the rules and matches t against them, as the engine does.
func match(t *testing.T, rs *Rules, tgt Target, now time.Time) *Rule {
	t.Helper()
	known, err := rs.List(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := rs.Match(context.Background(), known, tgt, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTimesExpiresAfterNUses(t *testing.T) {
	rs := newRules()
	if _, err := rs.Add(context.Background(), Rule{Network: "visa", Operation: "enrollData", Status: 503, Times: 2}, t0); err != nil {
		t.Fatal(err)
	}
	tgt := Target{Network: "visa", Operation: "enrollData"}
	for i := 0; i < 2; i++ {
		if match(t, rs, tgt, t0) == nil {
			t.Fatalf("use %d did not match", i+1)
		}
	}
	if match(t, rs, tgt, t0) != nil {
		t.Fatal("rule outlived its uses")
	}
	if left, _ := rs.List(context.Background(), t0); len(left) != 0 {
		t.Fatalf("a spent rule is still listed: %+v", left)
	}
}

// Two keepers on one store, each matching with what it listed before any
// use (as two replicas do): the rule for the next 5 calls answers 5 of 40.
func TestTimesCountedOnceAcrossKeepers(t *testing.T) {
	ctx := context.Background()
	s := store.NewMemory()
	a, b := NewRules(s, "faults"), NewRules(s, "faults")
	if _, err := a.Add(ctx, Rule{Network: "visa", Status: 503, Times: 5}, t0); err != nil {
		t.Fatal(err)
	}
	knownA, _ := a.List(ctx, t0)
	knownB, _ := b.List(ctx, t0)
	var wg sync.WaitGroup
	var fired atomic.Int32
	for i := 0; i < 40; i++ {
		rs, known := a, knownA
		if i%2 == 1 {
			rs, known = b, knownB
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _, err := rs.Match(ctx, known, Target{Network: "visa"}, t0)
			if err != nil {
				t.Error(err)
			}
			if r != nil {
				fired.Add(1)
			}
		}()
	}
	wg.Wait()
	if fired.Load() != 5 {
		t.Fatalf("a rule for the next 5 calls answered %d of 40 calls made through two keepers", fired.Load())
	}
}

func TestIDsAreUniqueAndOrdered(t *testing.T) {
	ctx := context.Background()
	s := store.NewMemory()
	a, b := NewRules(s, "faults"), NewRules(s, "faults")
	for i := 0; i < 11; i++ {
		rs := a
		if i%2 == 1 {
			rs = b
		}
		if _, err := rs.Add(ctx, Rule{Network: "visa", Status: 500 + i%4, Times: 1}, t0); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := b.List(ctx, t0)
	var ids []string
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, ","); got != "f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11" {
		t.Fatalf("rule IDs in order = %s", got)
	}
	if r := match(t, a, Target{Network: "visa"}, t0); r == nil || r.ID != "f1" {
		t.Fatalf("the first rule added applies first; got %+v", r)
	}
}

func TestScopes(t *testing.T) {
	rs := newRules()
	_, _ = rs.Add(context.Background(), Rule{Network: "mastercard", Card: "8785", Status: 500, TTL: Duration(time.Minute)}, t0)
	declared := func(st int) bool { return st == 500 }
	if match(t, rs, Target{Network: "visa", Cards: []string{"5186001700008785"}, Declares: declared}, t0) != nil {
		t.Error("matched another network")
	}
	if match(t, rs, Target{Network: "mastercard", Cards: []string{"5186001700009726"}, Declares: declared}, t0) != nil {
		t.Error("matched another card")
	}
	if match(t, rs, Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: func(int) bool { return false }}, t0) != nil {
		t.Error("matched an operation that does not declare the status")
	}
	if r := match(t, rs, Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: declared}, t0); r == nil || r.Hits != 1 {
		t.Errorf("did not match its card, or did not count the use: %+v", r)
	}
	if match(t, rs, Target{Network: "mastercard", Cards: []string{"5186001700008785"}, Declares: declared}, t0.Add(time.Minute)) != nil {
		t.Error("matched after its TTL")
	}
	if left, _ := rs.List(context.Background(), t0.Add(time.Minute)); len(left) != 0 {
		t.Errorf("an expired rule is still listed: %+v", left)
	}
}

// A keeper matching with a list that names a rule since removed passes it
// over and says the list is stale.
func TestMatchPassesOverRemovedRules(t *testing.T) {
	ctx := context.Background()
	rs := newRules()
	first, _ := rs.Add(ctx, Rule{Network: "visa", Status: 503}, t0)
	_, _ = rs.Add(ctx, Rule{Network: "visa", Status: 500}, t0)
	known, _ := rs.List(ctx, t0)
	if ok, err := rs.Delete(ctx, first.ID); !ok || err != nil {
		t.Fatalf("Delete = %v, %v", ok, err)
	}
	r, stale, err := rs.Match(ctx, known, Target{Network: "visa"}, t0)
	if err != nil || r == nil || r.Status != 500 || !stale {
		t.Fatalf("Match after a removal = %+v, stale %v, %v; want the second rule and stale", r, stale, err)
	}
	if ok, _ := rs.Delete(ctx, first.ID); ok {
		t.Error("deleting a removed rule reported one")
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	_, err := newRules().Add(context.Background(), Rule{Status: 200, Drop: true, Card: "5186001700008785", Times: -1}, t0)
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
