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
	IssuedAt time.Time // zero when the header has no iat
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
	out := &Opened{Payload: payload, KeyID: obj.Header.KeyID}
	if iat, ok := obj.Header.ExtraHeaders["iat"].(float64); ok {
		out.IssuedAt = time.UnixMilli(int64(iat))
	}
	return out, nil
}
