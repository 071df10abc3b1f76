// Package requirements is the conformance catalog: every program rule a
// scenario can prove, with a stable ID, the rule in network-neutral words, a
// level, an area, and one statement per network it applies to. A statement
// says the rule in that network's own terms (its fields, its codes), names its
// public source, the network operations it is about, and whether the network
// documents it or it is c2psim's inference.
//
// IDs are <NET>-<AREA>-<NN>: NET is MC, VI, AX or DS for a rule of one
// network, C2P for a rule several networks share (the statements say which).
// A requirement gets one verdict per network it applies to, each from
// scenarios that ran for that network.
//
// Each requirement is a Go variable, so a typo in a scenario does not
// compile:
//
//	It("...", conformance.Case(requirements.Visa, "enrol-complete", requirements.C2PEnr01), ...)
//
// The shared rules are defined in catalog.go; each network's file
// (mastercard.go, visa.go, amex.go, discover.go) holds that network's own
// requirements and its statements of the shared ones.
package requirements

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Network is a card network's Click to Pay program.
type Network string

// The networks the catalog knows.
const (
	Mastercard Network = "mastercard"
	Visa       Network = "visa"
	Amex       Network = "amex"
	Discover   Network = "discover"
)

var prefixes = map[Network]string{Mastercard: "MC", Visa: "VI", Amex: "AX", Discover: "DS"}

// Prefix is the network's two-letter ID prefix (MC, VI, AX, DS).
func (n Network) Prefix() string { return prefixes[n] }

// Networks lists every network the catalog knows, sorted.
func Networks() []Network {
	out := make([]Network, 0, len(prefixes))
	for n := range prefixes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ParseNetwork finds a network by name (mastercard, visa, amex, discover).
func ParseNetwork(s string) (Network, bool) {
	n := Network(strings.ToLower(strings.TrimSpace(s)))
	_, ok := prefixes[n]
	return n, ok
}

// Level is how binding a requirement is.
type Level string

// Levels.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Area groups requirements.
type Area string

// Areas; the three letters in an ID name one.
const (
	Enrolment     Area = "enrolment"     // ENR
	Data          Area = "data"          // DAT
	Lifecycle     Area = "lifecycle"     // LCM
	Notifications Area = "notifications" // NTF
	Security      Area = "security"      // SEC
	Errors        Area = "errors"        // ERR
	Idempotency   Area = "idempotency"   // IDM
)

var areaCodes = map[string]Area{"ENR": Enrolment, "DAT": Data, "LCM": Lifecycle, "NTF": Notifications, "SEC": Security, "ERR": Errors, "IDM": Idempotency}

// Statement is how one network states a requirement.
type Statement struct {
	Network Network `json:"network"`
	// Title is the rule in the network's own terms; empty means the
	// requirement's Title (a rule of one network needs no restatement). It
	// names only this network's fields and codes.
	Title string `json:"title"`
	// Source is the network's public material the rule rests on.
	Source string `json:"source,omitempty"`
	// Documented is true when the network documents the rule; false when it
	// is c2psim's inference (configurable in the simulator). A documented
	// statement names only operations c2psim's document marks documented.
	Documented bool `json:"documented"`
	// Operations are the network's operation IDs (in its documents under
	// openapi/<network>/) the rule is about; "op#envelope" or "op#body"
	// names one part of an operation whose document splits its fidelity
	// (x-c2psim-fidelity-parts).
	Operations []string `json:"operations,omitempty"`
}

// Requirement is one program rule.
type Requirement struct {
	ID    string `json:"id"` // C2P-ENR-01, MC-NTF-01 ...
	Area  Area   `json:"area"`
	Level Level  `json:"level"`
	// Title is the rule in network-neutral words.
	Title string `json:"title"`
	// Check says how scenarios check it, where that is not obvious.
	Check string `json:"check,omitempty"`
	// Networks it applies to, sorted; each gets its own verdict.
	Networks []Network `json:"networks"`
	// Statements, one per network in Networks, in the same order.
	Statements []Statement `json:"statements"`
}

// On returns the network's statement of the requirement.
func (r *Requirement) On(n Network) (Statement, bool) {
	for _, s := range r.Statements {
		if s.Network == n {
			if s.Title == "" {
				s.Title = r.Title
			}
			return s, true
		}
	}
	return Statement{}, false
}

// AppliesTo reports whether the requirement has a statement for n.
func (r *Requirement) AppliesTo(n Network) bool { return slices.Contains(r.Networks, n) }

var (
	catalog = map[string]*Requirement{}
	// problems found while the catalog was declared, reported by Check.
	problems []string
)

// rule declares a requirement while the package initialises; statements
// are added with on. A duplicate ID is a programming error found before
// anything runs.
func rule(r Requirement) *Requirement {
	if _, dup := catalog[r.ID]; dup {
		panic(fmt.Sprintf("requirements: %s defined twice", r.ID))
	}
	p := &r
	p.Networks, p.Statements = nil, nil
	catalog[r.ID] = p
	return p
}

// on adds a network's statement of r.
func on(n Network, r *Requirement, s Statement) *Requirement {
	s.Network = n
	if _, dup := r.On(n); dup {
		problems = append(problems, fmt.Sprintf("%s has two %s statements", r.ID, n))
		return r
	}
	r.Statements = append(r.Statements, s)
	sort.Slice(r.Statements, func(i, j int) bool { return r.Statements[i].Network < r.Statements[j].Network })
	r.Networks = r.Networks[:0]
	for _, st := range r.Statements {
		r.Networks = append(r.Networks, st.Network)
	}
	return r
}

// only declares a requirement of one network with its one statement.
func only(n Network, r Requirement, s Statement) *Requirement {
	return on(n, rule(r), s)
}

// All returns the catalog sorted by ID.
func All() []*Requirement {
	out := make([]*Requirement, 0, len(catalog))
	for _, r := range catalog {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup finds a requirement by ID, case-insensitively.
func Lookup(id string) (*Requirement, bool) {
	r, ok := catalog[strings.ToUpper(strings.TrimSpace(id))]
	return r, ok
}

// ForNetwork returns the requirements that apply to n, sorted by ID.
func ForNetwork(n Network) []*Requirement {
	var out []*Requirement
	for _, r := range All() {
		if r.AppliesTo(n) {
			out = append(out, r)
		}
	}
	return out
}

// AreaOf returns the area an ID's middle part names.
func AreaOf(id string) (Area, bool) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 {
		return "", false
	}
	a, ok := areaCodes[parts[1]]
	return a, ok
}
