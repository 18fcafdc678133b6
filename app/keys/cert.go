package keys

import (
	"crypto/ecdsa"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"
)

// cryptoRandReader is the default source of certificate serials.
var cryptoRandReader = cryptorand.Reader

// SelfSignedCertificate returns the DER of an X.509 v3 certificate for key,
// signed by key itself: a random positive 128-bit serial (drawn from rand;
// nil means crypto/rand.Reader),
// CN subject, key usage digitalSignature, basic constraints CA=false and a
// subject key identifier. dnsName, when not empty, becomes a
// subjectAltName: an IP address (brackets and port allowed) goes into
// iPAddress, anything else into dNSName. The certificate lets credentials
// carry x5c; a CA-issued chain can replace it later.
func SelfSignedCertificate(key *ecdsa.PrivateKey, subject string, dnsName string, notBefore, notAfter time.Time, rand io.Reader) ([]byte, error) {
	if key == nil {
		return nil, errors.New("keys: certificate needs a key")
	}
	if subject == "" {
		return nil, errors.New("keys: certificate needs a subject")
	}
	if !notAfter.After(notBefore) {
		return nil, errors.New("keys: certificate notAfter must be after notBefore")
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	serial, err := randomSerial(rand)
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: subject},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  false,
		SubjectKeyId:          skid,
	}
	if host := sanHost(dnsName); host != "" {
		if ip := net.ParseIP(host); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else {
			tmpl.DNSNames = []string{host}
		}
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("keys: create certificate: %w", err)
	}
	return der, nil
}

// randomSerial returns a uniformly random serial in [1, 2^128), as RFC 5280
// (section 4.1.2.2) wants a positive number of at most 20 octets.
func randomSerial(rand io.Reader) (*big.Int, error) {
	buf := make([]byte, 16)
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("keys: certificate serial: %w", err)
		}
		if n := new(big.Int).SetBytes(buf); n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID is method 1 of RFC 7093, section 2: the leftmost 160 bits of
// the SHA-256 hash of the subjectPublicKey bit string.
func subjectKeyID(pub *ecdsa.PublicKey) ([]byte, error) {
	b, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("keys: subject key id: %w", err)
	}
	sum := sha256.Sum256(b)
	return sum[:20], nil
}

// sanHost strips a port and IPv6 brackets, so a URL host can be passed as is.
func sanHost(s string) string {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
}
