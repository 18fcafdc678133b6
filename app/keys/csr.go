package keys

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// ErrBadChain is wrapped by the errors ImportChain returns for a chain it
// refuses; the message says why.
var ErrBadChain = errors.New("keys: certificate chain refused")

// ParseDN parses a distinguished name in the RFC 4514 string form
// ("CN=credmint issuer,O=Example Org,C=DE"). It knows CN, O, OU, C, L, ST,
// STREET, POSTALCODE and SERIALNUMBER; a backslash escapes the next
// character (e.g. "O=Example\, Inc."). CN is required.
func ParseDN(s string) (pkix.Name, error) {
	var n pkix.Name
	parts, err := splitDN(s)
	if err != nil {
		return n, err
	}
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || v == "" {
			return n, fmt.Errorf("keys: subject: %q is not ATTRIBUTE=value", p)
		}
		switch k {
		case "CN":
			n.CommonName = v
		case "O":
			n.Organization = append(n.Organization, v)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, v)
		case "C":
			if !countryPattern.MatchString(v) {
				return n, fmt.Errorf("keys: subject: C=%q is not an ISO 3166-1 alpha-2 code in capitals", v)
			}
			n.Country = append(n.Country, v)
		case "L":
			n.Locality = append(n.Locality, v)
		case "ST":
			n.Province = append(n.Province, v)
		case "STREET":
			n.StreetAddress = append(n.StreetAddress, v)
		case "POSTALCODE":
			n.PostalCode = append(n.PostalCode, v)
		case "SERIALNUMBER":
			n.SerialNumber = v
		default:
			return n, fmt.Errorf("keys: subject: unknown attribute %q (use CN, O, OU, C, L, ST, STREET, POSTALCODE or SERIALNUMBER)", k)
		}
	}
	if n.CommonName == "" {
		return n, errors.New("keys: subject: CN is required")
	}
	return n, nil
}

// splitDN splits at unescaped commas and removes the escapes.
func splitDN(s string) ([]string, error) {
	var (
		parts []string
		cur   strings.Builder
	)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return nil, errors.New("keys: subject ends with a lone backslash")
			}
			i++
			cur.WriteByte(s[i])
		case ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	parts = append(parts, cur.String())
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("keys: subject is empty")
	}
	return parts, nil
}

// CSRRequest asks for a new key and its certificate signing request.
type CSRRequest struct {
	Purpose string
	Subject pkix.Name
	// DNSNames become subjectAltNames (an IP address goes into
	// iPAddress).
	DNSNames []string
}

// RequestCertificate creates a new key for req.Purpose in state
// CertificatePending (neither signing nor published) and returns it with
// its PKCS#10 certificate signing request in PEM. Once the CA has issued the
// chain, ImportChain makes the key usable. Audited with the actor in ctx.
func (r *Ring) RequestCertificate(ctx context.Context, req CSRRequest) (Info, []byte, error) {
	if req.Purpose == "" || req.Purpose == PurposeMdocIACA {
		return Info{}, nil, errors.New("keys: a CSR is for a signing purpose (credential, mdoc_document_signer, status_list, metadata)")
	}
	if req.Subject.CommonName == "" {
		return Info{}, nil, errors.New("keys: a CSR needs a subject with a CN")
	}
	key, err := newKey()
	if err != nil {
		return Info{}, nil, err
	}
	tmpl := &x509.CertificateRequest{Subject: req.Subject, SignatureAlgorithm: x509.ECDSAWithSHA256}
	for _, d := range req.DNSNames {
		host := sanHost(d)
		if host == "" {
			continue
		}
		if ip := net.ParseIP(host); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	csr, err := x509.CreateCertificateRequest(orCryptoRand(r.rand), tmpl, key)
	if err != nil {
		return Info{}, nil, fmt.Errorf("keys: create CSR: %w", err)
	}
	now := r.now().UTC().Truncate(time.Second)
	rec, err := r.seal(key, &Record{
		Purpose: req.Purpose, CertificateState: CertificatePending, CSR: csr,
		CreatedAt: now, NotBefore: now,
	})
	if err != nil {
		return Info{}, nil, err
	}
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return Info{}, nil, err
	}
	rec.CreatedAt = r.nextCreatedAt(rec.CreatedAt)
	ev := r.event(ctx, "signing_key.csr_created", rec, map[string]string{"subject": req.Subject.String()})
	if err := r.store.CreateSigningKey(ctx, rec, ev); err != nil {
		return Info{}, nil, fmt.Errorf("keys: store signing key %s: %w", rec.ID, err)
	}
	if err := r.Load(ctx); err != nil {
		return Info{}, nil, err
	}
	info, err := r.info(rec.ID)
	return info, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}), err
}

// CertificateRequestPEM returns the CSR of a key made by RequestCertificate
// that still waits for its chain.
func (r *Ring) CertificateRequestPEM(id string) ([]byte, error) {
	e := r.lookup(id)
	if e == nil || e.rec.CertificateState != CertificatePending || len(e.rec.CSR) == 0 {
		return nil, fmt.Errorf("keys: key %s has no pending CSR: %w", id, ErrKeyNotFound)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: e.rec.CSR}), nil
}

// ImportChain installs the certificate chain a CA issued for key id. The
// PEM holds the chain leaf first; the leaf must certify the key, each
// certificate must be issued (and signed) by the next, which must be a CA,
// and every one must be valid now. A self-signed root at the end is the
// trust anchor and is not stored (credentials carry the chain without it).
// A document signer's leaf must carry the id-mdlDS extended key usage.
//
// The key signs from activateAt (now if zero or past). Importing a chain
// for a key that already has one replaces it; its NotBefore stays unless
// activateAt is given. Audited with the actor in ctx.
func (r *Ring) ImportChain(ctx context.Context, id string, chainPEM []byte, activateAt time.Time) (Info, error) {
	r.ensureMu.Lock()
	defer r.ensureMu.Unlock()
	if err := r.Load(ctx); err != nil {
		return Info{}, err
	}
	e := r.lookup(id)
	now := r.now()
	if e == nil || retired(e.rec, now) {
		return Info{}, fmt.Errorf("keys: key %s: %w", id, ErrKeyNotFound)
	}
	if e.rec.Purpose == PurposeMdocIACA {
		return Info{}, fmt.Errorf("%w: the IACA is credmint's own root; import the document signer chain instead", ErrBadChain)
	}
	certs, err := parseChainPEM(chainPEM)
	if err != nil {
		return Info{}, err
	}
	if err := verifyChain(certs, e.signer.Public(), e.rec.Purpose, now); err != nil {
		return Info{}, err
	}
	if len(certs) > 1 && isSelfSigned(certs[len(certs)-1]) {
		certs = certs[:len(certs)-1]
	}
	u := ChainUpdate{NotBefore: e.rec.NotBefore, NotAfter: certs[0].NotAfter}
	for _, c := range certs {
		u.Chain = append(u.Chain, c.Raw)
		u.NotAfter = earlierOf(u.NotAfter, c.NotAfter)
	}
	nowS := now.UTC().Truncate(time.Second)
	switch {
	case !activateAt.IsZero():
		u.NotBefore = laterOf(activateAt.UTC().Truncate(time.Second), nowS)
	case e.rec.CertificateState == CertificatePending:
		u.NotBefore = nowS
	}
	u.NotBefore = laterOf(u.NotBefore, certs[0].NotBefore)
	ev := r.event(ctx, "signing_key.chain_imported", &e.rec, map[string]string{
		"subject": certs[0].Subject.String(), "issuer": certs[0].Issuer.String(),
		"not_after": u.NotAfter.UTC().Format(time.RFC3339), "activate_at": u.NotBefore.UTC().Format(time.RFC3339),
	})
	if err := r.store.UpdateCertificateChain(ctx, id, u, ev); err != nil {
		return Info{}, fmt.Errorf("keys: import chain for %s: %w", id, err)
	}
	if err := r.Load(ctx); err != nil {
		return Info{}, err
	}
	return r.info(id)
}

// parseChainPEM reads the CERTIFICATE blocks of b, in order. Any other block
// is refused, so that a private key pasted by mistake is not silently
// ignored (nor stored).
func parseChainPEM(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.TrimSpace(b)
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%w: the file is not PEM (-----BEGIN CERTIFICATE----- blocks, leaf first)", ErrBadChain)
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: the file holds a %q block; it must hold only certificates", ErrBadChain, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %v", ErrBadChain, len(certs)+1, err)
		}
		certs = append(certs, c)
		rest = bytes.TrimSpace(rest)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificate in the file", ErrBadChain)
	}
	return certs, nil
}

// verifyChain checks that certs is a chain for pub, valid at now.
func verifyChain(certs []*x509.Certificate, pub any, purpose string, now time.Time) error {
	leaf := certs[0]
	lp, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !lp.Equal(pub) {
		return fmt.Errorf("%w: the first certificate (%s) is not for this key; put the leaf first", ErrBadChain, leaf.Subject)
	}
	if len(certs) == 1 && isSelfSigned(leaf) {
		return fmt.Errorf("%w: the certificate is self-signed; import the chain the CA issued", ErrBadChain)
	}
	for i, c := range certs {
		if now.Before(c.NotBefore) && i > 0 || !now.Before(c.NotAfter) {
			return fmt.Errorf("%w: certificate %d (%s) is not valid now (%s … %s)", ErrBadChain, i+1, c.Subject,
				c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
		}
		if i == 0 {
			continue
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return fmt.Errorf("%w: certificate %d (%s) is not a CA certificate", ErrBadChain, i+1, c.Subject)
		}
		if err := certs[i-1].CheckSignatureFrom(c); err != nil || !bytes.Equal(certs[i-1].RawIssuer, c.RawSubject) {
			return fmt.Errorf("%w: certificate %d (%s) is not issued by certificate %d (%s)", ErrBadChain, i, certs[i-1].Subject, i+1, c.Subject)
		}
	}
	if purpose == PurposeMdocDocumentSigner && !slices.ContainsFunc(leaf.UnknownExtKeyUsage, OIDMdocDocumentSigner.Equal) {
		return fmt.Errorf("%w: a document signer certificate needs the extended key usage 1.0.18013.5.1.2 (ISO/IEC 18013-5 Annex B)", ErrBadChain)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fmt.Errorf("%w: the leaf certificate's key usage does not allow digitalSignature", ErrBadChain)
	}
	return nil
}

// isSelfSigned reports whether c is issued and signed by itself.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
