package conformance

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/c2psim/c2psim/conformance/declaration"
	"github.com/c2psim/c2psim/conformance/requirements"
)

// What a waiver did in a run.
const (
	WaiverApplied    = "applied"         // it accepted a failure
	WaiverExpired    = "expired"         // past its date: it accepts nothing and fails the run
	WaiverStale      = "stale"           // in the run's scope, but nothing it names failed: it fails the run
	WaiverOutOfScope = "not in this run" // the run did not judge what it names
)

// WaiverUse is one waiver and what it did.
type WaiverUse struct {
	declaration.Waiver
	Status string `json:"status"`
	// Matched are the failures it accepted ("C2P-ERR-03@visa in VI.backoff-grows").
	Matched []string `json:"matched,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Problem reports whether the waiver fails the run.
func (w WaiverUse) Problem() bool { return w.Status == WaiverExpired || w.Status == WaiverStale }

// Signature is the key that signed a package, as its report prints it.
type Signature struct {
	KeyID     string `json:"keyId"`
	PublicKey string `json:"publicKey"` // base64 Ed25519
	// Generated is true for a key made for the run and not kept.
	Generated bool `json:"generated"`
}

// judgeUnsupported settles a failed case in which the issuer's driver
// answered 501 unsupported: the issuer said it does not implement what
// the case asked. For an operation of an optional feature the declaration
// does not claim, that is not a failure but a case that could not run
// ("not declared by the issuer"), never a pass; for a mandatory feature,
// an operation every issuer serves, or a feature the declaration claims,
// it is the failure, and the reason says which.
func judgeUnsupported(sc *Scenario, caps *declaration.Capabilities) {
	if sc.Verdict != Failed {
		return
	}
	i := slices.IndexFunc(sc.Exchanges, func(x Exchange) bool { return x.Flow == FlowHarnessIssuer && x.Status == 501 })
	if i < 0 {
		return
	}
	x := sc.Exchanges[i]
	path := x.URL
	if u, err := url.Parse(x.URL); err == nil {
		path = u.Path
	}
	n := requirements.Network(sc.Network)
	what := fmt.Sprintf("the issuer's driver answered 501 unsupported to %s %s (%s)", x.Method, path, x.Operation)
	f, ok := requirements.FeatureOfDriver(n, x.Operation)
	switch {
	case !ok:
		sc.Reason = what + ": every issuer on " + string(n) + " serves this operation"
	case f.Mandatory:
		sc.Reason = fmt.Sprintf("%s: %s %s is mandatory (%s)", what, n, f.ID, f.Why)
	default:
		if e, declared := caps.Declared(string(n), f.ID); declared && e.Implemented {
			sc.Reason = fmt.Sprintf("%s, yet the capability declaration says the issuer implements %s %s: %s", what, n, f.ID, caps.Where(e))
			return
		}
		sc.Verdict, sc.Failure = Skipped, nil
		sc.Reason = fmt.Sprintf("not declared by the issuer: %s, an operation of %s %s (%s); declare %q: false for %s in the capability declaration to make its requirements not applicable",
			what, n, f.ID, f.Title, f.ID, n)
	}
}

// applyDeclaration turns the verdict of a requirement the capability
// declaration takes out of scope into "not applicable" (the declaration
// line is its reason), and notes on a requirement a refused declaration
// tried to take out that it was judged anyway.
func applyDeclaration(rr *RequirementResult, s declaration.Scope) {
	key := rr.ID + "@" + rr.Network
	if reason, ok := s.NotApplicable[key]; ok {
		rr.Verdict, rr.Reasons = NotApplicable, []string{reason}
		return
	}
	if reason, ok := s.Kept[key]; ok {
		rr.Reasons = append(rr.Reasons, reason)
	}
}

// applyWaivers makes every failed requirement a waiver in force accepts
// "waived", and says what each waiver did: applied, expired, stale (it
// names something the run judged that did not fail) or not in this run.
// A waiver holds through its expiry day, judged on the run's start date.
func (out *Report) applyWaivers(cases map[string]Scenario) {
	out.WaiverUses = nil
	if out.Run.Waivers == nil {
		return
	}
	day := Today(out.Run.Started)
	for _, w := range out.Run.Waivers.List {
		use := WaiverUse{Waiver: w}
		judged := false
		for i := range out.Requirements {
			rr := &out.Requirements[i]
			if rr.ID != w.Requirement || w.Network != "" && rr.Network != w.Network {
				continue
			}
			if w.Case != "" && !slices.Contains(rr.Cases, w.Case) {
				continue
			}
			judged = true
			if rr.Verdict != Failed && rr.Verdict != Waived {
				continue
			}
			var failing, accepted []string
			for _, cs := range rr.Cases {
				if sc, ok := cases[cs]; ok && sc.Verdict == Failed {
					failing = append(failing, cs)
					if w.Matches(rr.ID, rr.Network, cs) {
						accepted = append(accepted, cs)
					}
				}
			}
			if len(accepted) == 0 {
				continue
			}
			use.Matched = append(use.Matched, fmt.Sprintf("%s@%s in %s", rr.ID, rr.Network, strings.Join(accepted, ", ")))
			if w.ExpiredOn(day) {
				rr.Reasons = append(rr.Reasons, fmt.Sprintf("the waiver at %s line %d expired on %s", out.Run.Waivers.File, w.Line, w.Expires))
				continue
			}
			if len(accepted) < len(failing) {
				use.Note = fmt.Sprintf("%s@%s still fails in cases the waiver does not name", rr.ID, rr.Network)
				continue
			}
			if rr.Verdict == Failed {
				rr.Verdict = Waived
				rr.Reasons = append([]string{fmt.Sprintf("waived until %s by %s: %s (%s line %d)", w.Expires, w.Owner, w.Reason, out.Run.Waivers.File, w.Line)}, rr.Reasons...)
			}
		}
		switch {
		case w.ExpiredOn(day):
			use.Status, use.Note = WaiverExpired, fmt.Sprintf("expired on %s (the run started %s): renew it with a new date and reason, or remove it", w.Expires, day)
		case len(use.Matched) > 0:
			use.Status = WaiverApplied
		case judged:
			use.Status, use.Note = WaiverStale, "nothing it names failed in this run: remove it"
		default:
			use.Status, use.Note = WaiverOutOfScope, "the run did not judge what it names"
		}
		out.WaiverUses = append(out.WaiverUses, use)
	}
}

// waiverProblems counts the waivers that fail the run.
func (out *Report) waiverProblems() int {
	n := 0
	for _, w := range out.WaiverUses {
		if w.Problem() {
			n++
		}
	}
	return n
}
