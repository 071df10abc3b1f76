// Package pemkey reads and writes RSA keys in the PEM forms the simulated
// networks hand out and take back: public keys as PKIX ("PUBLIC KEY"),
// private keys as PKCS#8 ("PRIVATE KEY"), with PKCS#1 ("RSA PRIVATE KEY")
// also read because portals and openssl still produce it.
//
// Errors say what is wrong with the value, not which value it was: callers
// wrap them with the credential's name ("signing-private-key: not PEM").
//
//	pub, err := pemkey.ParsePublic(creds["encryption-public-key"])
//	if err != nil {
//		return fmt.Errorf("encryption-public-key: %w", err)
//	}
package pemkey

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Conditions a caller may branch on, wrapped with details.
var (
	ErrNotPEM  = errors.New("not PEM")
	ErrNotRSA  = errors.New("not an RSA key")
	ErrTooWeak = errors.New("RSA key too short")
)

// EncodePublic writes k as a PKIX "PUBLIC KEY" PEM block.
func EncodePublic(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		// Marshalling an RSA public key fails only for a nil key, a
		// programming error, never for data from outside.
		panic(fmt.Sprintf("pemkey: encoding public key: %v", err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// EncodePrivate writes k as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivate(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(fmt.Sprintf("pemkey: encoding private key: %v", err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ParsePublic reads an RSA public key from the first PEM block of s
// (PKIX SubjectPublicKeyInfo).
func ParsePublic(s string) (*rsa.PublicKey, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, ErrNotPEM
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", ErrNotRSA, k)
	}
	return rk, nil
}

// ParsePublicAtLeast is ParsePublic refusing keys shorter than bits, as the
// simulators refuse a weak key an issuer registers.
func ParsePublicAtLeast(s string, bits int) (*rsa.PublicKey, error) {
	k, err := ParsePublic(s)
	if err != nil {
		return nil, err
	}
	if n := k.N.BitLen(); n < bits {
		return nil, fmt.Errorf("%w: %d bits, at least %d needed", ErrTooWeak, n, bits)
	}
	return k, nil
}

// ParsePrivate reads an RSA private key from the first PEM block of s,
// PKCS#8 or PKCS#1.
func ParsePrivate(s string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, ErrNotPEM
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		if k1, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 == nil {
			return k1, nil
		}
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", ErrNotRSA, k)
	}
	return rk, nil
}
