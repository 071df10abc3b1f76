package schemacheck

import (
	"bytes"
	"testing"
)

// scanStringByByte is scanString's plain byte-by-byte reading, which its
// fast path for strings without escapes or control characters must agree
// with.
func scanStringByByte(b []byte, i int) (end int, esc, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, esc, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			esc = true
			if j+1 >= len(b) {
				return 0, false, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+5 >= len(b) {
					return 0, false, false
				}
				for _, h := range b[j+2 : j+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, false, false
					}
				}
				j += 5
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

func sameScan(t *testing.T, b []byte) {
	t.Helper()
	e1, s1, ok1 := scanString(b, 0)
	e2, s2, ok2 := scanStringByByte(b, 0)
	if e1 != e2 || s1 != s2 || ok1 != ok2 {
		t.Fatalf("scanString(%q) = %d, %v, %v; byte by byte %d, %v, %v", b, e1, s1, ok1, e2, s2, ok2)
	}
}

// Every byte value, at every offset around the eight-byte words the fast
// path reads, in strings of every length up to nine words.
func TestScanStringEveryByteEveryOffset(t *testing.T) {
	for n := 0; n <= 70; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := append([]byte{'"'}, bytes.Repeat([]byte{'a'}, n)...)
				b[1+at] = byte(c)
				sameScan(t, b)
				sameScan(t, append(b, '"'))
				sameScan(t, append(b, `"x"`...))
			}
		}
	}
}

func FuzzScanString(f *testing.F) {
	for _, s := range []string{`""`, `"abc"`, `"a\"b"`, `"\u00e9"`, "\"a\x01b\"", `"unterminated`, `"0123456789abcdef\\"`, "\"\xe2\x82\xac\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != '"' {
			b = append([]byte{'"'}, b...)
		}
		sameScan(t, b)
	})
}
