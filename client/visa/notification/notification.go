// Package notification builds and verifies the body of Visa's Click to Pay
// enrolment-attempt notification (eventType CTP_ENROLLMENT_ATTEMPT):
//
//	{"encryptedData": "<JWS compact>"}
//
// The JWS is signed PS256 by Visa (protected header
// {"alg":"PS256","typ":"JOSE","kid":<Visa signing key ID>,"cty":"JWE"}) and
// its payload is a JWE compact string encrypted to the issuer's key
// (RSA-OAEP-256 with A128GCM, the pairing of Visa's Message Level Encryption;
// A256GCM is accepted too). An issuer verifies the signature first,
// then decrypts: a notification whose signature does not verify is never
// decrypted. Visa caps encryptedData at 7000 characters.
package notification

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxEncryptedData is the documented size limit of encryptedData.
const MaxEncryptedData = 7000

// Body is the wire form of the notification.
type Body struct {
	EncryptedData string `json:"encryptedData"`
}

// Errors returned by Open; each names what is wrong.
var (
	ErrNotBody     = errors.New(`notification body is not {"encryptedData": "<JWS>"}`)
	ErrTooLong     = fmt.Errorf("encryptedData is longer than %d characters", MaxEncryptedData)
	ErrNotJWS      = errors.New("encryptedData is not a compact JWS signed PS256")
	ErrHeader      = errors.New(`JWS header must carry typ "JOSE", cty "JWE" and a kid`)
	ErrUnknownKey  = errors.New("JWS kid names no known Visa signing key")
	ErrSignature   = errors.New("JWS signature does not verify")
	ErrInnerJWE    = errors.New("JWS payload is not a JWE encrypted with RSA-OAEP-256 and A128GCM/A256GCM")
	ErrDecrypt     = errors.New("JWE does not decrypt with the issuer key")
	ErrWrongKeyIDs = errors.New("JWE kid does not name the issuer's encryption key")
)

// Sealer builds notifications, as Visa does.
type Sealer struct {
	SignKey   *rsa.PrivateKey // Visa's signing key
	SignKeyID string
	EncKey    *rsa.PublicKey // the issuer's encryption key
	EncKeyID  string
	// Enc is the content encryption; zero means A128GCM.
	Enc jose.ContentEncryption
}

// Seal encrypts payload to the issuer, signs the JWE and returns the body's
// JSON bytes.
func (s Sealer) Seal(payload []byte, now time.Time) ([]byte, error) {
	compact, err := s.seal(payload, now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Body{EncryptedData: compact})
}

// Build returns the encryptedData value of a notification: payload encrypted
// to the issuer's key (RSA-OAEP-256/A128GCM, kid encKeyID, iat now), then
// signed with Visa's key (PS256, typ JOSE, cty JWE, kid signKeyID).
func Build(payload []byte, encryptTo *rsa.PublicKey, encKeyID string, signWith *rsa.PrivateKey, signKeyID string, now time.Time) (string, error) {
	return Sealer{SignKey: signWith, SignKeyID: signKeyID, EncKey: encryptTo, EncKeyID: encKeyID}.seal(payload, now)
}

// Open verifies an encryptedData value with Visa's signing key and decrypts
// it with the issuer's key, returning the payload. A JWS whose signature does
// not verify with verifyWith is refused with ErrSignature and never
// decrypted. Any kid is accepted since one key of each kind is given; use
// Opener to choose keys by kid.
func Open(encryptedData string, verifyWith *rsa.PublicKey, decryptWith *rsa.PrivateKey) ([]byte, error) {
	if verifyWith == nil {
		return nil, errors.New("notification: no Visa signing public key to verify with")
	}
	if decryptWith == nil {
		return nil, errors.New("notification: no issuer private key to decrypt with")
	}
	o := Opener{VerifyKeys: func(string) (*rsa.PublicKey, bool) { return verifyWith, true }, DecryptKey: decryptWith}
	got, err := o.open(encryptedData)
	if err != nil {
		return nil, err
	}
	return got.Payload, nil
}

func (s Sealer) seal(payload []byte, now time.Time) (string, error) {
	switch {
	case s.SignKey == nil:
		return "", errors.New("notification: no Visa signing private key to sign with")
	case s.EncKey == nil:
		return "", errors.New("notification: no issuer public key to encrypt to")
	case s.SignKeyID == "":
		return "", errors.New("notification: the signing key needs a kid (the JWS header must carry one)")
	}
	enc := s.Enc
	if enc == "" {
		enc = jose.A128GCM
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: s.EncKey, KeyID: s.EncKeyID},
		(&jose.EncrypterOptions{}).WithType("JOSE").WithHeader("iat", now.Unix()))
	if err != nil {
		return "", fmt.Errorf("building notification encrypter: %w", err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		return "", fmt.Errorf("encrypting notification: %w", err)
	}
	jwe, err := obj.CompactSerialize()
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: s.SignKey, KeyID: s.SignKeyID}},
		(&jose.SignerOptions{}).WithType("JOSE").WithContentType("JWE"))
	if err != nil {
		return "", fmt.Errorf("building notification signer: %w", err)
	}
	jws, err := signer.Sign([]byte(jwe))
	if err != nil {
		return "", fmt.Errorf("signing notification: %w", err)
	}
	compact, err := jws.CompactSerialize()
	if err != nil {
		return "", err
	}
	if len(compact) > MaxEncryptedData {
		return "", fmt.Errorf("%w (%d): the payload is too large for a notification", ErrTooLong, len(compact))
	}
	return compact, nil
}

// Opener verifies and decrypts notifications, as an issuer does.
type Opener struct {
	// VerifyKeys maps Visa signing key IDs to their public keys.
	VerifyKeys func(kid string) (*rsa.PublicKey, bool)
	DecryptKey *rsa.PrivateKey
	// DecryptKeyID, when set, must equal the JWE's kid.
	DecryptKeyID string
}

// Opened is a verified, decrypted notification.
type Opened struct {
	Payload   []byte
	SignKeyID string
	EncKeyID  string
}

// Open verifies the signature, then decrypts. It never decrypts content whose
// signature fails.
func (o Opener) Open(body []byte) (*Opened, error) {
	var b Body
	if err := json.Unmarshal(body, &b); err != nil || b.EncryptedData == "" {
		return nil, ErrNotBody
	}
	return o.open(b.EncryptedData)
}

func (o Opener) open(encryptedData string) (*Opened, error) {
	if encryptedData == "" {
		return nil, ErrNotJWS
	}
	if len(encryptedData) > MaxEncryptedData {
		return nil, ErrTooLong
	}
	jws, err := jose.ParseSignedCompact(encryptedData, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJWS, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%w: %d signatures, want exactly one", ErrNotJWS, len(jws.Signatures))
	}
	h := jws.Signatures[0].Protected
	if h.KeyID == "" || h.ExtraHeaders[jose.HeaderContentType] != "JWE" || h.ExtraHeaders[jose.HeaderType] != "JOSE" {
		return nil, ErrHeader
	}
	pub, ok := o.VerifyKeys(h.KeyID)
	if !ok || pub == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, h.KeyID)
	}
	inner, err := jws.Verify(pub)
	if err != nil {
		return nil, ErrSignature
	}
	jwe, err := jose.ParseEncryptedCompact(string(inner), []jose.KeyAlgorithm{jose.RSA_OAEP_256},
		[]jose.ContentEncryption{jose.A128GCM, jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInnerJWE, err)
	}
	if o.DecryptKeyID != "" && jwe.Header.KeyID != o.DecryptKeyID {
		return nil, fmt.Errorf("%w: got %q", ErrWrongKeyIDs, jwe.Header.KeyID)
	}
	payload, err := jwe.Decrypt(o.DecryptKey)
	if err != nil {
		return nil, ErrDecrypt
	}
	return &Opened{Payload: payload, SignKeyID: h.KeyID, EncKeyID: jwe.Header.KeyID}, nil
}
