package simulator

import "testing"

// New keys wait for the workers, which start after set-up; a key used
// first is made by its user; stop leaves the rest unmade.
func TestNewKeysAreMadeOffTheStartPath(t *testing.T) {
	s := newKeySource(nil)
	a, _ := s.rsaKey("n", "a")
	b, _ := s.rsaKey("n", "b")
	c, _ := s.rsaKey("n", "c")
	if a.key != nil || b.key != nil || c.key != nil {
		t.Fatal("a key was made while networks were still being set up")
	}
	if b.Private() == nil || b.key.N.BitLen() != RSAKeyBits {
		t.Fatal("a key used first was not made by its user")
	}
	s.start()
	a.Private() // made by a worker or now, the same key either way
	s.stop()
	if a.Private() != a.key || a.key.Equal(b.key) {
		t.Fatal("keys changed or coincide")
	}
}
