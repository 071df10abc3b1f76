// Package pan holds a primary account number as a secret and redacts card
// data from text and JSON. Everything c2psim writes for people (logs, the
// journal, reports, error messages) goes through this package, so a full PAN,
// a CVC or a full expiry never leaves the process unmasked.
//
// # What is masked
//
// A card number is masked to its first six and last four digits, in place
// (the text keeps its length, a JSON document its shape and every byte that
// is not masked). Two paths decide what a card number is.
//
// By structure, where the structure is known. The value of a field that
// holds card data by name (pan, primaryAccountNumber, accountNumber,
// AccountPan, account_number, cardNumber: the card fields of the networks'
// documents, and any a Redactor is given) is masked whatever its digits,
// when it is a number of 9 or more digits. And a Redactor knows card numbers
// it was given (the simulator gives it every test card of the networks it
// serves and, for each exchange, the cards the exchange concerns): those are
// masked wherever their digits appear, Luhn-valid or not, even inside a
// longer digit run or opaque data. This is how test cards that fail the Luhn
// check stay masked: Visa's published samples 4111111145551140 and
// 4111111145551141 and the American Express SDK's 371111111111111 are known
// to every Redactor, and a network's own test cards to the simulator's.
//
// By scanning, everywhere else (free text, headers, URLs, identifiers, keys
// and values of JSON documents, decrypted payloads): a run of 12–19 digits
// that passes the Luhn check, also when it touches letters ("id5186…",
// "r4111…"); the same written as two to six groups of 3–6 digits joined by
// one kind of separator (blank, tab, '+', '-', '.', '_', '/', ',' or their
// percent-encoded forms %20, %2B, %2D, %2E, %5F, %2F, %2C); digits
// percent-encoded as %30–%39. JSON escapes are decoded before scanning.
//
// What the scan leaves byte for byte: digit runs that fail the Luhn check
// (numeric IDs, timestamps), runs of more than 19 digits (unless they hold a
// known card), a hexadecimal string of 32 or more characters with a letter
// in it (ciphertext, keys, hashes: a Luhn-valid run inside one is chance),
// GUIDs, IPv4 addresses, base64url (whose random text practically never
// holds 12 digits in a row). A card number hidden inside a long hexadecimal
// string is therefore not found by the scan, only by structure (a known
// card or a card field).
//
// CVC, expiry and secrets are not card numbers: fields named for them
// (cvc, cvv2, expiryMonth, panExpirationYear, clientSecret, ...) are removed
// from JSON documents outright and replaced by Removed.
package pan
