// Package requirements is the conformance catalog: every program requirement
// a scenario can prove, with a stable ID, a title, a level, the network it
// belongs to, the area, its public source and whether the network documents
// it (or it is c2psim's inference, stated as such).
package requirements

import (
	"fmt"
	"sort"
	"strings"
)

// Level is how binding a requirement is.
type Level string

// Levels.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Requirement is one program requirement.
type Requirement struct {
	ID         string `json:"id"`                // MC-ENR-01, VI-SEC-04, C2P-SEC-10 ...
	Network    string `json:"network,omitempty"` // mastercard | visa | amex | discover; empty for C2P (every network)
	Area       string `json:"area"`
	Level      Level  `json:"level"`
	Title      string `json:"title"`
	Check      string `json:"check,omitempty"` // how it is checked automatically
	Source     string `json:"source,omitempty"`
	Documented bool   `json:"documented"` // false: c2psim's inference, configurable in the simulator
}

var catalog = map[string]Requirement{}

// add registers a requirement while the package initialises; a duplicate ID
// is a programming error found before anything runs.
func add(r Requirement) Requirement {
	if _, dup := catalog[r.ID]; dup {
		panic(fmt.Sprintf("requirements: %s defined twice", r.ID))
	}
	catalog[r.ID] = r
	return r
}

// All returns the catalog sorted by ID.
func All() []Requirement {
	out := make([]Requirement, 0, len(catalog))
	for _, r := range catalog {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup finds a requirement by ID.
func Lookup(id string) (Requirement, bool) {
	r, ok := catalog[strings.ToUpper(id)]
	return r, ok
}

// NetworkLabel is the network a requirement applies to, "all" for C2P.
func (r Requirement) NetworkLabel() string {
	if r.Network == "" {
		return "all"
	}
	return r.Network
}
