package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/c2psim/c2psim/simulator"
)

// CallbackRetries and CallbackTimeout are what the harness's cases need of
// a network's calls to the issuer: a refused delivery is tried again (the
// redelivery cases), and an answer comes within the deadline the cases
// hold the issuer to.
var (
	CallbackRetries = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
	CallbackTimeout = 2 * time.Second
)

// maxOutcomeDelay is the longest a network setting may delay an outcome:
// the cases wait 20 s for one.
const maxOutcomeDelay = 5 * time.Second

// Preflight is what the harness learnt before the first case.
type Preflight struct {
	// Info is the driver's GET /info.
	Info      *Info
	SUT       SystemUnderTest
	Simulator SimulatorInfo
	Notes     []string
}

// RunPreflight checks, before the first case, that the simulator and the
// issuer's driver answer and agree with the run: every network under test
// is mounted by the simulator and declared by the driver, and no setting
// delays an outcome past what the cases wait. With full set (once per run,
// not once per shard) it also checks the simulator is clean — no fault rule
// left by an earlier or aborted run — or resets it when reset is set, and,
// on the external target, registers each network's callback URL from the
// driver's GET /info with the retry schedule and timeout the cases need.
// Every problem is reported at once, saying what to change.
func RunPreflight(ctx context.Context, t *Target, cfg Config, full, reset bool) (Preflight, error) {
	var p Preflight
	var errs []error
	h, err := t.Control.Health(ctx)
	if err != nil {
		return p, fmt.Errorf("the simulator at %s does not answer its admin API (%v): start c2psim there, or set simulatorUrl", orBundled(t.SimURL), err)
	}
	p.Simulator = SimulatorInfo{Version: h.Version, Seed: h.Seed, StartedAt: h.StartedAt}
	if t.Name == "external" {
		p.Simulator.URL = t.SimURL
	}
	for _, n := range t.Networks {
		if !slices.Contains(h.Networks, n) {
			errs = append(errs, fmt.Errorf("network %s is under test but the simulator mounts only %s", n, strings.Join(h.Networks, ", ")))
		}
	}
	d := *t.Driver
	d.OnBroken = nil
	info, err := d.Info(ctx)
	var unanswered *ContractError
	switch {
	case errors.As(err, &unanswered) && unanswered.Status == 0:
		errs = append(errs, fmt.Errorf("the issuer's driver at %s does not answer GET /info (%s): start it there, or set driverUrl",
			t.Driver.BaseURL, strings.TrimPrefix(unanswered.Problem, "the issuer's driver did not answer: ")))
	case err != nil:
		errs = append(errs, fmt.Errorf("the issuer's driver at %s: GET /info: %v (openapi/driver.yaml)", t.Driver.BaseURL, err))
	default:
		p.Info = info
		p.SUT = SystemUnderTest{Name: info.Name, Version: info.Version, Vendor: info.Vendor}
		for _, n := range t.Networks {
			if !slices.Contains(info.Networks, n) {
				errs = append(errs, fmt.Errorf("network %s is under test but the driver declares only %s: remove it from networks, or declare it in GET /info", n, strings.Join(info.Networks, ", ")))
			}
		}
	}
	infos, err := t.Control.Networks(ctx)
	if err != nil {
		return p, errors.Join(append(errs, fmt.Errorf("reading the simulator's networks: %w", err))...)
	}
	for _, ni := range infos {
		if !t.UnderTest(ni.ID) {
			continue
		}
		reg, _ := LookupNetwork(ni.ID)
		for _, s := range ni.Settings {
			if !slices.Contains(reg.Waits, s.Key) {
				continue
			}
			v := s.Value
			if v == "" {
				v = s.Default
			}
			if d, err := time.ParseDuration(v); err == nil && d > maxOutcomeDelay {
				errs = append(errs, fmt.Errorf("%s.%s is %s: the cases wait 20s for an outcome; start c2psim with --set %s.%s=200ms", ni.ID, s.Key, v, ni.ID, s.Key))
			}
		}
		if full && t.Name == "external" && info != nil && callsIssuer(ni) {
			if err := registerCallback(ctx, t, ni, info); err != nil {
				errs = append(errs, err)
			} else {
				p.Notes = append(p.Notes, fmt.Sprintf("registered the %s callback URL with the simulator", ni.ID))
			}
		}
	}
	if full {
		rules, err := t.Control.Faults(ctx)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("listing the simulator's fault rules: %w", err))
		case len(rules) > 0 && reset:
			if err := t.Control.Reset(ctx); err != nil {
				errs = append(errs, fmt.Errorf("resetting the simulator: %w", err))
			} else {
				p.Notes = append(p.Notes, fmt.Sprintf("reset the simulator (%d fault rules were armed)", len(rules)))
			}
		case len(rules) > 0:
			var ids []string
			for _, r := range rules {
				ids = append(ids, r.ID)
			}
			errs = append(errs, fmt.Errorf("the simulator is not clean: %d fault rules are armed (%s), left by an earlier or aborted run; "+
				"run with --reset (or resetSimulator: true) to reset it, or DELETE /_admin/faults", len(rules), strings.Join(ids, ", ")))
		}
	}
	return p, errors.Join(errs...)
}

// registerCallback points a network's calls at the URL the driver names,
// with the retries and timeout the cases need; without one the simulator's
// registered URL stays, and with neither the preflight says what to set.
func registerCallback(ctx context.Context, t *Target, ni simulator.NetworkInfo, info *Info) error {
	url := info.Callbacks[ni.ID]
	if url == "" && ni.Callback != nil {
		url = ni.Callback.URL
	}
	if url == "" {
		return fmt.Errorf("%s calls the issuer, but the driver's GET /info names no callbacks.%s URL and the simulator has none registered: "+
			"add callbacks.%s (the base URL %s's calls reach your issuer at) to GET /info", ni.ID, ni.ID, ni.ID, ni.Name)
	}
	target := simulator.CallbackTarget{URL: url, RetrySchedule: CallbackRetries, Timeout: CallbackTimeout}
	if ni.Callback != nil && ni.Callback.URL == url {
		// The issuer registered this URL itself: whether the simulator
		// takes its TLS certificate unverified stays its choice.
		target.InsecureSkipVerify = ni.Callback.InsecureSkipVerify
	}
	err := t.Control.SetCallback(ctx, ni.ID, target)
	if err != nil {
		return fmt.Errorf("registering %s's callback URL %s with the simulator: %w", ni.ID, url, err)
	}
	return nil
}

// callsIssuer reports whether the network has calls to the issuer.
func callsIssuer(ni simulator.NetworkInfo) bool {
	for _, d := range ni.Documents {
		if d.Direction == "callback" {
			return true
		}
	}
	return false
}

func orBundled(url string) string {
	if url == "" {
		return "(in process)"
	}
	return url
}
