package keys_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"
	"time"

	"credmint/app/keys"
	"credmint/db/dbtest"
)

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
)

// extensions maps each extension's OID to whether it is critical, failing
// on duplicates.
func extensions(t *testing.T, c *x509.Certificate) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, e := range c.Extensions {
		if _, dup := out[e.Id.String()]; dup {
			t.Errorf("extension %s appears twice", e.Id)
		}
		out[e.Id.String()] = e.Critical
	}
	return out
}

// wantIssuerAltName decodes issuerAltName by hand: one URI GeneralName.
func wantIssuerAltName(t *testing.T, c *x509.Certificate, uri string) {
	t.Helper()
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidIssuerAltName) {
			continue
		}
		var names []asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &names); err != nil || len(rest) > 0 {
			t.Fatalf("issuerAltName: %v", err)
		}
		if len(names) != 1 || names[0].Class != asn1.ClassContextSpecific || names[0].Tag != 6 || string(names[0].Bytes) != uri {
			t.Errorf("issuerAltName = %+v, want one URI %q", names, uri)
		}
		return
	}
	t.Errorf("no issuerAltName")
}

func TestMdocIACAAndDocumentSigner(t *testing.T) {
	s := dbtest.SQLite(t)
	c := newClock(t0)
	r := newRingWith(t, s, c, keys.RotationSettings{}, 0)
	ctx := context.Background()
	if _, err := r.Ensure(ctx, keys.PurposeMdocDocumentSigner); err != nil {
		t.Fatalf("Ensure(document signer): %v", err)
	}
	ds, err := r.Active(keys.PurposeMdocDocumentSigner)
	if err != nil {
		t.Fatalf("Active(document signer): %v", err)
	}
	if _, err := r.Active(keys.PurposeMdocIACA); !errors.Is(err, keys.ErrNoActiveKey) {
		t.Errorf("Active(IACA) = %v, want ErrNoActiveKey: the IACA never signs credentials", err)
	}
	roots := r.IACACertificates()
	if len(roots) != 1 {
		t.Fatalf("IACACertificates has %d, want 1", len(roots))
	}
	iaca := roots[0]
	chain := ds.Chain()
	if len(chain) != 1 {
		t.Fatalf("document signer chain has %d certificates, want 1 (the IACA is the trust anchor, left out)", len(chain))
	}
	dsCert := chain[0]

	// IACA (ISO/IEC 18013-5 Annex B.1.2).
	ext := extensions(t, iaca)
	for oid, critical := range map[string]bool{oidBasicConstraints.String(): true, oidKeyUsage.String(): true, oidSKI.String(): false, oidIssuerAltName.String(): false} {
		if got, ok := ext[oid]; !ok || got != critical {
			t.Errorf("IACA extension %s: present %v critical %v, want present, critical %v", oid, ok, got, critical)
		}
	}
	if !iaca.IsCA || iaca.MaxPathLen != 0 || !iaca.MaxPathLenZero {
		t.Errorf("IACA basicConstraints: CA %v pathLen %d (zero %v), want CA with pathLen 0", iaca.IsCA, iaca.MaxPathLen, iaca.MaxPathLenZero)
	}
	if iaca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("IACA keyUsage = %b, want keyCertSign|cRLSign", iaca.KeyUsage)
	}
	if got := iaca.Subject.Country; len(got) != 1 || got[0] != "DE" || iaca.Subject.CommonName != "Test IACA" {
		t.Errorf("IACA subject = %s, want CN=Test IACA,C=DE", iaca.Subject)
	}
	if err := iaca.CheckSignatureFrom(iaca); err != nil {
		t.Errorf("IACA is not self-signed: %v", err)
	}
	wantIssuerAltName(t, iaca, "https://issuer.example.org")

	// Document signer (Annex B.1.4).
	ext = extensions(t, dsCert)
	for oid, critical := range map[string]bool{oidKeyUsage.String(): true, oidExtKeyUsage.String(): true, oidSKI.String(): false, oidAKI.String(): false, oidIssuerAltName.String(): false} {
		if got, ok := ext[oid]; !ok || got != critical {
			t.Errorf("DS extension %s: present %v critical %v, want present, critical %v", oid, ok, got, critical)
		}
	}
	if dsCert.KeyUsage != x509.KeyUsageDigitalSignature || dsCert.IsCA {
		t.Errorf("DS keyUsage = %b CA %v, want digitalSignature, not a CA", dsCert.KeyUsage, dsCert.IsCA)
	}
	if len(dsCert.UnknownExtKeyUsage) != 1 || !dsCert.UnknownExtKeyUsage[0].Equal(keys.OIDMdocDocumentSigner) || len(dsCert.ExtKeyUsage) != 0 {
		t.Errorf("DS extKeyUsage = %v %v, want exactly 1.0.18013.5.1.2", dsCert.UnknownExtKeyUsage, dsCert.ExtKeyUsage)
	}
	if string(dsCert.AuthorityKeyId) != string(iaca.SubjectKeyId) || len(dsCert.SubjectKeyId) == 0 {
		t.Errorf("DS authorityKeyIdentifier does not name the IACA's subjectKeyIdentifier")
	}
	if got := dsCert.NotAfter.Sub(dsCert.NotBefore); got > keys.MaxDocumentSignerValidity {
		t.Errorf("DS validity %v, want at most 457 days", got)
	}
	if got := dsCert.Subject.Country; len(got) != 1 || got[0] != "DE" {
		t.Errorf("DS subject country = %v, want DE", got)
	}
	wantIssuerAltName(t, dsCert, "https://issuer.example.org")
	if pub, ok := dsCert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(ds.Public()) {
		t.Errorf("DS certificate is not for the document signer key")
	}
	pool := x509.NewCertPool()
	pool.AddCert(iaca)
	if _, err := dsCert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: t0.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("DS does not verify against the IACA: %v", err)
	}

	// Neither is a JOSE key.
	if published(r, ds.KeyID()) || len(r.PublicJWKS().Keys) != 0 {
		t.Errorf("the mdoc keys are in the JWKS: %+v", r.PublicJWKS())
	}

	// A rotation issues the new document signer from the same IACA.
	next, err := r.Rotate(ctx, keys.PurposeMdocDocumentSigner, time.Time{})
	if err != nil {
		t.Fatalf("Rotate(document signer): %v", err)
	}
	if next.Issuer != iaca.Subject.String() || len(r.IACACertificates()) != 1 {
		t.Errorf("rotated DS issuer %q, want the IACA %q and no second IACA", next.Issuer, iaca.Subject)
	}
}

func TestDocumentSignerValidityLimits(t *testing.T) {
	iacaKey, dsKey := newP256(t), newP256(t)
	p := keys.CertificateParams{CommonName: "IACA", Country: "US", IssuerURL: "https://issuer.example.org", NotBefore: t0, NotAfter: t0.Add(10 * 365 * 24 * time.Hour)}
	der, err := keys.IACACertificate(iacaKey, p, nil)
	if err != nil {
		t.Fatalf("IACACertificate: %v", err)
	}
	iaca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	tests := []struct {
		name string
		from time.Time
		to   time.Time
		ok   bool
	}{
		{"457 days", t0, t0.Add(keys.MaxDocumentSignerValidity), true},
		{"458 days", t0, t0.Add(keys.MaxDocumentSignerValidity + 24*time.Hour), false},
		{"before the IACA", t0.Add(-time.Hour), t0.Add(24 * time.Hour), false},
		{"after the IACA", p.NotAfter.Add(-24 * time.Hour), p.NotAfter.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := keys.CertificateParams{CommonName: "DS", Country: "US", IssuerURL: p.IssuerURL, NotBefore: tt.from, NotAfter: tt.to}
			_, err := keys.DocumentSignerCertificate(&dsKey.PublicKey, q, iaca, iacaKey, nil)
			if (err == nil) != tt.ok {
				t.Errorf("DocumentSignerCertificate error = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// TestDocumentSignerCRLDistributionPoint checks that with a CRL URL the
// document signer certificate carries cRLDistributionPoints (non-critical,
// one distribution point whose full name is the URI, no reasons or
// cRLIssuer: ISO/IEC 18013-5 Annex B), decoded by hand, and that without
// one it has none; the IACA never has one.
func TestDocumentSignerCRLDistributionPoint(t *testing.T) {
	oidCRLDP := asn1.ObjectIdentifier{2, 5, 29, 31}
	const crl = "https://pki.example.org/iaca.crl"
	for _, url := range []string{crl, ""} {
		s := dbtest.SQLite(t)
		r, err := keys.NewRing(keys.Deps{Store: s, Sealer: newSealer(t, masterKey(1)), Now: newClock(t0).Now, DNSName: "issuer.example.org",
			Mdoc: keys.MdocSettings{Country: "DE", IssuerURL: "https://issuer.example.org", CRLURL: url}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Ensure(context.Background(), keys.PurposeMdocDocumentSigner); err != nil {
			t.Fatal(err)
		}
		ds, err := r.Active(keys.PurposeMdocDocumentSigner)
		if err != nil {
			t.Fatal(err)
		}
		if critical, ok := extensions(t, r.IACACertificates()[0])[oidCRLDP.String()]; ok {
			t.Errorf("the IACA has cRLDistributionPoints (critical %v)", critical)
		}
		cert := ds.Chain()[0]
		critical, ok := extensions(t, cert)[oidCRLDP.String()]
		if url == "" {
			if ok {
				t.Error("without a CRL URL the document signer has cRLDistributionPoints")
			}
			continue
		}
		if !ok || critical {
			t.Fatalf("cRLDistributionPoints present %v critical %v, want present, not critical", ok, critical)
		}
		var raw []byte
		for _, e := range cert.Extensions {
			if e.Id.Equal(oidCRLDP) {
				raw = e.Value
			}
		}
		var points []asn1.RawValue // SEQUENCE OF DistributionPoint
		if rest, err := asn1.Unmarshal(raw, &points); err != nil || len(rest) > 0 || len(points) != 1 {
			t.Fatalf("cRLDistributionPoints: %d points, %v; want one", len(points), err)
		}
		var fields []asn1.RawValue // distributionPoint [0], reasons [1], cRLIssuer [2]
		if _, err := asn1.UnmarshalWithParams(points[0].FullBytes, &fields, ""); err != nil {
			t.Fatal(err)
		}
		if len(fields) != 1 || fields[0].Class != asn1.ClassContextSpecific || fields[0].Tag != 0 {
			t.Fatalf("distribution point fields = %+v, want only distributionPoint [0] (no reasons, no cRLIssuer)", fields)
		}
		var fullName asn1.RawValue // DistributionPointName: fullName [0] GeneralNames
		if _, err := asn1.Unmarshal(fields[0].Bytes, &fullName); err != nil || fullName.Tag != 0 {
			t.Fatalf("distributionPoint is not a fullName: %+v %v", fullName, err)
		}
		var uri asn1.RawValue // GeneralName uniformResourceIdentifier [6]
		if rest, err := asn1.Unmarshal(fullName.Bytes, &uri); err != nil || len(rest) > 0 || uri.Tag != 6 || string(uri.Bytes) != crl {
			t.Errorf("fullName = %+v (%v), want one URI %s", uri, err, crl)
		}
	}
	if _, err := keys.NewRing(keys.Deps{Store: dbtest.SQLite(t), Sealer: newSealer(t, masterKey(1)), Mdoc: keys.MdocSettings{CRLURL: "iaca.crl"}}); err == nil {
		t.Error("NewRing accepted a relative CRL URL")
	}
}
