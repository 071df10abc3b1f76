package declaration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/c2psim/c2psim/conformance/requirements"
)

// DateLayout is how a waiver's expiry is written.
const DateLayout = "2006-01-02"

// Waivers is a parsed waiver file.
type Waivers struct {
	File   string   `json:"file"`
	Digest string   `json:"digest"`
	List   []Waiver `json:"waivers"`
}

// Waiver accepts the failure of a requirement (on one network, in one case,
// when those are given) until its expiry date, for a reason, with an
// owner. It never turns a failure into a pass: the verdict is "waived".
type Waiver struct {
	Requirement string `json:"requirement"`
	Network     string `json:"network,omitempty"`
	Case        string `json:"case,omitempty"`
	Reason      string `json:"reason"`
	Owner       string `json:"owner"`
	Expires     string `json:"expires"` // YYYY-MM-DD: the waiver holds through that day
	Line        int    `json:"line"`    // where it starts in its file
}

// String names the waiver for a person.
func (w Waiver) String() string {
	s := w.Requirement
	if w.Network != "" {
		s += " on " + w.Network
	}
	if w.Case != "" {
		s += " in " + w.Case
	}
	return fmt.Sprintf("%s (owner %s, expires %s, line %d)", s, w.Owner, w.Expires, w.Line)
}

// Matches reports whether the waiver covers requirement id failing on
// network n in case cs.
func (w Waiver) Matches(id, n, cs string) bool {
	return strings.EqualFold(w.Requirement, id) && (w.Network == "" || w.Network == n) && (w.Case == "" || w.Case == cs)
}

// ExpiredOn reports whether the waiver no longer holds on day (a
// YYYY-MM-DD date).
func (w Waiver) ExpiredOn(day string) bool { return w.Expires < day }

var casePattern = regexp.MustCompile(`^(MC|VI|AX|DS)\.[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadWaivers reads and checks a waiver file.
func LoadWaivers(file string) (*Waivers, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the waivers: %w", err)
	}
	return ParseWaivers(file, b)
}

// ParseWaivers checks a waiver file: a JSON list of {requirement, network,
// case, reason, owner, expires}. A requirement the catalog does not know, a
// network it does not apply to, a case of another network, a missing
// reason or owner, an expiry that is not a date, an unknown field and a
// waiver given twice are each reported, with its line, at once. An expired
// waiver parses: it is the run that fails on it.
func ParseWaivers(file string, b []byte) (*Waivers, error) {
	sum := sha256.Sum256(b)
	out := &Waivers{File: file, Digest: hex.EncodeToString(sum[:]), List: []Waiver{}}
	at, err := lines(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: want a JSON list of {requirement, network, case, reason, owner, expires}: %w", file, err)
	}
	var errs []error
	seen := map[string]int{}
	for i, r := range raw {
		line := at[fmt.Sprintf("/%d", i)]
		where := fmt.Sprintf("%s:%d", filepath.Base(file), line)
		var in struct {
			Requirement, Network, Case, Reason, Owner, Expires string
		}
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			errs = append(errs, fmt.Errorf("%s: waiver %d: %w", where, i+1, err))
			continue
		}
		w := Waiver{Network: strings.TrimSpace(in.Network), Case: strings.TrimSpace(in.Case), Reason: strings.TrimSpace(in.Reason),
			Owner: strings.TrimSpace(in.Owner), Expires: strings.TrimSpace(in.Expires), Line: line}
		var problems []string
		req, ok := requirements.Lookup(in.Requirement)
		switch {
		case strings.TrimSpace(in.Requirement) == "":
			problems = append(problems, "requirement is required")
		case !ok:
			problems = append(problems, fmt.Sprintf("unknown requirement %q", in.Requirement))
		default:
			w.Requirement = req.ID
		}
		if w.Case != "" {
			m := casePattern.FindStringSubmatch(w.Case)
			if m == nil {
				problems = append(problems, fmt.Sprintf("case %q is not a case ID such as VI.enrol-complete", w.Case))
			} else if n := networkOfPrefix(m[1]); w.Network == "" {
				w.Network = string(n)
			} else if string(n) != w.Network {
				problems = append(problems, fmt.Sprintf("case %s is a %s case, not %s", w.Case, n, w.Network))
			}
		}
		if w.Network != "" {
			n, ok := requirements.ParseNetwork(w.Network)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("unknown network %q (want %s)", w.Network, networkNames()))
			case req != nil && !req.AppliesTo(n):
				problems = append(problems, fmt.Sprintf("%s does not apply to %s (it applies to %v)", req.ID, n, req.Networks))
			default:
				w.Network = string(n)
			}
		}
		if w.Reason == "" {
			problems = append(problems, "reason is required")
		}
		if w.Owner == "" {
			problems = append(problems, "owner is required")
		}
		if _, err := time.Parse(DateLayout, w.Expires); err != nil {
			problems = append(problems, fmt.Sprintf("expires %q is not a date YYYY-MM-DD", w.Expires))
		}
		key := w.Requirement + "/" + w.Network + "/" + w.Case
		if j, dup := seen[key]; dup && len(problems) == 0 {
			problems = append(problems, fmt.Sprintf("waives what the waiver at line %d waives", j))
		}
		if len(problems) > 0 {
			errs = append(errs, fmt.Errorf("%s: waiver %d: %s", where, i+1, strings.Join(problems, "; ")))
			continue
		}
		seen[key] = line
		out.List = append(out.List, w)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func networkOfPrefix(p string) requirements.Network {
	for _, n := range requirements.Networks() {
		if n.Prefix() == p {
			return n
		}
	}
	return ""
}
