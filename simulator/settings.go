package simulator

import (
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
