package mastercard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
)

// credentials are the sandbox project's keys and identifiers, and the
// checks every API of the enrolment document makes against them (the
// programme, the directory, the card JWE). The issuer may register its own
// public keys and identifiers at any time, so every read takes the lock.
type credentials struct {
	mu          sync.RWMutex
	consumerKey string
	signingKey  *simulator.RSAKey // the sandbox issuer's signing key (private half handed out)
	signingPub  *rsa.PublicKey    // the issuer's own signing key, when registered (else signingKey's)
	encKey      *simulator.RSAKey // the simulator's encryption key: issuers encrypt cards to it
	encryption  func() encryptionKey
	srcClientID string
	serviceID   string
	directoryID string
	issuerFLE   *simulator.RSAKey // the sandbox issuer's callback encryption key (private half handed out)
	issuerPub   *rsa.PublicKey    // the issuer's own, when registered (else issuerFLE's): Authorize Service payloads are encrypted to it
}

// encryptionKey is what derives from the simulator's encryption key, made
// at its first use.
type encryptionKey struct {
	kid     string // the fingerprint: the JWE kid and keyId
	ring    encryption.KeyRing
	certPEM string // the key in a self-signed certificate, as Mastercard hands it out
	err     error
}

func newEncryptionKey(env *simulator.Env, k *rsa.PrivateKey, now time.Time) encryptionKey {
	e := encryptionKey{ring: encryption.KeyRing{}}
	if e.kid, e.err = e.ring.Add(k); e.err == nil {
		// Kept by the key's ID: every replica, and a restart, hands out
		// the same certificate.
		e.certPEM, e.err = env.Kept("encryption-certificate/"+e.kid, func() (string, error) {
			return selfSignedCertificate(k, "c2psim Mastercard Click to Pay encryption", now)
		})
	}
	return e
}

// serviceIDSetting is the onboarded programme's serviceId.
var serviceIDSetting = simulator.Key[string]{Name: "serviceId", Default: "SRC_ISSUER_SANDBOX",
	Description: "the serviceId of the issuer's onboarded programme; any other is INVALID_STATE", Check: notEmpty}

func notEmpty(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// newCredentials makes the sandbox credentials. The keys come from the
// engine (saved ones, or made off the start path); what derives from the
// encryption key is made at its first use.
func newCredentials(env *simulator.Env) (*credentials, error) {
	c := &credentials{serviceID: serviceIDSetting.Get(env.Settings)}
	var err error
	if c.signingKey, err = env.RSAKey("signing-private-key"); err != nil {
		return nil, err
	}
	if c.encKey, err = env.RSAKey("encryption-private-key"); err != nil {
		return nil, err
	}
	if c.issuerFLE, err = env.RSAKey("issuer-fle-private-key"); err != nil {
		return nil, err
	}
	now := env.Clock.Now()
	c.encryption = sync.OnceValue(func() encryptionKey { return newEncryptionKey(env, c.encKey.Private(), now) })
	// Mastercard consumer keys: 24 characters, '!', 48 hex characters.
	c.consumerKey = env.IDs.Hex(12) + "!" + env.IDs.Hex(24)
	c.srcClientID = env.IDs.UUID()
	c.directoryID = env.IDs.UUID()
	return c, nil
}

// keyFor is the OAuth 1.0a verifier's key lookup.
func (c *credentials) keyFor(ck string) (*rsa.PublicKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.signingPublicKey(), ck == c.consumerKey
}

// signingPublicKey verifies signatures: the issuer's registered key, else
// the sandbox signing key's public half. Hold mu.
func (c *credentials) signingPublicKey() *rsa.PublicKey {
	if c.signingPub != nil {
		return c.signingPub
	}
	return c.signingKey.Public()
}

// issuerKeyLocked is the issuer's registered FLE key, else the sandbox
// one's public half. Hold mu.
func (c *credentials) issuerKeyLocked() *rsa.PublicKey {
	if c.issuerPub != nil {
		return c.issuerPub
	}
	return c.issuerFLE.Public()
}

// list is what a local client needs, private halves included.
func (c *credentials) list() []simulator.Credential {
	enc := c.encryption()
	c.mu.RLock()
	defer c.mu.RUnlock()
	return []simulator.Credential{
		{Name: "consumer-key", Kind: "id", Value: c.consumerKey, Description: "OAuth 1.0a oauth_consumer_key of the sandbox project"},
		{Name: "signing-private-key", Kind: "rsa-private-key", Value: pemkey.EncodePrivate(c.signingKey.Private()), Description: "signs OAuth 1.0a requests while signing-public-key is the generated one"},
		{Name: "signing-public-key", Kind: "rsa-public-key", Value: pemkey.EncodePublic(c.signingPublicKey()), Description: "verifies OAuth 1.0a signatures; register your own signing public key under this name"},
		{Name: "encryption-public-key", Kind: "rsa-public-key", KeyID: enc.kid, Value: pemkey.EncodePublic(c.encKey.Public()), Description: "encrypt encryptedCard to this key; the JWE kid is keyId (hex SHA-256 of its SubjectPublicKeyInfo)"},
		{Name: "encryption-certificate", Kind: "certificate", KeyID: enc.kid, Value: enc.certPEM, Description: "the same encryption key as a certificate, the form Mastercard's client encryption libraries read (encryptionCertificate)"},
		{Name: "src-client-id", Kind: "id", Value: c.srcClientID, Description: "srcClientId of the onboarded programme"},
		{Name: "service-id", Kind: "id", Value: c.serviceID, Description: "serviceId of the onboarded programme"},
		{Name: "issuer-fle-public-key", Kind: "rsa-public-key", KeyID: mustFingerprint(c.issuerKeyLocked()), Value: pemkey.EncodePublic(c.issuerKeyLocked()), Description: "Authorize Service encryptedPayload and the encryptedCardData of Credential Directory answers (JWE kid = keyId) are encrypted to this key (publicKeyFingerprint = keyId); register your own under this name"},
		{Name: "issuer-fle-private-key", Kind: "rsa-private-key", Value: pemkey.EncodePrivate(c.issuerFLE.Private()), Description: "decrypts encryptedPayload and encryptedCardData while issuer-fle-public-key is the generated one"},
		{Name: "directory-id", Kind: "id", Value: c.directoryID, Description: "directoryId of the issuer's segregated Credential Directory"},
	}
}

// register takes the issuer's own signing public key, FLE public key,
// consumer key, srcClientId or serviceId.
func (c *credentials) register(cr simulator.Credential) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case cr.Name == "signing-public-key" && cr.Kind == "rsa-public-key":
		pub, err := pemkey.ParsePublicAtLeast(cr.Value, 2048)
		if err != nil {
			return fmt.Errorf("the signing key must be RSA, at least 2048 bits: %w", err)
		}
		c.signingPub = pub
	case cr.Name == "issuer-fle-public-key" && cr.Kind == "rsa-public-key":
		pub, err := pemkey.ParsePublicAtLeast(cr.Value, 2048)
		if err != nil {
			return fmt.Errorf("the issuer FLE key must be RSA, at least 2048 bits: %w", err)
		}
		c.issuerPub = pub
	case cr.Name == "consumer-key" && cr.Kind == "id":
		if cr.Value == "" {
			return errors.New("consumer-key must not be empty")
		}
		c.consumerKey = cr.Value
	case cr.Name == "src-client-id" && cr.Kind == "id":
		c.srcClientID = cr.Value
	case cr.Name == "service-id" && cr.Kind == "id":
		c.serviceID = cr.Value
	case cr.Name == "directory-id" && cr.Kind == "id" && cr.Value != "":
		c.directoryID = cr.Value
	case cr.Name == "encryption-certificate" && cr.Kind == "certificate":
		// Only the simulator's own key again (a start from saved
		// credentials): the certificate changes nothing.
		if !certifies(cr.Value, c.encKey.Public()) {
			return errors.New("encryption-certificate is the simulator's own encryption key: it takes none other")
		}
	default:
		return fmt.Errorf("mastercard takes signing-public-key (rsa-public-key), issuer-fle-public-key (rsa-public-key), consumer-key (id), src-client-id (id), service-id (id) or directory-id (id); got %s (%s)", cr.Name, cr.Kind)
	}
	return nil
}

func (c *credentials) programme() (srcClientID, serviceID string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.srcClientID, c.serviceID
}

// clientID is the project's client ID as issuers send it in
// x-openapi-clientid: the first 48 characters of the consumer key.
func (c *credentials) clientID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.consumerKey) > 48 {
		return c.consumerKey[:48]
	}
	return c.consumerKey
}

func (c *credentials) currentServiceID() string {
	_, s := c.programme()
	return s
}

func (c *credentials) currentDirectoryID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.directoryID
}

// issuerKey is the key callbacks and Credential Directory answers encrypt
// card data to.
func (c *credentials) issuerKey() *rsa.PublicKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.issuerKeyLocked()
}

// checkProgramme refuses a srcClientId or serviceId that is not the issuer's.
func (c *credentials) checkProgramme(srcClientID, serviceID string) error {
	clientID, svc := c.programme()
	if srcClientID != clientID {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "srcClientId does not resolve to an onboarded programme (credential src-client-id)")
		e.Fields = []simulator.FieldError{{Field: "srcClientId", In: "body", Rule: "value", Message: "unknown srcClientId"}}
		return e
	}
	if serviceID != svc {
		e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "serviceId does not resolve to the programme of this srcClientId (credential service-id)")
		e.Fields = []simulator.FieldError{{Field: "serviceId", In: "body", Rule: "value", Message: "unknown serviceId"}}
		return e
	}
	return nil
}

// checkDirectory refuses a directoryId that is not the issuer's.
func (c *credentials) checkDirectory(req *simulator.Request) error {
	if req.PathParams["directoryId"] == c.currentDirectoryID() {
		return nil
	}
	e := svcErr(http.StatusBadRequest, simulator.KindState, "INVALID_STATE", "directoryId does not resolve to this issuer's directory (credential directory-id)")
	e.Fields = []simulator.FieldError{{Field: "directoryId", In: "path", Rule: "value", Message: "unknown directoryId"}}
	return e
}

// openJWE decrypts the compact JWE in field, refusing card data in clear, an
// unknown kid, other algorithms and broken or tampered JWEs.
func (c *credentials) openJWE(field, compact string) ([]byte, error) {
	if isDigits(strings.ReplaceAll(compact, " ", "")) {
		return nil, cryptoErrAt(field, "%s carries card data in clear: it must be a compact JWE (RSA-OAEP-256, A256GCM) encrypted to the encryption-public-key; the value is not echoed", field)
	}
	enc := c.encryption()
	if enc.err != nil {
		return nil, enc.err
	}
	d, err := enc.ring.Decrypt(compact)
	if err != nil {
		switch {
		case errors.Is(err, encryption.ErrUnknownKid):
			return nil, cryptoErrAt(field, "%s: the JWE kid is not the fingerprint of Mastercard's encryption key (credential encryption-public-key, keyId %s)", field, enc.kid)
		case errors.Is(err, encryption.ErrNoKid):
			return nil, cryptoErrAt(field, "%s: the JWE header has no kid; set it to the fingerprint of the encryption key", field)
		case errors.Is(err, encryption.ErrAlgorithm):
			return nil, cryptoErrAt(field, "%s: the JWE must use alg RSA-OAEP-256 and enc A256GCM", field)
		case errors.Is(err, encryption.ErrDecrypt):
			return nil, cryptoErrAt(field, "%s: the JWE does not decrypt with the key its kid names (wrong key or tampered)", field)
		}
		return nil, cryptoErrAt(field, "%s is not a compact JWE (five base64url parts separated by '.')", field)
	}
	return d.Plaintext, nil
}

func isDigits(s string) bool {
	if len(s) < 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// sealForLater encrypts card data to the simulator's own key, so work that
// waits (a pending task) never holds it in clear; openLater reads it back.
func (c *credentials) sealForLater(plain []byte) (string, error) {
	return encryption.Encrypt(plain, c.encKey.Public())
}

func (c *credentials) openLater(sealed string) ([]byte, error) {
	d, err := c.encryption().ring.Decrypt(sealed)
	if err != nil {
		return nil, err
	}
	return d.Plaintext, nil
}

// certifies reports whether the PEM certificate v is for the public key k.
func certifies(v string, k *rsa.PublicKey) bool {
	b, _ := pem.Decode([]byte(v))
	if b == nil {
		return false
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return false
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && pub.Equal(k)
}

func mustFingerprint(k *rsa.PublicKey) string {
	fp, _ := encryption.Fingerprint(k)
	return fp
}

// selfSignedCertificate wraps key in a self-signed X.509 certificate (PEM),
// the form in which Mastercard hands out its encryption key.
func selfSignedCertificate(key *rsa.PrivateKey, name string, now time.Time) (string, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"c2psim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", fmt.Errorf("encryption certificate: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
