package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkedSDJWT is what checkSDJWT learned from a credential.
type checkedSDJWT struct {
	Header  map[string]any
	Payload map[string]any
	// Claims is the payload with every disclosure put back in place and the
	// SD-JWT machinery (_sd, _sd_alg) removed.
	Claims map[string]any
	// Disclosed names the claims that were selectively disclosable.
	Disclosed []string
}

// checkSDJWT verifies an SD-JWT VC the way a verifier would, with no credmint
// code: the issuer key is taken from /.well-known/jwt-vc-issuer, the
// signature checked with crypto/ecdsa, every disclosure digest recomputed.
func checkSDJWT(t *testing.T, h *harness, sdjwt string) checkedSDJWT {
	t.Helper()
	return checkSDJWTTyped(t, h, sdjwt, "dc+sd-jwt")
}

// checkSDJWTTyped is checkSDJWT for an issuer-signed JWT whose typ is typ
// (vc+sd-jwt for the draft twins).
func checkSDJWTTyped(t *testing.T, h *harness, sdjwt, typ string) checkedSDJWT {
	t.Helper()
	parts := strings.Split(sdjwt, "~")
	if len(parts) < 2 || parts[len(parts)-1] != "" {
		t.Fatalf("SD-JWT must end with ~ and have no key binding JWT: %q", sdjwt)
	}
	jwt, disclosures := parts[0], parts[1:len(parts)-1]
	segs := strings.Split(jwt, ".")
	if len(segs) != 3 {
		t.Fatalf("issuer-signed JWT has %d segments, want 3", len(segs))
	}
	var c checkedSDJWT
	decodeSegment(t, segs[0], &c.Header)
	decodeSegment(t, segs[1], &c.Payload)
	if c.Header["typ"] != typ || c.Header["alg"] != "ES256" {
		t.Fatalf("header: got typ %v alg %v, want %s ES256", c.Header["typ"], c.Header["alg"], typ)
	}

	pub := issuerKey(t, h, c.Header["kid"])
	leaf := x5cLeaf(t, c.Header)
	if !leaf.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("x5c leaf certificate key differs from the published jwt-vc-issuer key")
	}
	sig := mustB64(t, segs[2])
	if len(sig) != 64 {
		t.Fatalf("ES256 signature is %d bytes, want 64", len(sig))
	}
	digest := sha256.Sum256([]byte(segs[0] + "." + segs[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		t.Fatal("credential signature does not verify with the issuer's published key")
	}

	byDigest := map[string][]any{}
	for _, d := range disclosures {
		sum := sha256.Sum256([]byte(d))
		var arr []any
		if err := json.Unmarshal(mustB64(t, d), &arr); err != nil || (len(arr) != 2 && len(arr) != 3) {
			t.Fatalf("disclosure %q is not a JSON array of 2 or 3", d)
		}
		if salt, _ := arr[0].(string); len(mustB64(t, salt)) < 16 {
			t.Fatalf("disclosure salt %q is shorter than 128 bits", salt)
		}
		byDigest[base64.RawURLEncoding.EncodeToString(sum[:])] = arr
	}
	if len(disclosures) > 0 && c.Payload["_sd_alg"] != "sha-256" {
		t.Fatalf("_sd_alg: got %v, want sha-256", c.Payload["_sd_alg"])
	}
	used := map[string]bool{}
	c.Claims = restore(t, c.Payload, byDigest, used, "", &c.Disclosed).(map[string]any)
	if len(used) != len(byDigest) {
		t.Fatalf("%d disclosures are not referenced by any digest", len(byDigest)-len(used))
	}
	delete(c.Claims, "_sd_alg")
	return c
}

// restore replaces digests by the disclosed values, recursively.
func restore(t *testing.T, v any, byDigest map[string][]any, used map[string]bool, path string, disclosed *[]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if k != "_sd" {
				out[k] = restore(t, val, byDigest, used, join(path, k), disclosed)
			}
		}
		sd, _ := x["_sd"].([]any)
		for _, d := range sd {
			arr, ok := byDigest[d.(string)]
			if !ok {
				continue // a decoy
			}
			if used[d.(string)] || len(arr) != 3 {
				t.Fatalf("digest %v used twice or not an object disclosure", d)
			}
			used[d.(string)] = true
			name := arr[1].(string)
			if _, clash := out[name]; clash {
				t.Fatalf("disclosed claim %q also appears in the clear", name)
			}
			*disclosed = append(*disclosed, join(path, name))
			out[name] = restore(t, arr[2], byDigest, used, join(path, name), disclosed)
		}
		return out
	case []any:
		out := []any{}
		for _, el := range x {
			if m, ok := el.(map[string]any); ok && len(m) == 1 && m["..."] != nil {
				d := m["..."].(string)
				arr, ok := byDigest[d]
				if !ok {
					continue
				}
				used[d] = true
				*disclosed = append(*disclosed, path+"[]")
				out = append(out, restore(t, arr[1], byDigest, used, path+"[]", disclosed))
				continue
			}
			out = append(out, restore(t, el, byDigest, used, path+"[]", disclosed))
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

// issuerKey fetches the JWT VC issuer metadata and returns the key with kid.
func issuerKey(t *testing.T, h *harness, kid any) *ecdsa.PublicKey {
	t.Helper()
	u, _ := url.Parse(h.url)
	res := h.getJSON(u.Scheme + "://" + u.Host + "/.well-known/jwt-vc-issuer" + u.Path)
	if res.Status != http.StatusOK {
		t.Fatalf("jwt-vc-issuer metadata: got %d", res.Status)
	}
	var md struct {
		Issuer string `json:"issuer"`
		JWKS   struct {
			Keys []map[string]any `json:"keys"`
		} `json:"jwks"`
	}
	res.JSON(t, &md)
	if md.Issuer != h.url {
		t.Fatalf("jwt-vc-issuer issuer: got %q, want %q", md.Issuer, h.url)
	}
	for _, k := range md.JWKS.Keys {
		if k["kid"] == kid {
			if _, private := k["d"]; private {
				t.Fatal("published JWKS contains a private key")
			}
			return &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(mustB64(t, k["x"].(string))), Y: new(big.Int).SetBytes(mustB64(t, k["y"].(string)))}
		}
	}
	t.Fatalf("kid %v is not published in jwt-vc-issuer metadata", kid)
	return nil
}

func x5cLeaf(t *testing.T, header map[string]any) *x509.Certificate {
	t.Helper()
	chain, _ := header["x5c"].([]any)
	if len(chain) == 0 {
		t.Fatal("credential header has no x5c")
	}
	der, err := base64.StdEncoding.DecodeString(chain[0].(string))
	if err != nil {
		t.Fatalf("x5c[0] is not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("x5c[0] is not a certificate: %v", err)
	}
	return cert
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	if err := json.Unmarshal(mustB64(t, seg), v); err != nil {
		t.Fatalf("segment is not JSON: %v", err)
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not unpadded base64url: %v", s, err)
	}
	return b
}
