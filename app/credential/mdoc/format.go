package mdoc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/fxamacker/cbor/v2"

	"credmint/app/credential"
	"credmint/app/keys"
)

// FormatID is the OID4VCI format identifier of ISO mdocs (OID4VCI 1.0
// Appendix A.2).
const FormatID = "mso_mdoc"

// BindingCOSEKey is the cryptographic binding method of mdocs: the holder's
// key goes into the MSO as a COSE_Key (OID4VCI 1.0 Appendix A.2.2).
const BindingCOSEKey = "cose_key"

// MSO constants (ISO/IEC 18013-5 §9.1.2.4).
const (
	msoVersion      = "1.0"
	digestAlgorithm = "SHA-256"
	// saltSize is the length of every IssuerSignedItem's random; ISO/IEC
	// 18013-5 §9.1.2.5 asks for at least 16 bytes.
	saltSize = 32
)

// CBOR tag numbers.
const (
	tagDateTime     = 0    // tdate, RFC 8949 §3.4.1
	tagEncodedCBOR  = 24   // embedded CBOR data item, RFC 8949 §3.4.5.1
	tagFullDate     = 1004 // full-date, RFC 8943
	rfc3339UTCShort = "2006-01-02T15:04:05Z"
)

// encMode encodes in Core Deterministic Encoding (RFC 8949 §4.2.1): map keys
// sorted, shortest forms, no indefinite lengths.
var encMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err) // static options
	}
	return em
}()

// Format issues ISO mdocs. It implements credential.Format and
// credential.KeyPurposer and is stateless.
type Format struct{}

var (
	_ credential.Format      = (*Format)(nil)
	_ credential.KeyPurposer = (*Format)(nil)
)

// New returns the mso_mdoc format plugin.
func New() *Format { return &Format{} }

// ID returns FormatID.
func (*Format) ID() string { return FormatID }

// KeyPurpose returns keys.PurposeMdocDocumentSigner: mdocs are signed with
// a document signer key, whose certificate goes into x5chain.
func (*Format) KeyPurpose() string { return keys.PurposeMdocDocumentSigner }

// Metadata returns the mso_mdoc members of c's entry in
// credential_configurations_supported (OID4VCI 1.0 Appendix A.2.2): doctype,
// the signing algorithms as COSE algorithm identifiers (ES256 is -7) and the
// cose_key binding method. They replace the core's JOSE-flavoured values.
func (*Format) Metadata(c *credential.Configuration) map[string]any {
	algs := make([]int64, 0, len(c.SigningAlgs))
	for _, alg := range c.SigningAlgs {
		if id, ok := keys.COSEAlgorithm(alg); ok {
			algs = append(algs, int64(id))
		}
	}
	if len(algs) == 0 {
		es256, _ := keys.COSEAlgorithm(keys.AlgorithmES256)
		algs = append(algs, int64(es256))
	}
	m := map[string]any{
		"doctype": c.Doctype,
		"credential_signing_alg_values_supported": algs,
	}
	if c.RequiresBinding() {
		m["cryptographic_binding_methods_supported"] = []string{BindingCOSEKey}
	}
	return m
}

// Issue builds and signs one mdoc and returns it, as a string, in the form
// of the credential response: the unpadded base64url encoding of the CBOR
// IssuerSigned structure (OID4VCI 1.0 Appendix A.2.4).
//
// The data elements are the members of req.Claims named by the
// configuration's claim paths (every {namespace: {element: value}} member
// of the dataset when the configuration declares no claims). Null values
// are left out.
func (*Format) Issue(ctx context.Context, req credential.IssueRequest) (any, error) {
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	elements, err := selectElements(req.Configuration, req.Claims)
	if err != nil {
		return nil, err
	}
	nameSpaces, digests, err := buildItems(elements, req.Rand)
	if err != nil {
		return nil, err
	}
	deviceKey, err := coseKey(req.HolderKey.Key)
	if err != nil {
		return nil, err
	}
	m := mobileSecurityObject{
		Version:         msoVersion,
		DigestAlgorithm: digestAlgorithm,
		ValueDigests:    digests,
		DeviceKeyInfo:   deviceKeyInfo{DeviceKey: deviceKey},
		DocType:         req.Configuration.Doctype,
		ValidityInfo: validityInfo{
			Signed:     tdate(req.IssuedAt),
			ValidFrom:  tdate(req.IssuedAt),
			ValidUntil: tdate(req.ExpiresAt),
		},
	}
	if st := req.Status; st != nil {
		m.Status = &msoStatus{StatusList: statusList{Idx: uint64(st.Index), URI: st.URI}}
	}
	payload, err := encodeTagged(m)
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding the MSO: %w", err)
	}
	issuerAuth, err := sign(ctx, req.Signer, payload)
	if err != nil {
		return nil, err
	}
	out, err := encMode.Marshal(issuerSigned{NameSpaces: nameSpaces, IssuerAuth: issuerAuth})
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding IssuerSigned: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// issuerSigned is IssuerSigned (ISO/IEC 18013-5 §8.3.2.1.2.2).
type issuerSigned struct {
	NameSpaces map[string][]cbor.RawMessage `cbor:"nameSpaces,omitempty"`
	IssuerAuth cbor.RawMessage              `cbor:"issuerAuth"`
}

// mobileSecurityObject is the MSO (ISO/IEC 18013-5 §9.1.2.4).
type mobileSecurityObject struct {
	Version         string                       `cbor:"version"`
	DigestAlgorithm string                       `cbor:"digestAlgorithm"`
	ValueDigests    map[string]map[uint64][]byte `cbor:"valueDigests"`
	DeviceKeyInfo   deviceKeyInfo                `cbor:"deviceKeyInfo"`
	DocType         string                       `cbor:"docType"`
	ValidityInfo    validityInfo                 `cbor:"validityInfo"`
	Status          *msoStatus                   `cbor:"status,omitempty"`
}

type deviceKeyInfo struct {
	DeviceKey cbor.RawMessage `cbor:"deviceKey"`
}

type validityInfo struct {
	Signed     cbor.Tag `cbor:"signed"`
	ValidFrom  cbor.Tag `cbor:"validFrom"`
	ValidUntil cbor.Tag `cbor:"validUntil"`
}

// msoStatus is the MSO's status (ISO/IEC 18013-5 second edition; Token
// Status List draft-14 §6.3): a reference into a status list.
type msoStatus struct {
	StatusList statusList `cbor:"status_list"`
}

type statusList struct {
	Idx uint64 `cbor:"idx"`
	URI string `cbor:"uri"`
}

// checkRequest rejects requests Issue cannot turn into a sound mdoc.
func checkRequest(req credential.IssueRequest) error {
	c := req.Configuration
	switch {
	case c == nil:
		return errors.New("mdoc: no configuration")
	case c.Doctype == "":
		return fmt.Errorf("mdoc: configuration %s has no doctype", c.ID)
	case req.Signer == nil:
		return errors.New("mdoc: no signer")
	case req.Rand == nil:
		return errors.New("mdoc: no source of randomness for salts")
	case req.IssuedAt.IsZero():
		return errors.New("mdoc: no issuance time")
	case !req.ExpiresAt.After(req.IssuedAt):
		return fmt.Errorf("mdoc: configuration %s: an mdoc needs an expiry after its issuance time (validityInfo.validUntil)", c.ID)
	case req.HolderKey == nil || req.HolderKey.Key == nil:
		return fmt.Errorf("mdoc: configuration %s: an mdoc is always bound to a device key, but no holder key was given", c.ID)
	case req.Status != nil && (req.Status.Index < 0 || req.Status.URI == ""):
		return fmt.Errorf("mdoc: invalid status list reference (index %d, uri %q)", req.Status.Index, req.Status.URI)
	}
	if alg := req.Signer.Algorithm(); len(c.SigningAlgs) > 0 && !slices.Contains(c.SigningAlgs, alg) {
		return fmt.Errorf("mdoc: key %s signs %s, which configuration %s does not allow", req.Signer.KeyID(), alg, c.ID)
	}
	return nil
}

// tdate is a CBOR tdate (tag 0) in the form ISO/IEC 18013-5 §9.1.2.4
// requires in validityInfo: UTC, no fractional seconds.
func tdate(t time.Time) cbor.Tag {
	return cbor.Tag{Number: tagDateTime, Content: t.UTC().Truncate(time.Second).Format(rfc3339UTCShort)}
}

// encodeTagged encodes v and wraps the bytes in tag 24 (#6.24(bstr .cbor v)).
func encodeTagged(v any) ([]byte, error) {
	inner, err := encMode.Marshal(v)
	if err != nil {
		return nil, err
	}
	return encMode.Marshal(cbor.Tag{Number: tagEncodedCBOR, Content: inner})
}

// issuerSignedItem is IssuerSignedItem (ISO/IEC 18013-5 §8.3.2.1.2.2).
type issuerSignedItem struct {
	DigestID          uint64 `cbor:"digestID"`
	Random            []byte `cbor:"random"`
	ElementIdentifier string `cbor:"elementIdentifier"`
	ElementValue      any    `cbor:"elementValue"`
}

// buildItems turns the elements into IssuerSignedItemBytes per namespace
// and the MSO's valueDigests. Each item is encoded once: the digest is taken
// over exactly the bytes embedded in nameSpaces. Digest IDs are a random
// permutation per namespace, so they reveal neither the element order nor
// which element an ID belongs to.
func buildItems(elements map[string][]element, rand io.Reader) (map[string][]cbor.RawMessage, map[string]map[uint64][]byte, error) {
	nameSpaces := map[string][]cbor.RawMessage{}
	digests := map[string]map[uint64][]byte{}
	for _, ns := range slices.Sorted(maps.Keys(elements)) {
		els := elements[ns]
		ids, err := permutation(rand, len(els))
		if err != nil {
			return nil, nil, fmt.Errorf("mdoc: drawing digest IDs: %w", err)
		}
		digests[ns] = make(map[uint64][]byte, len(els))
		for i, el := range els {
			salt := make([]byte, saltSize)
			if _, err := io.ReadFull(rand, salt); err != nil {
				return nil, nil, fmt.Errorf("mdoc: drawing a salt: %w", err)
			}
			item := issuerSignedItem{DigestID: uint64(ids[i]), Random: salt, ElementIdentifier: el.id, ElementValue: el.value}
			b, err := encodeTagged(item)
			if err != nil {
				return nil, nil, fmt.Errorf("mdoc: encoding %s/%s: %w", ns, el.id, err)
			}
			sum := sha256.Sum256(b)
			digests[ns][item.DigestID] = sum[:]
			nameSpaces[ns] = append(nameSpaces[ns], cbor.RawMessage(b))
		}
	}
	return nameSpaces, digests, nil
}
