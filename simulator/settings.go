package simulator

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// SettingType is what a setting's value can be.
type SettingType interface {
	bool | int | string | time.Duration
}

// Key declares one plugin setting once: its name, its default and what it
// means, and optionally a check of its value. Get reads it; Setting is its
// declaration for SettingsDeclarer, with the kind and the default text
// derived from T and Default, so no default is written twice.
//
//	var batchDelay = simulator.Key[time.Duration]{Name: "batchDelay", Default: 5 * time.Second,
//		Description: "time from a batch's 202 to the processing of its records", Check: simulator.NotNegative}
//
//	func (n *Network) Settings() []simulator.Setting { return []simulator.Setting{batchDelay.Setting()} }
//	func (n *Network) Setup(env *simulator.Env) error { n.batchDelay = batchDelay.Get(env.Settings); ... }
type Key[T SettingType] struct {
	Name        string
	Default     T
	Description string
	// Check, when set, refuses values that parse but make no sense (a
	// negative delay); the engine runs it at start-up on the value in force,
	// the default included, and on every change through the admin API.
	Check func(T) error
	// Live declares that the network reads the setting through Get where
	// it uses it (never once at Setup), so a change through the admin API
	// (PATCH /_admin/networks/{network}/settings) applies at once, on every
	// replica. Settings that are not Live are read at start: --set only.
	Live bool
}

// Get returns the value in force: the one changed through the admin API,
// else the one given with --set, else Default.
func (k Key[T]) Get(s Settings) T {
	if s != nil {
		if v, ok := s.Lookup(k.Name); ok {
			if t, err := parseSetting[T](v); err == nil {
				return t
			}
		}
	}
	return k.Default
}

// Setting is the key's declaration.
func (k Key[T]) Setting() Setting {
	return Setting{Key: k.Name, Kind: settingKind[T](), Default: formatSetting(k.Default), Description: k.Description, Live: k.Live,
		check: func(v string) error {
			t, err := parseSetting[T](v)
			if err != nil {
				return fmt.Errorf("not a %s", settingKind[T]())
			}
			if k.Check != nil {
				return k.Check(t)
			}
			return nil
		}}
}

// Setting is one documented plugin setting, as the admin API and the README
// list it. Build it with Key.Setting.
type Setting struct {
	Key         string `json:"key"`
	Kind        string `json:"kind"` // duration | int | bool | string
	Default     string `json:"default"`
	Description string `json:"description"`
	// Live settings may be changed through the admin API while the
	// simulator runs; the others are read at start (--set).
	Live bool `json:"live,omitempty"`
	// Value is the value in force when it is not the default, and Source
	// where it comes from: "flag" (--set) or "admin" (the admin API).
	Value  string `json:"value,omitempty"`
	Source string `json:"source,omitempty"`

	check func(string) error
}

// Settings is where a network's setting values come from: Lookup returns the
// value given for a key (--set <network>.<key>=<value>), or false. Read
// settings through their Key.
type Settings interface {
	Lookup(key string) (string, bool)
}

// NotNegative is a Check for durations and counts that may be zero.
func NotNegative[T time.Duration | int](v T) error {
	if v < 0 {
		return errors.New("must not be negative")
	}
	return nil
}

// Positive is a Check for durations and counts that must be above zero.
func Positive[T time.Duration | int](v T) error {
	if v <= 0 {
		return errors.New("must be positive")
	}
	return nil
}

// OneOf is a Check for strings that must be one of a few values.
func OneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, x := range values {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

func settingKind[T SettingType]() string {
	var zero T
	switch any(zero).(type) {
	case bool:
		return "bool"
	case int:
		return "int"
	case time.Duration:
		return "duration"
	}
	return "string"
}

func formatSetting[T SettingType](v T) string {
	switch x := any(v).(type) {
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case time.Duration:
		return formatDuration(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// formatDuration writes a duration the way people write it: 5m, 24h, 1m30s,
// 500ms (time.Duration.String adds zero units: 5m0s).
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func parseSetting[T SettingType](v string) (T, error) {
	var zero T
	var out any
	var err error
	switch any(zero).(type) {
	case bool:
		out, err = strconv.ParseBool(v)
	case int:
		out, err = strconv.Atoi(v)
	case time.Duration:
		out, err = time.ParseDuration(v)
	default:
		out = v
	}
	if err != nil {
		return zero, err
	}
	return out.(T), nil
}

// settings is the Settings of one network: the values given with
// --set <network>.<key>=<value>, under those changed through the admin API
// (kept in the state store, so a restart and every replica see them).
type settings struct {
	values map[string]string
	admin  atomic.Pointer[map[string]string]
}

func newSettings(network string, all map[string]string) *settings {
	s := &settings{values: map[string]string{}}
	for k, v := range all {
		if rest, ok := strings.CutPrefix(k, network+"."); ok {
			s.values[rest] = v
		}
	}
	return s
}

// Lookup implements Settings.
func (s *settings) Lookup(key string) (string, bool) {
	if a := s.admin.Load(); a != nil {
		if v, ok := (*a)[key]; ok {
			return v, true
		}
	}
	v, ok := s.values[key]
	return v, ok
}

// setAdmin replaces the values changed through the admin API.
func (s *settings) setAdmin(v map[string]string) {
	if len(v) == 0 {
		s.admin.Store(nil)
		return
	}
	s.admin.Store(&v)
}

// check refuses keys the network does not declare, values that do not parse
// as the declared kind and values the key's Check refuses (the default
// included, when no value is given), reporting every problem.
func (s *settings) check(network string, declared []Setting) error {
	known := map[string]Setting{}
	var names []string
	var errs []error
	for _, d := range declared {
		if _, dup := known[d.Key]; dup {
			errs = append(errs, fmt.Errorf("network %s declares setting %q twice", network, d.Key))
		}
		known[d.Key] = d
		names = append(names, d.Key)
	}
	sort.Strings(names)
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			errs = append(errs, fmt.Errorf("--set %s.%s: unknown setting (known: %s)", network, k, strings.Join(names, ", ")))
		}
	}
	for _, name := range names {
		d := known[name]
		if d.check == nil {
			continue
		}
		v, given := s.values[name]
		if !given {
			v = d.Default
		}
		if err := d.check(v); err != nil {
			if given {
				errs = append(errs, fmt.Errorf("--set %s.%s=%s: %w", network, name, v, err))
			} else {
				errs = append(errs, fmt.Errorf("network %s: the default of setting %s (%s): %w", network, name, v, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkChange refuses, field by field, a change through the admin API: an
// undeclared key, a setting read at start only, a value the declaration
// refuses. A nil value goes back to --set or the default.
func checkChange(network string, declared []Setting, change map[string]*string) []FieldError {
	known := map[string]Setting{}
	var names []string
	for _, d := range declared {
		known[d.Key] = d
		names = append(names, d.Key)
	}
	sort.Strings(names)
	keys := make([]string, 0, len(change))
	for k := range change {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []FieldError
	for _, k := range keys {
		d, ok := known[k]
		switch {
		case !ok:
			out = append(out, FieldError{Field: "/" + k, In: "body", Rule: "known", Message: fmt.Sprintf("%s has no setting %q (settings: %s)", network, k, strings.Join(names, ", "))})
		case !d.Live:
			out = append(out, FieldError{Field: "/" + k, In: "body", Rule: "live", Message: fmt.Sprintf("%s.%s is read at start: give it with --set %s.%s=<value>", network, k, network, k)})
		case change[k] != nil && d.check != nil:
			if err := d.check(*change[k]); err != nil {
				out = append(out, FieldError{Field: "/" + k, In: "body", Rule: "value", Message: fmt.Sprintf("%s.%s=%s: %v", network, k, *change[k], err)})
			}
		}
	}
	return out
}

// describe returns the declared settings with the values in force.
func (s *settings) describe(declared []Setting) []Setting {
	var admin map[string]string
	if a := s.admin.Load(); a != nil {
		admin = *a
	}
	out := make([]Setting, len(declared))
	for i, d := range declared {
		out[i] = d
		if v, ok := admin[d.Key]; ok {
			out[i].Value, out[i].Source = v, "admin"
		} else if v, ok := s.values[d.Key]; ok {
			out[i].Value, out[i].Source = v, "flag"
		}
	}
	return out
}
