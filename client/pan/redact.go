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

// RedactText masks every run of 13–19 digits that passes the Luhn check or
// starts with a payment-network digit (2–6), since some networks' sample card
// numbers fail Luhn. A false mask costs a digit string in a journal; a missed
// one would leak a card number, so the rule errs on the masking side.
func RedactText(s string) string {
	run := 0
	found := false
	for i := 0; i < len(s) && !found; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			found = run >= 13
		} else {
			run = 0
		}
	}
	if !found {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		if s[i] < '0' || s[i] > '9' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		run := s[i:j]
		if looksLikePAN(run) {
			b.WriteString(Mask(run))
		} else {
			b.WriteString(run)
		}
		i = j
	}
	return b.String()
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
			// A string value: digit runs inside it count too.
			run := 0
			for _, c := range b[i+1 : j] {
				if c >= '0' && c <= '9' {
					run++
					if run >= 13 {
						return true
					}
				} else {
					run = 0
				}
			}
		}
		i = j
	}
	return false
}
