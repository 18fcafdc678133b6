package keys_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"net"
	"slices"
	"testing"
	"time"

	"credmint/app/keys"
)

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func TestSelfSignedCertificate(t *testing.T) {
	key := newP256(t)
	notBefore := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	notAfter := notBefore.Add(2 * 365 * 24 * time.Hour)
	tests := []struct {
		name    string
		dnsName string
		wantDNS []string
		wantIPs []net.IP
	}{
		{"no san", "", nil, nil},
		{"host", "issuer.example.org", []string{"issuer.example.org"}, nil},
		{"host with port", "issuer.example.org:8443", []string{"issuer.example.org"}, nil},
		{"ipv4", "192.0.2.7", nil, []net.IP{net.ParseIP("192.0.2.7")}},
		{"ipv6 with port", "[2001:db8::1]:443", nil, []net.IP{net.ParseIP("2001:db8::1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := keys.SelfSignedCertificate(key, "credmint issuer test", tt.dnsName, notBefore, notAfter, rand.Reader)
			if err != nil {
				t.Fatalf("SelfSignedCertificate: %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatalf("ParseCertificate: %v", err)
			}
			if got, want := cert.Version, 3; got != want {
				t.Errorf("Version = %d, want %d", got, want)
			}
			if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() > 128 {
				t.Errorf("SerialNumber = %v, want positive and at most 128 bits", cert.SerialNumber)
			}
			if got, want := cert.Subject.CommonName, "credmint issuer test"; got != want {
				t.Errorf("Subject CN = %q, want %q", got, want)
			}
			if got, want := cert.DNSNames, tt.wantDNS; !slices.Equal(got, want) {
				t.Errorf("DNSNames = %q, want %q", got, want)
			}
			if got, want := cert.IPAddresses, tt.wantIPs; !slices.EqualFunc(got, want, net.IP.Equal) {
				t.Errorf("IPAddresses = %v, want %v", got, want)
			}
			if got, want := cert.KeyUsage, x509.KeyUsageDigitalSignature; got != want {
				t.Errorf("KeyUsage = %v, want %v", got, want)
			}
			if !cert.BasicConstraintsValid || cert.IsCA {
				t.Errorf("BasicConstraintsValid, IsCA = %v, %v, want true, false", cert.BasicConstraintsValid, cert.IsCA)
			}
			if got, want := len(cert.SubjectKeyId), 20; got != want {
				t.Errorf("SubjectKeyId is %d bytes, want %d", got, want)
			}
			if !cert.NotBefore.Equal(notBefore) || !cert.NotAfter.Equal(notAfter) {
				t.Errorf("validity = %v … %v, want %v … %v", cert.NotBefore, cert.NotAfter, notBefore, notAfter)
			}
			if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
				t.Errorf("certificate public key is not the key's")
			}
			// CheckSignatureFrom wants a CA parent; check the raw signature.
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				t.Errorf("self signature does not verify: %v", err)
			}
		})
	}
}

func TestSelfSignedCertificateSerialFromRand(t *testing.T) {
	key := newP256(t)
	now := time.Now()
	serial := func(r []byte) []byte {
		t.Helper()
		der, err := keys.SelfSignedCertificate(key, "s", "", now, now.Add(time.Hour), bytes.NewReader(r))
		if err != nil {
			t.Fatalf("SelfSignedCertificate: %v", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("ParseCertificate: %v", err)
		}
		return cert.SerialNumber.Bytes()
	}
	// An all-zero draw is not positive and is skipped.
	in := append(make([]byte, 16), bytes.Repeat([]byte{0xa5}, 16)...)
	if got, want := serial(in), bytes.Repeat([]byte{0xa5}, 16); !bytes.Equal(got, want) {
		t.Errorf("serial = %x, want %x", got, want)
	}
}

func TestSelfSignedCertificateRejects(t *testing.T) {
	key := newP256(t)
	now := time.Now()
	tests := []struct {
		name      string
		key       *ecdsa.PrivateKey
		subject   string
		notBefore time.Time
		notAfter  time.Time
	}{
		{"no key", nil, "s", now, now.Add(time.Hour)},
		{"no subject", key, "", now, now.Add(time.Hour)},
		{"empty validity", key, "s", now, now},
		{"reversed validity", key, "s", now, now.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.SelfSignedCertificate(tt.key, tt.subject, "", tt.notBefore, tt.notAfter, rand.Reader); err == nil {
				t.Errorf("SelfSignedCertificate succeeded, want error")
			}
		})
	}
}
