package discover

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/c2psim/c2psim/client/discover/jwks"
	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
)

// sandboxKeys are the RSA keys: Discover's signing and encryption keys, as
// RS256 and RSA-OAEP-256 need, and the partner signing key the sandbox hands
// out. They come from the engine (saved ones, or made off the start path);
// the JWKS is built from them at first use.
type sandboxKeys struct {
	enc, sig, partner *rsa.PrivateKey
	jwks              []byte
}

// rsaKeys returns the sandbox's RSA keys, waiting for them the first time.
func (n *Network) rsaKeys() (*sandboxKeys, error) {
	n.rsaOnce.Do(func() {
		k := &sandboxKeys{enc: n.encKey.Private(), sig: n.sigKey.Private(), partner: n.partnerKey.Private()}
		k.jwks, n.rsaErr = jwks.Marshal(
			jwks.Key{ID: n.sigKeyID, Use: jwks.UseSig, Alg: "RS256", Key: &k.sig.PublicKey},
			jwks.Key{ID: n.encKeyID, Use: jwks.UseEnc, Alg: "RSA-OAEP-256", Key: &k.enc.PublicKey})
		n.rsa = k
	})
	if n.rsaErr != nil {
		return nil, fmt.Errorf("discover: making the sandbox keys: %w", n.rsaErr)
	}
	return n.rsa, nil
}

// makeKeys asks the engine for the sandbox's RSA keys and names them (a
// saved key keeps its keyId), and makes, under one c2psim certificate
// authority (ECDSA, its key from the engine too), the consumer application
// certificate and the client certificate of Discover's notifications.
func (n *Network) makeKeys(env *simulator.Env) error {
	var err error
	if n.encKey, err = env.RSAKey("discover-encryption-private-key"); err != nil {
		return err
	}
	if n.sigKey, err = env.RSAKey("discover-signing-private-key"); err != nil {
		return err
	}
	if n.partnerKey, err = env.RSAKey("partner-signing-private-key"); err != nil {
		return err
	}
	n.encKeyID, n.sigKeyID, n.partnerKeyID = n.encKey.ID(env.IDs.UUID()), n.sigKey.ID(env.IDs.UUID()), n.partnerKey.ID("partner-"+env.IDs.Hex(4))
	n.partnerKeys = map[string]*rsa.PublicKey{}

	caKey, err := env.ECDSAKey("notification-ca-private-key")
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(&caKey.PublicKey)
	if err != nil {
		return err
	}
	fp := sha256.Sum256(spki)
	// Kept under the authority's key (Env.Kept): a restart and every
	// replica hand out the same certificates and present the same client
	// certificate.
	kept, err := env.Kept("certificates/"+hex.EncodeToString(fp[:]), func() (string, error) {
		b, err := issueCertificates(env, caKey, n.clientID)
		if err != nil {
			return "", err
		}
		out, err := json.Marshal(b)
		return string(out), err
	})
	if err != nil {
		return err
	}
	var b certificates
	if err := json.Unmarshal([]byte(kept), &b); err != nil {
		return fmt.Errorf("the kept certificates: %w", err)
	}
	if n.notifyCA, err = x509.ParseCertificate(b.CA); err != nil {
		return err
	}
	app, err := x509.ParseCertificate(b.App)
	if err != nil {
		return err
	}
	n.appCerts = []*x509.Certificate{app}
	client, err := x509.ParseCertificate(b.Client)
	if err != nil {
		return err
	}
	clientKey, err := x509.ParseECPrivateKey(b.ClientKey)
	if err != nil {
		return err
	}
	n.notifyClient = tls.Certificate{Certificate: [][]byte{client.Raw, n.notifyCA.Raw}, PrivateKey: clientKey, Leaf: client}
	return nil
}

// certificates are the sandbox's certificates (DER) under its authority:
// the authority's own, the consumer application's, and the client
// certificate of Discover's notifications with its key.
type certificates struct {
	CA        []byte `json:"ca"`
	App       []byte `json:"app"`
	Client    []byte `json:"client"`
	ClientKey []byte `json:"clientKey"`
}

func issueCertificates(env *simulator.Env, caKey *ecdsa.PrivateKey, clientID string) (certificates, error) {
	now := env.Clock.Now()
	serial := func() *big.Int {
		s, _ := strconv.ParseUint(env.IDs.Digits(15), 10, 64)
		return new(big.Int).SetUint64(s + 1)
	}
	caTmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{Organization: []string{"c2psim"}, CommonName: "c2psim Discover sandbox CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return certificates{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return certificates{}, err
	}
	issue := func(cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{Organization: []string{"c2psim"}, CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		return der, key, err
	}
	app, _, err := issue("consumer application "+clientID, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return certificates{}, err
	}
	client, clientKey, err := issue("c2psim Discover notifications", x509.ExtKeyUsageClientAuth)
	if err != nil {
		return certificates{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		return certificates{}, err
	}
	return certificates{CA: caDER, App: app, Client: client, ClientKey: keyDER}, nil
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// Credentials implements simulator.CredentialProvider: what Discover issues
// a partner at onboarding, and (sandbox only) the private half of a partner
// signing key already registered.
func (n *Network) Credentials() []simulator.Credential {
	keys, err := n.rsaKeys()
	if err != nil {
		n.env.Logger.Error("no sandbox keys", "error", err)
		return nil
	}
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	partner := keys.partner
	if n.partnerPriv != nil {
		partner = n.partnerPriv
	}
	return []simulator.Credential{
		{Name: "client-id", Kind: "id", Value: n.clientID, Description: "OAuth 2.0 client ID (HTTP Basic user, or client_id in the token call's form body)"},
		{Name: "client-secret", Kind: "secret", Value: n.clientSecret, Description: "OAuth 2.0 client secret"},
		{Name: "scope", Kind: "id", Value: n.scope, Description: "the scope granted to the application: the token call's scope"},
		{Name: "api-plan", Kind: "id", Value: n.apiPlan, Description: "the API plan: the X-DFS-API-PLAN header, on the token call and every call"},
		{Name: "partner-signing-private-key", Kind: "rsa-private-key", KeyID: n.partnerKeyID, Value: pemkey.EncodePrivate(partner),
			Description: "the partner's signing key, registered under keyId: signs the X-DFS-C-APP-JWT second factor and the card data JWS (register your own public key as partner-signing-public-key)"},
		{Name: "app-certificate", Kind: "certificate", Value: certPEM(n.appCerts[0]),
			Description: "the consumer application certificate Discover issued: send its DER as base64 in X-DFS-C-APP-CERT on reads"},
		{Name: "notification-client-ca", Kind: "certificate", Value: certPEM(n.notifyCA),
			Description: "the certificate authority of the client certificate Discover presents when it calls the issuer (mutual TLS): trust it on the notification endpoint"},
		{Name: "discover-encryption-public-key", Kind: "rsa-public-key", KeyID: n.encKeyID, Value: pemkey.EncodePublic(&keys.enc.PublicKey),
			Description: "Discover's encryption key (also in the JWKS, use enc): the card data JWE is encrypted to it, kid = keyId"},
		{Name: "discover-signing-public-key", Kind: "rsa-public-key", KeyID: n.sigKeyID, Value: pemkey.EncodePublic(&keys.sig.PublicKey),
			Description: "Discover's signing key (also in the JWKS, use sig): verifies the X-DFS-C-APP-JWT of Discover's notifications"},
	}
}

// RegisterCredential implements simulator.CredentialProvider: the issuer's
// own client ID or secret, a signing public key of its own (kept beside the
// earlier ones, so a rotation has an overlap), or a consumer application
// certificate.
func (n *Network) RegisterCredential(c simulator.Credential) error {
	n.credMu.Lock()
	defer n.credMu.Unlock()
	switch {
	case c.Name == "client-id" && c.Kind == "id" && c.Value != "":
		n.clientID = c.Value
	case c.Name == "client-secret" && c.Kind == "secret" && len(c.Value) >= 16:
		n.clientSecret = c.Value
	case c.Name == "partner-signing-public-key" && c.Kind == "rsa-public-key":
		if c.KeyID == "" {
			return errors.New("partner-signing-public-key needs a keyId: the kid of your JWS headers")
		}
		k, err := pemkey.ParsePublicAtLeast(c.Value, 2048)
		if err != nil {
			return fmt.Errorf("partner-signing-public-key: %w", err)
		}
		n.partnerKeys[c.KeyID] = k
	case c.Name == "partner-signing-private-key" && c.Kind == "rsa-private-key":
		// The sandbox's partner key as handed out before (a restart, another
		// replica): it replaces the generated one, under its keyId.
		if c.KeyID == "" {
			return errors.New("partner-signing-private-key needs its keyId")
		}
		k, err := pemkey.ParsePrivate(c.Value)
		if err != nil || k.N.BitLen() < 2048 {
			return fmt.Errorf("partner-signing-private-key must be an RSA private key of at least 2048 bits (%v)", err)
		}
		n.partnerPriv, n.partnerKeyID = k, c.KeyID
	case c.Name == "app-certificate" && c.Kind == "certificate":
		b, _ := pem.Decode([]byte(c.Value))
		if b == nil || b.Type != "CERTIFICATE" {
			return errors.New("app-certificate must be a PEM CERTIFICATE block")
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("app-certificate: %w", err)
		}
		n.appCerts = append(n.appCerts, cert)
	case c.Name == "notification-client-ca" && c.Kind == "certificate":
		// Only Discover's own certificate authority again (a start from
		// saved credentials, its key kept): nothing changes.
		b, _ := pem.Decode([]byte(c.Value))
		if b == nil {
			return errors.New("notification-client-ca must be a PEM CERTIFICATE block")
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil || !n.notifyCA.PublicKey.(*ecdsa.PublicKey).Equal(cert.PublicKey) {
			return errors.New("notification-client-ca is Discover's own certificate authority: it takes none other")
		}
	default:
		return errors.New("discover takes client-id (id), client-secret (secret, at least 16 characters), partner-signing-public-key (rsa-public-key, at least 2048 bits, with keyId), partner-signing-private-key (rsa-private-key with keyId: the sandbox's partner key) or app-certificate (certificate, PEM)")
	}
	return nil
}

// CallbackCertificate implements simulator.CallbackCertifier: the client
// certificate Discover presents to the issuer's notification endpoint.
func (n *Network) CallbackCertificate() *tls.Certificate {
	n.credMu.RLock()
	defer n.credMu.RUnlock()
	c := n.notifyClient
	return &c
}
