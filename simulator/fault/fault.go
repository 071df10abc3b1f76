// Package fault holds fault-injection rules: answer with a status and network
// error code, add latency, or drop the connection, for a network, an
// operation, a card, the next N calls or a time window. Rules come from the
// admin API or, for one request, from the X-C2PSim-Fault header.
//
// Faults are spec-bound: a rule, and the header alike, may only ask for a
// status the operation declares (the engine checks both the same way), so an
// injected failure is still an answer the network could give.
package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/c2psim/c2psim/client/pan"
)

// Header is the request header that injects a fault into that one request.
const Header = "X-C2PSim-Fault"

// Rule is one fault rule.
type Rule struct {
	ID        string     `json:"id,omitempty"`
	Network   string     `json:"network,omitempty"`
	Operation string     `json:"operation,omitempty"`
	Card      string     `json:"card,omitempty"` // last four digits or masked PAN
	Status    int        `json:"status,omitempty"`
	Code      string     `json:"code,omitempty"`
	Message   string     `json:"message,omitempty"`
	Latency   Duration   `json:"latency,omitempty"`
	Drop      bool       `json:"drop,omitempty"`
	Times     int        `json:"times,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	TTL       Duration   `json:"ttl,omitempty"`
	Remaining *int       `json:"remaining,omitempty"`
	Hits      int        `json:"hits,omitempty"`
	source    string
}

// Describe returns a short human description for the journal.
func (r *Rule) Describe() string {
	var parts []string
	if r.ID != "" {
		parts = append(parts, "rule "+r.ID)
	} else if r.source != "" {
		parts = append(parts, r.source)
	}
	if r.Status != 0 {
		parts = append(parts, "status="+strconv.Itoa(r.Status))
	}
	if r.Code != "" {
		parts = append(parts, "code="+r.Code)
	}
	if r.Latency > 0 {
		parts = append(parts, "latency="+FormatDuration(time.Duration(r.Latency)))
	}
	if r.Drop {
		parts = append(parts, "drop")
	}
	return strings.Join(parts, " ")
}

// Validate checks a rule on its own (the engine checks statuses against the
// spec separately). Every problem is reported.
func (r *Rule) Validate() error {
	var errs []error
	if r.Status == 0 && r.Latency == 0 && !r.Drop {
		errs = append(errs, errors.New("a rule needs at least one of status, latency or drop"))
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d: faults answer with a 4xx or 5xx status", r.Status))
	}
	if r.Drop && r.Status != 0 {
		errs = append(errs, errors.New("drop and status exclude each other: a dropped connection has no status"))
	}
	if r.Latency < 0 || time.Duration(r.Latency) > 5*time.Minute {
		errs = append(errs, fmt.Errorf("latency %s: must be between 0 and 5m", time.Duration(r.Latency)))
	}
	if r.Times < 0 {
		errs = append(errs, errors.New("times must be positive"))
	}
	if r.Card != "" && !validCardScope(r.Card) {
		errs = append(errs, fmt.Errorf("card %q: give the last four digits or a masked PAN (first six, last four), never a full card number", pan.RedactText(r.Card)))
	}
	if r.Code != "" && len(r.Code) > 64 {
		errs = append(errs, errors.New("code is longer than 64 characters"))
	}
	return errors.Join(errs...)
}

func validCardScope(c string) bool {
	if len(c) == 4 {
		_, err := strconv.Atoi(c)
		return err == nil
	}
	return strings.Contains(c, "*") && len(c) >= 12 && len(c) <= 19
}

// MatchesCard reports whether the rule's card scope matches a full PAN.
func (r *Rule) MatchesCard(fullPAN string) bool {
	if r.Card == "" {
		return true
	}
	if len(r.Card) == 4 {
		return strings.HasSuffix(fullPAN, r.Card)
	}
	return pan.Mask(fullPAN) == r.Card
}

// Target is what a rule is matched against.
type Target struct {
	Network   string
	Operation string
	Cards     []string // full PANs the request concerns (never stored)
	// Declares reports whether the operation declares an answer with this
	// status; rules asking for an undeclared status do not match.
	Declares func(status int) bool
}

// Arm prepares a valid rule for keeping at now (on the simulator's clock):
// card numbers masked in what it shows, its TTL made an expiry, its Times
// the uses remaining, no hits yet. Its ID is the keeper's to give.
func (r *Rule) Arm(now time.Time) {
	r.redact()
	if r.TTL > 0 && r.ExpiresAt == nil {
		t := now.Add(time.Duration(r.TTL))
		r.ExpiresAt = &t
	}
	r.Remaining = nil
	if r.Times > 0 {
		n := r.Times
		r.Remaining = &n
	}
	r.Hits = 0
}

// Expired reports whether the rule's time is over at now.
func (r *Rule) Expired(now time.Time) bool {
	return r.ExpiresAt != nil && !now.Before(*r.ExpiresAt)
}

// use counts one use; it reports whether the rule is spent (its last use).
func (r *Rule) use() (spent bool) {
	r.Hits++
	if r.Remaining == nil {
		return false
	}
	n := *r.Remaining - 1
	r.Remaining = &n
	return n <= 0
}

// Applies reports whether the rule's scope covers t (it does not look at
// the rule's expiry or uses).
func (r *Rule) Applies(t Target) bool {
	if r.Network != "" && r.Network != t.Network {
		return false
	}
	if r.Operation != "" && r.Operation != t.Operation {
		return false
	}
	if r.Status != 0 && t.Declares != nil && !t.Declares(r.Status) {
		return false
	}
	if r.Card != "" {
		return slices.ContainsFunc(t.Cards, r.MatchesCard)
	}
	return true
}

// ParseHeader reads an X-C2PSim-Fault header value:
//
//	status=503; code=VIDC-5000; message=try later; latency=250ms
//	drop
//
// Keys: status, code, message, latency, drop. Unknown keys are an error.
func ParseHeader(v string) (*Rule, error) {
	r := &Rule{source: "header " + Header}
	var errs []error
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch key {
		case "status":
			n, err := strconv.Atoi(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("status %q is not a number", val))
			}
			r.Status = n
		case "code":
			r.Code = val
		case "message":
			r.Message = val
		case "latency":
			d, err := time.ParseDuration(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("latency %q is not a duration such as 250ms", val))
			}
			r.Latency = Duration(d)
		case "drop":
			r.Drop = true
		default:
			errs = append(errs, fmt.Errorf("unknown key %q (known: status, code, message, latency, drop)", key))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s header: %w", Header, err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s header: %w", Header, err)
	}
	r.redact()
	return r, nil
}

// redact masks card numbers in what a rule answers with and shows: its
// message and code are listed by the admin API, journalled and sent back.
func (r *Rule) redact() {
	r.Message, r.Code = pan.RedactText(r.Message), pan.RedactText(r.Code)
}

// Duration is a time.Duration that reads JSON as any Go duration ("1m30s")
// and writes it in one unit, as the admin document's pattern says ("90s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatDuration(time.Duration(d)))
}

// FormatDuration writes d as a number and one unit, h, m, s or ms: the
// largest that divides it exactly ("5m", "90s", "250ms"), milliseconds
// with a fraction below one ("0.5ms"). time.ParseDuration reads it back
// exactly; time.Duration.String's "5m0s" fits no such pattern.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.name
		}
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"250ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
