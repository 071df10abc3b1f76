package pan

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
)

// CardSet remembers card numbers without holding them: it keeps an HMAC of
// each under a key drawn when the set is made and never shown, so what it
// holds cannot be turned back into card numbers. It keeps at most its
// capacity, forgetting the oldest first. Safe for concurrent use.
type CardSet struct {
	key   [32]byte
	mu    sync.RWMutex
	m     map[[32]byte]struct{}
	order [][32]byte // insertion order, a ring of capacity entries
	next  int
}

// NewCardSet returns an empty set holding at most capacity cards.
func NewCardSet(capacity int) *CardSet {
	s := &CardSet{m: make(map[[32]byte]struct{}), order: make([][32]byte, 0, max(capacity, 1))}
	_, _ = rand.Read(s.key[:])
	return s
}

func (s *CardSet) sum(digits []byte) [32]byte {
	h := hmac.New(sha256.New, s.key[:])
	h.Write(digits)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Add remembers a card number (12–19 digits; anything else is ignored).
func (s *CardSet) Add(card string) {
	if len(card) < 12 || len(card) > 19 || !allDigits(card) {
		return
	}
	k := s.sum([]byte(card))
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

// has takes the digits by value so that a caller's buffer stays on its
// stack.
func (s *CardSet) has(d [19]byte, n int) bool {
	if n < 12 {
		return false
	}
	k := s.sum(d[:n])
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
