package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"time"
)

// ISO/IEC 18013-5:2021 Annex B limits and identifiers.
const (
	// MaxDocumentSignerValidity is the longest validity Annex B (table B.3)
	// allows a document signer certificate: 457 days.
	MaxDocumentSignerValidity = 457 * 24 * time.Hour
	// DefaultDocumentSignerValidity is the validity of generated document
	// signer certificates.
	DefaultDocumentSignerValidity = 365 * 24 * time.Hour
	// DefaultIACAValidity is the validity of a generated IACA root (Annex
	// B allows up to 20 years).
	DefaultIACAValidity = 5 * 365 * 24 * time.Hour
)

var (
	// OIDMdocDocumentSigner is the extended key usage of an mdoc document
	// signer certificate (ISO/IEC 18013-5 Annex B, id-mdlDS).
	OIDMdocDocumentSigner = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 2}
	oidExtKeyUsage        = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidIssuerAltName      = asn1.ObjectIdentifier{2, 5, 29, 18}
	countryPattern        = regexp.MustCompile(`^[A-Z]{2}$`)
)

// MdocSettings shape the IACA root and document signer certificates
// credmint generates (for test deployments; real ones import a document
// signer chain issued by their issuing authority).
type MdocSettings struct {
	// Country is the ISO 3166-1 alpha-2 code in both certificates'
	// subject; default "US".
	Country string
	// IACAName is the IACA's common name; default "credmint IACA" and the
	// host.
	IACAName string
	// IssuerURL goes into issuerAltName (a URI); default https:// and the
	// host, or "https://credmint.invalid" without one.
	IssuerURL string
	// IACAValidity defaults to DefaultIACAValidity; DocumentSignerValidity
	// to DefaultDocumentSignerValidity and may not exceed
	// MaxDocumentSignerValidity.
	IACAValidity           time.Duration
	DocumentSignerValidity time.Duration
	// CRLURL, when set, is the CRL distribution point of the document
	// signer certificates (an http or https URL where the IACA's CRL is
	// published).
	CRLURL string
}

func (m *MdocSettings) defaults(dnsName string) error {
	host := sanHost(dnsName)
	if m.Country == "" {
		m.Country = "US"
	}
	if !countryPattern.MatchString(m.Country) {
		return fmt.Errorf("keys: mdoc country %q is not an ISO 3166-1 alpha-2 code", m.Country)
	}
	if m.IACAName == "" {
		m.IACAName = "credmint IACA"
		if host != "" {
			m.IACAName += " " + host
		}
	}
	if m.IssuerURL == "" {
		m.IssuerURL = "https://credmint.invalid"
		if host != "" {
			m.IssuerURL = "https://" + host
		}
	}
	if u, err := url.Parse(m.IssuerURL); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("keys: mdoc issuer URL %q is not an absolute URL", m.IssuerURL)
	}
	if m.IACAValidity == 0 {
		m.IACAValidity = DefaultIACAValidity
	}
	if m.DocumentSignerValidity == 0 {
		m.DocumentSignerValidity = DefaultDocumentSignerValidity
	}
	if m.CRLURL != "" {
		if u, err := url.Parse(m.CRLURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("keys: mdoc CRL URL %q is not an absolute http or https URL", m.CRLURL)
		}
	}
	if m.IACAValidity < 0 || m.DocumentSignerValidity < 0 || m.DocumentSignerValidity > MaxDocumentSignerValidity {
		return errors.New("keys: mdoc validities must be positive, the document signer's at most 457 days")
	}
	return nil
}

// CertificateParams describe an mdoc certificate.
type CertificateParams struct {
	CommonName string
	Country    string
	// IssuerURL is the issuerAltName URI.
	IssuerURL string
	// CRLURL, when set, becomes the cRLDistributionPoints extension (a
	// document signer certificate only).
	CRLURL    string
	NotBefore time.Time
	NotAfter  time.Time
}

// IACACertificate returns the DER of a self-signed IACA root certificate for
// key as ISO/IEC 18013-5 Annex B (table B.1) describes it: subject CN and
// C, basicConstraints CA with pathLenConstraint 0 (critical), keyUsage
// keyCertSign and cRLSign (critical), subjectKeyIdentifier and
// issuerAltName. rand (nil: crypto/rand) draws the serial.
func IACACertificate(key *ecdsa.PrivateKey, p CertificateParams, rand io.Reader) ([]byte, error) {
	tmpl, err := mdocTemplate(&key.PublicKey, p, rand)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	return createCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
}

// DocumentSignerCertificate returns the DER of a document signer
// certificate for pub issued by the IACA (iacaCert, iacaKey) as ISO/IEC
// 18013-5 Annex B (table B.3) describes it: subject CN and C, keyUsage
// digitalSignature (critical), extKeyUsage id-mdlDS 1.0.18013.5.1.2
// (critical), authority and subject key identifiers, issuerAltName and,
// when p.CRLURL is set, cRLDistributionPoints (one distribution point with
// that URI as its full name, no reasons or cRLIssuer, as Annex B asks).
// Its validity must lie within the IACA's and not exceed 457 days.
func DocumentSignerCertificate(pub *ecdsa.PublicKey, p CertificateParams, iacaCert *x509.Certificate, iacaKey *ecdsa.PrivateKey, rand io.Reader) ([]byte, error) {
	if iacaCert == nil || iacaKey == nil {
		return nil, errors.New("keys: a document signer certificate needs the IACA certificate and key")
	}
	if p.NotAfter.Sub(p.NotBefore) > MaxDocumentSignerValidity {
		return nil, errors.New("keys: a document signer certificate is valid for at most 457 days")
	}
	if p.NotBefore.Before(iacaCert.NotBefore) || p.NotAfter.After(iacaCert.NotAfter) {
		return nil, errors.New("keys: the document signer certificate's validity must lie within the IACA's")
	}
	tmpl, err := mdocTemplate(pub, p, rand)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{OIDMdocDocumentSigner})
	if err != nil {
		return nil, fmt.Errorf("keys: encode extKeyUsage: %w", err)
	}
	// Go marks extKeyUsage non-critical; Annex B wants it critical.
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: eku})
	tmpl.AuthorityKeyId = iacaCert.SubjectKeyId
	if p.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{p.CRLURL}
	}
	return createCertificate(rand, tmpl, iacaCert, pub, iacaKey)
}

func mdocTemplate(pub *ecdsa.PublicKey, p CertificateParams, rand io.Reader) (*x509.Certificate, error) {
	if p.CommonName == "" || !countryPattern.MatchString(p.Country) {
		return nil, errors.New("keys: an mdoc certificate needs a common name and an ISO 3166-1 alpha-2 country")
	}
	if !p.NotAfter.After(p.NotBefore) {
		return nil, errors.New("keys: certificate notAfter must be after notBefore")
	}
	serial, err := randomSerial(orCryptoRand(rand))
	if err != nil {
		return nil, err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	ian, err := issuerAltName(p.IssuerURL)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: p.CommonName, Country: []string{p.Country}},
		NotBefore:             p.NotBefore,
		NotAfter:              p.NotAfter,
		BasicConstraintsValid: true,
		SubjectKeyId:          skid,
		ExtraExtensions:       []pkix.Extension{ian},
	}, nil
}

// issuerAltName encodes the issuerAltName extension (RFC 5280 section
// 4.2.1.7) with one uniformResourceIdentifier GeneralName.
func issuerAltName(uri string) (pkix.Extension, error) {
	if u, err := url.Parse(uri); err != nil || u.Scheme == "" || u.Host == "" {
		return pkix.Extension{}, fmt.Errorf("keys: issuerAltName %q is not an absolute URI", uri)
	}
	v, err := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(uri)}})
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("keys: encode issuerAltName: %w", err)
	}
	return pkix.Extension{Id: oidIssuerAltName, Value: v}, nil
}

func createCertificate(rand io.Reader, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.CreateCertificate(orCryptoRand(rand), tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("keys: create certificate: %w", err)
	}
	return der, nil
}

// generateIACA makes a new IACA root key and certificate.
func (r *Ring) generateIACA(_ context.Context, notBefore time.Time) (*Record, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	now, from := r.window(notBefore)
	notAfter := from.Add(r.mdoc.IACAValidity)
	cert, err := IACACertificate(key, CertificateParams{
		CommonName: r.mdoc.IACAName, Country: r.mdoc.Country, IssuerURL: r.mdoc.IssuerURL,
		NotBefore: now.Add(-certBackdate), NotAfter: notAfter,
	}, r.rand)
	if err != nil {
		return nil, err
	}
	return r.seal(key, &Record{
		Purpose: PurposeMdocIACA, CertificateChain: [][]byte{cert}, CertificateState: CertificateGenerated,
		CreatedAt: now, NotBefore: from, NotAfter: notAfter,
	})
}

// issuingIACA returns the IACA that issues new document signer certificates,
// creating one when there is none or the current one cannot cover a
// document signer's validity any more. The caller holds ensureMu.
func (r *Ring) issuingIACA(ctx context.Context) (*entry, error) {
	now := r.now()
	r.mu.RLock()
	iaca := r.activeLocked(PurposeMdocIACA, now)
	r.mu.RUnlock()
	// A document signer needs at least a tenth of its validity (and a day).
	need := max(r.mdoc.DocumentSignerValidity/10, 24*time.Hour)
	if iaca != nil && iaca.rec.CertificateState == CertificateGenerated && iaca.rec.NotAfter.Sub(now) >= need {
		return iaca, nil
	}
	rec, err := r.create(ctx, PurposeMdocIACA, time.Time{}, "document signer needs an issuing IACA")
	if err != nil {
		return nil, err
	}
	if e := r.lookup(rec.ID); e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("keys: the new IACA %s did not load", rec.ID)
}

// generateDocumentSigner makes a document signer key whose certificate the
// IACA iaca issues; its chain is [DS certificate] (the IACA is the trust
// anchor, left out as ISO 18013-5 wants).
func (r *Ring) generateDocumentSigner(iaca *entry, notBefore time.Time) (*Record, error) {
	ls, ok := iaca.signer.(*localSigner)
	if !ok || len(ls.chain) == 0 {
		return nil, fmt.Errorf("keys: IACA %s cannot issue certificates here", iaca.rec.ID)
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	now, from := r.window(notBefore)
	iacaCert := ls.chain[0]
	certFrom := laterOf(now.Add(-certBackdate), iacaCert.NotBefore)
	notAfter := earlierOf(earlierOf(from.Add(r.mdoc.DocumentSignerValidity), iacaCert.NotAfter), certFrom.Add(MaxDocumentSignerValidity))
	if !notAfter.After(from) {
		return nil, fmt.Errorf("keys: IACA %s expires before the document signer would start", iaca.rec.ID)
	}
	cert, err := DocumentSignerCertificate(&key.PublicKey, CertificateParams{
		CommonName: r.subject + " document signer", Country: r.mdoc.Country, IssuerURL: r.mdoc.IssuerURL, CRLURL: r.mdoc.CRLURL,
		NotBefore: certFrom, NotAfter: notAfter,
	}, iacaCert, ls.key, r.rand)
	if err != nil {
		return nil, err
	}
	return r.seal(key, &Record{
		Purpose: PurposeMdocDocumentSigner, CertificateChain: [][]byte{cert}, CertificateState: CertificateGenerated,
		CreatedAt: now, NotBefore: from, NotAfter: notAfter,
	})
}

// IACACertificates returns the certificates of the IACA roots that are not
// retired, newest first: the trust anchors relying parties need for the
// document signer certificates credmint generated.
func (r *Ring) IACACertificates() []*x509.Certificate {
	now := r.now()
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*x509.Certificate
	for i := len(r.keys) - 1; i >= 0; i-- {
		e := r.keys[i]
		if e.rec.Purpose == PurposeMdocIACA && !retired(e.rec, now) {
			if chain := e.signer.Chain(); len(chain) > 0 {
				out = append(out, chain[len(chain)-1])
			}
		}
	}
	return out
}

func orCryptoRand(r io.Reader) io.Reader {
	if r == nil {
		return cryptoRandReader
	}
	return r
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlierOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
