package simulator

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"github.com/c2psim/c2psim/client/pan"
)

// SeededIDs is an IDSource driven by a ChaCha8 generator: the same seed gives
// the same sequence of identifiers, so a run is reproducible.
type SeededIDs struct {
	mu   sync.Mutex
	rng  *rand.ChaCha8
	seed int64
}

// Seed returns the seed in use (the drawn one when 0 was given).
func (s *SeededIDs) Seed() int64 { return s.seed }

// NewSeededIDs returns a source seeded with seed; seed 0 draws a random seed.
func NewSeededIDs(seed int64) *SeededIDs {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:])
		// 53 bits: the seed is shown in JSON, and must survive a float64 reader.
		seed = int64(binary.LittleEndian.Uint64(b[:]) >> 11)
	}
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], uint64(seed))
	return &SeededIDs{rng: rand.NewChaCha8(s), seed: seed}
}

func (s *SeededIDs) bytes(n int) []byte {
	b := make([]byte, n)
	s.read(b)
	return b
}

func (s *SeededIDs) read(b []byte) {
	s.mu.Lock()
	_, _ = s.rng.Read(b)
	s.mu.Unlock()
}

// UUID returns a version 4 layout UUID.
func (s *SeededIDs) UUID() string {
	var b [16]byte
	s.read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:16])
	return string(out[:])
}

// Hex returns n random bytes as hex.
func (s *SeededIDs) Hex(n int) string { return hex.EncodeToString(s.bytes(n)) }

// Digits returns n random decimal digits. From 12 digits on, the number
// never passes the Luhn check (the last digit is moved off the one that
// would), so the journal's masking never takes a generated identifier (a
// request ID, a correlation ID) for a card number.
func (s *SeededIDs) Digits(n int) string {
	b := s.bytes(n)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if n >= 12 && pan.Luhn(string(b)) {
		b[n-1] = '0' + (b[n-1]-'0'+1)%10
	}
	return string(b)
}

// Intn returns a random int in [0, n).
func (s *SeededIDs) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.rng.Uint64() % uint64(n))
}
