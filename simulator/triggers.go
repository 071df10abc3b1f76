package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/c2psim/c2psim/client/pan"
)

// TriggerDescriber is implemented by a Triggerer that describes its
// triggers: what each one makes the network do and the parameters it takes.
// The admin API lists the catalogue (GET /_admin/networks/{network}/triggers,
// which the console builds its forms from) and refuses, before the trigger
// runs, a parameter the trigger does not declare, one of the wrong type, a
// value outside its enum and a missing required one. The engine refuses to
// start a network whose catalogue does not name exactly its Triggers.
type TriggerDescriber interface {
	DescribeTriggers() []TriggerInfo
}

// TriggerInfo describes one trigger.
type TriggerInfo struct {
	Name string `json:"name"`
	// Summary says, in a sentence, what the network does and what the
	// issuer receives.
	Summary string         `json:"summary"`
	Params  []TriggerParam `json:"params"`
	// Examples are named parameter sets for the trigger's variants (a
	// redelivery, a misrouted notification); the card's own parameters are
	// left out: they come from the card chosen.
	Examples []TriggerExample `json:"examples,omitempty"`
}

// TriggerParam is one parameter of a trigger.
type TriggerParam struct {
	Name string `json:"name"`
	// Type is the JSON type: string, boolean, integer or array (of strings).
	Type string `json:"type"`
	// Required parameters must be given whatever the variant; parameters
	// needed only by some variants say so in Description.
	Required    bool     `json:"required,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Default     string   `json:"default,omitempty"`
	Description string   `json:"description"`
	// Card marks a parameter that names the card, token or consumer the
	// trigger acts on: the state view's items carry it in their refs under
	// the same name, so a console fills it from the card chosen.
	Card bool `json:"card,omitempty"`
}

// TriggerExample is a named parameter set.
type TriggerExample struct {
	Title  string         `json:"title"`
	Params map[string]any `json:"params"`
}

// Trigger parameter types.
const (
	ParamString  = "string"
	ParamBoolean = "boolean"
	ParamInteger = "integer"
	ParamArray   = "array"
)

// checkTriggerCatalogue refuses a catalogue that does not describe exactly
// the triggers a network accepts, or that describes one badly, naming every
// problem at once.
func checkTriggerCatalogue(id string, names []string, infos []TriggerInfo) error {
	var errs []string
	described := map[string]bool{}
	for _, t := range infos {
		if described[t.Name] {
			errs = append(errs, fmt.Sprintf("trigger %q is described twice", t.Name))
		}
		described[t.Name] = true
		if !slices.Contains(names, t.Name) {
			errs = append(errs, fmt.Sprintf("trigger %q is described but not among Triggers()", t.Name))
		}
		if t.Summary == "" {
			errs = append(errs, fmt.Sprintf("trigger %q has no summary", t.Name))
		}
		seen := map[string]bool{}
		for _, p := range t.Params {
			switch {
			case p.Name == "":
				errs = append(errs, fmt.Sprintf("trigger %q has a parameter without a name", t.Name))
			case seen[p.Name]:
				errs = append(errs, fmt.Sprintf("trigger %q declares parameter %q twice", t.Name, p.Name))
			case !slices.Contains([]string{ParamString, ParamBoolean, ParamInteger, ParamArray}, p.Type):
				errs = append(errs, fmt.Sprintf("trigger %q parameter %q has type %q (string, boolean, integer or array)", t.Name, p.Name, p.Type))
			case p.Description == "":
				errs = append(errs, fmt.Sprintf("trigger %q parameter %q has no description", t.Name, p.Name))
			}
			seen[p.Name] = true
		}
		for _, ex := range t.Examples {
			if msg := checkTriggerParams(t, ex.Params, false); msg != "" {
				errs = append(errs, fmt.Sprintf("trigger %q example %q: %s", t.Name, ex.Title, msg))
			}
		}
	}
	for _, n := range names {
		if !described[n] {
			errs = append(errs, fmt.Sprintf("trigger %q is not described", n))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("network %s: trigger catalogue: %s", id, strings.Join(errs, "; "))
	}
	return nil
}

// checkTriggerParams returns what is wrong with params for trigger t, or
// "": every problem, parameters named in order. With required false, missing
// required parameters are not reported (an example leaves out the card's).
func checkTriggerParams(t TriggerInfo, params map[string]any, required bool) string {
	var errs []string
	declared := map[string]TriggerParam{}
	var known []string
	for _, p := range t.Params {
		declared[p.Name] = p
		known = append(known, p.Name)
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p, ok := declared[k]
		if !ok {
			list := "none"
			if len(known) > 0 {
				list = strings.Join(known, ", ")
			}
			errs = append(errs, fmt.Sprintf("%s takes no parameter %q (parameters: %s)", t.Name, pan.RedactText(k), list))
			continue
		}
		if msg := p.check(params[k]); msg != "" {
			errs = append(errs, fmt.Sprintf("parameter %s %s", k, msg))
		}
	}
	if required {
		for _, p := range t.Params {
			if _, ok := params[p.Name]; p.Required && !ok {
				errs = append(errs, fmt.Sprintf("parameter %s is required", p.Name))
			}
		}
	}
	return strings.Join(errs, "; ")
}

// check returns what is wrong with v for p, or "".
func (p TriggerParam) check(v any) string {
	switch p.Type {
	case ParamString:
		s, ok := v.(string)
		if !ok {
			return "must be a string"
		}
		if len(p.Enum) > 0 && s != "" && !slices.Contains(p.Enum, s) { // empty: the default
			return fmt.Sprintf("must be one of %s, got %q", strings.Join(p.Enum, ", "), pan.RedactText(s))
		}
	case ParamBoolean:
		if _, ok := v.(bool); !ok {
			return "must be true or false"
		}
	case ParamInteger:
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return "must be an integer"
		}
	case ParamArray:
		l, ok := v.([]any)
		if !ok {
			return "must be an array of strings"
		}
		for _, x := range l {
			if _, ok := x.(string); !ok {
				return "must be an array of strings"
			}
		}
	}
	return ""
}

// checkTrigger refuses params that trigger name of m does not declare
// (a 400 naming every problem); a network without a catalogue takes
// anything. Params given in Go (the in-process control) are compared as
// their JSON form, as the admin API sees them.
func (m *mounted) checkTrigger(name string, params map[string]any) error {
	info, ok := m.triggerInfo(name)
	if !ok {
		return nil
	}
	asJSON := params
	if b, err := json.Marshal(params); err == nil {
		asJSON = map[string]any{}
		_ = json.Unmarshal(b, &asJSON)
	}
	if msg := checkTriggerParams(info, asJSON, true); msg != "" {
		return Errorf(http.StatusBadRequest, KindValidation, "%s/%s: %s", m.id, name, msg)
	}
	return nil
}

// triggerInfo returns the description of trigger name of m, if m has a
// catalogue.
func (m *mounted) triggerInfo(name string) (TriggerInfo, bool) {
	td, ok := m.net.(TriggerDescriber)
	if !ok {
		return TriggerInfo{}, false
	}
	for _, t := range td.DescribeTriggers() {
		if t.Name == name {
			return t, true
		}
	}
	return TriggerInfo{}, false
}
