package pan

import (
	"hash/maphash"
	"sync"
)

// CardSet remembers card numbers without holding them: it keeps a keyed
// hash of each (hash/maphash under a seed drawn at random when the set is
// made, never shown), which cannot be read back as card numbers and never
// leaves the process. It keeps at most its capacity, forgetting the oldest
// first. Safe for concurrent use; Add and Has allocate nothing.
type CardSet struct {
	seed  maphash.Seed
	mu    sync.RWMutex
	m     map[uint64]struct{}
	order []uint64 // insertion order, a ring of capacity entries
	next  int
}

// NewCardSet returns an empty set holding at most capacity cards.
func NewCardSet(capacity int) *CardSet {
	return &CardSet{seed: maphash.MakeSeed(), m: make(map[uint64]struct{}), order: make([]uint64, 0, max(capacity, 1))}
}

// sum takes the digits by value, so that a caller's buffer stays on its
// stack.
func (s *CardSet) sum(d [19]byte, n int) uint64 { return maphash.Bytes(s.seed, d[:n]) }

// Add remembers a card number (12–19 digits; anything else is ignored).
func (s *CardSet) Add(card string) {
	if len(card) < 12 || len(card) > 19 || !allDigits(card) {
		return
	}
	k := maphash.String(s.seed, card)
	s.mu.RLock()
	_, ok := s.m[k]
	s.mu.RUnlock()
	if ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return
	}
	if len(s.order) < cap(s.order) {
		s.order = append(s.order, k)
	} else {
		delete(s.m, s.order[s.next])
		s.order[s.next] = k
		s.next = (s.next + 1) % len(s.order)
	}
	s.m[k] = struct{}{}
}

// Has reports whether the set holds this card number.
func (s *CardSet) Has(card string) bool {
	var d [19]byte
	if len(card) > len(d) {
		return false
	}
	return s.has(d, copy(d[:], card))
}

// has takes the digits by value (see sum).
func (s *CardSet) has(d [19]byte, n int) bool {
	if n < 12 {
		return false
	}
	k := s.sum(d, n)
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.m[k]
	return ok
}

// Len returns the number of cards held.
func (s *CardSet) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}
