package pan

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Removed replaces the value of a sensitive field that is dropped, not masked.
const Removed = "[removed]"

// sensitiveKeys are field names (compared lower-case, without '_' and '-')
// whose values are removed outright: verification values, expiry parts and
// secrets. Card numbers are masked wherever they appear instead.
var sensitiveKeys = map[string]bool{
	"cvc": true, "cvv": true, "cvv2": true, "cvc2": true, "cid": true, "securitycode": true, "cardsecuritycode": true,
	"expiry": true, "expirydate": true, "expirationdate": true, "expiration": true,
	"expirymonth": true, "expiryyear": true, "expirationmonth": true, "expirationyear": true,
	"panexpirationmonth": true, "panexpirationyear": true, "expmonth": true, "expyear": true,
	"password": true, "secret": true, "sharedsecret": true, "clientsecret": true, "apisecret": true,
	"privatekey": true, "accesstoken": true, "refreshtoken": true, "otp": true, "activationcode": true,
	"authorization": true, "xpaytoken": true,
}

// IsSensitiveKey reports whether a field with this name is removed by
// RedactJSON.
func IsSensitiveKey(k string) bool {
	if len(k) > 32 {
		return false
	}
	var buf [32]byte
	n := 0
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return sensitiveKeys[string(buf[:n])]
}

// RedactText masks every card number in s: every run of 13–19 digits that
// passes the Luhn check or starts with a payment-network digit (2–6), since
// some networks' sample card numbers fail Luhn; the same written in groups
// separated by single spaces or dashes ("5186 0017 0000 8785"); and every run
// of more than 19 digits, which may be a card number with digits added. A
// false mask costs a digit string in a journal; a missed one would leak a
// card number, so the rule errs on the masking side.
func RedactText(s string) string {
	digits := 0
	found := false
	for i := 0; i < len(s) && !found; i++ {
		if isDigit(s[i]) {
			digits++
			found = digits >= 13
		} else if !isSeparator(s[i]) {
			digits = 0
		}
	}
	if !found {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		// A grouped number: digit groups joined by single separators, read
		// from the first group only (not from inside a longer grouped value).
		continues := false
		if i >= 1 {
			prev, before := s[i-1], byte(0)
			if i >= 2 {
				before = s[i-2]
			}
			switch {
			case prev == '*' || isLetter(prev):
				continues = true // inside a masked number or a word
			case prev == '-':
				continues = isDigit(before) || isLetter(before) || before == '*' // a later part of a hyphenated token
			case prev == '-' || prev == '.' || prev == '_':
				continues = isDigit(before) || isLetter(before) || before == '*'
			case prev == ' ' || prev == '\t':
				continues = isDigit(before) || before == '*' // a later group of a number
			}
		}
		if g, end := grouped(s, i); end > j && !continues && (end == len(s) || s[end] != '*') {
			if n := len(g); n >= 13 && n <= 19 && looksLikePAN(g) {
				b.WriteString(maskGrouped(s[i:end], n))
				i = end
				continue
			}
			// More digits follow the card number ("4111 1111 1111 1111 12 26"):
			// mask the longest run of whole groups that reads as one.
			if pe, pn := cardPrefix(s[i:end]); len(g) > 19 && pe > 0 {
				b.WriteString(maskGrouped(s[i:i+pe], pn))
				i += pe
				continue
			}
		}
		run := s[i:j]
		if looksLikePAN(run) || len(run) > 19 {
			b.WriteString(Mask(run))
		} else {
			b.WriteString(run)
		}
		i = j
	}
	return b.String()
}

// cardPrefix finds, in a grouped number of more than 19 digits, the longest
// leading run of whole groups with 13–19 digits that reads as a card number;
// it returns where that run ends in g and its digit count, or 0.
func cardPrefix(g string) (end, n int) {
	digits := make([]byte, 0, len(g))
	for k := 0; k <= len(g); k++ {
		if k < len(g) && isDigit(g[k]) {
			digits = append(digits, g[k])
			continue
		}
		if d := len(digits); d >= 13 && d <= 19 && looksLikePAN(string(digits)) {
			end, n = k, d
		}
		if len(digits) > 19 {
			break
		}
	}
	return end, n
}

// maskGrouped masks a grouped card number of n digits in place: the first
// six and last four digits and the separators stay.
func maskGrouped(g string, n int) string {
	out := []byte(g)
	k := 0
	for i, c := range out {
		if !isDigit(c) {
			continue
		}
		if k >= 6 && k < n-4 {
			out[i] = '*'
		}
		k++
	}
	return string(out)
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isLetter(c byte) bool    { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isSeparator(c byte) bool { return c == ' ' || c == '-' || c == '\t' || c == '.' || c == '_' }

// grouped reads digit groups from s[i] joined by single spaces or dashes and
// returns their digits and where they end; no digits when the groups run on
// into letters (a UUID or similar identifier, not a card number).
func grouped(s string, i int) (string, int) {
	var d []byte
	end := i
	for {
		j := end
		for j < len(s) && isDigit(s[j]) {
			d = append(d, s[j])
			j++
		}
		end = j
		if j+1 >= len(s) || !isSeparator(s[j]) {
			return string(d), end
		}
		// Look at the next group.
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k < len(s) && isLetter(s[k]) {
			if s[j] == ' ' || s[j] == '\t' {
				return string(d), end // a word follows: the number ends here
			}
			return "", end // part of a longer token (a GUID): not a card number
		}
		if k == j+1 {
			return string(d), end // no digit group follows
		}
		if len(d) >= 20 {
			if s[j] == ' ' || s[j] == '\t' {
				return string(d), end // long enough already
			}
			return "", end // a long hyphenated token (an all-digit GUID): not a card number
		}
		end = j + 1
	}
}

// RedactID masks card numbers in an identifier (a correlation ID, a URL, a
// principal) the way RedactText does, except that a run of digits touching a
// letter is part of an alphanumeric identifier (a token reference such as
// DM4MMC…4996558145171…), not a card number, and stays as it is: those IDs
// must still find their exchanges.
func RedactID(s string) string {
	var out []byte
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		run := s[i:j]
		inWord := i > 0 && isLetter(s[i-1]) || j < len(s) && isLetter(s[j])
		if !inWord && (looksLikePAN(run) || len(run) > 19) {
			if out == nil {
				out = []byte(s)
			}
			copy(out[i:j], Mask(run))
		}
		i = j
	}
	if out == nil {
		return s
	}
	return string(out)
}

// RedactJSON returns a copy of a JSON document with card numbers masked in
// every string and number, and sensitive fields (CVC, expiry, secrets)
// replaced by Removed. Input that is not JSON is redacted as text.
func RedactJSON(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 || !needsRedaction(b) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return []byte(RedactText(string(b)))
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return []byte(RedactText(string(b)))
	}
	return out
}

// RedactValue redacts a decoded JSON value (maps, slices, strings) in a copy.
func RedactValue(v any) any { return redactValue(v) }

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			if IsSensitiveKey(k) && val != nil {
				m[k] = Removed
				continue
			}
			m[k] = redactValue(val)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, val := range t {
			s[i] = redactValue(val)
		}
		return s
	case string:
		return RedactText(t)
	case json.Number:
		if r := RedactText(t.String()); r != t.String() {
			return r
		}
		return t
	default:
		return v
	}
}

func looksLikePAN(run string) bool {
	if len(run) < 13 || len(run) > 19 {
		return false
	}
	return (run[0] >= '2' && run[0] <= '6') || Luhn(run)
}

// needsRedaction is a fast, conservative pre-scan: it reports false only
// when b has no run of 13 or more digits and no quoted string that names a
// sensitive field, so redaction would change nothing. Anything it cannot rule
// out (escapes in a key, odd quoting) counts as needing redaction.
func needsRedaction(b []byte) bool {
	digits := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			digits++
			if digits >= 13 {
				return true
			}
			continue
		}
		digits = 0
		if c != '"' {
			continue
		}
		// A string literal: find its end; if it is followed by ':' it is a key.
		j := i + 1
		escaped := false
		for ; j < len(b) && b[j] != '"'; j++ {
			if b[j] == '\\' {
				escaped = true
				j++
			}
		}
		if j >= len(b) {
			return true
		}
		k := j + 1
		for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r') {
			k++
		}
		if k < len(b) && b[k] == ':' {
			if escaped || IsSensitiveKey(string(b[i+1:j])) {
				return true
			}
		} else {
			// A string value: digit runs inside it count too, also when
			// written in groups ("5186 0017 0000 8785").
			run := 0
			for _, c := range b[i+1 : j] {
				if c == '\\' {
					return true // an escape may hide a digit: decode and look
				}
				if c >= '0' && c <= '9' {
					run++
					if run >= 13 {
						return true
					}
				} else if c != ' ' && c != '-' {
					run = 0
				}
			}
		}
		i = j
	}
	return false
}
