package client

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"github.com/c2psim/c2psim/client/pan"
)

// newCardSecret is the key of an Issuer's card references, made at New and
// never shown.
func newCardSecret() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read does not fail (Go 1.24)
	return k
}

// cardKey is the issuer's keyed reference of a card number (HMAC-SHA256
// under the Issuer's own key): network calls are matched to enrolments by
// it, so the full number is compared without being kept, and two cards that
// share their last four digits are never taken for one another.
func (i *Issuer) cardKey(p pan.PAN) string {
	if p.IsZero() {
		return ""
	}
	m := hmac.New(sha256.New, i.cardSecret)
	m.Write([]byte(p.Reveal()))
	return hex.EncodeToString(m.Sum(nil))
}

// namesEnrolment says whether a network call is about enrolment e: by the
// card number it carries when it carries one, else by the token it names.
// A call that names neither is about no enrolment. key is
// i.cardKey(ev.Card).
func namesEnrolment(e *Enrolment, ev *NetworkEvent, key string) bool {
	if e.Network != ev.Network {
		return false
	}
	if key != "" {
		return e.cardKey == key
	}
	return ev.TokenRef != "" && e.TokenRef == ev.TokenRef
}
