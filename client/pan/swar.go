package pan

import "math/bits"

// The scans every journalled text goes through (the end of a JSON string,
// its digits, a stretch that may hold a card number) read eight bytes at a
// time: each byte class is a mask with the high bit of every byte (lane) of
// a word that is in it. The masks are exact (no carry crosses a lane), so a
// word-at-a-time scan decides what the byte-at-a-time one would.

const (
	lanesLow  = 0x7f7f7f7f7f7f7f7f
	lanesHigh = 0x8080808080808080
	lanesOne  = 0x0101010101010101
)

// word reads s[i:i+8] as a little-endian word: s[i] is its lowest lane.
// i+8 must not pass len(s).
func word(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// lanesEq marks the lanes of x that hold c.
func lanesEq(x uint64, c byte) uint64 {
	y := x ^ (lanesOne * uint64(c))
	return ^((y&lanesLow + lanesLow) | y) & lanesHigh
}

// lanesGE marks the lanes of x that hold c or more (1 <= c <= 0x80).
func lanesGE(x uint64, c byte) uint64 {
	return (x&lanesLow + lanesOne*uint64(0x80-c) | x) & lanesHigh
}

// lanesBelowSpace marks the lanes of x that hold a byte below 0x20.
func lanesBelowSpace(x uint64) uint64 {
	return ^(x&lanesLow + lanesOne*(0x80-0x20) | x) & lanesHigh
}

// lanesDigit marks the lanes of x that hold '0'–'9'.
func lanesDigit(x uint64) uint64 { return lanesIn(x&lanesLow, '0', '9') &^ x }

// lanesLetter marks the lanes of x that hold an ASCII letter.
func lanesLetter(x uint64) uint64 { return lanesIn(x&lanesLow|lanesOne*0x20, 'a', 'z') &^ x }

// lanesIn marks the lanes of lo (lanes below 0x80) that hold lo–hi.
func lanesIn(lo uint64, from, to byte) uint64 {
	return (lo + lanesOne*uint64(0x80-from)) &^ (lo + lanesOne*uint64(0x80-to-1)) & lanesHigh
}

// lanesBelow is the mask of the lanes below the one whose high bit is the
// lowest set bit of m (every lane when m is 0).
func lanesBelow(m uint64) uint64 { return m&-m - 1 }

// count is the number of lanes m (a mask of lanes' high bits) marks: the
// lanes' 0 or 1 summed into the top lane by one multiplication (no call
// to a population count the processor may lack, which costs the loops
// around it their registers).
func count(m uint64) int { return int((m >> 7) * lanesOne >> 56) }

// lane is the index of the lowest lane m marks (m not 0).
func lane(m uint64) int { return bits.TrailingZeros64(m) >> 3 }
