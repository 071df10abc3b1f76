package pan

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// PAN is a card number that never prints in full: String, Format, JSON and
// slog all show the first six and last four digits. Reveal returns the digits
// for the few places that must send them (inside encrypted payloads).
type PAN struct{ digits string }

// ErrNotDigits is returned by Parse for anything but 12 to 19 digits.
var ErrNotDigits = errors.New("card number must be 12 to 19 digits")

// Parse validates a card number (12–19 digits) and wraps it. Spaces and
// dashes are ignored. Parse does not insist on the Luhn check: some networks'
// own published sample numbers fail it (Visa's 4111111145551140, the Amex SDK's
// 371111111111111). Callers that need it use LuhnValid.
func Parse(s string) (PAN, error) {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(d) < 12 || len(d) > 19 || !allDigits(d) {
		return PAN{}, ErrNotDigits
	}
	return PAN{digits: d}, nil
}

// MustParse is Parse for constants in tests and examples; it panics on error.
func MustParse(s string) PAN {
	p, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("pan.MustParse(%s): %v", Mask(s), err))
	}
	return p
}

// Reveal returns the full digits. Only encryption and signing code calls it.
func (p PAN) Reveal() string { return p.digits }

// LuhnValid reports whether the number passes the Luhn check.
func (p PAN) LuhnValid() bool { return Luhn(p.digits) }

// IsZero reports whether p holds no number.
func (p PAN) IsZero() bool { return p.digits == "" }

// Last4 returns the last four digits.
func (p PAN) Last4() string {
	if len(p.digits) < 4 {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

// BIN returns the first six digits.
func (p PAN) BIN() string {
	if len(p.digits) < 6 {
		return ""
	}
	return p.digits[:6]
}

// Masked returns first six, asterisks, last four.
func (p PAN) Masked() string { return Mask(p.digits) }

func (p PAN) String() string   { return p.Masked() }
func (p PAN) GoString() string { return "pan.PAN(" + p.Masked() + ")" }

// Format prints the masked form whatever the verb, so %s, %v, %+v, %#v and
// %q never reveal the number.
func (p PAN) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", p.Masked())
		return
	}
	_, _ = f.Write([]byte(p.Masked()))
}

// LogValue makes slog print the masked form.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// MarshalJSON writes the masked form: a PAN marshalled by accident is safe.
func (p PAN) MarshalJSON() ([]byte, error) { return json.Marshal(p.Masked()) }

// UnmarshalJSON accepts a full card number (for inputs such as driver calls).
func (p *PAN) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Mask returns s with every digit but the first six and last four replaced by
// '*'. Strings too short to keep ten digits are masked but for the last four.
func Mask(s string) string {
	n := len(s)
	if n == 0 {
		return ""
	}
	b := []byte(s)
	from, to := 0, n-4 // the part masked
	switch {
	case n <= 4:
		to = n
	case n >= 13:
		from = 6
	}
	for i := from; i < to; i++ {
		b[i] = '*'
	}
	return string(b)
}

// Luhn reports whether a digit string passes the Luhn (mod 10) check.
func Luhn(d string) bool { return allDigits(d) && luhn(d) }

// luhn is the Luhn check of digits known to be '0'–'9'; empty fails.
func luhn[D string | []byte](d D) bool {
	return len(d) > 0 && luhnSum(d, false)%10 == 0
}

// luhnSum is the Luhn sum of digits known to be '0'–'9', read from the
// right, the rightmost digit doubled when doubleFirst.
func luhnSum[D string | []byte](d D, doubleFirst bool) int {
	sum, double := 0, doubleFirst
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum
}

// LuhnCheckDigit returns the digit that completes partial into a Luhn-valid
// number; used to build test cards.
func LuhnCheckDigit(partial string) byte {
	if !allDigits(partial) {
		return '0' // no digit completes it
	}
	// The check digit will be the rightmost: partial's own rightmost digit
	// is the first one doubled.
	return byte('0' + (10-luhnSum(partial, true)%10)%10)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
