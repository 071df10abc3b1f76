package secondfactor

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors returned by CheckCertificate, wrapped with details.
var (
	ErrCertMissing     = errors.New("X-DFS-C-APP-CERT is missing")
	ErrCertMalformed   = errors.New("X-DFS-C-APP-CERT is not a base64 DER X.509 certificate")
	ErrCertUnknown     = errors.New("X-DFS-C-APP-CERT is not the consumer application certificate registered for this application")
	ErrCertNotValidNow = errors.New("X-DFS-C-APP-CERT is outside its validity period")
)

// CertificateHeader is the X-DFS-C-APP-CERT value of a certificate: standard
// base64 of its DER encoding, on one line.
func CertificateHeader(cert *x509.Certificate) string {
	return base64.StdEncoding.EncodeToString(cert.Raw)
}

// ParseCertificateHeader reads an X-DFS-C-APP-CERT value.
func ParseCertificateHeader(h string) (*x509.Certificate, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, ErrCertMissing
	}
	der, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertMalformed, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertMalformed, err)
	}
	return cert, nil
}

// CheckCertificate verifies that the header carries exactly one of the
// registered certificates and that it is valid at now.
func CheckCertificate(h string, registered []*x509.Certificate, now time.Time) (*x509.Certificate, error) {
	cert, err := ParseCertificateHeader(h)
	if err != nil {
		return nil, err
	}
	var match *x509.Certificate
	for _, r := range registered {
		if r != nil && bytes.Equal(r.Raw, cert.Raw) {
			match = r
		}
	}
	if match == nil {
		return nil, fmt.Errorf("%w (serial %s, subject %q)", ErrCertUnknown, cert.SerialNumber, cert.Subject.CommonName)
	}
	if now.Before(match.NotBefore) || now.After(match.NotAfter) {
		return nil, fmt.Errorf("%w (%s to %s)", ErrCertNotValidNow, match.NotBefore.UTC().Format(time.RFC3339), match.NotAfter.UTC().Format(time.RFC3339))
	}
	return match, nil
}
