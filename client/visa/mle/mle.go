// Package mle is Visa's Message Level Encryption: every request and response
// body of an MLE API (errors included) travels as
//
//	{"encData": "<JWE compact>"}
//
// with key management RSA-OAEP-256, content encryption A128GCM, and a
// protected header carrying kid (the project's MLE Key ID) and iat (issue
// time in milliseconds). The request also names the Key ID in a keyId HTTP
// header. The client encrypts to Visa's server public key and decrypts
// answers with its own private key; the simulator does the reverse.
package mle

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyIDHeader is the HTTP header naming the MLE Key ID on requests.
const KeyIDHeader = "keyId"

// Envelope is the wire form of an MLE body.
type Envelope struct {
	EncData string `json:"encData"`
}

// Errors returned by Open; each names what is wrong.
var (
	ErrNotEnvelope = errors.New(`body is not an MLE envelope {"encData": "<JWE>"}`)
	ErrAlgorithm   = errors.New("JWE must use alg RSA-OAEP-256 and enc A128GCM")
	ErrKeyID       = errors.New("JWE kid does not match the MLE Key ID")
	ErrNoIAT       = errors.New("the JWE protected header has no iat (issue time in milliseconds)")
	ErrIATSeconds  = errors.New("iat must be milliseconds since the epoch")
	ErrIATStale    = errors.New("iat is outside the accepted window")
)

// Seal encrypts payload to pub under keyID, stamping iat, and returns the
// envelope's JSON bytes.
func Seal(payload []byte, pub *rsa.PublicKey, keyID string, now time.Time) ([]byte, error) {
	opts := (&jose.EncrypterOptions{}).WithType("JWE").WithHeader("iat", now.UnixMilli())
	enc, err := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: keyID}, opts)
	if err != nil {
		return nil, fmt.Errorf("building MLE encrypter: %w", err)
	}
	obj, err := enc.Encrypt(payload)
	if err != nil {
		return nil, fmt.Errorf("encrypting MLE payload: %w", err)
	}
	compact, err := obj.CompactSerialize()
	if err != nil {
		return nil, err
	}
	return json.Marshal(Envelope{EncData: compact})
}

// Opened is a decrypted envelope.
type Opened struct {
	Payload  []byte
	KeyID    string
	IssuedAt time.Time // zero when the header has no numeric iat
	// IAT is the header's iat as sent (a JSON number, milliseconds by
	// Visa's rule), or nil when absent.
	IAT any
}

// secondsBefore is the largest iat read as seconds rather than
// milliseconds: 10^11 ms is March 1973, 10^11 s is the year 5138, so any
// plausible present time below it is in seconds.
const secondsBefore = 1e11

// CheckIssuedAt reports whether o's iat is a number of milliseconds within
// window of now (either way). An iat that reads as seconds, or that is not
// a number, is named as such.
func CheckIssuedAt(o *Opened, now time.Time, window time.Duration) error {
	switch v := o.IAT.(type) {
	case nil:
		return ErrNoIAT
	case float64:
		if v > 0 && v < secondsBefore {
			return fmt.Errorf("%w; %.0f looks like seconds (milliseconds now are about %d)", ErrIATSeconds, v, now.UnixMilli())
		}
		d := now.Sub(time.UnixMilli(int64(v)))
		if d > window || d < -window {
			return fmt.Errorf("%w of %s: it is %s off the current time", ErrIATStale, window, d.Round(time.Second))
		}
		return nil
	default:
		return fmt.Errorf("%w; got %v, which is not a number", ErrIATSeconds, v)
	}
}

// Open parses an envelope and decrypts it with priv. When keyID is not empty
// the JWE's kid must equal it.
func Open(body []byte, priv *rsa.PrivateKey, keyID string) (*Opened, error) {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.EncData == "" {
		return nil, ErrNotEnvelope
	}
	obj, err := jose.ParseEncryptedCompact(env.EncData, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A128GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAlgorithm, err)
	}
	if keyID != "" && obj.Header.KeyID != keyID {
		return nil, fmt.Errorf("%w: got %q", ErrKeyID, obj.Header.KeyID)
	}
	payload, err := obj.Decrypt(priv)
	if err != nil {
		return nil, fmt.Errorf("decrypting MLE payload (wrong key?): %w", err)
	}
	out := &Opened{Payload: payload, KeyID: obj.Header.KeyID, IAT: obj.Header.ExtraHeaders["iat"]}
	if iat, ok := out.IAT.(float64); ok {
		out.IssuedAt = time.UnixMilli(int64(iat))
	}
	return out, nil
}
