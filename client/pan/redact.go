package pan

import (
	"slices"
	"strings"
	"unsafe"
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

// defaultCardFields are the names (compared like sensitiveKeys) of the fields
// the networks' documents declare as card numbers: Mastercard's
// primaryAccountNumber, accountNumber and AccountPan, Visa's accountNumber
// and primaryAccountNumber, American Express's account_number, Discover's
// pan.
var defaultCardFields = []string{
	"pan", "fpan", "primaryaccountnumber", "accountnumber", "accountpan", "cardnumber", "cardaccountnumber",
}

// samples are published sample card numbers that fail the Luhn check but are
// card numbers all the same: Visa's VICA samples and the American Express
// Token Service SDK's sample. They are masked wherever they appear.
var samples = []string{"4111111145551140", "4111111145551141", "371111111111111"}

// normKey writes k lower-case without '_' and '-' into buf; ok is false for
// names too long to be one of the known ones.
func normKey(k string, buf *[32]byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = c
		n++
	}
	return buf[:n], true
}

// IsSensitiveKey reports whether a field with this name is removed by
// RedactJSON.
func IsSensitiveKey(k string) bool {
	var buf [32]byte
	nk, ok := normKey(k, &buf)
	return ok && sensitiveKeys[string(nk)]
}

// Redactor masks card numbers. A Redactor knows, besides the Luhn check, the
// card numbers it was given (they are masked wherever their digits appear,
// Luhn-valid or not, even inside opaque data) and the names of the fields
// that hold card numbers (their values are masked whatever they hold). The
// zero Redactor is not useful: use NewRedactor, or the package functions,
// which use the default one. A Redactor is a value, safe for concurrent use.
type Redactor struct {
	known      []string           // longest first
	knownHeads map[string][]int32 // the first 12 digits of known numbers: their indexes in known
	extra      []string           // cards of one exchange (WithCards)
	seen       *CardSet           // cards seen before (WithSeen)
	cardFields map[string]bool    // normalised names
	keys       *keyFilter         // rules out keys that are neither sensitive nor card fields
	// full turns off every check that spares a text the full walk (tests
	// hold the checks to what the walk does without them).
	full bool
}

// keyFilter tells, by length and first and last letters, whether a
// normalised key can be a sensitive key or a card field at all: for each
// length, the letters (their low six bits) known keys of that length start
// and end with.
type keyFilter struct {
	first, last [33]uint64
}

func (f *keyFilter) add(k string) {
	if len(k) > 0 && len(k) < len(f.first) {
		f.first[len(k)] |= 1 << (k[0] & 63)
		f.last[len(k)] |= 1 << (k[len(k)-1] & 63)
	}
}

func (f *keyFilter) may(n int, first, last byte) bool {
	return n > 0 && n < len(f.first) && f.first[n]&(1<<(lower(first)&63)) != 0 && f.last[n]&(1<<(lower(last)&63)) != 0
}

// mayKey is the filter for the key k as written: it reads the length and
// letters k has once normalised (see normKey) without normalising it. seps
// is false only for a key that holds no '_' and no '-'.
func (f *keyFilter) mayKey(k string, seps bool) bool {
	if !seps {
		return len(k) > 0 && f.may(len(k), k[0], k[len(k)-1]) // the common case: normalised, k keeps its length and letters
	}
	n := 0
	var first, last byte
	for i := 0; i < len(k); i++ {
		if c := k[i]; c != '_' && c != '-' {
			if n == 0 {
				first = c
			}
			last = c
			n++
		}
	}
	return f.may(n, first, last)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

var defaultRedactor = NewRedactor(nil, nil)

// Default returns the redactor the package functions use: the Luhn check,
// the published sample numbers that fail it, and the card fields of the
// networks' documents.
func Default() Redactor { return defaultRedactor }

// NewRedactor returns a Redactor that also knows the given card numbers
// (test cards, the cards of a run) and treats fields with the given names as
// card data, on top of the defaults. Numbers that are not 12–19 digits are
// ignored.
func NewRedactor(cards, cardFields []string) Redactor {
	r := Redactor{cardFields: map[string]bool{}}
	for _, f := range append(slices.Clone(defaultCardFields), cardFields...) {
		var buf [32]byte
		if nk, ok := normKey(f, &buf); ok {
			r.cardFields[string(nk)] = true
		}
	}
	r.keys = &keyFilter{}
	for k := range sensitiveKeys {
		r.keys.add(k)
	}
	for k := range r.cardFields {
		r.keys.add(k)
	}
	r.known = addCards(nil, samples)
	r.known = addCards(r.known, cards)
	r.knownHeads = make(map[string][]int32, len(r.known))
	for i, k := range r.known {
		r.knownHeads[k[:12]] = append(r.knownHeads[k[:12]], int32(i))
	}
	return r
}

// addCards appends the distinct 12–19 digit numbers of cards to list,
// longest first (so a longer number is masked whole, not through a shorter
// one inside it).
func addCards(list, cards []string) []string {
	if len(list) == 0 && len(cards) == 1 && len(cards[0]) >= 12 && len(cards[0]) <= 19 && allDigits(cards[0]) {
		return cards[:1:1] // one plain card number, the common case: shared, read only
	}
	for _, c := range cards {
		d := strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, c)
		if len(d) < 12 || len(d) > 19 || !allDigits(d) || slices.Contains(list, d) {
			continue
		}
		list = append(list, d)
	}
	slices.SortStableFunc(list, func(a, b string) int { return len(b) - len(a) })
	return list
}

// IsZero reports whether r is the zero Redactor (not made by NewRedactor).
func (r Redactor) IsZero() bool { return r.cardFields == nil }

// WithCards returns a copy of r that also knows these card numbers (the
// cards one exchange concerns); r itself is unchanged.
func (r Redactor) WithCards(cards ...string) Redactor {
	if len(cards) == 0 {
		return r
	}
	r.extra = addCards(slices.Clip(r.extra), cards)
	return r
}

func (r Redactor) scanner(s string) scanner {
	return scanner{known: [2][]string{r.known, r.extra}, knownHeads: r.knownHeads, seen: r.seen, s: s, full: r.full}
}

// WithSeen returns a copy of r that also knows the cards in set (Found.Known):
// a Luhn-valid number the set holds is reported as a known card.
func (r Redactor) WithSeen(set *CardSet) Redactor {
	r.seen = set
	return r
}

// knowsDigits reports whether the digits of s (separators dropped) are a
// card r knows.
func (r Redactor) knowsDigits(s string) bool {
	var buf [19]byte
	d := buf[:0]
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if len(d) == len(buf) {
				return false
			}
			d = append(d, s[i])
		}
	}
	return slices.Contains(r.known, string(d)) || slices.Contains(r.extra, string(d)) || r.seen != nil && r.seen.has(buf, len(d))
}

// IsCardField reports whether values of a field with this name are card
// numbers.
func (r Redactor) IsCardField(k string) bool {
	var buf [32]byte
	nk, ok := normKey(k, &buf)
	return ok && r.cardFields[string(nk)]
}

// Text masks every card number in s (see the package documentation for what
// counts as one) to its first six and last four digits, in place: the result
// has the length of s, and s is returned as it is when it holds none.
func (r Redactor) Text(s string) string {
	if !r.full && !mayHoldCard(s) {
		return s
	}
	sc := r.scanner(s)
	sc.walk()
	return applySpans(s, sc.spans)
}

// ScanText is Text that also reports each card number it masked, with
// where as the place.
func (r Redactor) ScanText(s, where string, found *[]Found) string {
	if !r.full && !mayHoldCard(s) {
		return s
	}
	sc := r.scanner(s)
	sc.report, sc.where = found != nil, where
	sc.walk()
	if found != nil {
		*found = append(*found, sc.found...)
	}
	return applySpans(s, sc.spans)
}

func applySpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	b := spliced(s, spans, nil)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is new and nothing else holds it
}

// maskDigits masks a value declared as a card number: every digit but the
// first six and last four when it has 13 or more, all but the last four
// otherwise; other characters stay. ok is false when s is not a number
// (digits, blanks and dashes with at least 9 digits).
func maskDigits(s string) (string, bool) {
	n, ok := cardDigits(s)
	if !ok {
		return "", false
	}
	b := []byte(s)
	k := 0
	for i, c := range b {
		if !isDigit(c) {
			continue
		}
		if maskedDigit(k, n) {
			b[i] = '*'
		}
		k++
	}
	return string(b), true
}

// cardDigits counts the digits of s, and ok is true when s is a number
// maskDigits masks.
func cardDigits(s string) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			n++
		case c == ' ' || c == '-':
		default:
			return 0, false
		}
	}
	return n, n >= 9
}

// maskedDigit reports whether maskDigits masks the k-th (from 0) of n
// digits.
func maskedDigit(k, n int) bool { return n >= 13 && k >= 6 && k < n-4 || n < 13 && k < n-4 }

// RedactText masks every card number in s with the default redactor.
func RedactText(s string) string { return defaultRedactor.Text(s) }

// RedactJSON returns a JSON document with card numbers masked in every
// string, number and object key, the values of card fields masked whatever
// they hold, and sensitive fields (CVC, expiry, secrets) replaced by
// Removed, with the default redactor. Input that is not JSON is redacted as
// text.
func RedactJSON(b []byte) []byte { return defaultRedactor.JSON(b) }
