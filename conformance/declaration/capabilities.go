// Package declaration reads what a team declares about its issuer and its
// run, each as a JSON file a person writes and reviews: the capability
// declaration (per network, which optional features of the program the
// issuer implements) and the waivers (known failures accepted for a while,
// each with its reason, owner and expiry). Every problem in a file is
// reported at once with its line, and every effect a declaration has on a
// verdict names the line it comes from.
//
// A capability declaration:
//
//	{
//	  "//": "Acme issuer platform 4.2: what we implement",
//	  "mastercard": {"batch-enrolment": false, "push-provisioning": true},
//	  "visa": {"x-pay-token": true, "two-way-ssl": false, "enrol-existing": false}
//	}
//
// A feature left out is judged as implemented: only what the team declares
// not implemented takes requirements out of scope, and a mandatory feature
// cannot be declared away (requirements.Feature).
//
// Waivers:
//
//	[
//	  {"requirement": "C2P-ERR-03", "network": "visa", "case": "VI.backoff-grows",
//	   "reason": "constant retry delay until release 4.3 (ACME-1234)", "owner": "jane@acme.example",
//	   "expires": "2026-06-30"}
//	]
package declaration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// Capabilities is a parsed capability declaration.
type Capabilities struct {
	File    string  `json:"file"`   // as given
	Digest  string  `json:"digest"` // SHA-256 of its bytes
	Entries []Entry `json:"entries"`
}

// Entry is one declared feature.
type Entry struct {
	Network     string `json:"network"`
	Feature     string `json:"feature"`
	Implemented bool   `json:"implemented"`
	Line        int    `json:"line"`
	Text        string `json:"text"` // the line as written
}

// Where names the entry's line: `capabilities.json:5 ("batch-enrolment": false)`.
func (c *Capabilities) Where(e Entry) string {
	return fmt.Sprintf("%s:%d (%s)", filepath.Base(c.File), e.Line, e.Text)
}

// LoadCapabilities reads and checks a capability declaration.
func LoadCapabilities(file string) (*Capabilities, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the capability declaration: %w", err)
	}
	return ParseCapabilities(file, b)
}

// ParseCapabilities checks a capability declaration against the catalog's
// features: every unknown network, unknown feature and value that is not
// true or false is reported, with its line, at once.
func ParseCapabilities(file string, b []byte) (*Capabilities, error) {
	sum := sha256.Sum256(b)
	c := &Capabilities{File: file, Digest: hex.EncodeToString(sum[:])}
	at, err := lines(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%s: want an object of networks, each an object of features (true or false): %w", file, err)
	}
	var errs []error
	where := func(ptr string) string { return fmt.Sprintf("%s:%d", filepath.Base(file), at[ptr]) }
	for _, key := range sortedKeys(top) {
		if strings.HasPrefix(key, "//") {
			continue
		}
		ptr := "/" + escape(key)
		n, ok := requirements.ParseNetwork(key)
		if !ok || string(n) != key {
			errs = append(errs, fmt.Errorf("%s: unknown network %q (want %s)", where(ptr), key, networkNames()))
			continue
		}
		var fs map[string]json.RawMessage
		if err := json.Unmarshal(top[key], &fs); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: want an object of features, each true or false", where(ptr), key))
			continue
		}
		for _, fk := range sortedKeys(fs) {
			if strings.HasPrefix(fk, "//") {
				continue
			}
			fptr := ptr + "/" + escape(fk)
			if _, ok := requirements.LookupFeature(n, fk); !ok {
				errs = append(errs, fmt.Errorf("%s: %s has no feature %q (its features: %s)", where(fptr), key, fk, requirements.FeatureIDs(n)))
				continue
			}
			var v bool
			if err := json.Unmarshal(fs[fk], &v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s.%s: want true (implemented) or false (not implemented)", where(fptr), key, fk))
				continue
			}
			c.Entries = append(c.Entries, Entry{Network: key, Feature: fk, Implemented: v, Line: at[fptr], Text: lineText(b, at[fptr])})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(c.Entries, func(i, j int) bool { return c.Entries[i].Line < c.Entries[j].Line })
	return c, nil
}

// Declared returns the entry for a network's feature, if the declaration
// has one.
func (c *Capabilities) Declared(n, feature string) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	for _, e := range c.Entries {
		if e.Network == n && e.Feature == feature {
			return e, true
		}
	}
	return Entry{}, false
}

// Scope is what a declaration does to the requirements of the catalog.
type Scope struct {
	// NotApplicable maps "<requirement ID>@<network>" to the reason it is
	// not applicable: the declaration line that takes its feature out.
	NotApplicable map[string]string `json:"notApplicable,omitempty"`
	// Refused are declarations the program does not allow to take effect:
	// a mandatory feature declared not implemented, a choice (such as
	// Visa's authentication methods) with no feature implemented. What
	// they would have taken out stays in scope and is judged.
	Refused []string `json:"refused,omitempty"`
	// Kept maps "<requirement ID>@<network>" of a mandatory feature
	// declared not implemented to why it is judged anyway.
	Kept map[string]string `json:"kept,omitempty"`
}

// Scope works out which requirements the declaration makes not applicable
// and which of its lines cannot take effect. A requirement is not
// applicable on a network when every feature listing it there is optional
// and declared not implemented; a nil declaration changes nothing.
func (c *Capabilities) Scope() Scope {
	s := Scope{NotApplicable: map[string]string{}, Kept: map[string]string{}}
	if c == nil {
		return s
	}
	for _, n := range requirements.Networks() {
		groups := map[string][]Entry{}
		groupSize := map[string]int{}
		gated := map[string][]*requirements.Feature{} // requirement ID → features listing it on n
		for _, f := range requirements.Features(n) {
			for _, r := range f.Requirements {
				gated[r.ID] = append(gated[r.ID], f)
			}
			if f.Group != "" {
				groupSize[f.Group]++
			}
			e, ok := c.Declared(string(n), f.ID)
			if !ok || e.Implemented {
				continue
			}
			if f.Mandatory {
				s.Refused = append(s.Refused, fmt.Sprintf("%s %s is mandatory (%s): %s cannot declare it away, so its requirements are judged",
					n, f.ID, f.Why, c.Where(e)))
				for _, r := range f.Requirements {
					s.Kept[r.ID+"@"+string(n)] = fmt.Sprintf("judged although %s declares %s %s not implemented: the feature is mandatory", c.Where(e), n, f.ID)
				}
			}
			if f.Group != "" {
				groups[f.Group] = append(groups[f.Group], e)
			}
		}
		for g, es := range groups {
			if len(es) == groupSize[g] {
				var at []string
				for _, e := range es {
					at = append(at, c.Where(e))
				}
				s.Refused = append(s.Refused, fmt.Sprintf("%s: every %s feature is declared not implemented (%s): an issuer implements at least one",
					n, g, strings.Join(at, ", ")))
			}
		}
		for id, fs := range gated {
			var because []string
			for _, f := range fs {
				e, ok := c.Declared(string(n), f.ID)
				if f.Mandatory || !ok || e.Implemented {
					because = nil
					break
				}
				because = append(because, fmt.Sprintf("the issuer declares it does not implement %s %s (%s): %s", n, f.ID, f.Title, c.Where(e)))
			}
			if len(because) > 0 {
				s.NotApplicable[id+"@"+string(n)] = "not applicable: " + strings.Join(because, "; ")
			}
		}
	}
	sort.Strings(s.Refused)
	return s
}

func sortedKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func escape(k string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(k) }

func networkNames() string {
	var ns []string
	for _, n := range requirements.Networks() {
		ns = append(ns, string(n))
	}
	return strings.Join(ns, ", ")
}
