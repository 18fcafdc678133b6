package sdjwt

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"credmint/app/credential"
)

// saltSize is the salt length in bytes: 128 bits, as RFC 9901 §4.2.1
// recommends.
const saltSize = 16

// SD-JWT structural member names (RFC 9901 §4.1.1, §4.2.4).
const (
	sdKey    = "_sd"
	sdAlgKey = "_sd_alg"
	arrayKey = "..."
)

// discloser turns claims into disclosures and records them in creation order.
type discloser struct {
	rand        io.Reader
	disclosures []string
}

// selectivePaths returns the paths of c's selective claims, deepest first, so
// that a claim is disclosed before any selective ancestor wraps it
// (recursive disclosure, RFC 9901 §4.2.6). Equal depths keep c's order.
func selectivePaths(c *credential.Configuration) [][]any {
	var paths [][]any
	for _, cl := range c.Claims {
		if cl.Selective && len(cl.Path) > 0 {
			paths = append(paths, cl.Path)
		}
	}
	slices.SortStableFunc(paths, func(a, b []any) int { return len(b) - len(a) })
	return paths
}

// disclose replaces every value path selects in root with a digest: object
// properties move into their parent's _sd array, array elements become
// {"...": digest}. Values path does not select are left alone.
func (d *discloser) disclose(root map[string]any, path []any) error {
	parents := credential.Select(root, path[:len(path)-1])
	switch last := path[len(path)-1].(type) {
	case string:
		for _, p := range parents {
			if obj, ok := p.(map[string]any); ok {
				if err := d.property(obj, last); err != nil {
					return err
				}
			}
		}
	case nil, int:
		index, one := last.(int)
		for _, p := range parents {
			arr, ok := p.([]any)
			if !ok {
				continue
			}
			for i := range arr {
				if one && i != index {
					continue
				}
				if err := d.element(arr, i); err != nil {
					return err
				}
			}
		}
	default:
		return fmt.Errorf("sdjwt: claim path %s: element %v is not a name, an index or null", credential.PathString(path), last)
	}
	return nil
}

// property discloses obj[name] (RFC 9901 §4.2.1, §4.2.4.1). The _sd array is
// kept sorted so that digest order says nothing about claim order.
func (d *discloser) property(obj map[string]any, name string) error {
	v, ok := obj[name]
	if !ok {
		return nil
	}
	digest, err := d.add(name, v)
	if err != nil {
		return err
	}
	delete(obj, name)
	sd, _ := obj[sdKey].([]any)
	sd = append(sd, digest)
	slices.SortFunc(sd, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	obj[sdKey] = sd
	return nil
}

// element discloses arr[i] (RFC 9901 §4.2.2, §4.2.4.2).
func (d *discloser) element(arr []any, i int) error {
	digest, err := d.add(arr[i])
	if err != nil {
		return err
	}
	arr[i] = map[string]any{arrayKey: digest}
	return nil
}

// add creates the disclosure [salt, parts...] and returns its digest:
// base64url(SHA-256(the ASCII disclosure string)) (RFC 9901 §4.2.3).
func (d *discloser) add(parts ...any) (string, error) {
	salt := make([]byte, saltSize)
	if _, err := io.ReadFull(d.rand, salt); err != nil {
		return "", fmt.Errorf("sdjwt: salt: %w", err)
	}
	arr := append([]any{base64.RawURLEncoding.EncodeToString(salt)}, parts...)
	raw, err := marshal(arr)
	if err != nil {
		return "", err
	}
	disclosure := base64.RawURLEncoding.EncodeToString(raw)
	d.disclosures = append(d.disclosures, disclosure)
	sum := sha256.Sum256([]byte(disclosure))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// includedClaims returns a deep copy of the members of data that go into the
// credential: all of them when c declares no claims, otherwise those whose
// name starts a declared claim path. Names that would clash with registered
// or structural claims are an error.
func includedClaims(c *credential.Configuration, data map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(c.Claims) == 0 {
		for name, v := range data {
			out[name] = deepCopy(v)
		}
	} else {
		for _, name := range c.TopLevelClaims() {
			if v, ok := data[name]; ok {
				out[name] = deepCopy(v)
			}
		}
	}
	for name, v := range out {
		if reservedTopLevel[name] {
			return nil, fmt.Errorf("sdjwt: dataset member %q is a registered claim of the issuer-signed JWT", name)
		}
		if err := checkNested(name, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkNested rejects objects below path that use SD-JWT structural names.
func checkNested(path string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		for name, child := range v {
			if reservedNested[name] {
				return fmt.Errorf("sdjwt: dataset member %s.%s uses the SD-JWT name %q", path, name, name)
			}
			if err := checkNested(path+"."+name, child); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range v {
			if err := checkNested(fmt.Sprintf("%s[%d]", path, i), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// deepCopy copies the JSON objects and arrays in v, so that disclosing does
// not modify the caller's dataset.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, child := range v {
			m[k] = deepCopy(child)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, child := range v {
			a[i] = deepCopy(child)
		}
		return a
	}
	return v
}

// marshal encodes v as compact JSON without HTML escaping. encoding/json
// sorts object members, so equal inputs give equal bytes.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("sdjwt: encode JSON: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
