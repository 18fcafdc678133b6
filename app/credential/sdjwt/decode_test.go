package sdjwt

// An SD-JWT decoder and verifier written for the tests from RFC 9901 §4 and
// §7.1 alone: it shares no code with the issuing side and does not use
// go-jose, so the two cannot agree on a mistake.

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
)

// decoded is a verified SD-JWT taken apart.
type decoded struct {
	rawHeader   []byte
	header      map[string]any
	rawPayload  []byte
	payload     map[string]any // as signed, with digests
	leaf        *x509.Certificate
	disclosures []*decodedDisclosure
	claims      map[string]any // with every disclosure substituted
	paths       []string       // claim paths that were disclosed, sorted
}

type decodedDisclosure struct {
	encoded string
	digest  string
	salt    string
	parts   []any // [salt, name, value] or [salt, value]
	used    int
}

// decodeSDJWT parses the issuance form, verifies the ES256 signature against
// the x5c leaf and rebuilds the full claim set. Any violation fails t.
func decodeSDJWT(t *testing.T, sdjwt string) *decoded {
	t.Helper()
	if !strings.HasSuffix(sdjwt, "~") {
		t.Fatalf("SD-JWT %q does not end with ~", sdjwt)
	}
	parts := strings.Split(strings.TrimSuffix(sdjwt, "~"), "~")
	d := &decoded{}
	d.verifyJWS(t, parts[0])
	byDigest := map[string]*decodedDisclosure{}
	for i, enc := range parts[1:] {
		dd := decodeDisclosure(t, enc)
		if byDigest[dd.digest] != nil {
			t.Fatalf("disclosure %d: digest %s appears twice", i, dd.digest)
		}
		d.disclosures = append(d.disclosures, dd)
		byDigest[dd.digest] = dd
	}
	d.checkDigestPlacement(t)
	claims := d.rebuild(t, d.payload, "", byDigest).(map[string]any)
	for _, dd := range d.disclosures {
		if dd.used != 1 {
			t.Errorf("disclosure %v used %d times, want once", dd.parts, dd.used)
		}
	}
	delete(claims, "_sd_alg")
	d.claims = claims
	slices.Sort(d.paths)
	return d
}

// verifyJWS decodes the header and payload and checks the signature.
func (d *decoded) verifyJWS(t *testing.T, jws string) {
	t.Helper()
	segs := strings.Split(jws, ".")
	if len(segs) != 3 {
		t.Fatalf("JWS has %d segments, want 3", len(segs))
	}
	d.rawHeader = b64(t, segs[0])
	d.rawPayload = b64(t, segs[1])
	d.header = jsonObject(t, d.rawHeader)
	d.payload = jsonObject(t, d.rawPayload)
	x5c, _ := d.header["x5c"].([]any)
	if len(x5c) == 0 {
		t.Fatalf("header %s has no x5c", d.rawHeader)
	}
	der, err := base64.StdEncoding.DecodeString(x5c[0].(string))
	if err != nil {
		t.Fatalf("x5c[0]: %v", err)
	}
	if d.leaf, err = x509.ParseCertificate(der); err != nil {
		t.Fatalf("x5c[0]: %v", err)
	}
	pub, ok := d.leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("x5c leaf key is %T, want *ecdsa.PublicKey", d.leaf.PublicKey)
	}
	sig := b64(t, segs[2])
	if len(sig) != 64 {
		t.Fatalf("ES256 signature is %d bytes, want 64 (r||s)", len(sig))
	}
	digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		t.Fatal("ES256 signature does not verify against the x5c leaf")
	}
}

// decodeDisclosure decodes one disclosure and computes its digest over the
// encoded (ASCII) form, RFC 9901 §4.2.3.
func decodeDisclosure(t *testing.T, enc string) *decodedDisclosure {
	t.Helper()
	var parts []any
	if err := json.Unmarshal(b64(t, enc), &parts); err != nil {
		t.Fatalf("disclosure %s: %v", enc, err)
	}
	if len(parts) != 2 && len(parts) != 3 {
		t.Fatalf("disclosure %v has %d elements, want 2 or 3", parts, len(parts))
	}
	salt, ok := parts[0].(string)
	if !ok {
		t.Fatalf("disclosure %v: salt is not a string", parts)
	}
	if n := len(b64(t, salt)); n < 16 {
		t.Errorf("disclosure %v: salt has %d bytes, want at least 16", parts, n)
	}
	if len(parts) == 3 {
		name, ok := parts[1].(string)
		if !ok || name == "_sd" || name == "..." {
			t.Fatalf("disclosure %v: bad claim name", parts)
		}
	}
	sum := sha256.Sum256([]byte(enc))
	return &decodedDisclosure{encoded: enc, digest: base64.RawURLEncoding.EncodeToString(sum[:]), salt: salt, parts: parts}
}

// checkDigestPlacement counts every digest in _sd arrays and "..." elements
// of the payload and of disclosed values: each disclosure's digest must occur
// exactly once, and every _sd array must be sorted.
func (d *decoded) checkDigestPlacement(t *testing.T) {
	t.Helper()
	count := map[string]int{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if sd, ok := v["_sd"].([]any); ok {
				var s []string
				for _, x := range sd {
					s = append(s, x.(string))
					count[x.(string)]++
				}
				if !slices.IsSorted(s) {
					t.Errorf("_sd %v is not sorted", s)
				}
			}
			for k, child := range v {
				if k != "_sd" {
					walk(child)
				}
			}
		case []any:
			for _, el := range v {
				if m, ok := el.(map[string]any); ok && len(m) == 1 && m["..."] != nil {
					count[m["..."].(string)]++
					continue
				}
				walk(el)
			}
		}
	}
	walk(d.payload)
	for _, dd := range d.disclosures {
		walk(dd.parts[len(dd.parts)-1])
	}
	for _, dd := range d.disclosures {
		if count[dd.digest] != 1 {
			t.Errorf("digest of %v occurs %d times, want once", dd.parts, count[dd.digest])
		}
	}
}

// rebuild substitutes disclosures into v (RFC 9901 §7.1 step 3), recording
// the path of each disclosed claim. It fails on decoys, since credmint makes
// none, and on claim names that collide.
func (d *decoded) rebuild(t *testing.T, v any, path string, byDigest map[string]*decodedDisclosure) any {
	t.Helper()
	lookup := func(digest string, want int) *decodedDisclosure {
		dd := byDigest[digest]
		if dd == nil {
			t.Fatalf("%s: digest %s has no disclosure", path, digest)
		}
		if len(dd.parts) != want {
			t.Fatalf("%s: disclosure %v has %d elements, want %d", path, dd.parts, len(dd.parts), want)
		}
		dd.used++
		return dd
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range v {
			if k == "_sd_alg" && path != "" {
				t.Errorf("%s: _sd_alg below the top level", path)
			}
			if k != "_sd" {
				out[k] = d.rebuild(t, child, join(path, k), byDigest)
			}
		}
		sd, _ := v["_sd"].([]any)
		for _, digest := range sd {
			dd := lookup(digest.(string), 3)
			name := dd.parts[1].(string)
			if _, dup := out[name]; dup {
				t.Fatalf("%s: disclosed claim %q is also a plain claim", path, name)
			}
			d.paths = append(d.paths, join(path, name))
			out[name] = d.rebuild(t, dd.parts[2], join(path, name), byDigest)
		}
		return out
	case []any:
		out := []any{}
		for i, el := range v {
			elPath := fmt.Sprintf("%s[%d]", path, i)
			if m, ok := el.(map[string]any); ok && len(m) == 1 && m["..."] != nil {
				dd := lookup(m["..."].(string), 2)
				d.paths = append(d.paths, elPath)
				el = dd.parts[1]
			}
			out = append(out, d.rebuild(t, el, elPath, byDigest))
		}
		return out
	}
	return v
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// b64 decodes unpadded base64url strictly.
func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("base64url %q: %v", s, err)
	}
	return b
}

func jsonObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JSON %s: %v", b, err)
	}
	return m
}

// TestDecoderKnownAnswer checks the test decoder against the disclosure and
// digest of the family_name example in RFC 9901 §4.2.1/§4.2.3.
func TestDecoderKnownAnswer(t *testing.T) {
	dd := decodeDisclosure(t, "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0")
	if want := "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"; dd.digest != want {
		t.Errorf("digest = %s, want %s", dd.digest, want)
	}
	if got := dd.parts[2]; got != "Möbius" {
		t.Errorf("value = %v, want Möbius", got)
	}
}
