// Package mdoctest verifies mso_mdoc credentials for tests, independently of
// the code that issues them: it decodes the CBOR into generic values (never
// the encoder's types), builds the COSE Sig_structure (RFC 9052 §4.4) itself
// and checks the ECDSA signature with crypto/ecdsa, recomputes every value
// digest (ISO/IEC 18013-5 §9.1.2.4) and decodes the device key from its
// COSE_Key form by hand. Only tests import it.
package mdoctest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Document is a verified mdoc.
type Document struct {
	DocType string
	// Elements maps namespace → element identifier → element value, decoded
	// generically: maps as map[any]any, tdate (tag 0) as time.Time, other
	// tags (e.g. full-date, 1004) as cbor.Tag.
	Elements map[string]map[string]any
	// DigestIDs maps namespace → element identifier → digestID.
	DigestIDs map[string]map[string]uint64
	// Salts maps namespace → element identifier → random.
	Salts map[string]map[string][]byte
	// Chain is x5chain, leaf (document signer) first.
	Chain     []*x509.Certificate
	DeviceKey crypto.PublicKey
	// Signed, ValidFrom and ValidUntil are validityInfo.
	Signed, ValidFrom, ValidUntil time.Time
	// Status is the MSO's status, generically decoded; nil without one.
	Status map[any]any
	// IssuerSigned is the decoded base64url: the CBOR IssuerSigned.
	IssuerSigned []byte
	// MSO is the encoded MobileSecurityObject (inside tag 24).
	MSO []byte
}

// Options are the expectations Verify checks beyond the structure, the
// signature and the digests. Zero fields are not checked.
type Options struct {
	DocType   string
	DeviceKey crypto.PublicKey
	// Now must lie in [validFrom, validUntil).
	Now time.Time
}

// The COSE algorithm Verify accepts (RFC 9053 §2.1).
const algES256 = -7

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{DupMapKey: cbor.DupMapKeyEnforcedAPF, IndefLength: cbor.IndefLengthForbidden}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// Verify decodes credential (unpadded base64url of IssuerSigned) and checks
// it: issuerAuth is a COSE_Sign1 with ES256 whose signature verifies with the
// x5chain leaf's key, the payload is a tag-24 MSO with version 1.0,
// SHA-256, every IssuerSignedItem's digest in valueDigests under its
// digestID (digestIDs and element identifiers unique per namespace),
// salts of at least 16 bytes, a COSE_Key device key and a validityInfo with
// signed ≤ validFrom < validUntil; then opts.
func Verify(credential string, opts Options) (*Document, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(credential)
	if err != nil {
		return nil, fmt.Errorf("credential is not unpadded base64url: %w", err)
	}
	d := &Document{IssuerSigned: raw}
	var top map[string]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("IssuerSigned is not a CBOR map with text keys: %w", err)
	}
	auth, ok := top["issuerAuth"]
	if !ok {
		return nil, errors.New("IssuerSigned has no issuerAuth")
	}
	payload, err := d.verifySign1(auth)
	if err != nil {
		return nil, fmt.Errorf("issuerAuth: %w", err)
	}
	digests, err := d.decodeMSO(payload)
	if err != nil {
		return nil, fmt.Errorf("MSO: %w", err)
	}
	if ns, ok := top["nameSpaces"]; ok {
		if err := d.checkNameSpaces(ns, digests); err != nil {
			return nil, fmt.Errorf("nameSpaces: %w", err)
		}
	}
	return d, d.check(opts)
}

// verifySign1 checks the COSE_Sign1 and returns its payload.
func (d *Document) verifySign1(raw cbor.RawMessage) ([]byte, error) {
	if len(raw) > 0 && raw[0] == 0xd2 { // tag 18: tolerated, though ISO uses the untagged form
		var t cbor.RawTag
		if err := decMode.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		raw = t.Content
	}
	var parts []cbor.RawMessage
	if err := decMode.Unmarshal(raw, &parts); err != nil || len(parts) != 4 {
		return nil, fmt.Errorf("not a COSE_Sign1 array of 4 (%v)", err)
	}
	var protected, payload, sig []byte
	var unprotected map[any]any
	for i, dst := range []any{&protected, &unprotected, &payload, &sig} {
		if err := decMode.Unmarshal(parts[i], dst); err != nil {
			return nil, fmt.Errorf("COSE_Sign1 member %d: %w", i, err)
		}
	}
	var ph map[any]any
	if err := decMode.Unmarshal(protected, &ph); err != nil {
		return nil, fmt.Errorf("protected header: %w", err)
	}
	if alg, _ := ph[uint64(1)].(int64); alg != algES256 {
		return nil, fmt.Errorf("protected alg: got %v, want %d (ES256)", ph[uint64(1)], algES256)
	}
	if payload == nil {
		return nil, errors.New("detached payload; an mdoc embeds the MSO")
	}
	chain, err := x5chain(unprotected[uint64(33)])
	if err != nil {
		return nil, err
	}
	d.Chain = chain
	pub, ok := chain[0].PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("x5chain leaf key is not a P-256 key")
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("ES256 signature is %d bytes, want 64 (r||s)", len(sig))
	}
	toBeSigned, err := cbor.Marshal([]any{"Signature1", protected, []byte{}, payload})
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(toBeSigned)
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return nil, errors.New("signature does not verify with the x5chain leaf key")
	}
	return payload, nil
}

// x5chain decodes header label 33: one bstr, or an array of bstr.
func x5chain(v any) ([]*x509.Certificate, error) {
	var ders [][]byte
	switch v := v.(type) {
	case []byte:
		ders = [][]byte{v}
	case []any:
		for _, el := range v {
			b, ok := el.([]byte)
			if !ok {
				return nil, fmt.Errorf("x5chain element is %T, want bstr", el)
			}
			ders = append(ders, b)
		}
	default:
		return nil, fmt.Errorf("unprotected header x5chain (33): got %T, want bstr or array of bstr", v)
	}
	if len(ders) == 0 {
		return nil, errors.New("x5chain is empty")
	}
	chain := make([]*x509.Certificate, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("x5chain[%d]: %w", i, err)
		}
		chain[i] = c
	}
	return chain, nil
}

// unwrap24 decodes #6.24(bstr) and returns the embedded bytes.
func unwrap24(raw []byte) ([]byte, error) {
	var t cbor.RawTag
	if err := decMode.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("not a tag: %w", err)
	}
	if t.Number != 24 {
		return nil, fmt.Errorf("tag %d, want 24", t.Number)
	}
	var inner []byte
	if err := decMode.Unmarshal(t.Content, &inner); err != nil {
		return nil, fmt.Errorf("tag 24 content is not a bstr: %w", err)
	}
	return inner, nil
}

// decodeMSO checks the MobileSecurityObject and returns its valueDigests.
func (d *Document) decodeMSO(payload []byte) (map[string]map[uint64][]byte, error) {
	mso, err := unwrap24(payload)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	d.MSO = mso
	var m map[string]cbor.RawMessage
	if err := decMode.Unmarshal(mso, &m); err != nil {
		return nil, err
	}
	var version, alg string
	for name, dst := range map[string]any{"version": &version, "digestAlgorithm": &alg, "docType": &d.DocType} {
		if err := decMode.Unmarshal(m[name], dst); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if version != "1.0" || alg != "SHA-256" {
		return nil, fmt.Errorf("version %q digestAlgorithm %q, want 1.0 and SHA-256", version, alg)
	}
	var digests map[string]map[uint64][]byte
	if err := decMode.Unmarshal(m["valueDigests"], &digests); err != nil {
		return nil, fmt.Errorf("valueDigests: %w", err)
	}
	var dki map[string]cbor.RawMessage
	if err := decMode.Unmarshal(m["deviceKeyInfo"], &dki); err != nil {
		return nil, fmt.Errorf("deviceKeyInfo: %w", err)
	}
	if d.DeviceKey, err = deviceKey(dki["deviceKey"]); err != nil {
		return nil, fmt.Errorf("deviceKeyInfo.deviceKey: %w", err)
	}
	if err := d.decodeValidity(m["validityInfo"]); err != nil {
		return nil, fmt.Errorf("validityInfo: %w", err)
	}
	if raw, ok := m["status"]; ok {
		if err := decMode.Unmarshal(raw, &d.Status); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		if sl, ok := d.Status["status_list"].(map[any]any); ok {
			if _, ok := sl["idx"].(uint64); !ok {
				return nil, fmt.Errorf("status.status_list.idx: got %T, want uint", sl["idx"])
			}
			if _, ok := sl["uri"].(string); !ok {
				return nil, fmt.Errorf("status.status_list.uri: got %T, want tstr", sl["uri"])
			}
		}
	}
	return digests, nil
}

// deviceKey decodes a COSE_Key (RFC 9052 §7; RFC 9053 §7.1, §7.2).
func deviceKey(raw cbor.RawMessage) (crypto.PublicKey, error) {
	var k map[int64]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("not a COSE_Key: %w", err)
	}
	var kty, crv int64
	var x, y []byte
	for label, dst := range map[int64]any{1: &kty, -1: &crv, -2: &x} {
		if err := decMode.Unmarshal(k[label], dst); err != nil {
			return nil, fmt.Errorf("label %d: %w", label, err)
		}
	}
	if _, private := k[-4]; private {
		return nil, errors.New("COSE_Key holds a private key (d)")
	}
	switch {
	case kty == 2: // EC2
		if err := decMode.Unmarshal(k[-3], &y); err != nil {
			return nil, fmt.Errorf("label -3: %w", err)
		}
		curves := map[int64]elliptic.Curve{1: elliptic.P256(), 2: elliptic.P384(), 3: elliptic.P521()}
		curve, ok := curves[crv]
		if !ok {
			return nil, fmt.Errorf("EC2 crv %d unsupported", crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, fmt.Errorf("x/y are %d/%d bytes, want %d", len(x), len(y), size)
		}
		return ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	case kty == 1 && crv == 6: // OKP Ed25519
		if len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 x is %d bytes", len(x))
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("kty %d crv %d unsupported", kty, crv)
}

// decodeValidity reads signed, validFrom and validUntil: tdate, tag 0, in
// UTC without fractional seconds.
func (d *Document) decodeValidity(raw cbor.RawMessage) error {
	var vi map[string]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &vi); err != nil {
		return err
	}
	for name, dst := range map[string]*time.Time{"signed": &d.Signed, "validFrom": &d.ValidFrom, "validUntil": &d.ValidUntil} {
		var t cbor.RawTag
		if err := decMode.Unmarshal(vi[name], &t); err != nil || t.Number != 0 {
			return fmt.Errorf("%s is not a tdate (tag 0): %v", name, err)
		}
		var s string
		if err := decMode.Unmarshal(t.Content, &s); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil || tm.UTC().Format("2006-01-02T15:04:05Z") != s {
			return fmt.Errorf("%s %q is not RFC 3339 in UTC without fractional seconds", name, s)
		}
		*dst = tm
	}
	if d.ValidFrom.Before(d.Signed) || !d.ValidUntil.After(d.ValidFrom) {
		return fmt.Errorf("want signed ≤ validFrom < validUntil, got %s, %s, %s", d.Signed, d.ValidFrom, d.ValidUntil)
	}
	return nil
}

// checkNameSpaces recomputes every item's digest and decodes the elements.
func (d *Document) checkNameSpaces(raw cbor.RawMessage, digests map[string]map[uint64][]byte) error {
	var nss map[string][]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &nss); err != nil {
		return err
	}
	d.Elements, d.DigestIDs, d.Salts = map[string]map[string]any{}, map[string]map[string]uint64{}, map[string]map[string][]byte{}
	for ns, items := range nss {
		want, ok := digests[ns]
		if !ok {
			return fmt.Errorf("namespace %s has no valueDigests", ns)
		}
		d.Elements[ns], d.DigestIDs[ns], d.Salts[ns] = map[string]any{}, map[string]uint64{}, map[string][]byte{}
		seen := map[uint64]bool{}
		for i, item := range items {
			sum := sha256.Sum256(item)
			inner, err := unwrap24(item)
			if err != nil {
				return fmt.Errorf("%s[%d]: %w", ns, i, err)
			}
			var m map[string]cbor.RawMessage
			if err := decMode.Unmarshal(inner, &m); err != nil || len(m) != 4 {
				return fmt.Errorf("%s[%d]: not an IssuerSignedItem of 4 members (%v)", ns, i, err)
			}
			var id uint64
			var salt []byte
			var name string
			var value any
			for key, dst := range map[string]any{"digestID": &id, "random": &salt, "elementIdentifier": &name, "elementValue": &value} {
				if err := decMode.Unmarshal(m[key], dst); err != nil {
					return fmt.Errorf("%s[%d].%s: %w", ns, i, key, err)
				}
			}
			if seen[id] {
				return fmt.Errorf("%s: digestID %d used twice", ns, id)
			}
			seen[id] = true
			if _, dup := d.Elements[ns][name]; dup {
				return fmt.Errorf("%s: element %s issued twice", ns, name)
			}
			if len(salt) < 16 {
				return fmt.Errorf("%s/%s: random is %d bytes, want at least 16", ns, name, len(salt))
			}
			if !bytes.Equal(want[id], sum[:]) {
				return fmt.Errorf("%s/%s: SHA-256 of the IssuerSignedItemBytes does not match valueDigests[%d]", ns, name, id)
			}
			d.Elements[ns][name], d.DigestIDs[ns][name], d.Salts[ns][name] = value, id, salt
		}
	}
	return nil
}

// check applies opts.
func (d *Document) check(opts Options) error {
	if opts.DocType != "" && d.DocType != opts.DocType {
		return fmt.Errorf("docType: got %q, want %q", d.DocType, opts.DocType)
	}
	if opts.DeviceKey != nil {
		k, ok := d.DeviceKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !k.Equal(opts.DeviceKey) {
			return errors.New("deviceKey is not the expected holder key")
		}
	}
	if !opts.Now.IsZero() && (opts.Now.Before(d.ValidFrom) || !opts.Now.Before(d.ValidUntil)) {
		return fmt.Errorf("not valid at %s (validFrom %s, validUntil %s)", opts.Now, d.ValidFrom, d.ValidUntil)
	}
	return nil
}
