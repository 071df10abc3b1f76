package simulator

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// settings is the Settings of one network: the values given with
// --set <network>.<key>=<value>, read through typed accessors with defaults.
type settings struct {
	mu     sync.RWMutex
	values map[string]string
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

// check refuses keys the plugin does not declare and values that do not
// parse as the declared kind, reporting every problem.
func (s *settings) check(network string, declared []Setting) error {
	known := map[string]Setting{}
	var names []string
	for _, d := range declared {
		known[d.Key] = d
		names = append(names, d.Key)
	}
	sort.Strings(names)
	var errs []error
	for k, v := range s.values {
		d, ok := known[k]
		if !ok {
			errs = append(errs, fmt.Errorf("--set %s.%s: unknown setting (known: %s)", network, k, strings.Join(names, ", ")))
			continue
		}
		var err error
		switch d.Kind {
		case "duration":
			_, err = time.ParseDuration(v)
		case "int":
			_, err = strconv.Atoi(v)
		case "bool":
			_, err = strconv.ParseBool(v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--set %s.%s=%s: not a %s", network, k, v, d.Kind))
		}
	}
	return errors.Join(errs...)
}

// describe returns the declared settings with the values in force.
func (s *settings) describe(declared []Setting) []Setting {
	out := make([]Setting, len(declared))
	for i, d := range declared {
		out[i] = d
		if v, ok := s.get(d.Key); ok {
			out[i].Value = v
		}
	}
	return out
}

func (s *settings) get(key string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.values[key]
	return v, ok
}

func (s *settings) String(key, def string) string {
	if v, ok := s.get(key); ok {
		return v
	}
	return def
}

func (s *settings) Duration(key string, def time.Duration) time.Duration {
	if v, ok := s.get(key); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func (s *settings) Int(key string, def int) int {
	if v, ok := s.get(key); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func (s *settings) Bool(key string, def bool) bool {
	if v, ok := s.get(key); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	return def
}
