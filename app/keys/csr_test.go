package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"credmint/app/keys"
	"credmint/db"
	"credmint/db/dbtest"
)

func TestParseDN(t *testing.T) {
	tests := []struct {
		in      string
		want    string // pkix.Name.String(); "" for an error
		wantErr string
	}{
		{"CN=credmint issuer,O=Example Org,C=DE", "CN=credmint issuer,O=Example Org,C=DE", ""},
		{" cn = a , ou = b , l = Berlin , st = BE ", "CN=a,OU=b,L=Berlin,ST=BE", ""},
		{`CN=x,O=Example\, Inc.`, `CN=x,O=Example\, Inc.`, ""},
		{"O=no cn", "", "CN is required"},
		{"CN=x,C=Germany", "", "alpha-2"},
		{"CN=x,FOO=y", "", "unknown attribute"},
		{"CN", "", "ATTRIBUTE=value"},
		{"", "", "empty"},
		{`CN=x\`, "", "backslash"},
	}
	for _, tt := range tests {
		got, err := keys.ParseDN(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDN(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseDN(%q) = %q, %v, want %q", tt.in, got.String(), err, tt.want)
		}
	}
}

// testCA is a root and an intermediate CA that issue leaf certificates.
type testCA struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	ca := &testCA{rootKey: newP256(t), interKey: newP256(t)}
	ca.root = issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(10 * 365 * 24 * time.Hour)}, nil, ca.rootKey.Public(), ca.rootKey)
	ca.inter = issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Issuing CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(5 * 365 * 24 * time.Hour)}, ca.root, ca.interKey.Public(), ca.rootKey)
	return ca
}

// leaf issues a certificate for pub from the intermediate, valid for days.
func (ca *testCA) leaf(t *testing.T, pub crypto.PublicKey, days int, eku ...asn1.ObjectIdentifier) *x509.Certificate {
	t.Helper()
	return issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "issuer.example.org", Organization: []string{"Example"}},
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, UnknownExtKeyUsage: eku,
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Duration(days) * 24 * time.Hour)}, ca.inter, pub, ca.interKey)
}

func issueCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	return c
}

func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func TestCSRAndChainImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		c := newClock(t0)
		r := newRingWith(t, s, c, keys.RotationSettings{}, 0)
		ctx := context.Background()
		if _, err := r.Ensure(ctx, keys.PurposeCredential); err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		current := activeID(t, r, keys.PurposeCredential)
		subject, err := keys.ParseDN("CN=issuer.example.org,O=Example,C=DE")
		if err != nil {
			t.Fatalf("ParseDN: %v", err)
		}
		info, csrPEM, err := r.RequestCertificate(ctx, keys.CSRRequest{Purpose: keys.PurposeCredential, Subject: subject, DNSNames: []string{"issuer.example.org:443"}})
		if err != nil {
			t.Fatalf("RequestCertificate: %v", err)
		}
		block, _ := pem.Decode(csrPEM)
		if block == nil || block.Type != "CERTIFICATE REQUEST" {
			t.Fatalf("CSR is not a PEM CERTIFICATE REQUEST: %s", csrPEM)
		}
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			t.Fatalf("ParseCertificateRequest: %v", err)
		}
		if err := csr.CheckSignature(); err != nil {
			t.Errorf("CSR signature: %v", err)
		}
		if csr.Subject.String() != subject.String() || len(csr.DNSNames) != 1 || csr.DNSNames[0] != "issuer.example.org" {
			t.Errorf("CSR subject %s DNS %v, want %s [issuer.example.org]", csr.Subject, csr.DNSNames, subject)
		}
		pub, ok := csr.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			t.Fatalf("CSR key is %T", csr.PublicKey)
		}
		if info.State != keys.StatePending || published(r, info.ID) || activeID(t, r, keys.PurposeCredential) != current {
			t.Errorf("a pending key must neither sign nor be published (state %q)", info.State)
		}
		if again, err := r.CertificateRequestPEM(info.ID); err != nil || string(again) != string(csrPEM) {
			t.Errorf("CertificateRequestPEM = %v, want the same CSR", err)
		}

		ca := newTestCA(t)
		other := newTestCA(t)
		good := ca.leaf(t, pub, 200)
		refused := []struct {
			name, want string
			pem        []byte
		}{
			{"wrong leaf", "not for this key", pemOf(ca.leaf(t, newP256(t).Public(), 200), ca.inter, ca.root)},
			{"leaf not first", "not for this key", pemOf(ca.inter, good)},
			{"broken chain", "is not issued by", pemOf(good, other.inter, other.root)},
			{"root before intermediate", "is not issued by", pemOf(good, ca.root, ca.inter)},
			{"expired leaf", "not valid now", pemOf(issueCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "old"}, BasicConstraintsValid: true,
				NotBefore: t0.Add(-48 * time.Hour), NotAfter: t0.Add(-time.Hour)}, ca.inter, pub, ca.interKey), ca.inter)},
			{"a private key", "only certificates", append(pemOf(good), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})...)},
			{"not PEM", "not PEM", []byte("hello")},
			{"empty", "no certificate", nil},
		}
		for _, tt := range refused {
			_, err := r.ImportChain(ctx, info.ID, tt.pem, time.Time{})
			if !errors.Is(err, keys.ErrBadChain) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: ImportChain error = %v, want ErrBadChain saying %q", tt.name, err, tt.want)
			}
		}
		if got := stateOf(t, r, info.ID); got != keys.StatePending {
			t.Fatalf("after refused imports the key is %q, want still pending", got)
		}
		if _, err := r.ImportChain(ctx, "nope", pemOf(good, ca.inter), time.Time{}); !errors.Is(err, keys.ErrKeyNotFound) {
			t.Errorf("ImportChain(unknown key) = %v, want ErrKeyNotFound", err)
		}

		at := t0.Add(2 * time.Hour)
		imported, err := r.ImportChain(ctx, info.ID, pemOf(good, ca.inter, ca.root), at)
		if err != nil {
			t.Fatalf("ImportChain: %v", err)
		}
		if imported.State != keys.StateScheduled || !imported.NotBefore.Equal(at) || !imported.NotAfter.Equal(good.NotAfter) ||
			imported.CertificateState != keys.CertificateImported || imported.Issuer != "CN=Test Issuing CA" {
			t.Errorf("imported key = %+v, want scheduled from %v until %v, issuer the intermediate", imported, at, good.NotAfter)
		}
		set := r.PublicJWKS()
		jwks := set.Key(info.ID)
		if len(jwks) != 1 || len(jwks[0].Certificates) != 2 || !jwks[0].Certificates[1].Equal(ca.inter) {
			t.Fatalf("JWKS entry of the imported key: %+v, want x5c [leaf, intermediate] (root left out)", jwks)
		}
		c.Set(at)
		signer, err := r.Active(keys.PurposeCredential)
		if err != nil || signer.KeyID() != info.ID {
			t.Fatalf("Active at the activation time = %v, %v, want the imported key", signer, err)
		}
		signAndVerify(t, signer, good.PublicKey)

		// A document signer's chain needs the mdoc extended key usage.
		_, dsCSR, err := r.RequestCertificate(ctx, keys.CSRRequest{Purpose: keys.PurposeMdocDocumentSigner, Subject: subject})
		if err != nil {
			t.Fatalf("RequestCertificate(document signer): %v", err)
		}
		block, _ = pem.Decode(dsCSR)
		dsReq, _ := x509.ParseCertificateRequest(block.Bytes)
		var dsID string
		for _, k := range r.Keys() {
			if k.Purpose == keys.PurposeMdocDocumentSigner {
				dsID = k.ID
			}
		}
		if _, err := r.ImportChain(ctx, dsID, pemOf(ca.leaf(t, dsReq.PublicKey, 300), ca.inter), time.Time{}); !errors.Is(err, keys.ErrBadChain) {
			t.Errorf("DS chain without id-mdlDS: error = %v, want ErrBadChain", err)
		}
		if _, err := r.ImportChain(ctx, dsID, pemOf(ca.leaf(t, dsReq.PublicKey, 300, keys.OIDMdocDocumentSigner), ca.inter), time.Time{}); err != nil {
			t.Errorf("DS chain with id-mdlDS: %v", err)
		}
	})
}
