package visa

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"time"

	"github.com/c2psim/c2psim/simulator"
)

type tlsPair struct {
	cert            *x509.Certificate
	certPEM, keyPEM string
}

// newClientCert makes the sandbox client certificate handed out with the
// credentials, so mutual TLS works out of the box. It is kept (Env.Kept)
// under the key's fingerprint: a restart and every replica hand out the
// same certificate.
func newClientCert(env *simulator.Env, key *ecdsa.PrivateKey) (tlsPair, error) {
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return tlsPair{}, err
	}
	fp := sha256.Sum256(spki)
	certPEM, err := env.Kept("mtls-client-certificate/"+hex.EncodeToString(fp[:]), func() (string, error) {
		serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		tmpl := &x509.Certificate{
			SerialNumber: serial,
			Subject:      pkix.Name{CommonName: "c2psim-visa-sandbox-client", Organization: []string{"c2psim"}},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(2 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return "", err
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
	})
	if err != nil {
		return tlsPair{}, err
	}
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil {
		return tlsPair{}, errors.New("the kept client certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return tlsPair{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tlsPair{}, err
	}
	return tlsPair{
		cert:    cert,
		certPEM: certPEM,
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})),
	}, nil
}
