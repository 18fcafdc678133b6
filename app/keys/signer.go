package keys

import (
	"context"
	"crypto"
	"crypto/x509"
)

// Purposes a signing key serves. One key is active per purpose.
const (
	// PurposeCredential signs SD-JWT VCs (dc+sd-jwt and the vc+sd-jwt
	// draft twins).
	PurposeCredential = "credential"
	// PurposeCredentialJWTVC signs jwt_vc_json credentials, so the W3C
	// credentials of a deployment rotate, and can be retired, on their own.
	PurposeCredentialJWTVC = "credential_jwt_vc_json"
	// PurposeMdocDocumentSigner signs mso_mdoc credentials; its
	// certificate is a document signer certificate issued by the IACA.
	PurposeMdocDocumentSigner = "mdoc_document_signer"
	// PurposeStatusList signs status list tokens.
	PurposeStatusList = "status_list"
	// PurposeMetadata signs the signed issuer metadata.
	PurposeMetadata = "metadata"
	// PurposeMdocIACA is the issuing authority (IACA) root that issues the
	// document signer certificates credmint generates. Its key signs only
	// certificates: Active never returns it.
	PurposeMdocIACA = "mdoc_iaca"
)

// publishedAsCertificate reports whether keys of purpose are distributed as
// certificates (the mdoc IACA is a trust anchor, the document signer
// travels in every credential's x5chain) rather than in the JOSE JWKS.
func publishedAsCertificate(purpose string) bool {
	return purpose == PurposeMdocDocumentSigner || purpose == PurposeMdocIACA
}

// Signer signs on behalf of one issuer key. Implementations keep the private
// key to themselves: the local signer holds it decrypted in memory, a PKCS#11
// signer (planned) would call the HSM. Nothing outside app/keys sees raw key
// material.
type Signer interface {
	// KeyID is the key's stable identifier, used as the JOSE "kid".
	KeyID() string
	// Algorithm is the JOSE algorithm name, e.g. "ES256".
	Algorithm() string
	// Public returns the public key.
	Public() crypto.PublicKey
	// Chain returns the certificate chain for the key, leaf first and the
	// trust anchor excluded. It may be empty.
	Chain() []*x509.Certificate
	// Sign signs message (not a digest: the signer hashes as the algorithm
	// requires) and returns the signature in JOSE form (r||s for ECDSA).
	Sign(ctx context.Context, message []byte) ([]byte, error)
}
