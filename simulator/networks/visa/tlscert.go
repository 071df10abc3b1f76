package visa

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"
)

type tlsPair struct {
	cert            *x509.Certificate
	certPEM, keyPEM string
}

// newClientCert makes the sandbox client certificate handed out with the
// credentials, so mutual TLS works out of the box.
func newClientCert(key *ecdsa.PrivateKey) (tlsPair, error) {
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
		return tlsPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tlsPair{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tlsPair{}, err
	}
	return tlsPair{
		cert:    cert,
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})),
	}, nil
}
