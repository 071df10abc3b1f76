package visa

import (
	"crypto/rsa"
	"fmt"

	"github.com/c2psim/c2psim/internal/pemkey"
)

// ParsePublicKeyPEM reads an RSA public key (PKIX "PUBLIC KEY" PEM), the
// form in which Visa's portal and the simulator's admin API hand out MLE and
// notification signing keys.
func ParsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	k, err := pemkey.ParsePublic(s)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return k, nil
}

// ParsePrivateKeyPEM reads an RSA private key (PKCS#8 or PKCS#1 PEM).
func ParsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	k, err := pemkey.ParsePrivate(s)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	return k, nil
}
